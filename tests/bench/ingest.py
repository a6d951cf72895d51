#!/usr/bin/python3
"""Webhook ingest and event apply, measured by make bench (through tests/bench/run.py).

  1. wrk, behind the same lighttpd, at 1, 16 and 64 connections: a static file, hello.fcgi (libfcgi
     + one ClearSilver render, build/bench/hello.fcgi: the yardstick) and webhook.fcgi receiving
     pre-signed, distinct membership.created events (tests/bench/webhook.lua), with the worker
     running and applying them meanwhile. req/s, p50, p99, and req/s as a ratio to hello.fcgi.
     Stored events are counted against acknowledged ones (2xx "accepted" seen by wrk); how many
     events the worker finished meanwhile, and the CPU seconds of webhook.fcgi and the worker.
  2. The storm (run first): 10,000 membership.created events of 10,000 distinct members, stored first, then
     the worker started: events per second from its start to the last mailbox and the last
     invitation .eml written (the simulator answers member fetches without delay).
  3. Peak resident memory (VmHWM) of webhook.fcgi and of the worker under that load.
  4. The storm's own baseline: how many new .eml-sized files a second the file system takes in the
     same folder, written and flushed as the worker does (files_baseline): on a disk shared with
     many short-lived files, creating a file is what bounds the .eml rate.

Nothing here asserts a speed. Standalone, to compare an older build under the same conditions:
  /usr/bin/python3 tests/bench/ingest.py --bin-root DIR [--conf DIR/conf/lighttpd-dev.conf.in]
  --connections 64 --storm 200: one connection count, a small storm (a quick pair of runs).
  BENCH_PAUSE_FILE=path: webhook.fcgi's and the worker's pids are written there before the
  ingest runs (for perf record -p).
"""
import argparse
import copy
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "tests", "bench")
HELLO = os.path.join(ROOT, "build", "bench", "hello.fcgi")
CONNECTIONS = (1, 16, 64)
STORM = 10000
EML_GRACE_S = 90
SIGNING_SECRET = "whsec-bench-4d1c"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin-root", help="programs from DIR/cgi-bin and DIR/bin (an older build)")
    p.add_argument("--conf", default=os.path.join(ROOT, "conf", "lighttpd-dev.conf.in"))
    p.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    p.add_argument("--storm", type=int, default=STORM)
    p.add_argument("--out", help="also write the table to this file")
    p.add_argument("--no-worker", action="store_true", help="the receiver alone (no worker during wrk)")
    p.add_argument("--storm-only", action="store_true", help="only the worker's storm (no wrk runs)")
    p.add_argument("--connections", default="1,16,64", help="wrk connection counts, comma-separated")
    return p.parse_args(argv)


ARGS = parse_args(sys.argv[1:]) if __name__ == "__main__" else None
if ARGS and ARGS.bin_root:
    os.environ["PILOTOMAIL_E2E_BIN_ROOT"] = os.path.abspath(ARGS.bin_root)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from harness import App, BIN_ROOT  # noqa: E402
from simctl import SEED_PATH, Sim  # noqa: E402
from test_webhooks import ADA, LOC_LINKED, PLAN_BASIC, configure  # noqa: E402


class BenchApp(App):
    """The app behind lighttpd with the given configuration, plus /bench/hello -> hello.fcgi."""

    def __init__(self, conf, hello_procs=1, **kw):
        super().__init__(**kw)
        self.conf_template = conf
        self.hello_procs = hello_procs

    def _start_lighttpd(self):
        with open(self.conf_template) as f:
            conf = f.read()
        hello = ('$HTTP["url"] =~ "^/bench/hello" {\n  fastcgi.server = ("/" => ((\n'
                 '    "socket" => "@RUNDIR@/hello.sock", "bin-path" => "%s",\n'
                 '    "check-local" => "disable", "max-procs" => %d,\n  )))\n} else ' % (HELLO, self.hello_procs))
        conf = conf.replace('$HTTP["url"] =~ "^/static/"', hello + '$HTTP["url"] =~ "^/static/"', 1)
        for k, v in {"@PORT@": str(self.port), "@DATADIR@": ROOT, "@RUNDIR@": self.run_dir,
                     "@BINDIR@": os.path.join(BIN_ROOT, "cgi-bin")}.items():
            conf = conf.replace(k, v)
        path = os.path.join(self.run_dir, "lighttpd.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.procs.append(subprocess.Popen(["lighttpd", "-D", "-f", path], env=self.env, stdout=self.log,
                                           stderr=self.log, start_new_session=True))


# -- events -------------------------------------------------------------------------------------------

