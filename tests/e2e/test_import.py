"""Existing members (issue 10) end to end: memberships seeded in the OfficeRnD simulator before the
connection -> "Load existing members" (lighttpd -> pilotomail.fcgi, which only asks) -> the worker
reads them 50 a page -> the page groups them (match / new / skip) -> the operator ticks and imports
-> the worker creates the mailboxes and invitations (or connects the hand-made mailbox), and the
outbox writes one .eml per invitation.
"""
import glob
import os
import re
import time

import pytest

from harness import App
from simctl import DEMO_ORG, SEED_PATH, Sim
from test_mailboxes import create_mailbox
from test_webhooks import (LOC_LINKED, LOC_UNLINKED, PLAN_BASIC, PLAN_PREMIUM, PLAN_UNLINKED, configure)

PAGE = "/settings/integrations/officernd/members"
LOAD = PAGE + "/load"
IMPORT = PAGE + "/import"


@pytest.fixture
def world(request):
    sim = Sim(quiet=True).start(SEED_PATH)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url}).start()
    try:
        op = app.new_operator()
        configure(app, sim, op)
        yield app, sim, op
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(app.server_log())
    finally:
        app.stop()
        sim.cleanup()


def seed(sim, count, **kw):
    """count existing memberships on the two linked plans at the linked location."""
    return sim.seed_memberships(DEMO_ORG, count, plans=[PLAN_BASIC, PLAN_PREMIUM], locations=[LOC_LINKED], **kw)


def text(page):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def asked_officernd(sim):
    s = sim.stats()
    return s["token_requests"] + sum(s["requests"].values())


def load(app, op, sim=None):
    """Load existing members and let the worker read them; with sim, the page and the button
    must not have asked OfficeRnD anything themselves."""
    if sim:
        sim.reset_stats()
    r = op.post(LOAD, {})
    assert r.status == 303 and r.location == PAGE, r
    assert "Loading" in text(op.get(PAGE).text)
    if sim:
        assert asked_officernd(sim) == 0, sim.stats()
    app.worker_once()
    page = op.get(PAGE)
    assert page.status == 200 and 'id="load-done"' in page.text, text(page.text)[:3000]
    return page.text


def rows(app, op, **where):
    sql = "SELECT * FROM member_import_rows WHERE operator_id = ?"
    args = [op.operator_id]
    for k, v in where.items():
        sql += " AND %s = ?" % k
        args.append(v)
    return app.query(sql + " ORDER BY id", *args)


def emails(app):
    out = []
    for f in sorted(glob.glob(os.path.join(app.mail_dir, "*.eml"))):
        with open(f, encoding="utf-8", errors="replace") as fh:
            out.append(fh.read())
    return out


def seeded_mailboxes(app, op, ids):
    """{membership id: [mailbox rows]} for the given memberships."""
    found = {}
    for r in app.query("SELECT id, officernd_membership_id AS mid, renter_id FROM mailboxes WHERE operator_id = ? "
                       "AND officernd_membership_id IS NOT NULL", op.operator_id):
        if r["mid"] in ids:
            found.setdefault(r["mid"], []).append(r)
    return found


