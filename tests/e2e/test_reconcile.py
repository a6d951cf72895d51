"""Missed OfficeRnD webhooks, found by checking OfficeRnD: lighttpd -> pilotomail.fcgi (Activity
page, Check now) -> worker (GET /memberships from the simulator) -> webhook inbox -> the usual
membership sync -> mailboxes, invitations and the Activity page.

The operator is configured through the real settings card, and pilotomail's webhook URL is
registered in the simulator, so a change made "in OfficeRnD" with send_webhooks=True arrives as
OfficeRnD's own signed webhook, and one made with send_webhooks=False is a lost webhook.
"""
import re
import time

import pytest

from harness import App
from simctl import Sim, SEED_PATH, DEMO_ORG
from test_webhooks import (ADA, LOC_LINKED, PLAN_BASIC, PLAN_PREMIUM, PLAN_UNLINKED, SIGNING_SECRET, Env,
                           activity_row, configure, membership, new_id, now_ms)


@pytest.fixture
def world(request):
    sim = Sim(quiet=True).start(SEED_PATH)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url}).start()
    try:
        op = app.new_operator()
        configure(app, sim, op)
        e = Env(app, sim, op)
        sim.add_webhook_endpoint(DEMO_ORG, app.url + e.path, SIGNING_SECRET)
        yield e
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(app.server_log())
    finally:
        app.stop()
        sim.cleanup()


def add_membership(e, send_webhooks, plan=PLAN_BASIC, member=ADA):
    """A membership created in OfficeRnD; with send_webhooks its webhook must have arrived."""
    m = e.sim.add("memberships", DEMO_ORG, send_webhooks=send_webhooks, member=member, plan=plan,
                  location=LOC_LINKED)
    assert [d["status"] for d in m["deliveries"]] == ([200] if send_webhooks else [])
    return m


def card(e, operator_id=None):
    return e.app.query("SELECT reconciled_through, reconciled_at, reconcile_requested, reconcile_attempted_at, "
                       "reconcile_error FROM officernd_settings WHERE operator_id = ?",
                       operator_id or e.op.operator_id)[0]


def check_now(e):
    """Presses Check now on the Activity page; returns the page it leads back to."""
    r = e.op.post("/activity/reconcile", {})
    assert r.status == 303 and r.location == "/activity", r
    page = e.op.get(r.location).text
    assert "pilotomail will check OfficeRnD for missed membership changes within a minute." in page
    return page


def text(page):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def gets(e, what="GET /memberships"):
    return e.sim.stats()["requests"].get(what, 0)


def test_membership_created_without_webhook_is_found_by_check_now(world):
    e = world
    lost = add_membership(e, send_webhooks=False)
    desk = add_membership(e, send_webhooks=False, plan=PLAN_UNLINKED)  # gets no mailbox anyway
    e.app.worker_once()
    assert e.mailboxes() == [] and e.events() == []  # no webhook came; no check was due yet
    page = text(e.op.get("/activity").text)
    assert "Missed a webhook? pilotomail checks OfficeRnD for membership changes every hour; last check: never" in page

    page = check_now(e)
    assert "Queued" in text(page) and card(e)["reconcile_requested"] == 1
    e.app.worker_once()

    [mb] = e.mailboxes(lost["_id"])
    assert mb["status"] == "active" and mb["offering_id"] == e.offerings["Basic"]
    assert (mb["renter_name"], mb["renter_email"]) == ("Ada Lovelace", "ada@example.com")
    assert [i["state"] for i in e.invitations(mb["id"])] == ["pending"]
    mails = e.emails()
    assert len(mails) == 1 and "ada@example.com" in mails[0]
    [ev] = e.events(lost["_id"])
    assert ev["dedupe_key"] == "reconcile:%s:%s" % (lost["_id"], lost["modifiedAt"])
    assert (ev["event_type"], ev["state"]) == ("membership.created", "applied")
    assert e.events(desk["_id"]) == []  # not a line per desk membership
    page = e.op.get("/activity").text
    row = activity_row(page, ev["id"])
    assert "membership.created" in row and "found by reconciliation" in row and "Applied" in row
    assert "created for Ada Lovelace" in row
    c = card(e)
    assert c["reconciled_at"] > 0 and c["reconcile_requested"] == 0 and c["reconcile_error"] == ""
    assert c["reconciled_through"] == desk["modifiedAt"]  # the newest change listed
    assert "last check: never" not in text(page) and "Queued" not in text(page)

    # A second check finds the same state: nothing is added, nothing sent again.
    before = len(e.events())
    check_now(e)
    e.app.worker_once()
    assert len(e.events()) == before
    assert len(e.mailboxes()) == 1 and len(e.emails()) == 1
    assert card(e)["reconciled_at"] >= c["reconciled_at"]


