"""Keyset pagination of the list pages (Mail, Mailboxes, Charges, Activity): walking the "Older"
links from the first page visits every row of the operator exactly once, newest first, with the
tab, filter and search kept on every page; another operator's rows never show; a malformed
"before" value is a 400 that says so.

Rows are inserted as SQL (hundreds of them, several on the same day, so that the id breaks ties).
"""
import html
import re

import pytest

PAGE = 100


def execute_many(app, sql, rows):
    con = app.db()
    try:
        con.executemany(sql, rows)
        con.commit()
    finally:
        con.close()


@pytest.fixture
def two(app):
    """Operator a with 230 mailboxes (one in four cancelled), and operator b with 20 of its own."""
    a, b = app.new_operator(), app.new_operator()
    for op, n in ((a, 230), (b, 20)):
        op.post("/offerings", {"name": "Basic", "monthly_price": "1.00", "storage_free_days": "0",
                               "storage_fee_per_day": "0"})
        op.offering_id = app.query("SELECT id FROM offerings WHERE operator_id = ?", op.operator_id)[0]["id"]
        execute_many(app, "INSERT INTO renters(operator_id, name, email, created_at) VALUES (?, ?, ?, 0)",
                     [(op.operator_id, "Renter %d" % i, "r%d-%d@example.com" % (op.operator_id, i))
                      for i in range(n)])
        # Mailboxes in the renters' name order (Renter 0, Renter 1, Renter 10, ...), said explicitly:
        # the search by renter below relies on which mailboxes "Renter 1" names, on either engine.
        execute_many(app, "INSERT INTO mailboxes(operator_id, renter_id, offering_id, pmb, status, created_at, "
                     "updated_at) SELECT operator_id, id, ?, 100 + id, CASE WHEN id % 4 = 0 THEN 'cancelled' "
                     "ELSE 'active' END, 0, 0 FROM renters WHERE operator_id = ? ORDER BY name",
                     [(op.offering_id, op.operator_id)])
        op.mailboxes = [r["id"] for r in app.query("SELECT id FROM mailboxes WHERE operator_id = ? ORDER BY id",
                                                   op.operator_id)]
    return app, a, b


def walk(op, path, row_re):
    """Follows the Older links from path; returns (the row ids of every page, the page paths)."""
    ids, paths = [], []
    while path:
        r = op.get(path)
        assert r.status == 200, (path, r)
        rows = [int(x) for x in re.findall(row_re, r.text)]
        assert 0 < len(rows) <= PAGE, (path, len(rows))
        ids += rows
        paths.append(path)
        m = re.search(r'href="([^"]+)">Older', r.text)
        path = html.unescape(m.group(1)) if m else None
        assert len(paths) < 20
    return ids, paths


