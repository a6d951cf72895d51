"""Spaces and Mailbox Offerings pages, through the real web server and the real database."""
import html
import time

import pytest

ACTIONS = ("scan", "forward", "shred", "recycle", "pickup")


# -- helpers ---------------------------------------------------------------------------------

def space_rows(app, operator_id):
    return app.query("SELECT id, name FROM spaces WHERE operator_id = ? ORDER BY id", operator_id)


def offering_rows(app, operator_id):
    return app.query("SELECT * FROM offerings WHERE operator_id = ? ORDER BY id", operator_id)


def action_rows(app, offering_id):
    rows = app.query("SELECT action, enabled, free_per_month, fee FROM offering_actions "
                     "WHERE offering_id = ?", offering_id)
    return {r["action"]: (r["enabled"], r["free_per_month"], r["fee"]) for r in rows}


def counts(app):
    """Row counts of everything these pages write."""
    return {t: app.query("SELECT COUNT(*) AS n FROM %s" % t)[0]["n"]
            for t in ("spaces", "offerings", "offering_actions")}


def add_space(client, app, name):
    r = client.post("/spaces", {"name": name})
    assert r.status == 303, r
    return app.query("SELECT id FROM spaces WHERE operator_id = ? AND name = ?",
                     client.operator_id, name.strip())[0]["id"]


def full_offering(**overrides):
    """Every field of the offering form, all filled in."""
    data = {
        "name": "Virtual Office Gold",
        "monthly_price": "12.50",
        "scan_enabled": "1", "scan_free": "5", "scan_fee": "2.00",
        "forward_enabled": "1", "forward_free": "0", "forward_fee": "3.5",
        "shred_enabled": "1", "shred_free": "10", "shred_fee": "0",
        "recycle_free": "2", "recycle_fee": "0.99",  # not enabled: the box is left unticked
        "pickup_enabled": "1", "pickup_free": "", "pickup_fee": " 1.25 ",
        "storage_free_days": "30", "storage_fee_per_day": "0.50",
    }
    for k, v in overrides.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return data


def add_offering(client, app, **overrides):
    data = full_offering(**overrides)
    r = client.post("/offerings", data)
    assert r.status == 303, r
    return app.query("SELECT id FROM offerings WHERE operator_id = ? AND name = ?",
                     client.operator_id, data["name"].strip())[0]["id"]


def insert_mailbox(app, operator_id, space_id, offering_id, status="active"):
    """Simulates a mailbox made elsewhere (OfficeRnD sync or the mailboxes page)."""
    con = app.db()
    try:
        now = int(time.time())
        cur = con.execute("INSERT INTO renters(operator_id, name, email, created_at) VALUES (?, ?, ?, ?)",
                          (operator_id, "Ada Renter", "ada@example.com", now))
        renter_id = cur.lastrowid
        cur = con.execute("INSERT INTO mailboxes(operator_id, renter_id, space_id, offering_id, pmb, status, "
                          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          (operator_id, renter_id, space_id, offering_id, "PMB-%d" % renter_id, status, now, now))
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def execute(app, sql, *params):
    con = app.db()
    try:
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()


def page_text(r):
    return html.unescape(r.text)


# -- spaces ----------------------------------------------------------------------------------

def test_add_rename_and_remove_a_space(app):
    c = app.new_operator()
    r = c.get("/spaces")
    assert r.status == 200
    assert "No spaces yet" in r.text
    assert 'class="active">Spaces<' in r.text  # the navigation shows where we are

    r = c.post("/spaces", {"name": "  Downtown  "})
    assert r.status == 303 and r.location == "/spaces"
    [row] = space_rows(app, c.operator_id)
    assert row["name"] == "Downtown"  # trimmed
    r = c.get("/spaces")
    assert "Space added." in r.text
    assert "Downtown" in r.text and "No spaces yet" not in r.text
    assert "Space added." not in c.get("/spaces").text  # a flash is shown once

    sid = space_rows(app, c.operator_id)[0]["id"]
    r = c.get("/spaces/%d/edit" % sid)
    assert r.status == 200 and 'value="Downtown"' in r.text
    r = c.post("/spaces/%d" % sid, {"name": "Uptown"})
    assert r.status == 303 and r.location == "/spaces"
    assert space_rows(app, c.operator_id) == [{"id": sid, "name": "Uptown"}]
    assert "Space renamed." in c.get("/spaces").text

    # Renaming to its own name (or its own name in another case) is fine.
    assert c.post("/spaces/%d" % sid, {"name": "UPTOWN"}).status == 303
    assert space_rows(app, c.operator_id)[0]["name"] == "UPTOWN"

    r = c.post("/spaces/%d/delete" % sid)
    assert r.status == 303 and r.location == "/spaces"
    assert space_rows(app, c.operator_id) == []
    r = c.get("/spaces")
    assert "Space removed." in r.text and "UPTOWN" not in r.text
    # It is gone: its pages are 404 now.
    assert c.get("/spaces/%d/edit" % sid).status == 404
    assert c.post("/spaces/%d/delete" % sid).status == 404