def wait_imported(app, op, at_least, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        n = app.query("SELECT count(*) AS n FROM member_import_rows WHERE operator_id = ? AND "
                      "import_state = 'imported'", op.operator_id)[0]["n"]
        if n >= at_least:
            return n
        time.sleep(0.01)
    raise AssertionError("the import did not get to %d rows" % at_least)


def test_import_of_300_killed_halfway_and_resumed_gives_one_mailbox_and_one_invitation_each(world):
    app, sim, op = world
    seeded = seed(sim, 300, ended=4, not_approved=3, unlinked_location=LOC_UNLINKED, on_unlinked_location=5,
                  with_company=2)["memberships"]
    sim.seed_memberships(DEMO_ORG, 12, prefix="desk", plans=[PLAN_UNLINKED])  # not linked: never listed
    hand = next(m for m in seeded if m["kind"] == "active")
    space = app.query("SELECT id FROM spaces WHERE operator_id = ?", op.operator_id)[0]["id"]
    basic = app.query("SELECT id FROM offerings WHERE name = 'Basic'")[0]["id"]
    hand_mb = create_mailbox(op, space, basic, name="Made By Hand", mail=hand["email"].upper())

    # Neither the page nor "Load" asks OfficeRnD: only the worker does.
    assert "Nothing loaded yet" in text(op.get(PAGE).text)
    page = load(app, op, sim)
    stats = sim.stats()["requests"]
    assert stats["GET /memberships"] == 7 and stats["GET /members"] == 7, stats  # 312 and 317, 50 a page
    assert 'id="existing-members-link"' in op.get("/settings/integrations").text

    listed = {r["membership_id"]: r for r in rows(app, op)}
    assert len(listed) == 300 and not any(m["_id"] in listed for m in sim.list("memberships") if m["plan"] == PLAN_UNLINKED)
    groups = {g: len(rows(app, op, grp=g)) for g in ("match", "new", "skip")}
    assert groups == {"match": 1, "new": 300 - 12 - 1, "skip": 12}, groups
    assert listed[hand["_id"]]["grp"] == "match" and listed[hand["_id"]]["match_mailbox_id"] == hand_mb
    reasons = {m["kind"]: listed[m["_id"]]["reason"] for m in seeded}
    assert reasons["ended"].startswith("the membership ended on ")
    assert reasons["not_approved"] == "the membership is not approved in OfficeRnD"
    assert reasons["unlinked_location"] == "its location Riverside is not linked to a space"
    company_row = listed[seeded[-1]["_id"]]
    assert company_row["company_name"] == seeded[-1]["name"] + " Ltd" and company_row["grp"] == "new"

    # Counts per plan and location, the match group first, a group 100 rows a page.
    t = text(page)
    assert "300 memberships on linked plans had no mailbox" in t
    assert "Per plan" in t and "Virtual Office" in t and "Mailbox" in t and "Riverside" in t
    assert "connects mailbox PMB" in t and hand["name"] in t
    new_page = op.get(PAGE + "?group=new").text
    assert new_page.count('name="row"') == 100
    nxt = re.search(r'href="(/settings/integrations/officernd/members\?group=new&amp;after=\d+)"', new_page)
    second = op.get(nxt.group(1).replace("&amp;", "&")).text
    assert second.count('name="row"') == 100 and 'name="row" value="%d"' % listed[hand["_id"]]["id"] not in second
    skip_page = op.get(PAGE + "?group=skip").text
    assert 'name="row"' not in skip_page and "not approved in OfficeRnD" in skip_page

    # Import everything importable, invitations now; the worker is killed halfway and restarted.
    r = op.post(IMPORT, [("all", "match"), ("all", "new"), ("invite", "now")])
    assert r.status == 303, r
    assert "288 members queued for import" in text(op.get(PAGE).text)
    app.start_worker()
    done = wait_imported(app, op, 120)
    app.kill_worker()
    imported = len(rows(app, op, import_state="imported"))
    assert done <= imported < 288, "the worker was not interrupted: %d" % imported
    assert "Importing" in text(op.get(PAGE).text)
    app.worker_once()
    app.worker_once()

    importable = {m["_id"] for m in seeded if m["kind"] == "active"}
    assert len(rows(app, op, import_state="imported")) == 288 and not rows(app, op, import_state="queued")
    boxes = seeded_mailboxes(app, op, importable)
    assert set(boxes) == importable and all(len(b) == 1 for b in boxes.values())
    assert boxes[hand["_id"]][0]["id"] == hand_mb  # connected, not duplicated
    assert app.query("SELECT count(*) AS n FROM mailboxes WHERE operator_id = ?", op.operator_id)[0]["n"] == 288
    invites = app.query("SELECT mailbox_id, count(*) AS n FROM invitations GROUP BY mailbox_id")
    assert len(invites) == 288 and all(i["n"] == 1 for i in invites)  # the hand-made one's own, and one each
    mails = emails(app)
    assert len(mails) == 288
    for m in seeded:
        sent = sum(m["email"] in body.lower() for body in mails)
        assert sent == (1 if m["kind"] == "active" else 0), (m, sent)
    hand_row = rows(app, op, membership_id=hand["_id"])[0]
    assert hand_row["outcome"].startswith("Connected mailbox PMB") and hand_row["mailbox_id"] == hand_mb
    renter = app.query("SELECT name, officernd_member_id FROM renters WHERE id = ?",
                       boxes[hand["_id"]][0]["renter_id"])[0]
    assert renter == {"name": "Made By Hand", "officernd_member_id": hand["member"]}
    assert "288 imported, 0 waiting" in text(op.get(PAGE).text)

    # Importing again changes nothing and sends nothing.
    before = app.query("SELECT count(*) AS n FROM mailboxes")[0]["n"], len(emails(app))
    r = op.post(IMPORT, [("all", "match"), ("all", "new"), ("invite", "now")], follow=True)
    assert "Nothing new to import" in text(r.text)
    app.worker_once()
    assert (app.query("SELECT count(*) AS n FROM mailboxes")[0]["n"], len(emails(app))) == before

    # Loading again lists only what still has no mailbox: the skipped ones.
    load(app, op)
    assert {r["grp"] for r in rows(app, op)} == {"skip"} and len(rows(app, op)) == 12


def test_create_without_inviting_sends_nothing(world):
    app, sim, op = world
    seeded = seed(sim, 8)["memberships"]
    load(app, op)
    ids = [str(r["id"]) for r in rows(app, op, grp="new")]
    r = op.post(IMPORT, [("row", i) for i in ids[:5]] + [("invite", "later")], follow=True)
    assert "5 members queued for import, without invitations" in text(r.text)
    app.worker_once()
    made = seeded_mailboxes(app, op, {m["_id"] for m in seeded})
    assert len(made) == 5 and all(len(b) == 1 for b in made.values())
    assert app.query("SELECT count(*) AS n FROM invitations")[0]["n"] == 0
    assert app.query("SELECT count(*) AS n FROM outbox")[0]["n"] == 0 and emails(app) == []
    assert all("no invitation" in r["outcome"] for r in rows(app, op, import_state="imported"))
    # The rest, with invitations: only those get an email.
    r = op.post(IMPORT, [("all", "new"), ("invite", "now")], follow=True)
    assert "3 members queued for import; each gets an invitation email" in text(r.text)
    app.worker_once()
    assert len(emails(app)) == 3


def test_bad_ticks_are_refused_and_change_nothing(world):
    app, sim, op = world
    seed(sim, 6, ended=2)
    load(app, op)
    other = app.new_operator(email="other@example.com")
    new_id = rows(app, op, grp="new")[0]["id"]
    skip = rows(app, op, grp="skip")[0]

    def nothing_queued():
        return app.query("SELECT count(*) AS n FROM member_import_rows WHERE import_state <> ''")[0]["n"] == 0

    r = other.post(IMPORT, [("row", str(new_id)), ("invite", "now")])  # another operator's row
    assert r.status == 400 and "is not one of your existing members" in r.text and nothing_queued()
    r = op.post(IMPORT, [("row", str(new_id)), ("row", str(skip["id"])), ("invite", "now")])
    assert r.status == 422 and "cannot be imported: the membership ended on" in text(r.text) and nothing_queued()
    r = op.post(IMPORT, [("row", str(new_id)), ("invite", "now")], csrf="not-the-token")
    assert r.status == 403 and nothing_queued()
    r = op.post(IMPORT, [("row", str(new_id)), ("invite", "now")], csrf=False)
    assert r.status == 403 and nothing_queued()
    r = op.post(IMPORT, [("all", "skip"), ("invite", "now")])
    assert r.status == 400 and nothing_queued()
    r = op.post(IMPORT, [("row", "12abc"), ("invite", "now")])
    assert r.status == 400 and nothing_queued()
    r = op.post(IMPORT, [("row", str(new_id))])
    assert r.status == 400 and "invite now" in text(r.text) and nothing_queued()
    r = op.post(IMPORT, [("invite", "now")], follow=True)
    assert "Tick the members to import first" in text(r.text) and nothing_queued()
    assert other.get(PAGE).status == 200 and "Nothing loaded yet" in text(other.get(PAGE).text)
    app.worker_once()
    assert app.query("SELECT count(*) AS n FROM mailboxes")[0]["n"] == 0


def test_a_load_refused_by_officernd_says_why_and_nothing_of_it_can_be_imported(world):
    app, sim, op = world
    seed(sim, 60)
    sim.fault(path="/members", kind="status", status=403, count=10)
    assert op.post(LOAD, {}).status == 303
    app.worker_once()
    page = text(op.get(PAGE).text)
    assert "The last load failed: OfficeRnD refused the list (forbidden)" in page, page[:2000]
    assert "Per plan" not in page and 'name="row"' not in page
    r = op.post(IMPORT, [("all", "new"), ("invite", "now")], follow=True)
    assert "Load the existing members first" in text(r.text)
    sim.clear_faults()
    load(app, op)
    assert len(rows(app, op, grp="new")) == 60