def test_mail_pages_visit_every_item_once_with_tab_and_search_kept(two):
    app, a, b = two
    rows = []
    for op, n in ((a, 260), (b, 30)):
        for i in range(n):
            # Ten items a day: ties on the day are broken by id.
            rows.append((op.operator_id, None if i % 5 == 0 else op.mailboxes[i % len(op.mailboxes)],
                         "M-%06d" % (i + 1), "Harbour Bank" if i % 3 == 0 else "City Post",
                         "2026-%02d-%02d" % (1 + (i // 10) // 28, 1 + (i // 10) % 28)))
    execute_many(app, "INSERT INTO mail_items(operator_id, mailbox_id, reference, kind, sender, received_on, "
                 "created_at) VALUES (?, ?, ?, 'letter', ?, ?, 0)", rows)

    def expected(where, *params):
        return [r["id"] for r in app.query("SELECT id FROM mail_items WHERE operator_id = ? " + where +
                                           " ORDER BY received_on DESC, id DESC", a.operator_id, *params)]

    item_re = r'<a href="/mail/(\d+)">M-'
    ids, paths = walk(a, "/mail?tab=all", item_re)
    assert ids == expected("") and len(ids) == 260 and len(paths) == 3
    ids, paths = walk(a, "/mail?tab=unassigned&q=harbour", item_re)
    assert ids == expected("AND mailbox_id IS NULL AND sender = 'Harbour Bank'") and len(ids) > 0
    assert all("tab=unassigned" in p and "q=harbour" in p for p in paths)
    ids, paths = walk(a, "/mail?tab=assigned", item_re)
    assert ids == expected("AND mailbox_id IS NOT NULL") and len(paths) == 3
    # A search by renter (through the item's mailbox) or by PMB pages the same way.
    by_renter = [r["id"] for r in app.query(
        "SELECT i.id FROM mail_items i JOIN mailboxes m ON m.id = i.mailbox_id JOIN renters r ON r.id = m.renter_id "
        "WHERE i.operator_id = ? AND (lower(r.name) LIKE '%renter 1%' OR m.pmb LIKE '%renter 1%' "
        "OR lower(r.email) LIKE '%renter 1%') ORDER BY i.received_on DESC, i.id DESC", a.operator_id)]
    ids, paths = walk(a, "/mail?tab=all&q=Renter%201", item_re)
    assert ids == by_renter and len(ids) > PAGE
    pmb = app.query("SELECT pmb FROM mailboxes WHERE id = ?", a.mailboxes[7])[0]["pmb"]
    ids, _ = walk(a, "/mail?tab=assigned&q=" + pmb, item_re)
    like = "%" + pmb + "%"
    assert ids == [r["id"] for r in app.query(
        "SELECT i.id FROM mail_items i JOIN mailboxes m ON m.id = i.mailbox_id JOIN renters r ON r.id = m.renter_id "
        "WHERE i.operator_id = ? AND (m.pmb LIKE ? OR r.name LIKE ? OR r.email LIKE ? OR i.reference LIKE ? "
        "OR i.sender LIKE ?) ORDER BY i.received_on DESC, i.id DESC", a.operator_id, like, like, like, like, like)]
    # The first page of the unassigned tab still counts every unassigned item.
    assert '<span class="badge warn">52</span>' in a.get("/mail?tab=all").text


def test_mailbox_pages_visit_every_mailbox_once_with_the_status_kept(two):
    app, a, b = two
    box_re = r'class="mailboxes-pmb"><a href="/mailboxes/(\d+)"'
    ids, paths = walk(a, "/mailboxes", box_re)
    assert ids == sorted(a.mailboxes, reverse=True) and len(paths) == 3
    cancelled = [r["id"] for r in app.query("SELECT id FROM mailboxes WHERE operator_id = ? AND status = "
                                            "'cancelled' ORDER BY id DESC", a.operator_id)]
    ids, paths = walk(a, "/mailboxes?status=cancelled", box_re)
    assert ids == cancelled
    ids, paths = walk(a, "/mailboxes?status=active", box_re)
    assert len(ids) == 230 - len(cancelled) and len(paths) == 2
    assert all("status=active" in p for p in paths)
    assert set(walk(b, "/mailboxes", box_re)[0]) == set(b.mailboxes)


def test_charge_pages_visit_every_charge_once_with_the_state_kept(two):
    app, a, b = two
    rows = []
    for op, n in ((a, 250), (b, 15)):
        for i in range(n):
            rows.append((op.operator_id, op.mailboxes[i % len(op.mailboxes)], "Scan %d" % i,
                         "2026-%02d-%02d" % (1 + i // 140, 1 + (i // 5) % 28),
                         "failed" if i % 7 == 0 else "not_billed", "pm-t-%d-%d" % (op.operator_id, i)))
    execute_many(app, "INSERT INTO charges(operator_id, mailbox_id, kind, description, unit_amount, amount, "
                 "currency, charge_date, billing_state, reference, created_at) "
                 "VALUES (?, ?, 'scan', ?, 100, 100, 'USD', ?, ?, ?, 0)", rows)
    ref_of = {r["reference"]: r["id"] for r in app.query("SELECT id, reference FROM charges")}

    def expected(where=""):
        return [r["id"] for r in app.query("SELECT id FROM charges WHERE operator_id = ? " + where +
                                           " ORDER BY charge_date DESC, id DESC", a.operator_id)]

    def walk_charges(path):
        refs, paths = walk(a, path, r'charges-ref">pm-t-\d+-(\d+)<')
        page_refs = []
        for p in paths:
            page_refs += re.findall(r'charges-ref">([^<]+)<', a.get(p).text)
        return [ref_of[r] for r in page_refs], paths

    ids, paths = walk_charges("/charges")
    assert ids == expected() and len(ids) == 250 and len(paths) == 3
    ids, paths = walk_charges("/charges?state=failed")
    assert ids == expected("AND billing_state = 'failed'") and all("state=failed" in p for p in paths)


def test_activity_pages_visit_every_event_once_with_the_state_kept(two):
    app, a, b = two
    execute_many(app, "INSERT INTO webhook_events(operator_id, dedupe_key, event_type, membership_id, body, "
                 "received_at, state) VALUES (?, ?, 'membership.updated', ?, '{}', 0, ?)",
                 [(op.operator_id, "k%d" % i, "ms%d" % (i % 9), "failed" if i % 3 == 0 else "applied")
                  for op, n in ((a, 240), (b, 10)) for i in range(n)])

    def expected(where=""):
        return [r["id"] for r in app.query("SELECT id FROM webhook_events WHERE operator_id = ? " + where +
                                           " ORDER BY id DESC", a.operator_id)]

    ids, paths = walk(a, "/activity", r'<tr id="event-(\d+)"')
    assert ids == expected() and len(paths) == 3
    ids, paths = walk(a, "/activity?state=failed&q=ms3", r'<tr id="event-(\d+)"')
    assert ids == expected("AND state = 'failed' AND membership_id = 'ms3'")
    assert all("state=failed" in p and "q=ms3" in p for p in paths)


@pytest.mark.parametrize("path", ["/mail?tab=all", "/charges", "/mailboxes", "/activity"])
def test_a_malformed_cursor_is_a_400(two, path):
    _, a, _ = two
    day_keyed = path.split("?")[0] in ("/mail", "/charges")
    bad = ["abc", "-3", "0", "99999999999999999999999", "", "2026-11-30:", "12:34"]
    bad += ["2026-13-01:5", "2026-02-30:5", "2026-11-30:abc", "2026-11-30:-5", "20261130:5", "2026-11-30"] \
        if day_keyed else ["2026-11-30:5", "5x"]
    for value in bad:
        r = a.get("%s%sbefore=%s" % (path, "&" if "?" in path else "?", value))
        assert r.status == 400, (path, value, r.status)
        assert "page link is not valid" in html.unescape(r.text), (path, value)
    # A well-formed cursor past the oldest row is an empty page, not an error.
    r = a.get("%s%sbefore=%s" % (path, "&" if "?" in path else "?", "1970-01-01:1" if day_keyed else "1"))
    assert r.status == 200


def test_past_200_open_mailboxes_the_mail_forms_ask_for_the_pmb(two):
    """The record and assign forms list up to 200 open mailboxes; past that they take a PMB, so
    that no page lists thousands of mailboxes."""
    app, a, b = two
    small = b.get("/mail/new").text
    assert '<select name="mailbox_id">' in small and 'name="pmb"' not in small
    form = a.get("/mail/new").text  # 173 open mailboxes: still a list
    assert '<select name="mailbox_id">' in form
    execute_many(app, "INSERT INTO renters(operator_id, name, email, created_at) VALUES (?, ?, ?, 0)",
                 [(a.operator_id, "Later %d" % i, "l%d@example.com" % i) for i in range(40)])
    execute_many(app, "INSERT INTO mailboxes(operator_id, renter_id, offering_id, pmb, status, created_at, "
                 "updated_at) SELECT operator_id, id, ?, 100 + id, 'active', 0, 0 FROM renters "
                 "WHERE operator_id = ? AND name LIKE 'Later %'", [(a.offering_id, a.operator_id)])
    form = a.get("/mail/new").text
    assert 'name="pmb"' in form and '<select name="mailbox_id">' not in form and "<option" not in form
    target = app.query("SELECT id, pmb FROM mailboxes WHERE operator_id = ? AND status = 'active' "
                       "ORDER BY id LIMIT 1", a.operator_id)[0]
    cancelled = app.query("SELECT pmb FROM mailboxes WHERE operator_id = ? AND status = 'cancelled' LIMIT 1",
                          a.operator_id)[0]["pmb"]
    base = {"kind": "letter", "sender": "Bank", "received_on": "2026-11-20", "mailbox_id": ""}
    count = lambda: app.query("SELECT count(*) AS n FROM mail_items WHERE operator_id = ?", a.operator_id)[0]["n"]
    of_b = app.query("SELECT pmb FROM mailboxes WHERE operator_id = ? LIMIT 1", b.operator_id)[0]["pmb"]
    for pmb, message in (("99999", "No mailbox has that PMB"), (cancelled, "That mailbox is cancelled"),
                         (of_b, "No mailbox has that PMB"), ("1" * 40, "No mailbox has that PMB")):
        r = a.post("/mail", dict(base, pmb=pmb))
        assert r.status == 422 and message in html.unescape(r.text), (pmb, r.status)
    assert count() == 0
    r = a.post("/mail", dict(base, pmb=" %s " % target["pmb"]))
    assert r.status == 303
    item_id = int(r.location.rsplit("/", 1)[1])
    assert app.query("SELECT mailbox_id FROM mail_items WHERE id = ?", item_id)[0]["mailbox_id"] == target["id"]
    page = a.get("/mail/%d" % item_id).text
    assert 'name="pmb" value="%s"' % target["pmb"] in page and len(page) < 200 * 1024
    loose = a.post("/mail", base)
    loose_id = int(loose.location.rsplit("/", 1)[1])
    other = app.query("SELECT id, pmb FROM mailboxes WHERE operator_id = ? AND status = 'active' "
                      "ORDER BY id DESC LIMIT 1", a.operator_id)[0]
    assert a.post("/mail/%d/assign" % loose_id, {"pmb": other["pmb"]}).status == 303
    assert app.query("SELECT mailbox_id FROM mail_items WHERE id = ?", loose_id)[0]["mailbox_id"] == other["id"]