def event_line(mid, member, now_iso, t):
    """One pool line: the signature header, a tab, the JSON body of a membership.created event."""
    body = json.dumps({
        "event": hashlib.sha1(mid.encode()).hexdigest(), "eventType": "membership.created",
        "data": {"object": {"_id": mid, "member": member, "plan": PLAN_BASIC,
                            "location": LOC_LINKED, "startDate": now_iso, "status": "approved",
                            "calculatedStatus": "active", "isPersonal": True, "createdAt": now_iso,
                            "modifiedAt": now_iso}, "previousAttributes": {}},
        "createdAt": now_iso}, separators=(",", ":")).encode()
    sig = hmac.new(SIGNING_SECRET.encode(), body + b"." + str(t).encode(), hashlib.sha256).hexdigest()
    return b"t=%d,signature=%s\t%s\n" % (t, sig.encode(), body)


def write_pool(directory, threads, per_thread, prefix, members):
    """thread-N.txt for each wrk thread: distinct events whose membership ids start with prefix."""
    t = int(time.time())
    now_iso = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))
    n = 0
    for th in range(1, threads + 1):
        with open(os.path.join(directory, "thread-%d.txt" % th), "wb") as f:
            for i in range(per_thread):
                f.write(event_line("%s-%d-%07d" % (prefix, th, i), members[n % len(members)], now_iso, t))
                n += 1


# -- wrk ----------------------------------------------------------------------------------------------

def wrk(url, script, conns, duration, pool_dir=None, headers=None):
    threads = 1 if conns == 1 else 2
    cmd = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration, "--timeout", "10s",
           "-s", os.path.join(BENCH, script)]
    for name, value in (headers or {}).items():
        cmd += ["-H", "%s: %s" % (name, value)]
    cmd.append(url)
    if pool_dir:
        cmd += ["--", pool_dir]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")]
    if out.returncode != 0 or not line:
        raise RuntimeError("wrk failed:\n%s\n%s" % (out.stdout, out.stderr))
    r = {k: int(v) for k, v in (kv.split("=") for kv in line[0].split()[1:])}
    r["rate"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def vm_hwm_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        return 0


def pids_named(name):
    out = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/cmdline", "rb") as f:
                if os.path.basename(f.read().split(b"\0")[0]).decode() == name:
                    out.append(int(os.path.basename(d)))
        except OSError:
            pass
    return out


def events_done(app):
    """Events the worker has finished (applied, skipped or failed; not those ignored on arrival)."""
    return app.query("SELECT count(*) AS n FROM webhook_events WHERE state <> 'pending' "
                     "AND state <> 'ignored'")[0]["n"]


def cpu_seconds(app):
    """CPU seconds (user + system) used so far by webhook.fcgi and by the worker."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pids in (("webhook.fcgi", webhook_pids(app)),
                       ("worker", [app.worker.pid] if app.worker and app.worker.poll() is None else [])):
        total = 0.0
        for pid in pids:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except OSError:
                pass
        out[name] = total
    return out


def webhook_pids(app):
    """webhook.fcgi processes of this app (lighttpd's children)."""
    mine = []
    for pid in pids_named("webhook.fcgi"):
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                if ("PILOTOMAIL_DB=%s" % app.db_path).encode() in f.read().split(b"\0"):
                    mine.append(pid)
        except OSError:
            pass
    return mine


# -- the runs -----------------------------------------------------------------------------------------

def ingest_runs(app, op, duration, members, connections=CONNECTIONS):
    """Static, hello and webhook at each connection count, the worker running throughout."""
    hook_path = app.webhook_url(op.operator_id).split(app.url, 1)[1]
    rows = []
    pool_root = tempfile.mkdtemp(prefix="pilotomail-bench-pool-")
    try:
        for conns in connections:
            static = wrk(app.url + "/static/app.css", "get.lua", conns, duration)
            hello = wrk(app.url + "/bench/hello", "get.lua", conns, duration)
            pool = os.path.join(pool_root, "c%d" % conns)
            os.makedirs(pool)
            threads = 1 if conns == 1 else 2
            write_pool(pool, threads, (8000 if conns == 1 else 25000) * duration // threads, "b%d" % conns,
                       members)
            cpu_before, done_before = cpu_seconds(app), events_done(app)
            hook = wrk(app.url + hook_path, "webhook.lua", conns, duration, pool)
            hook["cpu"] = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds(app).items()}
            hook["applied"] = events_done(app) - done_before
            shutil.rmtree(pool)
            hook["stored"] = app.query("SELECT count(*) AS n FROM webhook_events WHERE membership_id LIKE ?",
                                       "b%d-%%" % conns)[0]["n"]
            rows.append((conns, static, hello, hook))
    finally:
        shutil.rmtree(pool_root, ignore_errors=True)
    return rows


def eml_count(folder):
    """The .eml files in the (flat) mail folder: cheap enough to poll while the worker runs."""
    try:
        return sum(1 for e in os.scandir(folder) if e.name.endswith(".eml"))
    except FileNotFoundError:
        return 0


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)  # the watcher must not eat the CPU the worker is measured on
    return False


