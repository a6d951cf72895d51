"""OfficeRnD webhooks end to end: lighttpd -> webhook.fcgi -> store -> worker -> mailboxes, emails
and the Activity page, against the OfficeRnD simulator.

The operator is configured through the real settings card (POST /settings/integrations/officernd)
with the simulator's plan and location ids. Events are built here, shaped like
OfficeRnD's, and signed exactly as OfficeRnD signs them: hex HMAC-SHA256(secret, body + "." + t).
"""
import concurrent.futures
import datetime
import glob
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess
import time
import urllib.parse

import pytest

from harness import App, ROOT
from simctl import Sim, SEED_PATH, DEMO_ORG, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

SIGNING_SECRET = "whsec_e2e_9c1f6a0b7d"
PLAN_BASIC = "65a1f0c2e4b0a1b2c3d4e101"     # "Virtual Office" -> offering Basic
PLAN_PREMIUM = "65a1f0c2e4b0a1b2c3d4e102"   # "Mailbox" -> offering Premium
PLAN_UNLINKED = "65a1f0c2e4b0a1b2c3d4e103"  # "Hot Desk": not linked
LOC_LINKED = "65a1f0c2e4b0a1b2c3d4e001"     # "Downtown Hub" -> space Downtown
LOC_UNLINKED = "65a1f0c2e4b0a1b2c3d4e002"   # "Riverside": not linked
ADA = "65a1f0c2e4b0a1b2c3d4e301"            # Ada Lovelace <ada@example.com>
HANK = "65a1f0c2e4b0a1b2c3d4e303"           # Hank Scorpio, of Globex
GLOBEX = "65a1f0c2e4b0a1b2c3d4e201"


# -- building and sending events ---------------------------------------------------------------

def iso_ms(ms):
    dt = datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def now_ms():
    return int(time.time() * 1000)


def new_id():
    return secrets.token_hex(12)


def membership(mid, version_ms, plan=PLAN_BASIC, location=LOC_LINKED, member=ADA, company=None,
               status="approved", calculated="active", end_date=None, created_ms=None):
    obj = {"_id": mid, "name": "Membership", "member": member, "company": company, "plan": plan,
           "location": location, "startDate": iso_ms(version_ms - 86400000), "status": status,
           "calculatedStatus": calculated, "isPersonal": company is None, "price": 99,
           "createdAt": iso_ms(created_ms if created_ms is not None else version_ms),
           "modifiedAt": iso_ms(version_ms)}
    if end_date is not None:
        obj["endDate"] = end_date
    return obj


def event_body(event_type, obj, event_id=None):
    ev = {"event": event_id or new_id(), "eventType": event_type,
          "data": {"object": obj, "previousAttributes": {}}, "createdAt": iso_ms(now_ms())}
    return json.dumps(ev, separators=(",", ":")).encode()


def sign(body, secret=SIGNING_SECRET, t=None):
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), body + b"." + str(t).encode(), hashlib.sha256).hexdigest()
    return "t=%d,signature=%s" % (t, mac)


def post_raw(app, path, body, headers=None, method="POST"):
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    try:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace"), r.getheader("Content-Type")
    finally:
        conn.close()


class Env:
    """A running pilotomail wired to a running simulator, with one configured operator."""

    def __init__(self, app, sim, op):
        self.app, self.sim, self.op = app, sim, op
        token = app.query("SELECT webhook_token FROM officernd_settings WHERE operator_id = ?",
                          op.operator_id)[0]["webhook_token"]
        self.path = "/webhooks/officernd/" + token
        self.spaces = {r["name"]: r["id"] for r in app.query(
            "SELECT id, name FROM spaces WHERE operator_id = ?", op.operator_id)}
        self.offerings = {r["name"]: r["id"] for r in app.query(
            "SELECT id, name FROM offerings WHERE operator_id = ?", op.operator_id)}

    def send(self, body, header=None):
        """POSTs a body signed now; returns (status, decoded JSON or text)."""
        status, text, ctype = post_raw(self.app, self.path, body,
                                       {"officernd-signature": header or sign(body)})
        if ctype and ctype.startswith("application/json"):
            return status, json.loads(text)
        return status, text

    def event(self, event_type, obj, event_id=None):
        status, answer = self.send(event_body(event_type, obj, event_id))
        assert status == 200, answer
        assert answer["status"] == "accepted", answer
        return answer

    def mailboxes(self, mid=None):
        sql = ("SELECT m.*, r.name AS renter_name, r.email AS renter_email, r.company_name "
               "FROM mailboxes m JOIN renters r ON r.id = m.renter_id WHERE m.operator_id = ?")
        args = [self.op.operator_id]
        if mid:
            sql += " AND m.officernd_membership_id = ?"
            args.append(mid)
        return self.app.query(sql, *args)

    def events(self, mid=None):
        sql = "SELECT * FROM webhook_events WHERE operator_id = ?"
        args = [self.op.operator_id]
        if mid:
            sql += " AND membership_id = ?"
            args.append(mid)
        return self.app.query(sql + " ORDER BY id", *args)

    def invitations(self, mailbox_id):
        return self.app.query("SELECT * FROM invitations WHERE mailbox_id = ? ORDER BY id", mailbox_id)

    def emails(self):
        files = sorted(glob.glob(os.path.join(self.app.mail_dir, "**", "*.eml"), recursive=True))
        out = []
        for f in files:
            with open(f, encoding="utf-8", errors="replace") as fh:
                out.append(fh.read())
        return out


