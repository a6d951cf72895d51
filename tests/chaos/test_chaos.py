"""Chaos test: a webhook storm and a fee storm at once, while the programs are SIGKILLed.

One run, against the real programs behind lighttpd, the OfficeRnD simulator and a real SMTP sink:

  * Webhook storm: signed membership events (random histories of many memberships, from
    tests/e2e/test_webhooks.py's Storm: out of order, duplicates, changes re-sent under new ids)
    posted by 8 concurrent senders that retry until they get a 2xx, as OfficeRnD does.
  * Fee storm: the operator records scans on the mail pages (two desk sessions), each one a
    charge the worker books as an OfficeRnD fee, while about a fifth of the POST /fees meet a
    fault: HTTP 500, 429 with Retry-After, the answer lost after the fee was created, answers
    slower than the client's timeout (the fee is created after pilotomail gave up), merely slow
    ones, and a few refusals (422: that charge must end failed, with the reason on /charges).
  * Meanwhile a killer SIGKILLs a webhook.fcgi process (lighttpd starts a new one) or the
    worker (started again at once) at random moments, mostly aimed at work under way: an event
    being delivered, or the worker holding claims (some member look-ups are slow, so that events
    too are caught mid-work). A second worker runs for the middle part and stops with SIGTERM.

When the storm is over, one worker drains every queue; then the store, the Activity page, the
SMTP sink and the simulator's fees must show that nothing was lost or done twice, and
PRAGMA integrity_check must say ok. The run ends with one summary line (kills, time).

CHAOS_SCALE=full (make chaos): 1,000 posts for 200 memberships and 500 charges over a minute of
kills; the default (make check) is a smaller run. CHAOS_SEED repeats a run's events, faults and
kill schedule (the moments the kills land still depend on timing); the seed is printed.
CHAOS_LOG_DIR=DIR keeps the programs' logs there.
No timed assertions: the drain has a generous deadline only so that a stuck run ends.
"""
import collections
import email
import email.policy
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import types

import pytest
from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from feekit import ADA, FRANK, GLOBEX, GRACE, HANK, PLAN_MAIL, fees_by_reference  # noqa: E402
from harness import BIN_ROOT, App, free_port  # noqa: E402
from simctl import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, SEED_PATH, Sim  # noqa: E402
from test_webhooks import (LOC_LINKED, PLAN_BASIC, PLAN_PREMIUM, SIGNING_SECRET, Storm,  # noqa: E402
                           event_body, membership, new_id, now_ms, sign)

SCALES = {
    # posts, memberships, charges, seconds of kills at least, drain deadline (s)
    "short": dict(posts=300, memberships=60, charges=100, chaos_s=20, drain_s=600),
    "full": dict(posts=1000, memberships=200, charges=500, chaos_s=60, drain_s=900),
}
SENDERS = 8
DESKS = 2               # operator sessions recording scans at the same time
TIMEOUT_MS = 2000       # the worker's OfficeRnD timeout (PILOTOMAIL_HTTP_TIMEOUT_MS)
# How long a fee request pilotomail gave up on may still take to land (PILOTOMAIL_FEE_SETTLE_S):
# the slowest fault below lands 1.5 s after the client gave up; 6 s leaves room for a loaded
# machine. The claim on a charge, derived from both, then lasts 30 + 2 + 6 + 5 = 43 s.
SETTLE_S = 6
# About one POST /fees in five meets a fault (each fault draws with its own seeded chance).
FEE_FAULTS = [
    dict(kind="status", status=500, probability=0.06),
    dict(kind="429", retry_after=1, probability=0.04),
    dict(kind="lost_answer", probability=0.04),
    dict(kind="delay", delay_ms=TIMEOUT_MS + 1500, probability=0.03),  # created after the client gave up
    dict(kind="delay", delay_ms=600, probability=0.04),                # slow, still in time
    dict(kind="status", status=422, probability=0.01),  # refused: the charge fails, with the reason
]
FAULT_LABELS = ["500", "429", "lost answer", "timeout", "slow", "refused (422)", "slow member look-up"]
# The seed members whose mailboxes the scans are charged to: (member, company).
PAYERS = [(ADA, None), (GRACE, None), (FRANK, None), (HANK, GLOBEX)]