def test_spaces_are_listed_by_name_with_their_mailbox_count(app):
    c = app.new_operator()
    b = add_space(c, app, "Berlin")
    add_space(c, app, "amsterdam")
    oid = add_offering(c, app)
    insert_mailbox(app, c.operator_id, b, oid)
    insert_mailbox(app, c.operator_id, b, oid)
    insert_mailbox(app, c.operator_id, b, oid, status="cancelled")  # not counted
    text = c.get("/spaces").text
    assert text.index("amsterdam") < text.index("Berlin")
    row = text[text.index("Berlin"):]
    row = row[:row.index("</tr>")]
    assert '<td class="num">2</td>' in row


def test_duplicate_space_name_is_refused(app):
    c = app.new_operator()
    sid = add_space(c, app, "Downtown")
    for name in ("Downtown", "  Downtown ", "downtown"):
        r = c.post("/spaces", {"name": name})
        assert r.status == 422, name
        assert "already exists" in r.text
        assert len(space_rows(app, c.operator_id)) == 1
    # Renaming another space to a taken name is refused too, and leaves it as it was.
    other = add_space(c, app, "Harbour")
    r = c.post("/spaces/%d" % other, {"name": "DOWNTOWN"})
    assert r.status == 422
    assert "already has this name" in r.text
    assert 'value="DOWNTOWN"' in r.text  # what was typed stays in the form
    assert {s["id"]: s["name"] for s in space_rows(app, c.operator_id)} == {sid: "Downtown", other: "Harbour"}


@pytest.mark.parametrize("name,message", [
    ("", "Enter a name"),
    ("    ", "Enter a name"),
    ("x" * 101, "at most 100 characters"),
    ("é" * 101, "at most 100 characters"),
    ("bad\x01name", "not allowed"),
])
def test_bad_space_name_is_refused_and_nothing_saved(app, name, message):
    c = app.new_operator()
    r = c.post("/spaces", {"name": name})
    assert r.status == 422
    assert message in r.text
    assert space_rows(app, c.operator_id) == []
    sid = add_space(c, app, "Keep")
    r = c.post("/spaces/%d" % sid, {"name": name})
    assert r.status == 422 and message in r.text
    assert space_rows(app, c.operator_id) == [{"id": sid, "name": "Keep"}]


def test_space_name_of_100_characters_is_accepted(app):
    c = app.new_operator()
    for name in ("a" * 100, "é" * 100, "空" * 100):
        assert c.post("/spaces", {"name": name}).status == 303
    assert sorted(s["name"] for s in space_rows(app, c.operator_id)) == sorted(["a" * 100, "é" * 100, "空" * 100])
    assert "空" * 100 in c.get("/spaces").text  # shown whole, not cut in the middle of a character


def test_space_names_are_escaped_in_pages(app):
    c = app.new_operator()
    sid = add_space(c, app, '<script>alert("x")</script>')
    for path in ("/spaces", "/spaces/%d/edit" % sid):
        r = c.get(path)
        assert "<script>alert" not in r.text
        assert "&lt;script&gt;" in r.text


def test_space_in_use_by_a_mailbox_cannot_be_removed(app):
    c = app.new_operator()
    sid = add_space(c, app, "Downtown")
    oid = add_offering(c, app)
    mid = insert_mailbox(app, c.operator_id, sid, oid)
    r = c.post("/spaces/%d/delete" % sid)
    assert r.status == 409
    assert "cannot be removed" in page_text(r) and "1 mailbox" in page_text(r)
    assert len(space_rows(app, c.operator_id)) == 1

    # On hold still counts; once the mailbox is cancelled the space can go, the mailbox stays.
    execute(app, "UPDATE mailboxes SET status = 'on_hold' WHERE id = ?", mid)
    assert c.post("/spaces/%d/delete" % sid).status == 409
    execute(app, "UPDATE mailboxes SET status = 'cancelled' WHERE id = ?", mid)
    assert c.post("/spaces/%d/delete" % sid).status == 303
    assert space_rows(app, c.operator_id) == []
    assert app.query("SELECT space_id, status FROM mailboxes WHERE id = ?", mid) == [
        {"space_id": None, "status": "cancelled"}]