def configure(app, sim, op, signing_secret=SIGNING_SECRET):
    """Spaces, offerings and the OfficeRnD card, through the operator's own pages."""
    assert op.post("/spaces", {"name": "Downtown"}).status == 303
    fields = {"monthly_price": "10.00", "storage_free_days": "0", "storage_fee_per_day": "0"}
    for a in ("scan", "forward", "shred", "recycle", "pickup"):
        fields.update({a + "_enabled": "1", a + "_free": "1", a + "_fee": "2.50"})
    for name in ("Basic", "Premium"):
        assert op.post("/offerings", dict(fields, name=name)).status == 303
    space = app.query("SELECT id FROM spaces WHERE operator_id = ?", op.operator_id)[0]["id"]
    offs = {r["name"]: r["id"] for r in app.query(
        "SELECT id, name FROM offerings WHERE operator_id = ?", op.operator_id)}
    r = op.post("/settings/integrations/officernd", [
        ("org_slug", DEMO_ORG), ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET), ("signing_secret", signing_secret),
        ("charge_plan_id", ""),
        ("plan_id", PLAN_BASIC), ("offering_id", str(offs["Basic"])),
        ("plan_id", PLAN_PREMIUM), ("offering_id", str(offs["Premium"])),
        ("location_id", LOC_LINKED), ("space_id", str(space))])
    assert r.status == 303, r.text[:2000]
    assert len(app.query("SELECT * FROM plan_links WHERE operator_id = ?", op.operator_id)) == 2


@pytest.fixture
def env(request):
    sim = Sim(quiet=True).start(SEED_PATH)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url}).start()
    try:
        op = app.new_operator()
        configure(app, sim, op)
        e = Env(app, sim, op)
        yield e
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(app.server_log())
    finally:
        app.stop()
        sim.cleanup()


def activity_row(page, event_id):
    """The text of one row of the activity table (tags stripped)."""
    m = re.search(r'<tr id="event-%d".*?</tr>' % event_id, page, re.S)
    assert m, "event %d not on the page" % event_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0)))


# -- one event at a time -----------------------------------------------------------------------

def test_created_makes_one_mailbox_and_one_invitation(env):
    mid = new_id()
    env.event("membership.created", membership(mid, now_ms()))
    assert env.events(mid)[0]["state"] == "pending"
    assert env.mailboxes() == []  # the receiver itself never provisions
    env.app.worker_once()

    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active" and mb["source"] == "officernd"
    assert mb["offering_id"] == env.offerings["Basic"]
    assert mb["space_id"] == env.spaces["Downtown"]
    assert mb["needs_attention"] == ""
    assert (mb["renter_name"], mb["renter_email"]) == ("Ada Lovelace", "ada@example.com")
    [inv] = env.invitations(mb["id"])
    assert inv["state"] == "pending"
    mails = env.emails()
    assert len(mails) == 1 and "ada@example.com" in mails[0]
    [ev] = env.events(mid)
    assert ev["state"] == "applied" and "created" in ev["outcome"]
    assert env.app.query("SELECT member_id, plan_id FROM memberships WHERE membership_id = ?", mid) == [
        {"member_id": ADA, "plan_id": PLAN_BASIC}]

    page = env.op.get("/activity")
    assert page.status == 200
    row = activity_row(page.text, ev["id"])
    assert "membership.created" in row and mid in row and "Applied" in row and "created" in row
    assert re.search(r'<a href="/activity" aria-current="page" class="active">Activity</a>', page.text)


def test_company_membership_gets_company_name(env):
    mid = new_id()
    env.event("membership.created", membership(mid, now_ms(), member=HANK, company=GLOBEX))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["renter_name"] == "Hank Scorpio" and mb["company_name"] == "Globex Corporation"
    assert env.app.query("SELECT officernd_company_id FROM renters WHERE id = ?", mb["renter_id"]) == [
        {"officernd_company_id": GLOBEX}]