# -- the world: SMTP sink, simulator, pilotomail ---------------------------------------------------

class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def world(request):
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    sim = Sim(quiet=True).start(SEED_PATH)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                   "PILOTOMAIL_SMTP_URL": "smtp://127.0.0.1:%d" % smtp_port,
                   "PILOTOMAIL_HTTP_TIMEOUT_MS": str(TIMEOUT_MS),
                   "PILOTOMAIL_FEE_SETTLE_S": str(SETTLE_S),
                   "PILOTOMAIL_FEE_CONCURRENCY": "4"},
              server="lighttpd").start()  # the killer finds webhook.fcgi among lighttpd's children
    app.chaos_workers = []
    try:
        yield app, sim, inbox
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(app.server_log())
            for name in ("worker2.log",):
                path = os.path.join(app.dir, name)
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        print("== %s ==\n%s" % (name, f.read()[-4000:]))
    finally:
        keep = os.environ.get("CHAOS_LOG_DIR")
        if keep:  # the programs' logs, for a look after the run
            os.makedirs(keep, exist_ok=True)
            for name in ("server.log", "run/lighttpd-error.log", "worker.log", "worker2.log"):
                if os.path.exists(os.path.join(app.dir, name)):
                    shutil.copy(os.path.join(app.dir, name), os.path.join(keep, os.path.basename(name)))
            shutil.copy(sim.log_path, os.path.join(keep, "sim.log"))
        for p in app.chaos_workers:
            if p.poll() is None:
                p.kill()
                p.wait()
        app.stop()
        sim.cleanup()
        smtp.stop()


def configure(app, op):
    """Space, two offerings (scans 2.50, storage free for a month) and the whole OfficeRnD card:
    plans and location linked for the membership sync, "Mail handling" billed through OfficeRnD."""
    assert op.post("/spaces", {"name": "Downtown"}).status == 303
    fields = {"monthly_price": "10.00", "storage_free_days": "30", "storage_fee_per_day": "0.10"}
    for a in ("scan", "forward", "shred", "recycle", "pickup"):
        fields.update({a + "_enabled": "1", a + "_free": "0", a + "_fee": "2.50"})
    for name in ("Basic", "Premium"):
        assert op.post("/offerings", dict(fields, name=name)).status == 303
    space = app.query("SELECT id FROM spaces WHERE operator_id = ?", op.operator_id)[0]["id"]
    offs = {r["name"]: r["id"] for r in app.query(
        "SELECT id, name FROM offerings WHERE operator_id = ?", op.operator_id)}
    r = op.post("/settings/integrations/officernd", [
        ("org_slug", DEMO_ORG), ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET), ("signing_secret", SIGNING_SECRET),
        ("bill_renters", "1"), ("charge_plan_id", PLAN_MAIL),
        ("plan_id", PLAN_BASIC), ("offering_id", str(offs["Basic"])),
        ("plan_id", PLAN_PREMIUM), ("offering_id", str(offs["Premium"])),
        ("location_id", LOC_LINKED), ("space_id", str(space))])
    assert r.status == 303, r.text[:2000]
    card = app.query("SELECT bill_renters, charge_plan_id, webhook_token FROM officernd_settings "
                     "WHERE operator_id = ?", op.operator_id)[0]
    assert card["bill_renters"] == 1 and card["charge_plan_id"] == PLAN_MAIL
    return types.SimpleNamespace(space=space, offerings=offs,
                                 path="/webhooks/officernd/" + card["webhook_token"])


# -- webhook delivery, as OfficeRnD does it: retried until a 2xx -----------------------------------

class Flight:
    """How many deliveries are under way right now (the killer aims at webhook.fcgi then)."""

    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    def add(self, k):
        with self.lock:
            self.n += k


