#!/usr/bin/python3
"""make bench: pilotomail's real programs on loopback, each figure next to a baseline measured in
the same run, so the ratios mean something on any machine. Nothing here asserts a speed.

  1. Fee booking: 1,000 queued charges booked by `pilotomail-worker --once` against the OfficeRnD
     simulator holding every POST /fees for 20 ms (its fee_latency_ms), with 4 threads
     (PILOTOMAIL_FEE_CONCURRENCY=4) against 1 thread (the baseline). Own pacing off
     (PILOTOMAIL_FEE_RATE_PER_MINUTE=100000).
  2. Webhook ingest and event apply (tests/bench/ingest.py): wrk at 1, 16 and 64 connections
     against a static file, hello.fcgi and webhook.fcgi behind the same lighttpd, stored events
     counted against acknowledged ones, and the worker's storm of 10,000 membership.created events.
  3. The worker's peak RSS (ru_maxrss from wait4) while draining 1,000 charges with 4 threads,
     against the same worker with nothing to do (the baseline).
  4. Signed-in list pages on an empty store against hello.fcgi (tests/bench/pages.py).
  5. Then 1, 2 and 4 again with the store on PostgreSQL, in a throwaway cluster of the bench's own
     (tests/bench/on_postgresql.py), next to the same baselines measured again in that pass.
     BENCH_ENGINES=sqlite skips it.

The table is printed and saved to tests/bench/last-results.txt (quoted by the README).
Run with `make bench` (it builds first), or /usr/bin/python3 tests/bench/run.py.
"""
import datetime
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))

import feekit  # noqa: E402
import ingest  # noqa: E402
import on_postgresql  # noqa: E402
import pages  # noqa: E402
from harness import App  # noqa: E402
from simctl import SEED_PATH, Sim  # noqa: E402

WORKER = os.path.join(ROOT, "bin", "pilotomail-worker")
RESULTS = os.path.join(ROOT, "tests", "bench", "last-results.txt")
FEES = 1000
FEE_LATENCY_MS = 20


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


# -- report -----------------------------------------------------------------------------------------

def row(what, value, unit, base, base_what):
    return "%-46s %10.1f %-8s %10.1f %-8s %-22s %6.2f" % (what, value, unit, base, unit, base_what, value / base)


def measure(engine):
    """Every measure with the store on engine; returns the report lines."""
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
    finally:
        app.stop()
        sim.cleanup()
    ingest_lines = ingest.run()
    page_lines = pages.run()

    return [
        "",
        "== store on %s" % engine,
        "%-46s %10s %-8s %10s %-8s %-22s %6s" % ("measure", "value", "", "baseline", "", "baseline is", "ratio"),
        row("fee booking, %d charges, %d ms/fee, 4 threads" % (FEES, FEE_LATENCY_MS), rate, "fees/s",
            base_rate, "1 thread"),
        row("worker peak RSS draining %d charges" % FEES, rss / 1024.0, "MiB", idle_rss / 1024.0,
            "idle worker"),
        "",
    ] + ingest_lines + page_lines


def main():
    lines = ["pilotomail bench, %s, %d CPUs, %s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), os.cpu_count() or 0,
        "loopback, real programs")]
    engines = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
    if "sqlite" in engines:
        lines += measure("SQLite (a file, synchronous=FULL)")
    if "postgresql" in engines:
        if not on_postgresql.available():
            lines += ["", "== store on PostgreSQL: skipped (Debian's postgresql is not installed)"]
        else:
            with on_postgresql.cluster_env() as pg:
                lines += measure("PostgreSQL %s (a throwaway cluster on this machine, fsync on)" % on_postgresql.version(pg))
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    with open(RESULTS, "w") as f:
        f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