def test_updated_to_another_linked_plan_changes_the_offering(env):
    mid, v = new_id(), now_ms()
    env.event("membership.created", membership(mid, v))
    env.app.worker_once()
    env.event("membership.updated", membership(mid, v + 1000, plan=PLAN_PREMIUM, created_ms=v))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active" and mb["offering_id"] == env.offerings["Premium"]
    assert len(env.invitations(mb["id"])) == 1 and len(env.emails()) == 1
    assert "offering changed" in env.events(mid)[1]["outcome"]


def test_updated_to_unlinked_plan_or_ended_cancels(env):
    mid, v = new_id(), now_ms()
    env.event("membership.created", membership(mid, v))
    env.app.worker_once()
    env.event("membership.updated", membership(mid, v + 1000, plan=PLAN_UNLINKED, created_ms=v))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "cancelled" and mb["cancelled_at"]
    assert [i["state"] for i in env.invitations(mb["id"])] == ["revoked"]
    assert "plan %s is not linked to a mailbox offering" % PLAN_UNLINKED in env.events(mid)[1]["outcome"]

    # An end date in the past cancels too.
    mid2 = new_id()
    env.event("membership.created", membership(mid2, v))
    env.app.worker_once()
    env.event("membership.updated", membership(mid2, v + 1000, end_date=iso_ms(v - 3 * 86400000),
                                               calculated="expired", created_ms=v))
    env.app.worker_once()
    assert env.mailboxes(mid2)[0]["status"] == "cancelled"
    assert "ended" in env.events(mid2)[1]["outcome"]


def test_mailbox_is_cancelled_once_a_future_end_date_passes(env):
    mid, v = new_id(), now_ms()
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    env.event("membership.created", membership(mid, v, end_date=tomorrow))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active"  # the membership runs through tomorrow
    env.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(int(time.time()) + 86400)})
    assert env.mailboxes(mid)[0]["status"] == "active"  # still its last day
    env.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(int(time.time()) + 3 * 86400)})
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "cancelled"
    assert [i["state"] for i in env.invitations(mb["id"])] == ["revoked"]
    # An open-ended membership is left alone.
    mid2 = new_id()
    env.event("membership.created", membership(mid2, v))
    env.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(int(time.time()) + 400 * 86400)})
    assert env.mailboxes(mid2)[0]["status"] == "active"


def test_removed_cancels_and_revokes_and_stays_removed(env):
    mid, v = new_id(), now_ms()
    env.event("membership.created", membership(mid, v))
    env.app.worker_once()
    env.event("membership.removed", membership(mid, v))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "cancelled"
    assert [i["state"] for i in env.invitations(mb["id"])] == ["revoked"]
    # A later (even newer) event for a removed membership changes nothing.
    env.event("membership.updated", membership(mid, v + 5000, plan=PLAN_PREMIUM))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "cancelled" and mb["offering_id"] == env.offerings["Basic"]
    states = [(e["event_type"], e["state"]) for e in env.events(mid)]
    assert states == [("membership.created", "applied"), ("membership.removed", "applied"),
                      ("membership.updated", "skipped")]
    assert "removed" in env.events(mid)[2]["outcome"]


def test_same_event_three_times_gives_one_mailbox_and_one_email(env):
    mid = new_id()
    body = event_body("membership.created", membership(mid, now_ms()))
    answers = []
    for _ in range(3):
        status, answer = env.send(body)  # signed afresh each time, as a retry would be
        assert status == 200
        answers.append(answer["status"])
        env.app.worker_once()
    assert answers == ["accepted", "duplicate", "duplicate"]
    assert len(env.events(mid)) == 1
    assert len(env.mailboxes(mid)) == 1
    assert len(env.emails()) == 1


def test_removed_before_created_makes_no_mailbox(env):
    mid, v = new_id(), now_ms()
    env.event("membership.removed", membership(mid, v + 1000, created_ms=v))
    env.event("membership.created", membership(mid, v))
    env.app.worker_once()
    assert env.mailboxes(mid) == []
    assert env.emails() == []
    removed, created = env.events(mid)
    assert removed["state"] == "applied" and "no mailbox" in removed["outcome"]
    assert created["state"] == "skipped" and "removed" in created["outcome"]