def deliver(app, path, body, deadline, flight=None):
    """POSTs body, signed afresh each attempt, until a 2xx. Returns (answer status, tries)."""
    tries = 0
    while True:
        tries += 1
        if flight:
            flight.add(1)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=15)
            try:
                conn.request("POST", path, body=body, headers={
                    "Content-Type": "application/json", "officernd-signature": sign(body)})
                r = conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                if 200 <= r.status < 300:
                    return json.loads(text)["status"], tries
            finally:
                conn.close()
                if flight:
                    flight.add(-1)
        except (OSError, http.client.HTTPException):
            pass  # reset or no answer: webhook.fcgi was killed mid-request
        if time.time() > deadline:
            raise AssertionError("no 2xx for an event after %d tries" % tries)
        time.sleep(0.05 + 0.2 * random.random())


class Senders:
    """SENDERS threads posting the events in waves (OfficeRnD sends bursts as memberships
    change), as fast as lighttpd answers within a wave, each event retried until a 2xx."""

    def __init__(self, app, path, posts, spread_s):
        self.app, self.path = app, path
        waves = max(1, int(spread_s / 1.5))
        gap = spread_s / waves
        self.queue = [(int(i * waves / len(posts)) * gap, body) for i, body in enumerate(posts)]
        self.queue.reverse()
        self.lock = threading.Lock()
        self.flight = Flight()
        self.answers = collections.Counter()
        self.tries = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.run) for _ in range(SENDERS)]

    def start(self):
        self.t0 = time.time()
        for t in self.threads:
            t.start()

    def run(self):
        try:
            while True:
                with self.lock:
                    if not self.queue:
                        return
                    at, body = self.queue.pop()
                pause = self.t0 + at - time.time()
                if pause > 0:
                    time.sleep(pause)
                status, n = deliver(self.app, self.path, body, time.time() + 120, self.flight)
                with self.lock:
                    self.answers[status] += 1
                    self.tries += n
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.failures.append(repr(e))

    def join(self):
        for t in self.threads:
            t.join()


# -- processes -------------------------------------------------------------------------------------

def webhook_pids(app):
    """The webhook.fcgi processes lighttpd runs for this app (its children)."""
    server = app.procs[0].pid
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmd = f.read()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == server and b"webhook.fcgi" in cmd:
            pids.append(int(entry))
    return pids


def start_worker(app, log_name):
    log = open(os.path.join(app.dir, log_name), "ab")
    p = subprocess.Popen([os.path.join(BIN_ROOT, "bin", "pilotomail-worker")], env=app.env,
                         stdout=log, stderr=log)
    app.chaos_workers.append(p)
    return p


# What a worker holds claims on right now, by queue (its id is "<host>-<pid>-<hex>": claims.c).
CLAIMS = (
    "SELECT (SELECT count(*) FROM webhook_events WHERE state = 'pending' AND claimed_by LIKE ?1 "
    "AND claimed_until > ?2), (SELECT count(*) FROM outbox WHERE state = 'sending' AND claimed_by LIKE ?1 "
    "AND claimed_until > ?2), (SELECT count(*) FROM charges WHERE billing_state = 'sending' "
    "AND claimed_by LIKE ?1 AND claimed_until > ?2)")


