"""Mail items, actions and their charges, through the real web server and the real database.

Mailboxes are inserted as rows (as the OfficeRnD sync or the mailboxes page would make them);
offerings are made through the offerings page. OfficeRnD billing is switched by updating the
stored setting (the settings card needs a live OfficeRnD for its plan list; the charges code
only reads the stored flag, and the 004 trigger records the switch whoever writes it).
"""
import glob
import hashlib
import os
import html
import re
import secrets
import time

ACTIONS = ("scan", "forward", "shred", "recycle", "pickup")
ADDRESS = "Ada Lovelace\n12 St James's Square\nLondon SW1Y 4JH\nUnited Kingdom"


# -- helpers ---------------------------------------------------------------------------------

def add_offering(client, app, name="Virtual Office", **actions):
    """actions: scan=(free, "fee") enables scan with that allowance and fee; omitted = disabled."""
    data = {"name": name, "monthly_price": "20.00", "storage_free_days": "30", "storage_fee_per_day": "0.10"}
    for a in ACTIONS:
        if a in actions:
            free, fee = actions[a]
            data.update({a + "_enabled": "1", a + "_free": str(free), a + "_fee": fee})
        else:
            data.update({a + "_free": "0", a + "_fee": "0"})
    r = client.post("/offerings", data)
    assert r.status == 303, r
    return app.query("SELECT id FROM offerings WHERE operator_id = ? AND name = ?",
                     client.operator_id, name)[0]["id"]


def add_mailbox(app, operator_id, offering_id, name="Ada Renter", email=None, member_id=None,
                status="active", pmb=None):
    con = app.db()
    try:
        now = int(time.time())
        email = email or "%s@example.com" % name.split()[0].lower()
        cur = con.execute("INSERT INTO renters(operator_id, name, email, officernd_member_id, created_at) "
                          "VALUES (?, ?, ?, ?, ?)", (operator_id, name, email, member_id, now))
        renter_id = cur.lastrowid
        cur = con.execute("INSERT INTO mailboxes(operator_id, renter_id, offering_id, pmb, status, source, "
                          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          (operator_id, renter_id, offering_id, pmb or str(100 + renter_id), status,
                           "officernd" if member_id else "manual", now, now))
        con.commit()
        return renter_id, cur.lastrowid
    finally:
        con.close()


def record(client, mailbox_id=None, kind="letter", sender="ACME Bank", received_on="2026-11-20"):
    data = {"kind": kind, "sender": sender, "received_on": received_on,
            "mailbox_id": str(mailbox_id) if mailbox_id else ""}
    r = client.post("/mail", data)
    assert r.status == 303, r
    m = re.fullmatch(r"/mail/(\d+)", r.location)
    assert m, r.location
    page = client.get(r.location)  # as a browser does: shows (and uses up) the flash
    assert page.status == 200 and "recorded" in page.text, page
    return int(m.group(1))


def act(client, item_id, action, **fields):
    """Records an action done on the item; a redirect is followed to the item page (a browser
    would), so the flash does not leak into the next page the test reads."""
    data = {"action": action}
    data.update(fields)
    r = client.post("/mail/%d/actions" % item_id, data)
    if r.status == 303:
        client.last_page = client.get(r.location)
        assert client.last_page.status == 200
    return r


def charges(app, operator_id):
    return app.query("SELECT * FROM charges WHERE operator_id = ? ORDER BY id", operator_id)


def item(app, item_id):
    return app.query("SELECT * FROM mail_items WHERE id = ?", item_id)[0]


def set_billing(app, operator_id, officernd, stripe=0):
    con = app.db()
    try:
        con.execute("UPDATE officernd_settings SET bill_renters = ? WHERE operator_id = ?", (officernd, operator_id))
        con.execute("INSERT INTO stripe_settings(operator_id, bill_renters, updated_at) VALUES (?, ?, 0) "
                    "ON CONFLICT(operator_id) DO UPDATE SET bill_renters = excluded.bill_renters",
                    (operator_id, stripe))
        con.commit()
    finally:
        con.close()


def accept_invitation(app, path, password="a long password 1"):
    """Accepts the invitation at path (/invite/TOKEN) in a fresh browser, as the renter does;
    returns that signed-in browser."""
    c = app.client()
    r = c.get(path)
    assert r.status == 200, r
    r = c.post(path, {"password": password, "password_confirm": password})
    assert r.status == 303 and r.location == "/my", r
    return c