def test_older_event_changes_nothing(env):
    mid, v = new_id(), now_ms()
    env.event("membership.created", membership(mid, v))
    env.event("membership.updated", membership(mid, v + 3000, plan=PLAN_PREMIUM, created_ms=v))
    env.event("membership.updated", membership(mid, v + 2000, plan=PLAN_UNLINKED, created_ms=v))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active" and mb["offering_id"] == env.offerings["Premium"]
    last = env.events(mid)[2]
    assert last["state"] == "skipped" and last["outcome"] == "older than the state already applied"


def test_unlinked_location_creates_mailbox_needing_attention(env):
    mid = new_id()
    env.event("membership.created", membership(mid, now_ms(), location=LOC_UNLINKED))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active" and mb["space_id"] is None
    assert mb["needs_attention"] == "OfficeRnD location %s is not linked to a space" % LOC_UNLINKED
    assert len(env.emails()) == 1
    assert "needs attention" in env.events(mid)[0]["outcome"]
    page = env.op.get("/mailboxes").text
    assert "not linked to a space" in page

    # The operator links Riverside to a new space on the card: the waiting mailbox gets it.
    assert env.op.post("/spaces", {"name": "Riverside"}).status == 303
    riverside = env.app.query("SELECT id FROM spaces WHERE name = 'Riverside'")[0]["id"]
    r = env.op.post("/settings/integrations/officernd", [
        ("org_slug", DEMO_ORG), ("client_id", DEMO_CLIENT_ID),
        ("plan_id", PLAN_BASIC), ("offering_id", str(env.offerings["Basic"])),
        ("plan_id", PLAN_PREMIUM), ("offering_id", str(env.offerings["Premium"])),
        ("location_id", LOC_LINKED), ("space_id", str(env.spaces["Downtown"])),
        ("location_id", LOC_UNLINKED), ("space_id", str(riverside))])
    assert r.status == 303, r.text[:2000]
    [mb] = env.mailboxes(mid)
    assert mb["space_id"] == riverside and mb["needs_attention"] == ""
    assert "not linked to a space" not in env.op.get("/mailboxes").text


def test_not_approved_holds_and_approval_reactivates(env):
    mid, v = new_id(), now_ms()
    env.event("membership.created", membership(mid, v))
    env.app.worker_once()
    env.event("membership.updated", membership(mid, v + 1000, status="not_approved",
                                               calculated="not_approved", created_ms=v))
    env.app.worker_once()
    assert env.mailboxes(mid)[0]["status"] == "on_hold"
    env.event("membership.updated", membership(mid, v + 2000, created_ms=v))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active"
    assert len(env.invitations(mb["id"])) == 1  # held and released: no second invitation
    assert "on hold" in env.events(mid)[1]["outcome"]


def test_unlinked_plan_is_skipped_then_linked_plan_creates(env):
    mid, v = new_id(), now_ms()
    env.event("membership.created", membership(mid, v, plan=PLAN_UNLINKED))
    env.app.worker_once()
    assert env.mailboxes(mid) == []
    [ev] = env.events(mid)
    assert ev["state"] == "skipped"
    assert ev["outcome"] == "plan %s is not linked to a mailbox offering" % PLAN_UNLINKED
    env.event("membership.updated", membership(mid, v + 1000, plan=PLAN_PREMIUM, created_ms=v))
    env.app.worker_once()
    [mb] = env.mailboxes(mid)
    assert mb["status"] == "active" and mb["offering_id"] == env.offerings["Premium"]
    assert len(env.emails()) == 1


# -- what the receiver refuses -----------------------------------------------------------------

def test_rejected_requests_store_nothing(env):
    body = event_body("membership.created", membership(new_id(), now_ms()))
    t = int(time.time())
    cases = [
        ("bad signature", env.path, {"officernd-signature": sign(body, "wrong-secret")}, body, 401),
        ("stale", env.path, {"officernd-signature": sign(body, t=t - 600)}, body, 401),
        ("future", env.path, {"officernd-signature": sign(body, t=t + 600)}, body, 401),
        ("missing header", env.path, {}, body, 401),
        ("malformed header", env.path, {"officernd-signature": "t=abc,signature=zz"}, body, 401),
        ("altered body", env.path, {"officernd-signature": sign(body)}, body.replace(b"approved", b"APPROVED"), 401),
        ("unknown token", "/webhooks/officernd/" + "x" * 43, {"officernd-signature": sign(body)}, body, 404),
        ("bad path", "/webhooks/officernd/", {"officernd-signature": sign(body)}, body, 404),
        ("other path", "/webhooks/stripe/abc", {"officernd-signature": sign(body)}, body, 404),
    ]
    big = b'{"pad":"' + b"a" * (1024 * 1024) + b'"}'
    cases.append(("oversized", env.path, {"officernd-signature": sign(big)}, big, 413))
    for name, path, headers, data, want in cases:
        status, text, ctype = post_raw(env.app, path, data, headers)
        assert status == want, (name, status, text)
        assert ctype.startswith("application/json"), (name, ctype)
        assert "error" in json.loads(text), name
    status, text, _ = post_raw(env.app, env.path, None, {}, method="GET")
    assert status == 405
    assert env.app.query("SELECT count(*) AS n FROM webhook_events")[0]["n"] == 0
    log = env.app.server_log()
    assert re.search(r"warn webhook rejected operator=%d reason=stale" % env.op.operator_id, log)
    assert "reason=future" in log and "reason=mismatch" in log
    assert SIGNING_SECRET not in log