class Chaos:
    """The killer: SIGKILLs a webhook.fcgi (aiming at a moment an event is being delivered) or the
    worker (mostly aiming at a moment it holds claims: an event, an email, charges), at random
    moments, and starts the worker again. Counts the kills, and those that hit work under way."""

    def __init__(self, app, rnd, flight):
        self.app, self.rnd, self.flight = app, rnd, flight
        self.kills = collections.Counter()
        self.stop = threading.Event()
        self.worker = start_worker(app, "worker.log")
        self.thread = threading.Thread(target=self.run, daemon=True)

    def claims(self, con):
        """(events, emails, charges) the current worker holds."""
        return con.execute(CLAIMS, ("%%-%d-%%" % self.worker.pid, int(time.time()))).fetchone()

    def aim(self, ready, seconds):
        until = time.time() + seconds
        while not ready() and time.time() < until and not self.stop.is_set():
            time.sleep(0.005)

    def kill_webhook(self):
        self.aim(lambda: self.flight.n > 0, 2.0)  # longer than the gap between waves
        pids = webhook_pids(self.app)
        if pids:  # none while lighttpd is starting a new one
            try:
                os.kill(self.rnd.choice(pids), signal.SIGKILL)
                self.kills["webhook.fcgi"] += 1
                self.kills["webhook.fcgi mid-delivery"] += self.flight.n > 0
            except ProcessLookupError:
                pass

    def kill_worker(self, con):
        if self.rnd.random() < 0.7:
            self.aim(lambda: any(self.claims(con)), 1.5)
        held = self.claims(con)
        self.worker.kill()
        self.worker.wait()
        self.kills["worker"] += 1
        self.kills["worker holding claims"] += any(held)
        for queue, n in zip(("event", "email", "charge"), held):
            self.kills["worker holding %s claims" % queue] += n > 0
        time.sleep(self.rnd.uniform(0, 0.8))
        self.worker = start_worker(self.app, "worker.log")

    def run(self):
        con = self.app.db()
        try:
            while not self.stop.wait(self.rnd.uniform(0.3, 1.8)):
                if self.rnd.random() < 0.45:
                    self.kill_webhook()
                else:
                    self.kill_worker(con)
        finally:
            con.close()

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.worker


# -- the operator at the mail desk -----------------------------------------------------------------

def record_scans(op, mailboxes, count, pace_s, today, errors):
    """Records count letters and a scan of each (one charge each), through the mail pages."""
    for i in range(count):
        mb = mailboxes[i % len(mailboxes)]
        r = op.post("/mail", {"kind": "letter", "sender": "Chaos Bank %d" % i, "received_on": today,
                              "mailbox_id": str(mb)})
        if r.status != 303:
            errors.append(("POST /mail", r.status, r.text[:300]))
            continue
        item = int(re.fullmatch(r"/mail/(\d+)", r.location).group(1))
        r = op.post("/mail/%d/actions" % item, {"action": "scan"})
        if r.status != 303:
            errors.append(("POST /mail/%d/actions" % item, r.status, r.text[:300]))
        time.sleep(pace_s)


# -- waiting for the queues ------------------------------------------------------------------------

def backlog(app):
    q = app.query(
        "SELECT (SELECT count(*) FROM webhook_events WHERE state = 'pending') AS events, "
        "(SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')) AS emails, "
        "(SELECT count(*) FROM charges WHERE billing_state IN ('queued', 'sending')) AS charges")[0]
    return q


def drain(app, deadline):
    while True:
        left = backlog(app)
        if not any(left.values()):
            return
        if time.time() > deadline:
            states = app.query("SELECT billing_state, count(*) AS n, max(next_attempt_at) AS last "
                               "FROM charges GROUP BY billing_state")
            raise AssertionError("queues not drained by the deadline: %r; charges %r (now %d)"
                                 % (left, states, time.time()))
        time.sleep(1)


# -- checks ----------------------------------------------------------------------------------------

def check_mailboxes(app, op, conf, expect):
    """Exactly one mailbox per membership, in its final state; invitations and their emails."""
    boxes = app.query("SELECT * FROM mailboxes WHERE operator_id = ?", op.operator_id)
    by_mid = collections.defaultdict(list)
    for mb in boxes:
        by_mid[mb["officernd_membership_id"]].append(mb)
    assert not {k: len(v) for k, v in by_mid.items() if len(v) != 1}, "memberships with 2+ mailboxes"
    assert set(by_mid) <= set(expect), "mailboxes of memberships never sent"
    offering_of = {PLAN_BASIC: conf.offerings["Basic"], PLAN_PREMIUM: conf.offerings["Premium"]}
    provisioned = 0
    for mid, want in expect.items():
        got = by_mid.get(mid, [])
        if want["want"] == "active":
            provisioned += 1
            assert len(got) == 1, ("no mailbox", mid, want)
            mb = got[0]
            assert mb["status"] == "active", (mid, want, mb)
            assert mb["offering_id"] == offering_of[want["plan"]], (mid, want, mb)
            if want["location"] == LOC_LINKED:
                assert mb["space_id"] == conf.space and mb["needs_attention"] == "", (mid, mb)
            else:
                assert "is not linked to a space" in mb["needs_attention"], (mid, mb)
        else:
            assert all(mb["status"] != "active" for mb in got), (mid, want, got)
    return provisioned