def test_space_linked_to_an_officernd_location_cannot_be_removed(app):
    c = app.new_operator()
    sid = add_space(c, app, "Downtown")
    execute(app, "INSERT INTO location_links(operator_id, location_id, location_name, space_id) VALUES (?, ?, ?, ?)",
            c.operator_id, "loc-1", "Downtown HQ", sid)
    r = c.post("/spaces/%d/delete" % sid)
    assert r.status == 409
    assert "OfficeRnD location link" in page_text(r) and "Integrations" in page_text(r)
    assert len(space_rows(app, c.operator_id)) == 1
    execute(app, "DELETE FROM location_links WHERE operator_id = ?", c.operator_id)
    assert c.post("/spaces/%d/delete" % sid).status == 303
    assert space_rows(app, c.operator_id) == []


# -- offerings -------------------------------------------------------------------------------

def test_offering_with_every_field_is_saved_and_read_back(app):
    c = app.new_operator()
    r = c.get("/offerings")
    assert r.status == 200 and "No offerings yet" in r.text
    r = c.get("/offerings/new")
    assert r.status == 200 and 'class="grid-actions"' in r.text
    for a in ACTIONS:
        for f in ("enabled", "free", "fee"):
            assert 'name="%s_%s"' % (a, f) in r.text

    r = c.post("/offerings", full_offering())
    assert r.status == 303 and r.location == "/offerings"
    [o] = offering_rows(app, c.operator_id)
    assert (o["name"], o["monthly_price"], o["storage_free_days"], o["storage_fee_per_day"]) == \
        ("Virtual Office Gold", 1250, 30, 50)
    assert action_rows(app, o["id"]) == {
        "scan": (1, 5, 200), "forward": (1, 0, 350), "shred": (1, 10, 0),
        "recycle": (0, 2, 99), "pickup": (1, 0, 125)}

    text = page_text(c.get("/offerings"))
    assert "Offering saved." in text
    assert "Virtual Office Gold" in text and "12.50 USD" in text
    assert "Scan: 5 free, then 2.00 USD" in text
    assert "Forward: 3.50 USD each" in text
    assert "Shred: included" in text
    assert "Recycle" not in text  # not enabled
    assert "Pickup: 1.25 USD each" in text
    assert "Storage: 30 days free, then 0.50 USD/day" in text

    r = c.get("/offerings/%d/edit" % o["id"])
    assert r.status == 200
    for value in ('name="name" value="Virtual Office Gold"', 'name="monthly_price" value="12.50"',
                  'name="scan_free" value="5"', 'name="scan_fee" value="2.00"',
                  'name="forward_fee" value="3.50"', 'name="recycle_fee" value="0.99"',
                  'name="storage_free_days" value="30"', 'name="storage_fee_per_day" value="0.50"'):
        assert value in r.text, value
    assert 'name="scan_enabled" value="1" checked' in r.text
    assert 'name="recycle_enabled" value="1">' in r.text  # unticked


def test_offering_update_changes_what_is_stored(app):
    c = app.new_operator()
    oid = add_offering(c, app)
    r = c.post("/offerings/%d" % oid, full_offering(name="Gold", monthly_price="20", scan_enabled=None,
                                                     recycle_enabled="1", storage_fee_per_day="0"))
    assert r.status == 303
    [o] = offering_rows(app, c.operator_id)
    assert (o["id"], o["name"], o["monthly_price"], o["storage_fee_per_day"]) == (oid, "Gold", 2000, 0)
    acts = action_rows(app, oid)
    assert acts["scan"][0] == 0 and acts["recycle"] == (1, 2, 99)
    assert "Storage: no charge" in c.get("/offerings").text
    assert counts(app)["offering_actions"] == 5


def test_offering_amount_limits(app):
    c = app.new_operator()
    assert c.post("/offerings", full_offering(name="Max", monthly_price="1000000.00")).status == 303
    assert offering_rows(app, c.operator_id)[0]["monthly_price"] == 100000000
    assert c.post("/offerings", full_offering(name="Round", monthly_price="0.125")).status == 303
    assert offering_rows(app, c.operator_id)[1]["monthly_price"] == 13
    oid = add_offering(c, app, name="Counts", forward_free="0000000000007", scan_free="100000")
    assert action_rows(app, oid)["forward"][1] == 7 and action_rows(app, oid)["scan"][1] == 100000