def test_no_signing_secret_yet_is_refused(env):
    other = env.app.new_operator()  # never configured: no signing secret
    token = env.app.query("SELECT webhook_token FROM officernd_settings WHERE operator_id = ?",
                          other.operator_id)[0]["webhook_token"]
    body = event_body("membership.created", membership(new_id(), now_ms()))
    for secret in ("", SIGNING_SECRET):
        status, _, _ = post_raw(env.app, "/webhooks/officernd/" + token, body,
                                {"officernd-signature": sign(body, secret)})
        assert status == 401
    assert env.app.query("SELECT count(*) AS n FROM webhook_events")[0]["n"] == 0
    assert "reason=no_signing_secret" in env.app.server_log()


def test_malformed_json_and_unknown_type_are_stored_as_ignored(env):
    status, answer = env.send(b'{"event":"e1","eventType":"membership.created","data":{')
    assert status == 200 and answer["status"] == "ignored" and "JSON" in answer["reason"]
    status, answer = env.send(event_body("member.updated", {"_id": ADA, "name": "Ada"}))
    assert status == 200 and answer["status"] == "ignored" and "member.updated" in answer["reason"]
    env.app.worker_once()
    rows = env.events()
    assert [r["state"] for r in rows] == ["ignored", "ignored"]
    assert "not valid JSON" in rows[0]["outcome"]
    assert 'event type "member.updated" is not handled' in rows[1]["outcome"]
    assert rows[0]["dedupe_key"].startswith("sha256:")
    assert env.mailboxes() == []
    page = env.op.get("/activity?state=ignored").text
    assert "not valid JSON" in page and "member.updated" in page
    # The same malformed body again is a duplicate (its hash).
    status, answer = env.send(b'{"event":"e1","eventType":"membership.created","data":{')
    assert answer["status"] == "duplicate"


# -- failures, retries and the activity page ---------------------------------------------------

def test_missing_member_fails_with_reason_then_retry_applies(env):
    mid, member = new_id(), new_id()
    env.event("membership.created", membership(mid, now_ms(), member=member))
    env.app.worker_once()
    [ev] = env.events(mid)
    assert ev["state"] == "failed"
    assert "member %s was not found in OfficeRnD" % member in ev["outcome"]
    assert env.mailboxes(mid) == []
    page = env.op.get("/activity?state=failed").text
    row = activity_row(page, ev["id"])
    assert "Failed" in row and "not found" in row
    assert 'action="/activity/%d/retry"' % ev["id"] in page

    # The operator fixes it in OfficeRnD, then asks for a retry.
    env.sim.add("members", DEMO_ORG, send_webhooks=False, _id=member, name="Grace Late",
                email="late@example.com", status="active")
    r = env.op.post("/activity/%d/retry" % ev["id"], {})
    assert r.status == 303
    [ev] = env.events(mid)
    assert ev["state"] == "pending" and ev["attempts"] == 0
    env.app.worker_once()
    assert env.events(mid)[0]["state"] == "applied"
    [mb] = env.mailboxes(mid)
    assert mb["renter_email"] == "late@example.com"
    # Retrying what has not failed changes nothing.
    r = env.op.post("/activity/%d/retry" % ev["id"], {}, follow=True)
    assert "nothing to retry" in r.text
    assert env.events(mid)[0]["state"] == "applied"


def test_officernd_errors_back_off_then_apply(env):
    # OfficeRnD keeps failing until the faults are cleared: the backoff (full jitter, whole
    # seconds) may bring the event round again within one --once run, so attempts may be 1 or 2.
    env.sim.fault(method="GET", path="/members/{id}", kind="status", status=503, count=1000)
    mid = new_id()
    env.event("membership.created", membership(mid, now_ms()))
    env.app.worker_once()
    [ev] = env.events(mid)
    assert ev["state"] == "pending" and ev["attempts"] >= 1
    assert "trying again" in ev["outcome"] and "attempt %d of 8" % ev["attempts"] in ev["outcome"]
    assert env.mailboxes(mid) == []
    env.sim.clear_faults()
    deadline = time.time() + 10
    while env.events(mid)[0]["state"] == "pending" and time.time() < deadline:
        time.sleep(0.3)
        env.app.worker_once()
    assert env.events(mid)[0]["state"] == "applied"
    assert len(env.mailboxes(mid)) == 1