def check_invitations(app, op, inbox):
    """One open invitation per open mailbox, one email queued per invitation, every email sent
    reached the SMTP sink (a resend after a kill keeps its Message-ID), none unknown."""
    rows = app.query(
        "SELECT m.id, m.status, m.officernd_membership_id AS mid, "
        "(SELECT count(*) FROM invitations i WHERE i.mailbox_id = m.id AND i.state = 'pending') AS pending "
        "FROM mailboxes m WHERE m.operator_id = ?", op.operator_id)
    for r in rows:
        # A hold keeps the invitation open; a cancellation revokes it; a reactivation re-invites.
        assert r["pending"] == (0 if r["status"] == "cancelled" else 1), r
    per_invitation = app.query(
        "SELECT i.id, i.state, count(o.id) AS emails FROM invitations i "
        "LEFT JOIN outbox o ON o.invitation_id = i.id WHERE i.operator_id = ? GROUP BY i.id",
        op.operator_id)
    assert all(p["emails"] == 1 for p in per_invitation), [p for p in per_invitation if p["emails"] != 1][:5]
    outbox = app.query("SELECT message_id, state, to_addr, invitation_id FROM outbox WHERE operator_id = ?",
                       op.operator_id)
    assert {o["state"] for o in outbox} <= {"sent", "cancelled"}, collections.Counter(o["state"] for o in outbox)
    received = collections.Counter()
    with inbox.lock:
        messages = list(inbox.messages)
    for rcpt, content in messages:
        msg = email.message_from_bytes(content, policy=email.policy.default)
        received[msg["Message-ID"].strip()] += 1
    sent = {o["message_id"].strip() for o in outbox if o["state"] == "sent"}
    # A cancelled email may have gone out anyway: it was being sent when its invitation was
    # revoked (store/mailboxes.c, invitation_revoke_pending).
    cancelled = {o["message_id"].strip() for o in outbox if o["state"] == "cancelled"}
    assert sent <= set(received), ("emails sent but not received", sorted(sent - set(received))[:3])
    assert set(received) <= sent | cancelled, ("received but unknown", sorted(set(received) - sent - cancelled)[:3])
    pending_ids = {r["id"] for r in app.query(
        "SELECT id FROM invitations WHERE operator_id = ? AND state = 'pending'", op.operator_id)}
    open_mail = [o for o in outbox if o["invitation_id"] in pending_ids]
    assert len(open_mail) == len(pending_ids)
    assert all(o["state"] == "sent" for o in open_mail), [o for o in open_mail if o["state"] != "sent"][:3]
    return len(pending_ids), sum(n - 1 for n in received.values())


def activity_rows(op):
    """Every row of the Activity page, following "Older events" to the end: (id, text)."""
    rows, path, pages = [], "/activity", 0
    while path:
        r = op.get(path)
        assert r.status == 200, r
        pages += 1
        for m in re.finditer(r'<tr id="event-(\d+)".*?</tr>', r.text, re.S):
            rows.append((int(m.group(1)), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0)))))
        older = re.search(r'href="([^"]*before=\d+[^"]*)"[^>]*>\s*Older events', r.text)
        path = older.group(1).replace("&amp;", "&") if older else None
        assert pages < 1000
    return rows


def check_activity(app, op, event_ids):
    """Every distinct event posted is stored once and shown on Activity once, settled."""
    stored = app.query("SELECT id, dedupe_key, event_type, membership_id, state, outcome "
                       "FROM webhook_events WHERE operator_id = ?", op.operator_id)
    keys = collections.Counter(r["dedupe_key"] for r in stored)
    assert set(keys) == set(event_ids), ("missing", sorted(set(event_ids) - set(keys))[:3],
                                         "unknown", sorted(set(keys) - set(event_ids))[:3])
    assert all(n == 1 for n in keys.values())
    unsettled = [r for r in stored if r["state"] not in ("applied", "skipped")]
    assert not unsettled, unsettled[:5]
    shown = activity_rows(op)
    ids = collections.Counter(i for i, _ in shown)
    assert all(n == 1 for n in ids.values()), [i for i, n in ids.items() if n > 1][:5]
    by_id = {r["id"]: r for r in stored}
    assert set(ids) == set(by_id), (len(ids), len(by_id))
    for i, text in shown:
        r = by_id[i]
        assert r["event_type"] in text and r["membership_id"] in text, (r, text)
    return len(stored)