def storm(app, op, members, count):
    """Stores count events (worker stopped), then times the worker from start to last .eml."""
    pool = tempfile.mkdtemp(prefix="pilotomail-bench-storm-")
    try:
        write_pool(pool, 2, count // 2, "storm", members)
        hook_path = app.webhook_url(op.operator_id).split(app.url, 1)[1]
        posted = wrk(app.url + hook_path, "webhook.lua", 16, max(10, count // 800), pool)
    finally:
        shutil.rmtree(pool, ignore_errors=True)
    stored = app.query("SELECT count(*) AS n FROM webhook_events WHERE membership_id LIKE 'storm-%'")[0]["n"]
    emails_before = eml_count(app.mail_dir)

    def mailboxes():
        return app.query("SELECT count(*) AS n FROM mailboxes WHERE officernd_membership_id LIKE 'storm-%'")[0]["n"]

    def emails():
        return eml_count(app.mail_dir) - emails_before

    def pending():
        return app.query("SELECT count(*) AS n FROM webhook_events WHERE membership_id LIKE 'storm-%' "
                         "AND state = 'pending'")[0]["n"]

    start = time.monotonic()
    worker = app.start_worker()
    done_mb = wait_until(lambda: mailboxes() >= stored or pending() == 0, 900)
    t_mailboxes = time.monotonic() - start
    # The outbox may trail far behind: it is given EML_GRACE_S more, then counted as it stands.
    done_eml = wait_until(lambda: emails() >= mailboxes(), EML_GRACE_S)
    t_emails = time.monotonic() - start
    rss = vm_hwm_kib(worker.pid)
    app.stop_worker()
    files_rate = files_baseline(app.dir)
    states = app.query("SELECT state, count(*) AS n FROM webhook_events WHERE membership_id LIKE 'storm-%' "
                       "GROUP BY state")
    return {"posted": posted, "stored": stored, "mailboxes": mailboxes(), "emails": emails(), "t_mailboxes": t_mailboxes,
            "t_emails": t_emails, "complete": done_mb and done_eml and mailboxes() == stored,
            "worker_rss_kib": rss, "files_rate": files_rate, "states": ", ".join("%s %d" % (r["state"], r["n"]) for r in states)}


def files_baseline(parent, count=2000, size=3000):
    """The file system's own rate for what an .eml costs, in the same folder the worker writes to:
    new files written, then each flushed and renamed, the folder flushed once (as
    mail_deliver_batch does), in batches of 64. Files per second."""
    d = tempfile.mkdtemp(prefix="files-", dir=parent)
    data = b"x" * size
    start = time.monotonic()
    for b in range(0, count, 64):
        fds = []
        for i in range(b, min(b + 64, count)):
            fd = os.open(os.path.join(d, ".f%d.tmp" % i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            os.write(fd, data)
            fds.append((i, fd))
        for i, fd in fds:
            os.fdatasync(fd)
            os.close(fd)
            os.rename(os.path.join(d, ".f%d.tmp" % i), os.path.join(d, "f%d.eml" % i))
        dfd = os.open(d, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
    rate = count / (time.monotonic() - start)
    shutil.rmtree(d)
    return rate


def storm_seed(count):
    """The simulator's seed plus count members, one per storm event; returns (path, member ids)."""
    with open(SEED_PATH) as f:
        seed = json.load(f)
    seed = copy.deepcopy(seed)
    org = seed["orgs"][0]
    ids = []
    for i in range(count):
        mid = "%024x" % (0xbe0c0000000000000000 + i)
        ids.append(mid)
        org["members"].append({"_id": mid, "name": "Storm Member %d" % i, "email": "storm%d@example.com" % i,
                               "phone": "", "location": LOC_LINKED, "company": None,
                               "status": "active"})
    fd, path = tempfile.mkstemp(prefix="pilotomail-bench-seed-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(seed, f)
    return path, ids


# -- report -------------------------------------------------------------------------------------------

def table(rows, st, hook_rss):
    ms = lambda us: us / 1000.0  # noqa: E731
    lines = ["%-34s %11s %9s %9s %9s" % ("wrk, %s" % ("webhook.fcgi from " + BIN_ROOT if BIN_ROOT != ROOT
                                                     else "this checkout"), "req/s", "p50 ms", "p99 ms",
                                          "x hello")]
    checks = []
    for conns, static, hello, hook in rows:
        for name, r in (("static file", static), ("hello.fcgi (FastCGI+ClearSilver)", hello),
                        ("webhook.fcgi, signed, stored", hook)):
            lines.append("%-34s %11.0f %9.2f %9.2f %9.2f" % ("%2d conn  %s" % (conns, name), r["rate"],
                                                              ms(r["p50_us"]), ms(r["p99_us"]),
                                                              r["rate"] / hello["rate"]))
        unanswered = hook["sent"] - hook["answered"]
        ok = hook["ok"] <= hook["stored"] <= hook["ok"] + unanswered
        checks.append("%2d conn: acknowledged %d, stored %d, unanswered when wrk stopped %d, refused %d%s: %s" % (
            conns, hook["ok"], hook["stored"], unanswered, hook["answered"] - hook["ok"],
            ", POOL RAN OUT" if hook["exhausted"] else "",
            "every acknowledged event stored" if ok else "MISMATCH"))
        cpu = hook["cpu"]
        checks.append("%2d conn: meanwhile the worker finished %d events (its backlog first, oldest first); "
                      "CPU s: webhook.fcgi %.2f (%.0f us/event), "
                      "worker %.2f" % (conns, hook["applied"], cpu["webhook.fcgi"],
                                       cpu["webhook.fcgi"] * 1e6 / max(hook["ok"], 1), cpu["worker"]))
    lines += checks
    lines.append("webhook.fcgi peak RSS under load: %.1f MiB" % (hook_rss / 1024.0))
    if not rows:  # --storm-only
        lines = []
    rate_mb = st["stored"] / st["t_mailboxes"] if st["t_mailboxes"] else 0
    rate_eml = st["emails"] / st["t_emails"] if st["t_emails"] else 0
    p = st["posted"]
    lines.append("storm posted: sent %d, accepted %d, answered %d" % (p["sent"], p["ok"], p["answered"]))
    lines.append("worker storm: %d membership.created stored; %d mailboxes in %.1f s (%.0f events/s); "
                 "%d invitation .eml in %.1f s (%.0f events/s)%s" % (
                     st["stored"], st["mailboxes"], st["t_mailboxes"], rate_mb, st["emails"], st["t_emails"],
                     rate_eml, "" if st["complete"] else " INCOMPLETE (%s)" % st["states"]))
    lines.append("file system baseline, same folder: %.0f new .eml-sized files/s written and flushed as the worker "
                 "does (the ceiling for .eml; the worker reached %.2f of it)" % (st["files_rate"], rate_eml / st["files_rate"]))
    lines.append("worker peak RSS during the storm: %.1f MiB" % (st["worker_rss_kib"] / 1024.0))
    return lines


def run(duration=5, storm_count=STORM, conf=None, worker=True, connections=CONNECTIONS, storm_only=False):
    """Runs everything (or the storm alone); returns the report lines."""
    seed, members = storm_seed(storm_count)
    sim = Sim(quiet=True).start(seed)
    app = BenchApp(conf or os.path.join(ROOT, "conf", "lighttpd-dev.conf.in"),
                   env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                        "PILOTOMAIL_OFFICERND_API_URL": sim.api_url})
    try:
        app.start()
        op = app.new_operator()
        configure(app, sim, op, SIGNING_SECRET)
        # The storm first, so its worker has nothing else queued; then the ingest runs, with the
        # worker applying what they store at the same time.
        st = storm(app, op, members, storm_count)
        if storm_only:
            return table([], st, 0)
        if worker:
            app.start_worker()
        if os.environ.get("BENCH_PAUSE_FILE"):  # a hook for attaching perf/strace: the pids are written there
            with open(os.environ["BENCH_PAUSE_FILE"], "w") as f:
                f.write("%s %d\n" % (" ".join(map(str, webhook_pids(app))), app.worker.pid if worker else 0))
        rows = ingest_runs(app, op, duration, [ADA], connections)
        hook_rss = max([vm_hwm_kib(p) for p in webhook_pids(app)] or [0])
        app.stop_worker()
    finally:
        app.stop()
        sim.cleanup()
        os.unlink(seed)
    return table(rows, st, hook_rss)


def main():
    conns = tuple(int(c) for c in ARGS.connections.split(","))
    lines = run(ARGS.duration, ARGS.storm, ARGS.conf, not ARGS.no_worker, conns, ARGS.storm_only)
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if ARGS.out:
        with open(ARGS.out, "w") as f:
            f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