GRACE = "65a1f0c2e4b0a1b2c3d4e302"           # Grace Hopper
FRANK = "65a1f0c2e4b0a1b2c3d4e304"           # Frank Grimes


def test_batch_one_member_failing_the_others_apply(env):
    """The members of a batch are fetched together: one that OfficeRnD keeps failing (5xx) waits
    for a later attempt, the others get their mailboxes now."""
    env.sim.fault(method="GET", path="/members/" + GRACE, kind="status", status=503, count=1000)
    mids = {member: new_id() for member in (ADA, GRACE, HANK, FRANK)}
    for member, mid in mids.items():
        env.event("membership.created", membership(mid, now_ms(), member=member))
    env.app.worker_once()
    for member in (ADA, HANK, FRANK):
        assert env.events(mids[member])[0]["state"] == "applied"
        assert len(env.mailboxes(mids[member])) == 1
    [ev] = env.events(mids[GRACE])
    # Attempts may be 1 or 2: a jittered whole-second backoff may bring it round again in one run.
    assert ev["state"] == "pending" and ev["attempts"] >= 1
    assert "trying again" in ev["outcome"] and "503" in ev["outcome"]
    assert env.mailboxes(mids[GRACE]) == []

    env.sim.clear_faults()
    deadline = time.time() + 10
    while env.events(mids[GRACE])[0]["state"] == "pending" and time.time() < deadline:
        time.sleep(0.3)
        env.app.worker_once()
    assert env.events(mids[GRACE])[0]["state"] == "applied"
    [mb] = env.mailboxes(mids[GRACE])
    assert mb["renter_name"] == "Grace Hopper"
    assert len(env.mailboxes()) == 4


def test_batch_429_stops_asking_until_retry_after(env):
    """After a 429 on one member of a batch, no other member is asked for: those events wait for
    the Retry-After like the refused one, and are applied after it."""
    env.sim.fault(method="GET", path="/members/" + GRACE, kind="429", retry_after=30)
    mids = [(member, new_id()) for member in (ADA, GRACE, HANK, FRANK)]
    for member, mid in mids:
        env.event("membership.created", membership(mid, now_ms(), member=member))
    env.sim.reset_stats()
    # One request at a time, so which ones were sent before the 429 is known.
    env.app.worker_once(extra_env={"PILOTOMAIL_FETCH_CONCURRENCY": "1"})
    assert env.sim.stats()["requests"]["GET /members/{id}"] == 2
    assert env.events(mids[0][1])[0]["state"] == "applied"
    for _, mid in mids[1:]:
        [ev] = env.events(mid)
        assert ev["state"] == "pending", ev["outcome"]
        assert "trying again in 30 s" in ev["outcome"]
        assert ev["next_attempt_at"] >= time.time() + 25
        assert env.mailboxes(mid) == []
    # Once the wait is over they all go through.
    env.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(int(time.time()) + 31)})
    for _, mid in mids:
        assert env.events(mid)[0]["state"] == "applied"
        assert len(env.mailboxes(mid)) == 1


