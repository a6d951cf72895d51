#!/usr/bin/python3
"""Signed-in list pages against the hello-world FastCGI yardstick, behind the same lighttpd.

Issue 9's target: on an empty store, each signed-in list page serves at least 40% of what
hello.fcgi (libfcgi + one ClearSilver render) serves in the same run. wrk, 16 connections,
4 s each, the operator's session cookie on every request, both programs with 2 processes; each
page right after a hello run, and compared with that run.
Part of `make bench`.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))

from ingest import ROOT, BenchApp, pids_named, wrk  # noqa: E402

PAGES = ("/mail", "/mailboxes", "/charges", "/activity", "/spaces", "/offerings")


def app_memory_kib(app):
    """(largest VmRSS, largest VmHWM) in KiB of this app's pilotomail.fcgi processes."""
    rss = hwm = 0
    for pid in pids_named("pilotomail.fcgi"):
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                if ("PILOTOMAIL_DB=%s" % app.db_path).encode() not in f.read().split(b"\0"):
                    continue
            with open("/proc/%d/status" % pid) as f:
                status = f.read()
        except OSError:
            continue
        rss = max(rss, int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
        hwm = max(hwm, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
    return rss, hwm


def run(conns=16, duration=4):
    # hello.fcgi gets as many processes as pilotomail.fcgi has in the configuration (2). Each page
    # is measured right after a hello run and compared with that one: the machine is shared, and
    # a busy moment would otherwise fall on the yardstick or on a page alone.
    app = BenchApp(os.path.join(ROOT, "conf", "lighttpd-dev.conf.in"), hello_procs=2)
    try:
        app.start()
        op = app.new_operator()
        cookie = "; ".join("%s=%s" % kv for kv in op.cookies.items())
        for path in PAGES:
            assert op.get(path).status == 200, path
        rows = []
        for path in PAGES:
            hello = wrk(app.url + "/bench/hello", "get.lua", conns, duration)
            rows.append((path, hello, wrk(app.url + path, "get.lua", conns, duration, headers={"Cookie": cookie})))
        rss, hwm = app_memory_kib(app)
    finally:
        app.stop()
    lines = ["signed-in pages, empty store, %d connections   req/s    p50 ms    p99 ms   x hello   (hello just before: req/s)"
             % conns]
    for path, hello, r in rows:
        lines.append("%-42s %8.0f %9.2f %9.2f %8.2f   %8.0f" % (path, r["rate"], r["p50_us"] / 1000.0,
                                                              r["p99_us"] / 1000.0, r["rate"] / hello["rate"],
                                                              hello["rate"]))
    lines.append("pilotomail.fcgi resident after the runs (VmRSS): %.1f MiB; peak (VmHWM) %.1f MiB, which includes "
                 "the sign-in's scrypt (128 MiB for a moment, by design)" % (rss / 1024.0, hwm / 1024.0))
    return lines


if __name__ == "__main__":
    sys.stdout.write("\n".join(run()) + "\n")