def test_hourly_check_runs_by_itself_and_then_asks_only_for_newer_changes(world):
    e = world
    e.app.worker_once()  # the worker sees the card configured: the hour starts now
    start = card(e)["reconcile_attempted_at"]
    assert start > 0 and card(e)["reconciled_at"] == 0
    m = add_membership(e, send_webhooks=False)
    # A membership known only from its webhook (never in this OfficeRnD): the hourly check does
    # not cancel mailboxes on its own.
    only_webhook = new_id()
    e.event("membership.created", membership(only_webhook, now_ms()))
    e.app.worker_once()
    assert e.mailboxes(m["_id"]) == [] and gets(e) == 0  # not due yet

    r = e.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(start + 3600)})
    assert "kind=full listed=1 events=1" in r.stderr, r.stderr[-3000:]
    assert e.mailboxes(m["_id"])[0]["status"] == "active"
    assert e.mailboxes(only_webhook)[0]["status"] == "active"
    assert card(e)["reconciled_through"] == m["modifiedAt"]

    # An hour later: only what changed since (minus the overlap) is asked for and applied.
    e.sim.patch_membership(m["_id"], send_webhooks=False, plan=PLAN_PREMIUM)
    r = e.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(start + 7300)})
    assert "kind=since listed=1 events=1" in r.stderr, r.stderr[-3000:]
    assert e.mailboxes(m["_id"])[0]["offering_id"] == e.offerings["Premium"]
    r = e.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(start + 7400)})
    assert "pass done" not in r.stderr  # not due again so soon


def test_plan_change_without_webhook_changes_the_offering(world):
    e = world
    m = add_membership(e, send_webhooks=True)
    e.app.worker_once()
    [mb] = e.mailboxes(m["_id"])
    assert mb["offering_id"] == e.offerings["Basic"]
    changed = e.sim.patch_membership(m["_id"], send_webhooks=False, plan=PLAN_PREMIUM)
    check_now(e)
    e.app.worker_once()
    [mb] = e.mailboxes(m["_id"])
    assert mb["status"] == "active" and mb["offering_id"] == e.offerings["Premium"]
    hook, found = e.events(m["_id"])
    assert not hook["dedupe_key"].startswith("reconcile:")
    assert found["dedupe_key"] == "reconcile:%s:%s" % (m["_id"], changed["modifiedAt"])
    assert found["event_type"] == "membership.updated" and found["state"] == "applied"
    assert "offering changed" in found["outcome"]
    assert len(e.invitations(mb["id"])) == 1 and len(e.emails()) == 1  # no second invitation
    page = e.op.get("/activity").text
    row = activity_row(page, found["id"])
    assert "found by reconciliation" in row and "offering changed" in row
    assert "found by reconciliation" not in activity_row(page, hook["id"])
    assert page.index('id="event-%d"' % found["id"]) < page.index('id="event-%d"' % hook["id"])  # newest first


def test_membership_deleted_without_webhook_cancels_its_mailbox(world):
    e = world
    gone = add_membership(e, send_webhooks=True)
    kept = add_membership(e, send_webhooks=True, plan=PLAN_PREMIUM)
    e.app.worker_once()
    e.sim.delete_membership(gone["_id"], send_webhooks=False)
    check_now(e)
    e.app.worker_once()
    [mb] = e.mailboxes(gone["_id"])
    assert mb["status"] == "cancelled"
    assert [i["state"] for i in e.invitations(mb["id"])] == ["revoked"]
    found = e.events(gone["_id"])[-1]
    assert found["dedupe_key"] == "reconcile:%s:removed" % gone["_id"]
    assert (found["event_type"], found["state"]) == ("membership.removed", "applied")
    assert e.app.query("SELECT removed FROM memberships WHERE membership_id = ?", gone["_id"]) == [{"removed": 1}]
    assert e.mailboxes(kept["_id"])[0]["status"] == "active"
    assert len(e.events(kept["_id"])) == 1
    # Checked again: it stays removed, and nothing is added.
    before = len(e.events())
    check_now(e)
    e.app.worker_once()
    assert len(e.events()) == before


def test_change_already_applied_or_waiting_is_not_added_again(world):
    e = world
    m = add_membership(e, send_webhooks=True)
    e.app.worker_once()
    [mb] = e.mailboxes(m["_id"])
    check_now(e)
    e.app.worker_once()
    assert len(e.events(m["_id"])) == 1  # no second row for the same version
    assert e.mailboxes(m["_id"]) == [mb] and len(e.emails()) == 1

    # OfficeRnD's webhook arrived but waits for a retry: the check leaves it to the inbox.
    waiting = add_membership(e, send_webhooks=True, plan=PLAN_PREMIUM)
    con = e.app.db()
    con.execute("UPDATE webhook_events SET next_attempt_at = ? WHERE membership_id = ?",
                (int(time.time()) + 3600, waiting["_id"]))
    con.commit()
    con.close()
    check_now(e)
    e.app.worker_once()
    [ev] = e.events(waiting["_id"])
    assert ev["state"] == "pending" and e.mailboxes(waiting["_id"]) == []
    con = e.app.db()
    con.execute("UPDATE webhook_events SET next_attempt_at = 0 WHERE membership_id = ?", (waiting["_id"],))
    con.commit()
    con.close()
    e.app.worker_once()
    assert [x["state"] for x in e.events(waiting["_id"])] == ["applied"]
    assert len(e.mailboxes(waiting["_id"])) == 1