BAD_VALUES = [
    ("name", "", "Enter a name"),
    ("name", "n" * 101, "at most 100 characters"),
    ("monthly_price", "", "Enter an amount"),
    ("monthly_price", "-1", "without a minus sign"),
    ("monthly_price", "abc", "no letters"),
    ("monthly_price", "1,00", "no letters, commas"),
    ("monthly_price", "1e3", "no letters"),
    ("monthly_price", "1.2.3", "single decimal point"),
    ("monthly_price", "1.", "after the decimal point"),
    ("monthly_price", "1000000.01", "at most 1000000.00"),
    ("monthly_price", "99999999999999999999", "at most 1000000.00"),
    ("scan_fee", "-2", "without a minus sign"),
    ("forward_fee", "$3", "no letters"),
    ("pickup_fee", "2000000", "at most 1000000.00"),
    ("scan_free", "-1", "whole number"),
    ("shred_free", "1.5", "whole number"),
    ("recycle_free", "five", "whole number"),
    ("pickup_free", "100001", "at most 100000"),
    ("pickup_free", "99999999999999999999", "at most 100000"),
    ("storage_free_days", "abc", "whole number"),
    ("storage_free_days", "-3", "whole number"),
    ("storage_fee_per_day", "2,50", "no letters, commas"),
    ("storage_fee_per_day", "-0.50", "without a minus sign"),
    ("forward_enabled", "yes", "ticked"),
]


@pytest.mark.parametrize("field,value,message", BAD_VALUES)
def test_bad_offering_value_is_refused_and_nothing_saved(app, field, value, message):
    c = app.new_operator()
    before = counts(app)
    r = c.post("/offerings", full_offering(**{field: value}))
    assert r.status == 422
    assert message in page_text(r)
    assert "Nothing was saved" in r.text
    assert counts(app) == before
    # The form comes back with what was typed, the bad value included.
    assert 'name="%s" value="%s"' % (field, html.escape(value.strip(), quote=True)) in r.text or \
        field.endswith("_enabled")
    assert 'name="scan_fee" value="%s"' % full_offering(**{field: value})["scan_fee"].strip() in r.text

    # The same value on an existing offering changes nothing either.
    oid = add_offering(c, app, name="Existing")
    stored = (offering_rows(app, c.operator_id), action_rows(app, oid))
    data = full_offering(name="Renamed")
    data[field] = value
    r = c.post("/offerings/%d" % oid, data)
    assert r.status == 422
    assert message in page_text(r)
    assert (offering_rows(app, c.operator_id), action_rows(app, oid)) == stored


def test_every_bad_field_gets_its_own_message(app):
    c = app.new_operator()
    r = c.post("/offerings", full_offering(monthly_price="x", scan_free="-1", shred_fee="1,5",
                                           storage_free_days="y"))
    assert r.status == 422
    assert r.text.count('class="offerings-error"') == 4
    assert counts(app)["offerings"] == 0


def test_duplicate_offering_name_is_refused(app):
    c = app.new_operator()
    oid = add_offering(c, app, name="Gold")
    r = c.post("/offerings", full_offering(name="gold"))
    assert r.status == 422 and "already has this name" in r.text
    assert len(offering_rows(app, c.operator_id)) == 1
    other = add_offering(c, app, name="Silver")
    r = c.post("/offerings/%d" % other, full_offering(name="GOLD"))
    assert r.status == 422
    assert {o["id"]: o["name"] for o in offering_rows(app, c.operator_id)} == {oid: "Gold", other: "Silver"}


def test_offering_in_use_cannot_be_removed(app):
    c = app.new_operator()
    oid = add_offering(c, app, name="Gold")
    execute(app, "INSERT INTO plan_links(operator_id, plan_id, plan_name, offering_id) VALUES (?, ?, ?, ?)",
            c.operator_id, "plan-1", "Virtual Office", oid)
    r = c.post("/offerings/%d/delete" % oid)
    assert r.status == 409
    assert "cannot be removed" in page_text(r) and "1 OfficeRnD plan link" in page_text(r)
    assert len(offering_rows(app, c.operator_id)) == 1 and counts(app)["offering_actions"] == 5

    execute(app, "DELETE FROM plan_links WHERE operator_id = ?", c.operator_id)
    sid = add_space(c, app, "Downtown")
    insert_mailbox(app, c.operator_id, sid, oid, status="cancelled")  # history keeps it
    r = c.post("/offerings/%d/delete" % oid)
    assert r.status == 409 and "1 mailbox" in page_text(r)
    assert len(offering_rows(app, c.operator_id)) == 1