def test_gives_up_after_eight_attempts(env):
    env.sim.fault(method="GET", path="/members/{id}", kind="status", status=503, count=1000)
    mid = new_id()
    env.event("membership.created", membership(mid, now_ms()))
    fake = int(time.time())
    worker_env = dict(env.app.env)
    for attempt in range(1, 9):
        worker_env["PILOTOMAIL_FAKE_NOW"] = str(fake)
        r = subprocess.run([os.path.join(ROOT, "bin", "pilotomail-worker"), "--once"], env=worker_env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        [ev] = env.events(mid)
        assert ev["attempts"] == attempt, (attempt, ev)
        assert ev["state"] == ("failed" if attempt == 8 else "pending"), (attempt, ev)
        fake += 400  # past any backoff (at most 300 s)
    assert ev["state"] == "failed"
    assert ev["outcome"].startswith("gave up after 8 attempts")
    assert env.mailboxes(mid) == []


def test_activity_filters_and_other_operators(env):
    a, b = new_id(), new_id()
    env.event("membership.created", membership(a, now_ms()))
    env.event("membership.created", membership(b, now_ms(), plan=PLAN_UNLINKED))
    env.app.worker_once()
    all_page = env.op.get("/activity").text
    assert a in all_page and b in all_page
    skipped = env.op.get("/activity?state=skipped").text
    assert b in skipped and a not in skipped
    by_id = env.op.get("/activity?q=" + a[:10]).text
    assert a in by_id and b not in by_id
    assert env.op.get("/activity?state=bogus").status == 200  # an unknown filter shows all
    # Another operator sees none of it and cannot retry it.
    other = env.app.new_operator()
    page = other.get("/activity").text
    assert a not in page and "No webhook received yet" in page
    failed_id = env.events(b)[0]["id"]
    con = env.app.db()
    con.execute("UPDATE webhook_events SET state = 'failed' WHERE id = ?", (failed_id,))
    con.commit()
    con.close()
    assert other.post("/activity/%d/retry" % failed_id, {}).status == 404
    assert env.events(b)[0]["state"] == "failed"
    assert env.op.post("/activity/%d/retry" % failed_id, {}).status == 303
    assert env.events(b)[0]["state"] == "pending"
    assert env.op.post("/activity/99999/retry", {}).status == 404
    # Without the CSRF token nothing happens.
    con = env.app.db()
    con.execute("UPDATE webhook_events SET state = 'failed' WHERE id = ?", (failed_id,))
    con.commit()
    con.close()
    assert env.op.post("/activity/%d/retry" % failed_id, {}, csrf=False).status == 403
    assert env.events(b)[0]["state"] == "failed"


# -- storms --------------------------------------------------------------------------------------

class Storm:
    """Random OfficeRnD histories for many memberships, their expected end state, and the posts
    (events in random order, some delivered twice, some re-sent under a new event id)."""

    def __init__(self, env, n_memberships, n_posts, seed):
        rnd = random.Random(seed)
        self.expect = {}
        unique = []
        base = now_ms() - 3600 * 1000
        past_end = iso_ms(now_ms() - 10 * 86400000)
        members = []
        for i in range(n_memberships):
            member = new_id()
            env.sim.add("members", DEMO_ORG, send_webhooks=False, _id=member,
                        name="Storm Member %d" % i, email="storm%d@example.com" % i,
                        status="active")
            members.append(member)
        for i in range(n_memberships):
            mid, v0 = new_id(), base + i * 10
            state = {"plan": rnd.choice([PLAN_BASIC, PLAN_BASIC, PLAN_PREMIUM, PLAN_UNLINKED]),
                     "location": rnd.choice([LOC_LINKED, LOC_LINKED, LOC_UNLINKED]),
                     "status": "approved", "end": None}
            history = [("membership.created", dict(state), v0)]
            for k in range(rnd.randint(0, 3)):
                change = rnd.random()
                if change < 0.5:
                    state["plan"] = rnd.choice([PLAN_BASIC, PLAN_PREMIUM, PLAN_UNLINKED])
                elif change < 0.7:
                    state["status"] = rnd.choice(["approved", "not_approved"])
                elif change < 0.85:
                    state["location"] = rnd.choice([LOC_LINKED, LOC_UNLINKED])
                else:
                    state["end"] = past_end
                history.append(("membership.updated", dict(state), v0 + (k + 1) * 1000))
            removed = rnd.random() < 0.2
            if removed:
                history.append(("membership.removed", dict(state), history[-1][2]))
            for kind, st, version in history:
                calc = ("not_approved" if st["status"] != "approved" else
                        "expired" if st["end"] else "active")
                obj = membership(mid, version, plan=st["plan"], location=st["location"],
                                 member=members[i], status=st["status"], calculated=calc,
                                 end_date=st["end"], created_ms=v0)
                unique.append(event_body(kind, obj))
            final = history[-1][1]
            if removed or final["plan"] == PLAN_UNLINKED or final["end"]:
                want = "not active"
            elif final["status"] != "approved":
                want = "not active"
            else:
                want = "active"
            self.expect[mid] = {"want": want, "plan": final["plan"], "location": final["location"],
                                "member": members[i]}
        posts = list(unique)
        self.resent = 0
        while len(posts) < n_posts:
            body = rnd.choice(unique)
            if rnd.random() < 0.25:  # the same change again under a new event id
                ev = json.loads(body)
                ev["event"] = new_id()
                posts.append(json.dumps(ev, separators=(",", ":")).encode())
                self.resent += 1
            else:
                posts.append(body)
        rnd.shuffle(posts)
        self.posts = posts
        self.unique_keys = len({json.loads(b)["event"] for b in posts})

    def post_all(self, env, threads=8):
        def one(body):
            return env.send(body)
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(one, self.posts))
        assert all(status == 200 for status, _ in results), [r for r in results if r[0] != 200][:3]
        counts = {}
        for _, answer in results:
            counts[answer["status"]] = counts.get(answer["status"], 0) + 1
        return counts


