"""A mailbox page that is complete: its mail and charges (paged by key), the OfficeRnD member,
plan and location by name, and the renter's name, space and offering edited with validation,
CSRF and per-operator scoping. Through the real web server and programs."""
import re
import time

from test_mail_charges import act, add_mailbox, add_offering, record, text_of


def add_space(op, app, name):
    assert op.post("/spaces", {"name": name}).status == 303
    return app.query("SELECT id FROM spaces WHERE operator_id = ? AND name = ?", op.operator_id, name)[0]["id"]


def mailbox(app, mbx):
    return app.query("SELECT m.*, r.name AS renter_name FROM mailboxes m JOIN renters r ON r.id = m.renter_id "
                     "WHERE m.id = ?", mbx)[0]


def test_the_page_lists_the_mailbox_mail_and_charges_by_page(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.25"))
    _, mbx = add_mailbox(app, op.operator_id, off, name="Ada Renter")
    _, other = add_mailbox(app, op.operator_id, off, name="Bob Renter")
    mine = record(op, mbx, sender="Harbour Bank")
    theirs = record(op, other, sender="Someone Else Ltd")
    assert act(op, mine, "scan").status == 303
    assert act(op, theirs, "scan").status == 303
    page = op.get("/mailboxes/%d" % mbx)
    assert page.status == 200
    text = text_of(page)
    assert 'href="/mail/%d"' % mine in page.text and "Harbour Bank" in text
    assert "Someone Else Ltd" not in text and "M-000002" not in text
    assert "Scan of letter M-000001 from Harbour Bank" in text and "1.25 USD" in text

    # 30 more items: a page holds 25, the rest are one "Older mail" link away, by key.
    con = app.db()
    for n in range(30):
        con.execute("INSERT INTO mail_items(operator_id, mailbox_id, reference, kind, sender, received_on, created_at) "
                    "VALUES (?, ?, ?, 'letter', ?, '2026-10-01', ?)",
                    (op.operator_id, mbx, "M-9%05d" % n, "Old sender %d" % n, int(time.time())))
    con.commit()
    con.close()
    first = op.get("/mailboxes/%d" % mbx).text
    older = re.search(r'href="(/mailboxes/%d\?mail_before=[^"#]+)' % mbx, first)
    assert older, "no Older mail link"
    shown_first = set(re.findall(r"M-9\d{5}", first))
    second = op.get(older.group(1).replace("&amp;", "&")).text
    shown_second = set(re.findall(r"M-9\d{5}", second))
    assert len(shown_first) == 24 and len(shown_second) == 6 and not shown_first & shown_second
    # Dates in the one format every page uses ("1 Oct 2026"), not the stored 2026-10-01.
    assert "1 Oct 2026" in text_of(op.get(older.group(1).replace("&amp;", "&"))) and "2026-10-01</td>" not in second
    assert op.get("/mailboxes/%d?mail_before=yesterday" % mbx).status == 400
    assert op.get("/mailboxes/%d?charges_before=2026-99-01:1" % mbx).status == 400


def test_renter_name_space_and_offering_are_edited(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    other_off = add_offering(op, app, name="Premium", scan=(2, "0.50"))
    space = add_space(op, app, "Harbour")
    _, mbx = add_mailbox(app, op.operator_id, off, name="Ada Renter")
    page = op.get("/mailboxes/%d" % mbx).text
    assert 'action="/mailboxes/%d/edit"' % mbx in page and 'value="Ada Renter"' in page

    r = op.post("/mailboxes/%d/edit" % mbx, {"renter_name": "Ada Lovelace", "space_id": str(space),
                                              "offering_id": str(other_off)})
    assert r.status == 303
    assert "Mailbox PMB" in text_of(op.get(r.location))
    m = mailbox(app, mbx)
    assert (m["renter_name"], m["space_id"], m["offering_id"]) == ("Ada Lovelace", space, other_off)

    stranger = app.new_operator()
    foreign_space = add_space(stranger, app, "Elsewhere")
    foreign_off = add_offering(stranger, app, name="Theirs", scan=(0, "1.00"))
    before = mailbox(app, mbx)
    for data, message in (
            ({"renter_name": "  ", "space_id": str(space), "offering_id": str(off)}, "Enter the renter's name."),
            ({"renter_name": "x" * 101, "space_id": str(space), "offering_id": str(off)}, "100"),
            ({"renter_name": "Ada", "space_id": str(foreign_space), "offering_id": str(off)}, "Choose one of your spaces."),
            ({"renter_name": "Ada", "space_id": str(space), "offering_id": str(foreign_off)}, "Choose one of your offerings."),
            ({"renter_name": "Ada", "space_id": "abc", "offering_id": str(off)}, "Choose one of your spaces.")):
        r = op.post("/mailboxes/%d/edit" % mbx, data)
        assert r.status == 422 and message in text_of(r), (data, r.status)
    # Without the form's token, or as another operator: refused, nothing changes.
    r = op.post("/mailboxes/%d/edit" % mbx, {"renter_name": "Eve", "space_id": str(space),
                                              "offering_id": str(off)}, csrf="forged")
    assert r.status == 403
    r = stranger.post("/mailboxes/%d/edit" % mbx, {"renter_name": "Eve", "space_id": str(foreign_space),
                                                    "offering_id": str(foreign_off)})
    assert r.status == 404
    assert stranger.get("/mailboxes/%d" % mbx).status == 404
    assert mailbox(app, mbx) == before


def test_officernd_member_plan_and_location_by_name(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"))
    now = int(time.time())
    con = app.db()
    con.execute("UPDATE officernd_settings SET org_slug = 'acme-spaces' WHERE operator_id = ?", (op.operator_id,))
    renter = con.execute("INSERT INTO renters(operator_id, name, email, officernd_member_id, officernd_member_name, "
                         "created_at) VALUES (?, 'Ada (front desk name)', 'ada@example.com', 'mem_1', "
                         "'Ada Lovelace', ?)", (op.operator_id, now)).lastrowid
    mbx = con.execute("INSERT INTO mailboxes(operator_id, renter_id, offering_id, pmb, source, "
                      "officernd_membership_id, officernd_location_id, created_at, updated_at) "
                      "VALUES (?, ?, ?, '301', 'officernd', 'ms_1', 'loc_1', ?, ?)",
                      (op.operator_id, renter, off, now, now)).lastrowid
    con.execute("INSERT INTO memberships(operator_id, membership_id, member_id, plan_id, location_id, updated_at) "
                "VALUES (?, 'ms_1', 'mem_1', 'plan_1', 'loc_1', ?)", (op.operator_id, now))
    con.execute("INSERT INTO officernd_plans(operator_id, plan_id, name, position) VALUES (?, 'plan_1', "
                "'Virtual Office Gold', 0)", (op.operator_id,))
    con.execute("INSERT INTO officernd_locations(operator_id, location_id, name, position) VALUES (?, 'loc_1', "
                "'Harbour Street', 0)", (op.operator_id,))
    con.commit()
    con.close()
    page = op.get("/mailboxes/%d" % mbx)
    officernd = re.search(r'<section class="card" id="officernd">(.*?)</section>', page.text, re.S).group(1)
    assert re.search(r'id="officernd-member">Ada Lovelace<', officernd)
    assert re.search(r'id="officernd-plan">Virtual Office Gold<', officernd)
    assert re.search(r'id="officernd-location">Harbour Street<', officernd)
    assert 'href="https://app.officernd.com/admin/acme-spaces"' in officernd
    # A plan the cached lists do not know yet: its id, rather than nothing.
    con = app.db()
    con.execute("DELETE FROM officernd_plans")
    con.commit()
    con.close()
    assert 'id="officernd-plan">plan_1<' in op.get("/mailboxes/%d" % mbx).text