def check_fees(app, op, sim, payer_of):
    """One fee per sent charge (the right payer), none for others, failures with their reason."""
    charges = app.query("SELECT id, reference, mailbox_id, billing_state, last_error, officernd_fee_id, "
                        "fee_uncertain FROM charges WHERE operator_id = ?", op.operator_id)
    fees = fees_by_reference(sim)
    dupes = {ref: len(v) for ref, v in fees.items() if len(v) > 1}
    assert not dupes, "duplicate fees: %r" % dict(list(dupes.items())[:5])
    refs = {c["reference"] for c in charges}
    assert set(fees) <= refs, ("fees of no charge", sorted(set(fees) - refs)[:5])
    failed = []
    for c in charges:
        if c["billing_state"] == "sent":
            [fee] = fees.get(c["reference"], [None])
            assert fee and fee["_id"] == c["officernd_fee_id"], (c, fee)
            member, company = payer_of[c["mailbox_id"]]
            assert (fee["member"], fee["company"]) == ((None, company) if company else (member, None)), (c, fee)
        else:
            assert c["billing_state"] == "failed" and c["last_error"], c
            # A fee may exist only when pilotomail says so (it looks it up before a retry posts).
            assert c["reference"] not in fees or c["fee_uncertain"], (c, fees[c["reference"]])
            failed.append(c)
    if failed:
        page = html.unescape(op.get("/charges?state=failed").text)
        rows = {}
        for row in re.findall(r"<tr.*?</tr>", page, re.S):
            m = re.search(r"pm-\d+-\d+", row)
            if m:
                rows[m.group(0)] = re.sub(r"\s+", " ", row)
        for c in failed[:200]:  # the page's first 200
            row = rows.get(c["reference"], "")
            assert "Failed" in row and re.sub(r"\s+", " ", c["last_error"]) in row, (c, row)
    return len(charges), len(failed)


# -- the run -----------------------------------------------------------------------------------------

