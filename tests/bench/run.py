#!/usr/bin/python3
"""make bench: pilotomail's real programs on loopback, each figure next to a baseline measured in
the same run, so the ratios mean something on any machine. Nothing here asserts a speed.

  1. Fee booking: 1,000 queued charges booked by `pilotomail-worker --once` against the OfficeRnD
     simulator holding every POST /fees for 20 ms (its fee_latency_ms), with 4 threads
     (PILOTOMAIL_FEE_CONCURRENCY=4) against 1 thread (the baseline). Own pacing off
     (PILOTOMAIL_FEE_RATE_PER_MINUTE=100000).
  2. Webhook receiver: requests per second of valid, signed, distinct membership events POSTed to
     /webhooks/officernd/TOKEN through lighttpd and webhook.fcgi (each stored durably before the
     answer), against lighttpd serving a static file (the baseline), same client, same concurrency.
  3. The worker's peak RSS (ru_maxrss from wait4) while draining 1,000 charges with 4 threads,
     against the same worker with nothing to do (the baseline).

The table is printed and saved to tests/bench/last-results.txt (quoted by the README).
Run with `make bench` (it builds first), or /usr/bin/python3 tests/bench/run.py.
"""
import datetime
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import feekit  # noqa: E402
from harness import App  # noqa: E402
from simctl import SEED_PATH, Sim  # noqa: E402

WORKER = os.path.join(ROOT, "bin", "pilotomail-worker")
RESULTS = os.path.join(ROOT, "tests", "bench", "last-results.txt")
FEES = 1000
FEE_LATENCY_MS = 20
CLIENTS = 4                 # concurrent HTTP clients (processes) for the webhook figure
REQUESTS_PER_CLIENT = 500
SIGNING_SECRET = "whsec-e2e-fees"  # what feekit.connect() types on the card


# -- the worker -------------------------------------------------------------------------------------

def run_worker(app, concurrency):
    """Runs the worker until idle; returns (seconds, peak RSS in KiB)."""
    env = dict(app.env, PILOTOMAIL_FEE_CONCURRENCY=str(concurrency))
    with open(os.path.join(app.dir, "worker.log"), "ab") as log:
        start = time.monotonic()
        proc = subprocess.Popen([WORKER, "--once"], env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError("the worker failed; see %s/worker.log" % app.dir)
    return elapsed, usage.ru_maxrss


def book(app, setup, mailboxes, concurrency):
    """Queues FEES new charges and books them; returns (fees per second, peak RSS KiB)."""
    setup.bulk(mailboxes, FEES)
    elapsed, rss = run_worker(app, concurrency)
    left = app.query("SELECT count(*) AS n FROM charges WHERE billing_state <> 'sent'")[0]["n"]
    if left:
        raise RuntimeError("%d charges not booked" % left)
    return FEES / elapsed, rss


# -- HTTP load ----------------------------------------------------------------------------------------

def signed_event(secret, operator_id, n):
    """A distinct membership.created event, signed as OfficeRnD signs it."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body = json.dumps({
        "event": uuid.uuid4().hex, "eventType": "membership.created",
        "data": {"object": {"_id": "bench%08d%05d" % (operator_id, n), "member": feekit.ADA,
                            "plan": feekit.PLAN_MAIL, "location": feekit.LOC_DOWNTOWN,
                            "startDate": now, "status": "approved", "calculatedStatus": "active",
                            "isPersonal": True, "createdAt": now, "modifiedAt": now},
                 "previousAttributes": {}},
        "createdAt": now}, separators=(",", ":")).encode()
    t = int(time.time())
    sig = hmac.new(secret.encode(), body + b"." + str(t).encode(), hashlib.sha256).hexdigest()
    return body, "t=%d,signature=%s" % (t, sig)


def client_run(args):
    """One client: its requests in a row on one keep-alive connection. Returns (ok, failed)."""
    port, path, kind, seed, count, start_at = args
    requests = []
    for i in range(count):
        if kind == "webhook":
            body, sig = signed_event(SIGNING_SECRET, seed, i)
            requests.append(("POST", body, {"Content-Type": "application/json", "officernd-signature": sig}))
        else:
            requests.append(("GET", None, {}))
    while time.time() < start_at:
        time.sleep(0.001)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ok = failed = 0
    for method, body, headers in requests:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        if 200 <= r.status < 300:
            ok += 1
        else:
            failed += 1
        if r.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    return ok, failed


def load(port, path, kind):
    """Requests per second of CLIENTS clients sending REQUESTS_PER_CLIENT each; (rate, failed)."""
    start_at = time.time() + 1.0  # every client has its requests ready before the clock starts
    args = [(port, path, kind, c, REQUESTS_PER_CLIENT, start_at) for c in range(CLIENTS)]
    with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
        results = pool.map_async(client_run, args)
        while time.time() < start_at:
            time.sleep(0.001)
        begun = time.monotonic()
        out = results.get(timeout=600)
        elapsed = time.monotonic() - begun
    ok = sum(o for o, _ in out)
    failed = sum(f for _, f in out)
    return ok / elapsed, failed


# -- report -----------------------------------------------------------------------------------------

def row(what, value, unit, base, base_what):
    return "%-46s %10.1f %-8s %10.1f %-8s %-22s %6.2f" % (what, value, unit, base, unit, base_what, value / base)


def main():
    sim = Sim(quiet=True).start(SEED_PATH)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                   "PILOTOMAIL_FEE_RATE_PER_MINUTE": "100000"})
    try:
        app.start()
        setup = feekit.connect(app, sim)
        mailboxes = [setup.mailbox(feekit.ADA, "Ada Lovelace"), setup.mailbox(feekit.GRACE, "Grace Hopper")]
        run_worker(app, 1)  # a token fetched and cached, files warm
        _, idle_rss = run_worker(app, 4)

        sim.config(fee_latency_ms=FEE_LATENCY_MS)
        base_rate, _ = book(app, setup, mailboxes, 1)
        rate, rss = book(app, setup, mailboxes, 4)
        sim.config(fee_latency_ms=0)
        fees = len(sim.fees())
        if fees != 2 * FEES:
            raise RuntimeError("expected %d fees, OfficeRnD has %d" % (2 * FEES, fees))

        static_rate, static_failed = load(app.port, "/static/app.css", "static")
        hook_rate, hook_failed = load(app.port, app.webhook_url(setup.op.operator_id).split(app.url, 1)[1],
                                      "webhook")
        stored = app.query("SELECT count(*) AS n FROM webhook_events")[0]["n"]
    finally:
        app.stop()
        sim.cleanup()

    lines = [
        "pilotomail bench, %s, %d CPUs, %s" % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), os.cpu_count() or 0,
            "loopback, real programs"),
        "%-46s %10s %-8s %10s %-8s %-22s %6s" % ("measure", "value", "", "baseline", "", "baseline is", "ratio"),
        row("fee booking, %d charges, %d ms/fee, 4 threads" % (FEES, FEE_LATENCY_MS), rate, "fees/s",
            base_rate, "1 thread"),
        row("webhook receiver, signed events, %d clients" % CLIENTS, hook_rate, "req/s", static_rate,
            "static file"),
        row("worker peak RSS draining %d charges" % FEES, rss / 1024.0, "MiB", idle_rss / 1024.0,
            "idle worker"),
        "webhook events stored: %d of %d sent (%d refused); static failures: %d" % (
            stored, CLIENTS * REQUESTS_PER_CLIENT, hook_failed, static_failed),
    ]
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    with open(RESULTS, "w") as f:
        f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