def wait_until_applied(env, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = env.app.query("SELECT count(*) AS n FROM webhook_events WHERE state = 'pending'")[0]["n"]
        if left == 0:
            return
        time.sleep(0.2)
    raise AssertionError("events still pending after %ds" % timeout)


def check_storm_result(env, storm):
    rows = env.events()
    assert len(rows) == storm.unique_keys
    assert {r["state"] for r in rows} <= {"applied", "skipped"}, \
        [(r["state"], r["outcome"]) for r in rows if r["state"] not in ("applied", "skipped")][:5]
    boxes = env.mailboxes()
    by_membership = {}
    for mb in boxes:
        by_membership.setdefault(mb["officernd_membership_id"], []).append(mb)
    assert all(len(v) == 1 for v in by_membership.values())
    offering_of = {PLAN_BASIC: env.offerings["Basic"], PLAN_PREMIUM: env.offerings["Premium"]}
    for mid, want in storm.expect.items():
        got = by_membership.get(mid, [])
        if want["want"] == "active":
            assert len(got) == 1, (mid, want)
            mb = got[0]
            assert mb["status"] == "active", (mid, want, mb)
            assert mb["offering_id"] == offering_of[want["plan"]], (mid, want, mb)
            if want["location"] == LOC_LINKED:
                assert mb["space_id"] == env.spaces["Downtown"] and mb["needs_attention"] == ""
            else:
                assert "is not linked to a space" in mb["needs_attention"], (mid, mb)
        else:
            assert all(mb["status"] != "active" for mb in got), (mid, want, got)
    # Invitations: one pending per active mailbox, none for the others, one email queued each.
    pending = env.app.query(
        "SELECT m.officernd_membership_id AS mid, m.status, count(i.id) AS n, "
        "(SELECT count(*) FROM outbox o WHERE o.invitation_id IN "
        "  (SELECT id FROM invitations WHERE mailbox_id = m.id AND state = 'pending')) AS emails "
        "FROM mailboxes m LEFT JOIN invitations i ON i.mailbox_id = m.id AND i.state = 'pending' "
        "WHERE m.operator_id = ? GROUP BY m.id", env.op.operator_id)
    for p in pending:
        # A hold keeps the invitation open; a cancellation revokes it; a reactivation re-invites.
        assert p["n"] == (0 if p["status"] == "cancelled" else 1), p
        assert p["emails"] == p["n"], p
    assert env.app.query("SELECT count(*) AS n FROM renters WHERE operator_id = ?",
                         env.op.operator_id)[0]["n"] <= len(storm.expect)


def start_second_worker(app):
    log = open(os.path.join(app.dir, "worker2.log"), "ab")
    return subprocess.Popen([os.path.join(ROOT, "bin", "pilotomail-worker")], env=app.env,
                            stdout=log, stderr=log)


def test_storm_with_two_workers_ends_in_the_right_state(env):
    storm = Storm(env, n_memberships=200, n_posts=1000, seed=20261126)
    env.app.start_worker()
    second = start_second_worker(env.app)
    try:
        t0 = time.time()
        counts = storm.post_all(env)
        assert counts.get("accepted", 0) == storm.unique_keys
        assert counts.get("duplicate", 0) == len(storm.posts) - storm.unique_keys
        wait_until_applied(env)
        assert time.time() - t0 < 60
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        worker = env.app.worker
        env.app.stop_worker()
        assert worker.returncode == 0  # SIGTERM: finished its step and exited cleanly
    check_storm_result(env, storm)
    # The activity page shows the newest 100 and pages back through the rest.
    first = env.op.get("/activity").text
    ids = [int(i) for i in re.findall(r'<tr id="event-(\d+)"', first)]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="([^"]*before=\d+)">Older events', first)
    assert older
    second_page = env.op.get(older.group(1).replace("&amp;", "&")).text
    ids2 = [int(i) for i in re.findall(r'<tr id="event-(\d+)"', second_page)]
    assert len(ids2) == 100 and max(ids2) < min(ids)


def test_storm_survives_sigkill_of_the_worker(env):
    storm = Storm(env, n_memberships=200, n_posts=1000, seed=7)
    env.app.start_worker()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        posting = pool.submit(storm.post_all, env)
        for _ in range(3):  # killed mid-storm, more than once
            time.sleep(0.7)
            env.app.kill_worker()
            env.app.start_worker()
        counts = posting.result(timeout=120)
    assert counts.get("accepted", 0) == storm.unique_keys
    wait_until_applied(env)
    env.app.stop_worker()
    check_storm_result(env, storm)