def test_unused_offering_is_removed_with_its_actions(app):
    c = app.new_operator()
    oid = add_offering(c, app)
    r = c.post("/offerings/%d/delete" % oid)
    assert r.status == 303 and r.location == "/offerings"
    assert "Offering removed." in c.get("/offerings").text
    assert counts(app) == {"spaces": 0, "offerings": 0, "offering_actions": 0}
    assert c.get("/offerings/%d/edit" % oid).status == 404


def test_amounts_are_shown_in_the_operators_currency(app):
    c = app.new_operator()
    execute(app, "UPDATE operators SET currency = 'EUR' WHERE id = ?", c.operator_id)
    oid = add_offering(c, app)
    text = page_text(c.get("/offerings"))
    assert "12.50 EUR" in text and "Scan: 5 free, then 2.00 EUR" in text and "USD" not in text
    assert "(EUR)" in c.get("/offerings/%d/edit" % oid).text


# -- isolation and CSRF ----------------------------------------------------------------------

def test_operator_cannot_see_or_touch_another_operators_spaces_and_offerings(app):
    a = app.new_operator()
    b = app.new_operator()
    sid = add_space(a, app, "Alpha Quay")
    oid = add_offering(a, app, name="Alpha Plan")
    before_spaces = space_rows(app, a.operator_id)
    before_offerings = (offering_rows(app, a.operator_id), action_rows(app, oid))

    assert "Alpha Quay" not in page_text(b.get("/spaces"))
    assert "Alpha Plan" not in page_text(b.get("/offerings"))
    assert b.get("/spaces/%d/edit" % sid).status == 404
    assert b.post("/spaces/%d" % sid, {"name": "Taken over"}).status == 404
    assert b.post("/spaces/%d/delete" % sid).status == 404
    assert b.get("/offerings/%d/edit" % oid).status == 404
    assert b.post("/offerings/%d" % oid, full_offering(name="Taken over", monthly_price="0")).status == 404
    assert b.post("/offerings/%d/delete" % oid).status == 404

    assert space_rows(app, a.operator_id) == before_spaces
    assert (offering_rows(app, a.operator_id), action_rows(app, oid)) == before_offerings
    assert space_rows(app, b.operator_id) == [] and offering_rows(app, b.operator_id) == []

    # Names are unique per operator, not across operators.
    add_space(b, app, "Alpha Quay")
    add_offering(b, app, name="Alpha Plan")
    assert len(space_rows(app, b.operator_id)) == 1 and len(offering_rows(app, b.operator_id)) == 1


@pytest.mark.parametrize("path", ["/spaces/0/edit", "/spaces/abc/edit", "/spaces/-1/edit",
                                  "/offerings/0/edit", "/offerings/abc/edit", "/offerings/99999/edit"])
def test_unknown_ids_are_not_found(app, path):
    c = app.new_operator()
    assert c.get(path).status == 404


def test_pages_need_a_signed_in_operator(app):
    anon = app.client()
    for path in ("/spaces", "/offerings", "/offerings/new"):
        r = anon.get(path)
        assert r.status == 303 and r.location.startswith("/login")
    anon.get("/login")
    assert anon.post("/spaces", {"name": "Sneaky"}).status == 403
    assert counts(app)["spaces"] == 0


def test_posts_without_csrf_token_are_refused(app):
    c = app.new_operator()
    sid = add_space(c, app, "Downtown")
    oid = add_offering(c, app, name="Gold")
    before = (space_rows(app, c.operator_id), offering_rows(app, c.operator_id), counts(app))
    attempts = [
        ("/spaces", {"name": "Forged"}),
        ("/spaces/%d" % sid, {"name": "Forged"}),
        ("/spaces/%d/delete" % sid, {}),
        ("/offerings", full_offering(name="Forged")),
        ("/offerings/%d" % oid, full_offering(name="Forged")),
        ("/offerings/%d/delete" % oid, {}),
    ]
    for path, data in attempts:
        assert c.post(path, data, csrf=False).status == 403, path
        assert c.post(path, data, csrf="A" * 43).status == 403, path
    assert (space_rows(app, c.operator_id), offering_rows(app, c.operator_id), counts(app)) == before
