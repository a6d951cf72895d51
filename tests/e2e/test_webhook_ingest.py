"""webhook.fcgi under concurrent delivery: many request threads, one committer (group commit).

OfficeRnD delivers in bursts and sends an event again when it saw no 2xx. What must hold whatever
the interleaving: every event answered "accepted" is stored, each event is stored exactly once
however often it arrives (also twice in the same batch), a bad signature among good ones is
refused and stores nothing, and a receiver killed mid-burst loses no acknowledged event.
"""
import concurrent.futures
import os
import signal
import threading
import time

import pytest

from test_webhooks import (  # noqa: F401  (env is a fixture)
    ADA, event_body, env, membership, new_id, now_ms, post_raw, sign)


def deliver(env, bodies, threads=16, headers=None):
    """POSTs every body from `threads` threads started together; [(status, text)] in body order."""
    start = threading.Barrier(threads)

    def one(i):
        if i < threads:
            start.wait()
        hdr = (headers or {}).get(i) or sign(bodies[i])
        status, text, _ = post_raw(env.app, env.path, bodies[i], {"officernd-signature": hdr})
        return status, text

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(len(bodies))))


def stored_keys(env):
    return [r["membership_id"] for r in env.app.query(
        "SELECT membership_id FROM webhook_events WHERE operator_id = ?", env.op.operator_id)]


def test_concurrent_burst_stores_each_event_exactly_once(env):
    mids = ["burst-%03d-%s" % (i, new_id()) for i in range(200)]
    bodies = [event_body("membership.created", membership(m, now_ms(), member=ADA)) for m in mids]
    # Every fifth event arrives twice, its copy right behind it (likely in the same batch).
    sends = []
    for i, b in enumerate(bodies):
        sends.append(b)
        if i % 5 == 0:
            sends.append(b)
    bad = event_body("membership.created", membership("burst-forged", now_ms(), member=ADA))
    sends.insert(100, bad)
    answers = deliver(env, sends, headers={100: sign(bad, secret="not-the-secret")})

    assert answers[100][0] == 401
    accepted = {}
    for body, (status, text) in zip(sends, answers):
        if body is bad:
            continue
        assert status == 200, text
        assert '"accepted"' in text or '"duplicate"' in text, text
        if '"accepted"' in text:
            accepted[body] = accepted.get(body, 0) + 1
    # Each event was accepted exactly once, its copy answered "duplicate".
    assert sorted(accepted.values()) == [1] * 200
    keys = stored_keys(env)
    assert sorted(keys) == sorted(mids)  # once each, and nothing of the forged one


def send_until_acknowledged(env, body, tries=100):
    for _ in range(tries):
        status, answer = env.send(body)
        if status == 200:
            return True
        assert status >= 500, answer
        time.sleep(0.1)
    return False


def webhook_pids(app):
    """The webhook.fcgi processes serving this app (found by their PILOTOMAIL_DB)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if not f.read().split(b"\0")[0].endswith(b"webhook.fcgi"):
                    continue
            with open("/proc/%s/environ" % d, "rb") as f:
                if ("PILOTOMAIL_DB=%s" % app.db_path).encode() in f.read().split(b"\0"):
                    pids.append(int(d))
        except OSError:
            pass
    return pids


@pytest.mark.skipif(os.environ.get("PILOTOMAIL_E2E_SERVER") == "apache",
                    reason="spawn-fcgi does not restart a killed program (systemd does); "
                           "lighttpd does, so the retries can be sent")
def test_receiver_killed_mid_burst_loses_no_acknowledged_event(env):
    mids = ["kill-%03d-%s" % (i, new_id()) for i in range(400)]
    bodies = [event_body("membership.created", membership(m, now_ms(), member=ADA)) for m in mids]
    assert env.send(bodies[0])[0] == 200  # the receiver is up
    pids = webhook_pids(env.app)
    assert pids
    acked = 0
    lock = threading.Lock()
    killed = threading.Event()

    def one(i):
        nonlocal acked
        status, text, _ = post_raw(env.app, env.path, bodies[i], {"officernd-signature": sign(bodies[i])})
        with lock:
            if status == 200:
                acked += 1
            if acked >= 100 and not killed.is_set():
                killed.set()
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
        return status, text

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(1, len(bodies))))
    assert killed.is_set()
    answers.insert(0, (200, '"accepted"'))

    keys = set(stored_keys(env))
    for mid, (status, text) in zip(mids, answers):
        if status == 200:
            assert mid in keys, "acknowledged but lost: %s (%s)" % (mid, text)
        else:
            assert status >= 500, text  # never a 4xx: OfficeRnD must send it again
    # OfficeRnD sends again what saw no 2xx, with a pause between tries (lighttpd restarts the
    # receiver meanwhile); afterwards every event is stored exactly once.
    for body, (status, _) in zip(bodies, answers):
        if status != 200:
            assert send_until_acknowledged(env, body)
    assert sorted(stored_keys(env)) == sorted(mids)