def test_chaos(world):
    app, sim, inbox = world
    scale_name = os.environ.get("CHAOS_SCALE", "short")
    scale = SCALES[scale_name]
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1, 10 ** 9))
    print("chaos: scale=%s seed=%d (CHAOS_SEED=%d repeats it)" % (scale_name, seed, seed))

    op = app.new_operator(name="Chaos Spaces")
    conf = configure(app, op)

    # The payers' mailboxes, made by the membership sync from webhooks, before the storm.
    expect, event_ids, payer_of = {}, [], {}
    for member, company in PAYERS:
        mid, v = new_id(), now_ms()
        body = event_body("membership.created", membership(mid, v, member=member, company=company))
        assert deliver(app, conf.path, body, time.time() + 30)[0] == "accepted"
        event_ids.append(json.loads(body)["event"])
        expect[mid] = {"want": "active", "plan": PLAN_BASIC, "location": LOC_LINKED}
    app.worker_once()
    for mb in app.query("SELECT m.id, r.officernd_member_id AS member, r.officernd_company_id AS company "
                        "FROM mailboxes m JOIN renters r ON r.id = m.renter_id WHERE m.operator_id = ?",
                        op.operator_id):
        payer_of[mb["id"]] = (mb["member"], mb["company"])
    assert len(payer_of) == len(PAYERS)

    storm = Storm(types.SimpleNamespace(sim=sim), n_memberships=scale["memberships"],
                  n_posts=scale["posts"], seed=seed)
    expect.update(storm.expect)
    event_ids += [json.loads(b)["event"] for b in storm.posts]
    for i, spec in enumerate(FEE_FAULTS):
        sim.fault(**dict(spec, method="POST", path="/fees", count=10 ** 6, seed=seed + i))
    # Slow member look-ups keep events under a worker's claim a while: kills land mid-event.
    sim.fault(method="GET", path="/members/{id}", kind="delay", delay_ms=500, probability=0.2,
              count=10 ** 6, seed=seed + 50)

    desks = []
    for _ in range(DESKS):
        c = app.client()
        c.login(op.email, op.password)
        desks.append(c)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    spread = scale["chaos_s"] * 0.8  # posts and scans are spread over most of the kill phase

    senders = Senders(app, conf.path, storm.posts, spread)
    t0 = time.time()
    chaos = Chaos(app, random.Random(seed + 100), senders.flight)
    chaos.thread.start()
    senders.start()

    desk_errors = []
    per_desk = scale["charges"] // DESKS
    threads = [threading.Thread(target=record_scans, args=(
        d, sorted(payer_of), per_desk + (scale["charges"] % DESKS if i == 0 else 0),
        spread / per_desk, today, desk_errors)) for i, d in enumerate(desks)]
    for t in threads:
        t.start()

    # A second worker for the middle part of the storm; it stops cleanly (SIGTERM).
    time.sleep(scale["chaos_s"] * 0.2)
    second = start_worker(app, "worker2.log")
    time.sleep(scale["chaos_s"] * 0.5)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0

    for t in threads:
        t.join()
    senders.join()
    while time.time() < t0 + scale["chaos_s"]:
        time.sleep(0.2)
    worker = chaos.finish()
    storm_s = time.time() - t0
    assert not senders.failures, senders.failures[:3]
    assert not desk_errors, desk_errors[:3]
    assert sum(senders.answers.values()) == len(storm.posts)

    drain(app, time.time() + scale["drain_s"])
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    total_s = time.time() - t0

    provisioned = check_mailboxes(app, op, conf, expect)
    invitations, resent = check_invitations(app, op, inbox)
    n_events = check_activity(app, op, event_ids)
    n_charges, n_failed = check_fees(app, op, sim, payer_of)
    assert n_charges == scale["charges"]
    if app.engine == "sqlite":  # PostgreSQL has no such check: its own WAL replay is the guard
        con = app.db()
        try:
            assert [tuple(r) for r in con.execute("PRAGMA integrity_check")] == [("ok",)]
        finally:
            con.close()

    kills = chaos.kills
    assert kills["worker"] > 0 and kills["webhook.fcgi"] > 0, kills
    fired = ", ".join("%s x%d" % (label, f["fired"]) for label, f in zip(FAULT_LABELS, sim.faults()))
    taken_over = 0
    for name in ("worker.log", "worker2.log"):
        with open(os.path.join(app.dir, name), errors="replace") as f:
            taken_over += f.read().count("released claims of a stopped worker")
    print("chaos: %d events, %d memberships, %d charges, %d kills (webhook.fcgi %d, worker %d), "
          "2 workers, %.0f s (storm %.0f s), seed %d"
          % (len(storm.posts) + len(PAYERS), len(expect), n_charges,
             kills["webhook.fcgi"] + kills["worker"], kills["webhook.fcgi"], kills["worker"],
             total_s, storm_s, seed))
    print("chaos details: %d distinct events, %d deliveries retried (answers %s); %d mailboxes "
          "provisioned, %d open invitations, %d emails re-sent after a kill; %d POST /fees, faults: "
          "%s; %d charges failed with their reason; webhook.fcgi killed mid-delivery %d times; "
          "worker killed holding claims %d times (events %d, emails %d, charges %d); dead "
          "workers' claims released %d times"
          % (n_events, senders.tries - len(storm.posts), dict(senders.answers), provisioned,
             invitations, resent, sim.stats()["requests"].get("POST /fees", 0), fired, n_failed,
             kills["webhook.fcgi mid-delivery"], kills["worker holding claims"],
             kills["worker holding event claims"], kills["worker holding email claims"],
             kills["worker holding charge claims"], taken_over))
