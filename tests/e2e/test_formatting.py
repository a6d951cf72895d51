"""One way of writing dates, times and amounts on every page, as an operator reads them.

Times show in the operator's time zone ("2 Dec 2026, 02:54 CET"), set with
`pilotomail-admin operator add --timezone` or on Settings -> Time zone; days read "20 Nov 2026";
amounts carry their currency, and nothing to pay reads "included". Values are joined with
non-breaking spaces so that they never wrap. The Charges page sums charges per billing state and
per month; a space in use cannot be removed, and its Remove button says so before any click.
"""
import html
import re
import time

from test_mail_charges import act, add_mailbox, add_offering, record

NBSP = "\u00a0"
ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
PASSWORD = "correct horse battery"


def operator(app, email, *extra):
    r = app.admin("operator", "add", email, "--name", "Acme", *extra, input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    c = app.client()
    c.login(email, PASSWORD)
    c.operator_id = app.query("SELECT id FROM operators WHERE email = ?", email)[0]["id"]
    return c


def page_text(r):
    """What a reader sees, spaces as they are (a non-breaking space stays one)."""
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", r.text)))


def scanned_item(app, op):
    offering = add_offering(op, app, scan=(1, "2.50"), forward=(0, "0"))
    _, box = add_mailbox(app, op.operator_id, offering, name="Grace Hopper")
    item_id = record(op, box, received_on="2026-11-20")
    assert act(op, item_id, "scan").status == 303
    return item_id


def test_times_show_in_the_operators_time_zone_everywhere(app):
    op = operator(app, "berlin@example.com", "--timezone", "Europe/Berlin")
    item_id = scanned_item(app, op)
    created = app.query("SELECT created_at FROM action_requests")[0]["created_at"]
    page = op.get("/mail/%d" % item_id)
    text = page_text(page)
    # The scan's time, in Berlin's zone, and the received day, in one readable form each.
    assert re.search(r"\d{1,2}_\w{3}_\d{4},_\d\d:\d\d_CES?T".replace("_", NBSP), text), text
    assert "20%sNov%s2026" % (NBSP, NBSP) in text
    for path in ("/mail/%d" % item_id, "/mail", "/charges", "/mailboxes", "/activity"):
        assert not ISO_INSTANT.search(op.get(path).text), path
    shown = op.get("/settings/time-zone")
    assert re.search(r'<option value="Europe/Berlin" selected>', shown.text)

    # The operator moves to New York: the same instant now reads in EST/EDT.
    r = op.post("/settings/time-zone", {"timezone": "America/New_York"}, follow=True)
    assert r.status == 200 and "Dates and times now show in America/New_York." in page_text(r)
    assert re.search(r"\d\d:\d\d" + NBSP + "E[SD]T", page_text(op.get("/mail/%d" % item_id)))
    assert app.query("SELECT timezone FROM operators WHERE id = ?", op.operator_id) == [
        {"timezone": "America/New_York"}]
    assert created  # the stored instant itself never changed
    assert app.query("SELECT created_at FROM action_requests")[0]["created_at"] == created


def test_a_time_zone_that_does_not_exist_changes_nothing(app):
    op = operator(app, "utc@example.com")
    assert app.query("SELECT timezone FROM operators") == [{"timezone": "UTC"}]
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "Europe"):
        r = op.post("/settings/time-zone", {"timezone": bad})
        assert r.status == 422 and "Nothing was changed" in page_text(r), bad
    assert app.query("SELECT timezone FROM operators") == [{"timezone": "UTC"}]

    r = app.admin("operator", "add", "mars@example.com", "--timezone", "Mars/Olympus", input=PASSWORD + "\n")
    assert r.returncode == 1 and "not a time zone" in r.stderr
    assert app.query("SELECT count(*) AS n FROM operators WHERE email = 'mars@example.com'") == [{"n": 0}]
    r = app.admin("operator", "add", "tokyo@example.com", "--timezone", "Asia/Tokyo", input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "time zone:          Asia/Tokyo" in app.admin("operator", "show", "tokyo@example.com").stdout


def test_amounts_carry_their_currency_and_nothing_to_pay_reads_included(app):
    op = operator(app, "money@example.com")
    item_id = scanned_item(app, op)       # the first scan of the month is free
    page = op.get("/mail/%d" % item_id)
    assert "included" in page_text(page)
    assert "0.00 USD" not in page_text(page).replace(NBSP, " ")
    # The forward fee is 0: it reads "included", not "then 0.00".
    assert "included, plus postage" in page_text(page)

    second = record(op, app.query("SELECT id FROM mailboxes")[0]["id"], received_on="2026-11-21")
    assert act(op, second, "scan").status == 303
    charges = op.get("/charges")
    assert "2.50%sUSD" % NBSP in charges.text  # one value that never wraps
    text = page_text(charges)
    assert "included" in text and "0.00" not in text


def test_charges_page_sums_per_state_and_per_month(app):
    op = operator(app, "totals@example.com")
    offering = add_offering(op, app, scan=(0, "2.50"), shred=(0, "1.25"))
    _, box = add_mailbox(app, op.operator_id, offering)
    for day in ("2026-10-30", "2026-11-02", "2026-11-03"):
        assert act(op, record(op, box, received_on=day), "scan").status == 303
    con = app.db()
    try:  # one charge moved to October; one whose booking failed, as the worker leaves it
        con.execute("UPDATE charges SET charge_date = '2026-10-31' WHERE id = 1")
        con.execute("UPDATE charges SET billing_state = 'failed', last_error = 'x' WHERE id = 2")
        con.commit()
    finally:
        con.close()
    text = page_text(op.get("/charges")).replace(NBSP, " ")
    by_state = text[text.index("Totals by billing state"):text.index("Totals by month")]
    assert re.search(r"Failed 1 2\.50 USD", by_state), by_state
    assert re.search(r"Not billed 2 5\.00 USD", by_state), by_state
    by_month = text[text.index("Totals by month"):]
    this_month = time.strftime("%b %Y", time.gmtime())  # a charge is dated the day it is made
    assert re.search(this_month + r" 2 5\.00 USD .*Oct 2026 1 2\.50 USD", by_month), by_month


def test_remove_is_disabled_on_a_space_in_use_and_says_why(app):
    op = operator(app, "spaces@example.com")
    assert op.post("/spaces", {"name": "Downtown"}).status == 303
    assert op.post("/spaces", {"name": "Riverside"}).status == 303
    downtown = app.query("SELECT id FROM spaces WHERE name = 'Downtown'")[0]["id"]
    offering = add_offering(op, app, scan=(0, "1.00"))
    _, box = add_mailbox(app, op.operator_id, offering)
    con = app.db()
    try:
        con.execute("UPDATE mailboxes SET space_id = ? WHERE id = ?", (downtown, box))
        con.commit()
    finally:
        con.close()
    page = op.get("/spaces").text
    row = re.search(r"<tr>\s*<td>Downtown.*?</tr>", page, re.S).group(0)
    assert re.search(r"<button[^>]*disabled[^>]*>Remove</button>", row), row
    assert "Used by 1 mailbox" in row and 'title="' in row and "cannot be removed" in html.unescape(row)
    assert 'action="/spaces/%d/delete"' % downtown not in row
    free = re.search(r"<tr>\s*<td>Riverside.*?</tr>", page, re.S).group(0)
    assert "/delete" in free and "disabled" not in free
    # The server still refuses, whatever posts the form.
    assert op.post("/spaces/%d/delete" % downtown).status == 409


def test_the_time_zone_is_each_operators_own_and_needs_a_signed_in_form(app):
    a = operator(app, "a@example.com")
    b = operator(app, "b@example.com", "--timezone", "Asia/Tokyo")
    assert a.post("/settings/time-zone", {"timezone": "Europe/Paris"}, csrf=False).status == 403
    r = app.client().post("/settings/time-zone", {"timezone": "Europe/Paris"}, csrf=False)
    assert r.status in (303, 403)
    assert app.client().get("/settings/time-zone").status == 303  # to the sign-in page
    assert a.post("/settings/time-zone", {"timezone": "Europe/Paris"}).status == 303
    assert {r["email"]: r["timezone"] for r in app.query("SELECT email, timezone FROM operators")} == {
        "a@example.com": "Europe/Paris", "b@example.com": "Asia/Tokyo"}
    assert re.search(r"It is now [^.]*JST", page_text(b.get("/settings/time-zone")))