def renter_client(app, renter_id):
    """A browser signed in as the renter through the real invitation page. The invitation row
    is stored as provisioning stores it (only the SHA-256 of the link token is kept); the emailed
    link itself is followed in test_renter_invited_by_email_reaches_their_mail."""
    token = secrets.token_urlsafe(32)
    con = app.db()
    try:
        now = int(time.time())
        mbx = con.execute("SELECT id, operator_id FROM mailboxes WHERE renter_id = ? ORDER BY id LIMIT 1",
                          (renter_id,)).fetchone()
        con.execute("INSERT INTO invitations(operator_id, mailbox_id, token_hash, state, created_at, expires_at) "
                    "VALUES (?, ?, ?, 'pending', ?, ?)",
                    (mbx["operator_id"], mbx["id"], hashlib.sha256(token.encode()).hexdigest(), now, now + 3600))
        con.commit()
    finally:
        con.close()
    c = accept_invitation(app, "/invite/" + token)
    r = c.get("/my/mail")
    assert r.status == 200, r
    return c


def text_of(r):
    return html.unescape(re.sub(r"\s+", " ", r.text))


# -- recording and scanning ------------------------------------------------------------------

def test_record_letter_then_scan_makes_one_charge(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.50"))
    _, mbx = add_mailbox(app, op.operator_id, off, name="Grace Hopper", pmb="101")
    form = op.get("/mail/new")
    assert form.status == 200 and 'name="received_on"' in form.text and "PMB 101" in form.text
    item_id = record(op, mbx)
    it = item(app, item_id)
    assert it["reference"] == "M-000001" and it["status"] == "stored" and it["mailbox_id"] == mbx

    r = act(op, item_id, "scan")
    assert r.status == 303, r
    page = op.last_page
    assert "charged 2.50" in text_of(page)
    rows = charges(app, op.operator_id)
    assert len(rows) == 1
    c = rows[0]
    assert c["amount"] == 250 and c["unit_amount"] == 250 and c["quantity"] == 1
    assert c["currency"] == "USD" and c["kind"] == "scan"
    assert c["description"] == "Scan of letter M-000001 from ACME Bank (received 2026-11-20)"
    assert c["reference"] == "pm-%d-%d" % (op.operator_id, c["id"])
    assert c["charge_date"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert c["billing_state"] == "not_billed"
    assert item(app, item_id)["status"] == "scanned"
    assert item(app, item_id)["left_on"] is None  # a scan keeps it in storage
    req = app.query("SELECT * FROM action_requests WHERE mail_item_id = ?", item_id)
    assert [(q["action"], q["state"], q["requested_by"]) for q in req] == [("scan", "completed", "operator")]
    assert c["action_request_id"] == req[0]["id"]

    # The item page no longer offers a scan; scanning again anyway is refused, charging nothing.
    assert 'value="scan"' not in op.get("/mail/%d" % item_id).text
    r = act(op, item_id, "scan")
    assert r.status == 409 and "already scanned" in r.text
    assert len(charges(app, op.operator_id)) == 1

    listing = text_of(op.get("/charges"))
    assert "PMB 101" in listing and "Grace Hopper" in listing and "2.50 USD" in listing
    assert "Not billed through OfficeRnD" in listing


def test_references_count_up_per_operator(app):
    a = app.new_operator()
    b = app.new_operator()
    assert [item(app, record(a))["reference"] for _ in range(3)] == ["M-000001", "M-000002", "M-000003"]
    assert item(app, record(b))["reference"] == "M-000001"


def test_free_allowance_then_fee_and_a_new_month_starts_over(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(2, "1.00"))
    _, mbx = add_mailbox(app, op.operator_id, off)
    items = [record(op, mbx, sender="Sender %d" % i) for i in range(4)]
    for i in items[:3]:
        assert act(op, i, "scan").status == 303
    assert [c["amount"] for c in charges(app, op.operator_id)] == [0, 0, 100]
    assert [c["billing_state"] for c in charges(app, op.operator_id)] == ["not_billed"] * 3
    page = text_of(op.get("/charges"))
    assert page.count("free allowance") >= 2
    assert "Free allowance: nothing to bill" in page

    # The allowance is per calendar month: move this month's charges to last month, and the
    # next scan is free again.
    con = app.db()
    con.execute("UPDATE charges SET charge_date = '2026-10-31'")
    con.commit()
    con.close()
    r = act(op, items[3], "scan")
    assert r.status == 303
    assert charges(app, op.operator_id)[-1]["amount"] == 0
    assert "free allowance" in text_of(op.last_page)


def test_allowance_is_counted_per_mailbox(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(1, "1.00"))
    _, m1 = add_mailbox(app, op.operator_id, off, name="One Renter")
    _, m2 = add_mailbox(app, op.operator_id, off, name="Two Renter")
    assert act(op, record(op, m1), "scan").status == 303
    assert act(op, record(op, m2), "scan").status == 303
    assert act(op, record(op, m1), "scan").status == 303
    assert [c["amount"] for c in charges(app, op.operator_id)] == [0, 0, 100]


def test_forward_adds_postage_and_the_item_leaves_storage(app):
    op = app.new_operator()
    off = add_offering(op, app, forward=(0, "3.00"), scan=(0, "1.00"))
    _, mbx = add_mailbox(app, op.operator_id, off)
    item_id = record(op, mbx, kind="package", sender="Parts Ltd")
    r = act(op, item_id, "forward", carrier="UPS", tracking="1Z999AA10123456784", postage="4.2")
    assert r.status == 303, r
    c = charges(app, op.operator_id)[-1]
    assert c["kind"] == "forward" and c["amount"] == 720
    assert "postage 4.20" in c["description"] and "UPS" in c["description"]
    it = item(app, item_id)
    assert it["status"] == "forwarded"
    assert it["left_on"] == time.strftime("%Y-%m-%d", time.gmtime())
    req = app.query("SELECT * FROM action_requests WHERE mail_item_id = ?", item_id)[0]
    assert (req["carrier"], req["tracking"], req["postage"]) == ("UPS", "1Z999AA10123456784", 420)
    page = text_of(op.get("/mail/%d" % item_id))
    assert "Forwarded" in page and "1Z999AA10123456784" in page

    # Gone from storage: nothing more can be done on it.
    r = act(op, item_id, "scan")
    assert r.status == 409 and "no longer in storage" in text_of(r)
    assert len(charges(app, op.operator_id)) == 1


def test_bad_postage_is_refused_and_nothing_is_saved(app):
    op = app.new_operator()
    off = add_offering(op, app, forward=(0, "3.00"))
    _, mbx = add_mailbox(app, op.operator_id, off)
    item_id = record(op, mbx)
    for bad in ("-1", "abc", "1,50"):
        r = act(op, item_id, "forward", postage=bad)
        assert r.status == 422, (bad, r)
        assert "postage" in r.text.lower()
    assert charges(app, op.operator_id) == []
    assert item(app, item_id)["status"] == "stored"
    assert app.query("SELECT COUNT(*) AS n FROM action_requests")[0]["n"] == 0


def test_disabled_action_is_refused(app):
    op = app.new_operator()
    off = add_offering(op, app, name="Scan only", scan=(0, "1.00"))
    _, mbx = add_mailbox(app, op.operator_id, off, pmb="202")
    item_id = record(op, mbx)
    r = act(op, item_id, "shred")
    assert r.status == 422
    assert "Shredding is not enabled in the offering" in text_of(r) and "Scan only" in text_of(r)
    r = act(op, item_id, "teleport")
    assert r.status == 422
    assert charges(app, op.operator_id) == []
    assert item(app, item_id)["status"] == "stored"
    assert app.query("SELECT COUNT(*) AS n FROM action_requests")[0]["n"] == 0
    # The item page offers only the enabled action.
    page = op.get("/mail/%d" % item_id).text
    assert 'name="action" value="scan"' in page and 'name="action" value="shred"' not in page


def test_cancelled_mailbox_gets_no_actions(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    _, mbx = add_mailbox(app, op.operator_id, off, pmb="303")
    item_id = record(op, mbx)
    con = app.db()
    con.execute("UPDATE mailboxes SET status = 'cancelled' WHERE id = ?", (mbx,))
    con.commit()
    con.close()
    r = act(op, item_id, "scan")
    assert r.status == 409 and "cancelled" in r.text
    assert charges(app, op.operator_id) == []
    # Nor can new mail be recorded for it.
    r = op.post("/mail", {"kind": "letter", "sender": "", "received_on": "2026-11-20", "mailbox_id": str(mbx)})
    assert r.status == 422 and "cancelled" in r.text


# -- billing states --------------------------------------------------------------------------

def test_billing_off_leaves_charges_not_billed(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.00"))
    _, mbx = add_mailbox(app, op.operator_id, off, member_id="mem_1")
    assert act(op, record(op, mbx), "scan").status == 303
    assert charges(app, op.operator_id)[0]["billing_state"] == "not_billed"
    page = text_of(op.get("/charges"))
    assert "Not billed through OfficeRnD" in page and "OfficeRnD billing is off" in page


def test_billing_on_queues_charges_of_linked_renters_only(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.00"), shred=(5, "1.00"))
    set_billing(app, op.operator_id, 1)
    _, linked = add_mailbox(app, op.operator_id, off, name="Linked Member", member_id="mem_linked")
    _, manual = add_mailbox(app, op.operator_id, off, name="Manual Renter")
    assert act(op, record(op, linked), "scan").status == 303
    assert act(op, record(op, manual), "scan").status == 303
    assert act(op, record(op, linked), "shred").status == 303  # free allowance: nothing to bill
    rows = charges(app, op.operator_id)
    assert [(r["amount"], r["billing_state"]) for r in rows] == [(200, "queued"), (200, "not_billed"),
                                                                  (0, "not_billed")]
    page = text_of(op.get("/charges"))
    assert "Queued for OfficeRnD" in page and "Free allowance: nothing to bill" in page
    assert "Not billed through OfficeRnD" in page
    assert text_of(op.get("/charges?state=queued")).count("Queued for OfficeRnD") == 1


def test_stripe_billing_keeps_charges_out_of_officernd(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.00"))
    set_billing(app, op.operator_id, 1, stripe=1)
    _, mbx = add_mailbox(app, op.operator_id, off, member_id="mem_1")
    assert act(op, record(op, mbx), "scan").status == 303
    assert charges(app, op.operator_id)[0]["billing_state"] == "not_billed"


def test_bill_earlier_queues_exactly_the_earlier_charges(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.50"), shred=(1, "4.00"))
    _, linked = add_mailbox(app, op.operator_id, off, name="Linked Member", member_id="mem_1")
    _, manual = add_mailbox(app, op.operator_id, off, name="Manual Renter")
    assert act(op, record(op, linked), "scan").status == 303     # 2.50, earlier
    assert act(op, record(op, linked), "shred").status == 303    # 0.00 free: never billed
    assert act(op, record(op, linked), "shred").status == 303    # 4.00, earlier
    assert act(op, record(op, manual), "scan").status == 303     # not linked: stays
    assert "earlier" not in op.get("/charges").text  # billing off: no offer

    set_billing(app, op.operator_id, 1)
    # Turning billing on queued nothing by itself.
    assert {r["billing_state"] for r in charges(app, op.operator_id)} == {"not_billed"}
    page = text_of(op.get("/charges"))
    assert "2 earlier charges (total 6.50 USD) were not billed through OfficeRnD" in page
    assert 'action="/charges/bill-earlier"' in op.get("/charges").text

    # A charge made now is queued by itself and is not one of the earlier ones.
    assert act(op, record(op, linked), "scan").status == 303
    assert charges(app, op.operator_id)[-1]["billing_state"] == "queued"
    assert "2 earlier charges (total 6.50 USD)" in text_of(op.get("/charges"))

    r = op.post("/charges/bill-earlier", {})
    assert r.status == 303
    assert "2 earlier charges queued" in text_of(op.get(r.location))
    states = [(r["amount"], r["mailbox_id"], r["billing_state"]) for r in charges(app, op.operator_id)]
    assert states == [(250, linked, "queued"), (0, linked, "not_billed"), (400, linked, "queued"),
                      (250, manual, "not_billed"), (250, linked, "queued")]
    assert "earlier charges (total" not in text_of(op.get("/charges"))
    # Again: nothing left, nothing changes.
    r = op.post("/charges/bill-earlier", {})
    assert r.status == 303
    assert [r["billing_state"] for r in charges(app, op.operator_id)] == [s for _, _, s in states]


def test_many_earlier_charges_show_more_than_and_are_all_billed(app):
    """Past 100 the box says "more than 100" (the page reads at most 101 of them); billing them
    still queues every one."""
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.50"))
    _, linked = add_mailbox(app, op.operator_id, off, name="Linked Member", member_id="mem_1")
    con = app.db()
    con.executemany("INSERT INTO charges(operator_id, mailbox_id, kind, description, unit_amount, amount, currency, "
                    "charge_date, reference, created_at) VALUES (?, ?, 'scan', 'Old scan', 250, 250, 'USD', "
                    "'2025-01-01', ?, 0)", [(op.operator_id, linked, "pm-old-%d" % i) for i in range(150)])
    con.commit()
    con.close()
    set_billing(app, op.operator_id, 1)
    page = text_of(op.get("/charges"))
    assert "More than 100 earlier charges were not billed through OfficeRnD" in page
    assert "all the earlier charges (more than 100)" in page
    r = op.post("/charges/bill-earlier", {})
    assert "150 earlier charges queued" in text_of(op.get(r.location))
    assert {c["billing_state"] for c in charges(app, op.operator_id)} == {"queued"}


def test_bill_earlier_is_refused_while_billing_is_off(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.50"))
    _, linked = add_mailbox(app, op.operator_id, off, member_id="mem_1")
    assert act(op, record(op, linked), "scan").status == 303
    r = op.post("/charges/bill-earlier", {})
    assert r.status == 409
    assert charges(app, op.operator_id)[0]["billing_state"] == "not_billed"


def test_retry_puts_a_failed_charge_back_in_the_queue(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.50"))
    set_billing(app, op.operator_id, 1)
    _, mbx = add_mailbox(app, op.operator_id, off, member_id="mem_1")
    assert act(op, record(op, mbx), "scan").status == 303
    cid = charges(app, op.operator_id)[0]["id"]
    con = app.db()
    con.execute("UPDATE charges SET billing_state = 'failed', attempts = 7, next_attempt_at = 9999999999, "
                "last_error = 'OfficeRnD refused the fee: the plan does not exist' WHERE id = ?", (cid,))
    con.commit()
    con.close()
    page = op.get("/charges")
    assert "the plan does not exist" in page.text and 'action="/charges/%d/retry"' % cid in page.text
    assert "the plan does not exist" in op.get("/charges?state=failed").text
    assert "the plan does not exist" not in op.get("/charges?state=sent").text

    r = op.post("/charges/%d/retry" % cid, {})
    assert r.status == 303
    c = charges(app, op.operator_id)[0]
    assert (c["billing_state"], c["attempts"], c["next_attempt_at"], c["last_error"]) == ("queued", 0, 0, "")
    # Only a failed charge can be retried.
    r = op.post("/charges/%d/retry" % cid, {})
    assert r.status == 409
    assert op.post("/charges/999999/retry", {}).status == 404


def test_charges_are_paged(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    _, mbx = add_mailbox(app, op.operator_id, off)
    assert act(op, record(op, mbx), "scan").status == 303
    con = app.db()
    for i in range(204):
        con.execute("INSERT INTO charges(operator_id, mailbox_id, kind, description, unit_amount, amount, currency, "
                    "charge_date, reference, created_at) VALUES (?, ?, 'pickup', ?, 5, 5, 'USD', '2026-01-01', ?, 0)",
                    (op.operator_id, mbx, "Old pickup %d" % i, "pm-old-%d" % i))
    con.commit()
    con.close()
    # 100 a page, newest first; "Older" carries the last row's (date, id).
    first = op.get("/charges").text
    assert first.count('class="muted charges-ref"') == 100
    assert "Newest" not in first
    older = html.unescape(re.search(r'href="([^"]+)">Older', first).group(1))
    assert re.fullmatch(r"/charges\?before=2026-01-01%3A\d+", older), older
    second = op.get(older).text
    assert second.count('class="muted charges-ref"') == 100
    third = op.get(html.unescape(re.search(r'href="([^"]+)">Older', second).group(1))).text
    assert third.count('class="muted charges-ref"') == 5
    assert 'href="/charges">' in third and ">Older" not in third
    # The newest (the scan of today) is on the first page, the oldest on the last.
    assert "Scan of letter M-000001" in first and "Scan of letter M-000001" not in second + third
    assert "Old pickup 0<" in third
    assert op.get("/charges?page=abc").status == 200  # an unknown parameter is ignored
    assert op.get("/charges?before=abc").status == 400


def test_sent_charge_shows_the_officernd_fee(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "2.50"))
    _, mbx = add_mailbox(app, op.operator_id, off, member_id="mem_1")
    assert act(op, record(op, mbx), "scan").status == 303
    con = app.db()
    con.execute("UPDATE charges SET billing_state = 'sent', officernd_fee_id = 'fee_6612abc', sent_at = 1")
    con.commit()
    con.close()
    page = text_of(op.get("/charges"))
    assert "Sent to OfficeRnD" in page and "OfficeRnD fee fee_6612abc" in page


# -- the mail list, assignment and operator requests -----------------------------------------

def test_tabs_search_and_assignment(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    _, mbx = add_mailbox(app, op.operator_id, off, name="Katherine Johnson", email="kj@nasa.example",
                         pmb="777")
    loose = record(op, None, sender="Unknown Sender")
    mine = record(op, mbx, sender="Orbital Mechanics Inc")
    unassigned = op.get("/mail?tab=unassigned").text
    assert "M-000001" in unassigned and "M-000002" not in unassigned
    assigned = op.get("/mail?tab=assigned").text
    assert "M-000002" in assigned and "M-000001" not in assigned
    everything = op.get("/mail").text
    assert "M-000001" in everything and "M-000002" in everything
    for q in ("777", "katherine", "KJ@NASA", "M-000002"):
        found = op.get("/mail?tab=all&q=" + q).text
        assert "M-000002" in found and "M-000001" not in found, q
    assert "Nothing matches" in op.get("/mail?q=zzz_no_such").text
    # A typed % or _ is taken literally, not as a wildcard.
    assert "M-00000" not in op.get("/mail?q=%25").text
    assert "M-00000" not in op.get("/mail?q=_").text

    # An unassigned item takes no actions; assigning it makes it the mailbox's.
    r = act(op, loose, "scan")
    assert r.status == 409 and "not assigned" in r.text
    r = op.post("/mail/%d/assign" % loose, {"mailbox_id": str(mbx)})
    assert r.status == 303
    assert "M-000001 assigned to PMB 777" in op.get(r.location).text
    assert item(app, loose)["mailbox_id"] == mbx
    assert "M-000001" not in op.get("/mail?tab=unassigned").text
    # Once something was done on it, it stays where it is.
    assert act(op, mine, "scan").status == 303
    _, other = add_mailbox(app, op.operator_id, off, name="Other Renter")
    r = op.post("/mail/%d/assign" % mine, {"mailbox_id": str(other)})
    assert r.status == 409
    assert item(app, mine)["mailbox_id"] == mbx
    assert op.post("/mail/%d/assign" % loose, {"mailbox_id": "abc"}).status == 422


def test_bad_item_forms_are_refused_and_save_nothing(app):
    op = app.new_operator()
    other = app.new_operator()
    off = add_offering(other, app, scan=(0, "1.00"))
    _, foreign = add_mailbox(app, other.operator_id, off)
    cases = [
        ({"kind": "parcel"}, "letter or a package"),
        ({"received_on": "2099-01-01"}, "future"),
        ({"received_on": "2026-02-30"}, "YYYY-MM-DD"),
        ({"mailbox_id": str(foreign)}, "Choose a mailbox"),
        ({"sender": "x" * 150}, "too long"),
    ]
    for override, message in cases:
        data = {"kind": "letter", "sender": "Someone", "received_on": "2026-11-20", "mailbox_id": ""}
        data.update(override)
        r = op.post("/mail", data)
        assert r.status == 422, (override, r)
        assert message in text_of(r), override
    assert app.query("SELECT COUNT(*) AS n FROM mail_items")[0]["n"] == 0
    # An empty day means today.
    item_id = record(op, received_on="")
    assert item(app, item_id)["received_on"] == time.strftime("%Y-%m-%d", time.gmtime())


def test_completing_and_cancelling_requests(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"), forward=(0, "2.00"), shred=(0, "0.50"))
    renter_id, mbx = add_mailbox(app, op.operator_id, off, member_id="mem_1")
    item_id = record(op, mbx)
    rc = renter_client(app, renter_id)
    assert rc.post("/my/mail/%d/request" % item_id, {"action": "forward", "forward_address": ADDRESS}).status == 303
    assert rc.post("/my/mail/%d/request" % item_id, {"action": "scan"}).status == 303
    reqs = {q["action"]: q["id"] for q in app.query("SELECT * FROM action_requests WHERE mail_item_id = ?", item_id)}
    page = op.get("/mail/%d" % item_id).text
    assert "/actions/%d/complete" % reqs["forward"] in page and "/actions/%d/cancel" % reqs["scan"] in page
    assert "2 requested" in op.get("/mail").text

    r = op.post("/mail/%d/actions/%d/complete" % (item_id, reqs["forward"]),
                {"carrier": "DHL", "tracking": "JD0001", "postage": "6.10"})
    assert r.status == 303
    c = charges(app, op.operator_id)
    assert len(c) == 1 and c[0]["amount"] == 810 and c[0]["action_request_id"] == reqs["forward"]
    states = {q["action"]: q["state"] for q in app.query("SELECT * FROM action_requests WHERE mail_item_id = ?",
                                                          item_id)}
    # The item left storage: the open scan request cannot be done any more and was cancelled.
    assert states == {"forward": "completed", "scan": "cancelled"}
    r = op.post("/mail/%d/actions/%d/complete" % (item_id, reqs["forward"]), {})
    assert r.status == 409
    assert len(charges(app, op.operator_id)) == 1

    # Cancel a request on another item.
    item2 = record(op, mbx)
    assert rc.post("/my/mail/%d/request" % item2, {"action": "scan"}).status == 303
    req2 = app.query("SELECT id FROM action_requests WHERE mail_item_id = ?", item2)[0]["id"]
    # A request id must belong to the item in the address.
    assert op.post("/mail/%d/actions/%d/cancel" % (item_id, req2), {}).status == 404
    r = op.post("/mail/%d/actions/%d/cancel" % (item2, req2), {})
    assert r.status == 303
    assert app.query("SELECT state FROM action_requests WHERE id = ?", req2)[0]["state"] == "cancelled"
    assert len(charges(app, op.operator_id)) == 1
    # Recording a scan directly completes nothing old and charges once.
    assert act(op, item2, "scan").status == 303
    assert len(charges(app, op.operator_id)) == 2


def test_operator_recording_completes_the_open_request(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    renter_id, mbx = add_mailbox(app, op.operator_id, off)
    item_id = record(op, mbx)
    rc = renter_client(app, renter_id)
    assert rc.post("/my/mail/%d/request" % item_id, {"action": "scan"}).status == 303
    assert act(op, item_id, "scan").status == 303
    reqs = app.query("SELECT * FROM action_requests WHERE mail_item_id = ?", item_id)
    assert [(q["state"], q["requested_by"]) for q in reqs] == [("completed", "renter")]
    assert len(charges(app, op.operator_id)) == 1


# -- renters ---------------------------------------------------------------------------------

def test_renter_sees_their_mail_and_asks_for_a_scan(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"), pickup=(0, "0"))
    renter_a, mbx_a = add_mailbox(app, op.operator_id, off, name="Renter Alpha", email="alpha@example.com")
    renter_b, mbx_b = add_mailbox(app, op.operator_id, off, name="Renter Beta", email="beta@example.com")
    item_a = record(op, mbx_a, sender="Alpha's Bank")
    item_b = record(op, mbx_b, sender="Beta's Bank")
    rc = renter_client(app, renter_a)
    page = rc.get("/my/mail")
    assert page.status == 200
    assert "Alpha&#39;s Bank" in page.text or "Alpha's Bank" in text_of(page)
    assert "Beta" not in text_of(page)
    assert 'action="/my/mail/%d/request"' % item_a in page.text
    assert 'value="scan"' in page.text and 'value="pickup"' in page.text
    assert 'value="forward"' not in page.text  # not in the offering

    r = rc.post("/my/mail/%d/request" % item_a, {"action": "scan"})
    assert r.status == 303
    r = rc.get(r.location)
    assert r.status == 200 and "Your request for scanning of M-000001 was sent" in text_of(r)
    reqs = app.query("SELECT * FROM action_requests WHERE mail_item_id = ?", item_a)
    assert [(q["action"], q["state"], q["requested_by"]) for q in reqs] == [("scan", "requested", "renter")]
    assert charges(app, op.operator_id) == []  # the charge comes when the work is done

    # Not twice; not a disabled action; not someone else's item; not a made-up one.
    r = rc.post("/my/mail/%d/request" % item_a, {"action": "scan"})
    assert r.status == 409 and "already asked" in text_of(r)
    r = rc.post("/my/mail/%d/request" % item_a, {"action": "forward"})
    assert r.status == 422 and "not included in your plan" in text_of(r)
    assert rc.post("/my/mail/%d/request" % item_b, {"action": "scan"}).status == 404
    assert rc.post("/my/mail/999999/request", {"action": "scan"}).status == 404
    assert len(app.query("SELECT * FROM action_requests")) == 1

    # A renter is not an operator.
    assert rc.get("/mail").status in (303, 403)
    assert rc.get("/charges").status in (303, 403)


def test_renter_invited_by_email_reaches_their_mail(app):
    """The whole way: a mailbox made on the mailboxes page, the invitation email the worker
    writes, the link accepted, then the renter's mail page and a request."""
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    assert op.post("/spaces", {"name": "Harbour"}).status == 303
    space = app.query("SELECT id FROM spaces WHERE operator_id = ?", op.operator_id)[0]["id"]
    r = op.post("/mailboxes", {"name": "Ada Lovelace", "email": "ada@example.com", "company_name": "",
                               "space_id": str(space), "offering_id": str(off)})
    assert r.status == 303, r
    mbx = int(re.fullmatch(r"/mailboxes/(\d+)", r.location).group(1))
    item_id = record(op, mbx, sender="Babbage & Co")
    app.worker_once()
    files = sorted(glob.glob(os.path.join(app.mail_dir, "*.eml")))
    assert files, "no invitation email written"
    with open(files[-1], "rb") as f:
        raw = f.read().decode("utf-8", "replace")
    link = re.search(r"/invite/([A-Za-z0-9_-]{43})", raw)
    assert link, raw[:500]
    rc = accept_invitation(app, link.group(0))
    page = rc.get("/my/mail")
    assert page.status == 200 and "M-000001" in page.text and "Babbage &amp; Co" in page.text
    r = rc.post("/my/mail/%d/request" % item_id, {"action": "scan"})
    assert r.status == 303 and rc.get(r.location).status == 200
    assert app.query("SELECT requested_by, state FROM action_requests") == [
        {"requested_by": "renter", "state": "requested"}]


def test_renter_of_a_cancelled_mailbox_cannot_ask(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    renter_id, mbx = add_mailbox(app, op.operator_id, off)
    item_id = record(op, mbx)
    for status in ("on_hold", "cancelled"):
        con = app.db()
        con.execute("UPDATE mailboxes SET status = ? WHERE id = ?", (status, mbx))
        con.commit()
        con.close()
        rc = renter_client(app, renter_id)
        page = rc.get("/my/mail")
        assert 'action="/my/mail/%d/request"' % item_id not in page.text
        r = rc.post("/my/mail/%d/request" % item_id, {"action": "scan"})
        assert r.status == 409, status
        assert app.query("SELECT COUNT(*) AS n FROM action_requests")[0]["n"] == 0


def test_renters_of_another_operator_cannot_reach_items(app):
    a = app.new_operator()
    b = app.new_operator()
    off_a = add_offering(a, app, scan=(0, "1.00"))
    off_b = add_offering(b, app, scan=(0, "1.00"))
    _, mbx_a = add_mailbox(app, a.operator_id, off_a, name="Alpha Renter")
    renter_b, _ = add_mailbox(app, b.operator_id, off_b, name="Beta Renter")
    item_a = record(a, mbx_a)
    rc = renter_client(app, renter_b)
    assert rc.post("/my/mail/%d/request" % item_a, {"action": "scan"}).status == 404
    assert "M-000001" not in rc.get("/my/mail").text


# -- isolation between operators -------------------------------------------------------------

def test_operator_b_cannot_see_or_touch_operator_a_mail_or_charges(app):
    a = app.new_operator()
    b = app.new_operator()
    off_a = add_offering(a, app, scan=(0, "1.00"), forward=(0, "1.00"))
    off_b = add_offering(b, app, scan=(0, "1.00"))
    renter_a, mbx_a = add_mailbox(app, a.operator_id, off_a, name="Alpha Renter", member_id="mem_a")
    _, mbx_b = add_mailbox(app, b.operator_id, off_b, name="Beta Renter")
    item_a = record(a, mbx_a, sender="Secret Sender Alpha")
    scanned_a = record(a, mbx_a)
    assert act(a, scanned_a, "scan").status == 303
    rc = renter_client(app, renter_a)
    assert rc.post("/my/mail/%d/request" % item_a, {"action": "forward", "forward_address": ADDRESS}).status == 303
    req_a = app.query("SELECT id FROM action_requests WHERE mail_item_id = ?", item_a)[0]["id"]
    charge_a = charges(app, a.operator_id)[0]["id"]
    con = app.db()
    con.execute("UPDATE charges SET billing_state = 'failed', last_error = 'x' WHERE id = ?", (charge_a,))
    con.commit()
    con.close()
    before = (app.query("SELECT * FROM mail_items ORDER BY id"), app.query("SELECT * FROM action_requests"),
              app.query("SELECT * FROM charges"))

    assert b.get("/mail/%d" % item_a).status == 404
    assert b.post("/mail/%d/assign" % item_a, {"mailbox_id": str(mbx_b)}).status == 404
    assert b.post("/mail/%d/actions" % item_a, {"action": "scan"}).status == 404
    assert b.post("/mail/%d/actions/%d/complete" % (item_a, req_a), {}).status == 404
    assert b.post("/mail/%d/actions/%d/cancel" % (item_a, req_a), {}).status == 404
    assert b.post("/charges/%d/retry" % charge_a, {}).status == 404
    # B's own mailbox cannot receive A's item, nor can B record mail for A's mailbox.
    r = b.post("/mail", {"kind": "letter", "sender": "", "received_on": "2026-11-20", "mailbox_id": str(mbx_a)})
    assert r.status == 422
    listing = b.get("/mail").text + b.get("/mail?q=Secret").text + b.get("/charges").text
    assert "Secret Sender Alpha" not in listing and "Alpha Renter" not in listing
    assert "pm-%d-" % a.operator_id not in listing
    b_item = record(b, mbx_b)
    assert b.post("/mail/%d/assign" % b_item, {"mailbox_id": str(mbx_a)}).status == 422
    assert item(app, b_item)["mailbox_id"] == mbx_b
    b.post("/charges/bill-earlier", {})

    after = (app.query("SELECT * FROM mail_items WHERE id <> ? ORDER BY id", b_item),
             app.query("SELECT * FROM action_requests"), app.query("SELECT * FROM charges"))
    assert after == before