def test_officernd_unreachable_is_reported_and_retried_later(world):
    e = world
    e.sim.fault(method="GET", path="/memberships", kind="status", status=503, count=100)
    m = add_membership(e, send_webhooks=False)
    check_now(e)
    e.app.worker_once()
    assert e.mailboxes() == []
    c = card(e)
    assert c["reconciled_at"] == 0 and c["reconciled_through"] == "" and c["reconcile_requested"] == 0
    assert "HTTP 503" in c["reconcile_error"]
    page = text(e.op.get("/activity").text)
    assert "The last check failed: OfficeRnD had an error (HTTP 503)" in page and "(listing the memberships)" in page
    assert "last check: never" in page
    # No tight loop: without a press, the next try waits for the interval.
    asked = gets(e)
    assert 1 <= asked <= 3  # the client's own quick retries, no more
    e.app.worker_once()
    assert gets(e) == asked

    # OfficeRnD back: the next check goes through and clears the error.
    e.sim.clear_faults()
    check_now(e)
    e.app.worker_once()
    assert len(e.mailboxes(m["_id"])) == 1
    c = card(e)
    assert c["reconciled_at"] > 0 and c["reconcile_error"] == "" and c["reconciled_through"] == m["modifiedAt"]
    assert "The last check failed" not in text(e.op.get("/activity").text)

    # Not answering at all (the simulator stopped) fails the same way, without a crash.
    e.sim.stop()
    check_now(e)
    r = e.app.worker_once()
    assert "pass failed" in r.stderr
    c2 = card(e)
    assert c2["reconciled_at"] == c["reconciled_at"] and "could not be reached" in c2["reconcile_error"]


def test_check_now_is_the_operators_own_and_needs_the_form_token(world):
    e = world
    # Without the form's CSRF token: refused, nothing asked.
    assert e.op.post("/activity/reconcile", {}, csrf=False).status == 403
    assert e.op.post("/activity/reconcile", {}, csrf="not-the-token").status == 403
    assert card(e)["reconcile_requested"] == 0
    # Signed out: sent to sign in.
    r = e.app.client().post("/activity/reconcile", {}, csrf=False)
    assert r.status in (303, 403) and card(e)["reconcile_requested"] == 0

    # Another operator without OfficeRnD: told to connect it; the first operator is untouched.
    other = e.app.new_operator()
    r = other.post("/activity/reconcile", {})
    assert r.status == 303
    page = other.get(r.location).text
    assert "OfficeRnD is not connected" in page and 'action="/activity/reconcile"' not in page
    assert card(e)["reconcile_requested"] == 0

    # Connected too: its press is its own, and its check never touches the first operator's data.
    configure(e.app, e.sim, other)
    lost = add_membership(e, send_webhooks=False)
    r = other.post("/activity/reconcile", {})
    assert r.status == 303
    assert card(e, other.operator_id)["reconcile_requested"] == 1 and card(e)["reconcile_requested"] == 0
    e.app.worker_once()
    assert e.mailboxes() == [] and e.events() == []
    assert card(e)["reconciled_at"] == 0
    theirs = e.app.query("SELECT officernd_membership_id FROM mailboxes WHERE operator_id = ?", other.operator_id)
    assert theirs == [{"officernd_membership_id": lost["_id"]}]
    assert lost["_id"] not in e.op.get("/activity").text


def test_memberships_from_before_the_connection_are_not_invited_until_they_change(world):
    e = world
    # A member who signed up in OfficeRnD a month before pilotomail was connected: no webhook for
    # it was ever due, so none was lost, and a check must not mail them an invitation.
    month_ago = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 30 * 86400))
    old = e.sim.add("memberships", DEMO_ORG, send_webhooks=False, member=ADA, plan=PLAN_BASIC,
                    location=LOC_LINKED, createdAt=month_ago, modifiedAt=month_ago)
    e.app.worker_once()
    check_now(e)
    e.app.worker_once()
    assert card(e)["reconciled_at"] > 0 and card(e)["reconcile_error"] == ""
    assert e.mailboxes() == [] and e.events() == [] and e.emails() == []

    # Once it changes in OfficeRnD (and that webhook is lost too), it is a change pilotomail
    # should have heard of: the check provisions it, as the webhook would have.
    e.sim.patch_membership(old["_id"], send_webhooks=False, plan=PLAN_PREMIUM)
    check_now(e)
    e.app.worker_once()
    [mb] = e.mailboxes(old["_id"])
    assert mb["status"] == "active" and mb["offering_id"] == e.offerings["Premium"]
    [ev] = e.events(old["_id"])
    assert ev["dedupe_key"].startswith("reconcile:") and ev["state"] == "applied"
