"""Multi-host test: two web "hosts" and two workers on ONE store, as a provider runs pilotomail on
several machines behind a load balancer (README "Running on several hosts").

  * Two lighttpd hosts: two ports, separate run folders, the same key file, the same
    PILOTOMAIL_BASE_URL (the balancer's) and the same PILOTOMAIL_DB. The store is PostgreSQL with
    PILOTOMAIL_TEST_ENGINE=postgresql (a database on PILOTOMAIL_TEST_DB_URL); on SQLite both hosts
    share one file, a real multi-process test on one machine.
  * Both hosts are stormed with the same signed OfficeRnD membership webhooks: every event goes to
    a random host, about half of them to the other host as well (duplicates across hosts, at the
    same moment or later), in random order, each retried until a 2xx.
  * Two operator desks record scans, one per host (the second uses the session the first host made:
    a balancer needs no sticky sessions); the worker books each charge as an OfficeRnD fee while
    the simulator injects faults into POST /fees (500, 429, lost answers, timeouts, refusals).
  * A killer SIGKILLs the workers (mostly while they hold claims) and restarts them, and now and
    then a webhook.fcgi on either host.
It ends with exactly one mailbox and one open invitation (one email) per membership, every event
stored once, and exactly one fee per charge sent. MULTIHOST_SEED repeats a run's events and faults.
No timed assertions: the drain deadline only ends a stuck run.
"""
import collections
import json
import os
import random
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
sys.path.insert(0, os.path.join(HERE, "..", "chaos"))

from harness import BIN_ROOT, App, Client, free_port  # noqa: E402
from simctl import SEED_PATH, Sim  # noqa: E402
from test_chaos import (CLAIMS, FEE_FAULTS, PAYERS, SETTLE_S, TIMEOUT_MS, Inbox, check_activity,  # noqa: E402
                        check_fees, check_invitations, check_mailboxes, configure, deliver, drain,
                        record_scans, webhook_pids)
from test_webhooks import LOC_LINKED, PLAN_BASIC, Storm, event_body, membership, new_id, now_ms  # noqa: E402

MEMBERSHIPS, POSTS, CHARGES = 40, 160, 60
KILL_S = 15          # seconds of worker kills at least
CROSS = 0.5          # share of events delivered to both hosts
SENDERS = 6
DRAIN_S = 600
RUNNING = []  # the test's killer and workers, halted last first by the fixture


@pytest.fixture
def hosts(request):
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    sim = Sim(quiet=True).start(SEED_PATH)
    common = {"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
              "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
              "PILOTOMAIL_SMTP_URL": "smtp://127.0.0.1:%d" % smtp_port,
              "PILOTOMAIL_HTTP_TIMEOUT_MS": str(TIMEOUT_MS),
              "PILOTOMAIL_FEE_SETTLE_S": str(SETTLE_S),
              "PILOTOMAIL_FEE_CONCURRENCY": "2"}
    a = App(env=common, server="lighttpd").start()
    # The second host shares what every host must share: the store, the key file, the base URL.
    b = App(env=dict(common, PILOTOMAIL_DB=a.db_path, PILOTOMAIL_KEY_FILE=a.env["PILOTOMAIL_KEY_FILE"],
                     PILOTOMAIL_BASE_URL=a.env["PILOTOMAIL_BASE_URL"]), server="lighttpd")
    try:
        b.start()
        yield a, b, sim, inbox
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(a.server_log())
            print(b.server_log())
    finally:
        while RUNNING:  # a test that failed midway leaves no killer or worker running
            RUNNING.pop().halt()
        b.stop()  # first: a owns the store and drops it
        a.stop()
        sim.cleanup()
        smtp.stop()


class Workers:
    """Two workers, one per host's environment; SIGKILLed and restarted by kill()."""

    def __init__(self, hosts):
        self.hosts = hosts
        self.procs = [self.start(i) for i in range(len(hosts))]
        self.all = list(self.procs)
        RUNNING.append(self)

    def start(self, i):
        h = self.hosts[i]
        log = open(os.path.join(h.dir, "worker.log"), "ab")
        p = subprocess.Popen([os.path.join(BIN_ROOT, "bin", "pilotomail-worker")], env=h.env,
                             stdout=log, stderr=log)
        return p

    def restart(self, i):
        self.procs[i] = self.start(i)
        self.all.append(self.procs[i])

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=60) for p in self.procs]
        for p in self.all:
            if p.poll() is None:
                p.kill()
                p.wait()
        return codes

    def halt(self):
        for p in self.all:
            if p.poll() is None:
                p.kill()
                p.wait()


class Killer:
    """SIGKILLs a worker (mostly when it holds claims) or a webhook.fcgi on either host."""

    def __init__(self, hosts, workers, rnd):
        self.hosts, self.workers, self.rnd = hosts, workers, rnd
        self.kills = collections.Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        RUNNING.append(self)

    def halt(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()

    def held(self, con, pid):
        return any(con.execute(CLAIMS, ("%%-%d-%%" % pid, int(time.time()))).fetchone())

    def kill_worker(self, con):
        i = self.rnd.randrange(len(self.workers.procs))
        p = self.workers.procs[i]
        until = time.time() + 1.5
        while self.rnd.random() < 0.7 and not self.held(con, p.pid) and time.time() < until:
            time.sleep(0.01)
        held = self.held(con, p.pid)
        p.kill()
        p.wait()
        self.kills["worker"] += 1
        self.kills["worker holding claims"] += held
        time.sleep(self.rnd.uniform(0, 0.5))
        self.workers.restart(i)

    def kill_webhook(self):
        pids = webhook_pids(self.rnd.choice(self.hosts))
        if pids:
            try:
                os.kill(self.rnd.choice(pids), signal.SIGKILL)
                self.kills["webhook.fcgi"] += 1
            except ProcessLookupError:
                pass

    def run(self):
        con = self.hosts[0].db()
        try:
            while not self.stop.wait(self.rnd.uniform(0.3, 1.5)):
                if self.rnd.random() < 0.75:
                    self.kill_worker(con)
                else:
                    self.kill_webhook()
        finally:
            con.close()


def deliveries(posts, hosts, rnd):
    """(host, body) in delivery order: each event to a random host, some to the other as well."""
    out = []
    for body in posts:
        first = rnd.randrange(2)
        out.append((hosts[first], body))
        if rnd.random() < CROSS:
            out.append((hosts[1 - first], body))
    # Out of order, but a copy never far from its original: the two hosts race on it.
    for i in range(len(out) - 1, 0, -1):
        j = max(0, i - rnd.randint(0, 6))
        out[i], out[j] = out[j], out[i]
    return out


def send_all(plan, path, spread_s):
    lock, failures, answers = threading.Lock(), [], collections.Counter()
    queue = list(reversed(plan))
    t0, gap = time.time(), spread_s / max(1, len(plan))

    def run():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    k = len(plan) - len(queue)
                    host, body = queue.pop()
                pause = t0 + k * gap - time.time()
                if pause > 0:
                    time.sleep(pause)
                status, _ = deliver(host, path, body, time.time() + 120)
                with lock:
                    answers[status] += 1
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            failures.append(repr(e))
    threads = [threading.Thread(target=run) for _ in range(SENDERS)]
    for t in threads:
        t.start()
    return threads, failures, answers


def test_multihost(hosts):
    a, b, sim, inbox = hosts
    seed = int(os.environ.get("MULTIHOST_SEED") or random.SystemRandom().randrange(1, 10 ** 9))
    rnd = random.Random(seed)
    t0 = time.time()
    print("multihost: engine=%s seed=%d (MULTIHOST_SEED=%d repeats it)" % (a.engine, seed, seed))

    op = a.new_operator(name="Two Hosts")
    conf = configure(a, op)
    # The desk on host b works with the session host a made.
    desk_b = Client(b.url)
    desk_b.cookies, desk_b.operator_id = dict(op.cookies), op.operator_id
    assert desk_b.get("/mail").status == 200

    # The payers' mailboxes, one event each through alternating hosts, before the storm.
    expect, event_ids, payer_of = {}, [], {}
    for k, (member, company) in enumerate(PAYERS):
        mid = new_id()
        body = event_body("membership.created", membership(mid, now_ms(), member=member, company=company))
        assert deliver((a, b)[k % 2], conf.path, body, time.time() + 30)[0] == "accepted"
        event_ids.append(json.loads(body)["event"])
        expect[mid] = {"want": "active", "plan": PLAN_BASIC, "location": LOC_LINKED}
    b.worker_once()
    for mb in a.query("SELECT m.id, r.officernd_member_id AS member, r.officernd_company_id AS company "
                      "FROM mailboxes m JOIN renters r ON r.id = m.renter_id WHERE m.operator_id = ?",
                      op.operator_id):
        payer_of[mb["id"]] = (mb["member"], mb["company"])
    assert len(payer_of) == len(PAYERS)

    storm = Storm(types.SimpleNamespace(sim=sim), n_memberships=MEMBERSHIPS, n_posts=POSTS, seed=seed)
    expect.update(storm.expect)
    event_ids += [json.loads(x)["event"] for x in storm.posts]
    for i, spec in enumerate(FEE_FAULTS):
        sim.fault(**dict(spec, method="POST", path="/fees", count=10 ** 6, seed=seed + i))
    sim.fault(method="GET", path="/members/{id}", kind="delay", delay_ms=400, probability=0.2,
              count=10 ** 6, seed=seed + 50)

    workers = Workers([a, b])
    killer = Killer([a, b], workers, random.Random(seed + 100))
    killer.thread.start()
    plan = deliveries(storm.posts, [a, b], rnd)
    senders, failures, answers = send_all(plan, conf.path, KILL_S * 0.8)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    desk_errors = []
    desks = [threading.Thread(target=record_scans, args=(d, sorted(payer_of), CHARGES // 2,
                                                         KILL_S * 0.8 / (CHARGES // 2), today, desk_errors))
             for d in (op, desk_b)]
    for t in desks:
        t.start()
    for t in senders + desks:
        t.join()
    while time.time() < t0 + KILL_S:
        time.sleep(0.2)
    killer.stop.set()
    killer.thread.join()
    assert not failures, failures[:3]
    assert not desk_errors, desk_errors[:3]
    assert sum(answers.values()) == len(plan)

    drain(a, time.time() + DRAIN_S)
    assert workers.stop() == [0, 0]

    provisioned = check_mailboxes(a, op, conf, expect)
    invitations, resent = check_invitations(a, op, inbox)
    n_events = check_activity(a, desk_b, event_ids)  # Activity read through host b
    n_charges, n_failed = check_fees(a, op, sim, payer_of)
    assert n_charges == CHARGES
    assert killer.kills["worker"] > 0, killer.kills
    print("multihost: engine=%s, 2 hosts, 2 workers, %d deliveries of %d events (%d to both hosts), "
          "%d memberships (%d provisioned, %d open invitations, %d emails re-sent), %d charges "
          "(%d failed with their reason), kills %s, %.0f s, seed %d"
          % (a.engine, len(plan), n_events, len(plan) - len(storm.posts), len(expect), provisioned,
             invitations, resent, n_charges, n_failed, dict(killer.kills), time.time() - t0, seed))
