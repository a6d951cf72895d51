"""The operator's word over OfficeRnD's, end to end through lighttpd, the worker and the simulator:

- a mailbox the operator cancelled stays cancelled through later membership webhooks and checks
  (no reactivation, no invitation email), is flagged as needing attention, and can be reopened;
- a check of OfficeRnD that would cancel many mailboxes at once (an emptied OfficeRnD, as a second
  `make demo` used to start) cancels nothing until the operator confirms on the Activity page;
- a second `make demo` keeps OfficeRnD's side (tests/sim/demo-sim.sh), so its checks find nothing gone.
"""
import json
import os
import re
import signal
import subprocess
import time

from harness import App, ROOT, free_port
from simctl import DEMO_ORG, SEED_PATH, http, load_seed
from test_reconcile import add_membership, check_now, text, world  # noqa: F401 (fixture)
from test_webhooks import ADA, PLAN_PREMIUM

GRACE, HANK, FRANK, KATHERINE = ("65a1f0c2e4b0a1b2c3d4e302", "65a1f0c2e4b0a1b2c3d4e303",
                                 "65a1f0c2e4b0a1b2c3d4e304", "65a1f0c2e4b0a1b2c3d4e305")
REOPEN_NOTE = ("OfficeRnD changed this membership after you cancelled its mailbox: reopen it if the "
               "member should get mail again")


def held(e):
    return e.app.query("SELECT * FROM reconcile_held WHERE operator_id = ? ORDER BY id", e.op.operator_id)


def held_ids(page):
    """The held_id fields of the confirmation form on the Activity page."""
    m = re.search(r'<form method="post" action="/activity/reconcile/cancel">(.*?)</form>', page, re.S)
    return re.findall(r'name="held_id" value="(\d+)"', m.group(1)) if m else []


# -- an operator's cancel sticks ---------------------------------------------------------------

def test_operator_cancel_sticks_through_webhooks_and_checks_until_reopened(world):
    e = world
    m = add_membership(e, send_webhooks=True)
    e.app.worker_once()
    [mb] = e.mailboxes(m["_id"])
    assert mb["status"] == "active" and len(e.emails()) == 1
    r = e.op.post("/mailboxes/%d/cancel" % mb["id"], {})
    assert r.status == 303
    assert e.mailboxes(m["_id"])[0]["status"] == "cancelled"

    # OfficeRnD changes the membership (a new plan): its signed webhook arrives and is applied.
    e.sim.patch_membership(m["_id"], send_webhooks=True, plan=PLAN_PREMIUM)
    e.app.worker_once()
    [mb] = e.mailboxes(m["_id"])
    assert (mb["status"], mb["cancelled_by"], mb["offering_id"]) == ("cancelled", "operator", e.offerings["Basic"])
    assert mb["needs_attention"] == REOPEN_NOTE
    assert [i["state"] for i in e.invitations(mb["id"])] == ["revoked"]
    assert len(e.emails()) == 1  # no second invitation
    hook = e.events(m["_id"])[-1]
    assert hook["state"] == "applied" and "stays cancelled: you cancelled it" in hook["outcome"]
    page = e.op.get("/mailboxes/%d" % mb["id"]).text
    assert "Needs attention:" in page and REOPEN_NOTE in page
    assert re.search(r"since \d+\xa0\w{3}\xa0\d{4},\xa0\d\d:\d\d\xa0UTC, by you", page)
    assert 'action="/mailboxes/%d/reopen"' % mb["id"] in page and "Reopen mailbox" in page

    # A lost webhook found by Check now is no different.
    e.sim.patch_membership(m["_id"], send_webhooks=False, plan=PLAN_PREMIUM, name="Renamed")
    check_now(e)
    e.app.worker_once()
    found = e.events(m["_id"])[-1]
    assert found["dedupe_key"].startswith("reconcile:") and "stays cancelled" in found["outcome"]
    assert e.mailboxes(m["_id"])[0]["status"] == "cancelled" and len(e.emails()) == 1

    # Reopen: only with the form's token; then active with the membership's current plan, and a
    # new invitation email.
    assert e.op.post("/mailboxes/%d/reopen" % mb["id"], {}, csrf=False).status == 403
    assert e.mailboxes(m["_id"])[0]["status"] == "cancelled"
    r = e.op.post("/mailboxes/%d/reopen" % mb["id"], {})
    assert r.status == 303 and r.location == "/mailboxes/%d" % mb["id"]
    page = e.op.get(r.location).text
    assert ("Mailbox PMB %s reopened to match its membership in OfficeRnD: reactivated with a new invitation; "
            "offering changed (offering Premium, space Downtown)." % mb["pmb"]) in page, page
    [mb] = e.mailboxes(m["_id"])
    assert (mb["status"], mb["cancelled_by"], mb["needs_attention"]) == ("active", "", "")
    assert mb["offering_id"] == e.offerings["Premium"]
    assert [i["state"] for i in e.invitations(mb["id"])] == ["revoked", "pending"]
    e.app.worker_once()
    assert len(e.emails()) == 2 and "ada@example.com" in e.emails()[1]
    assert "Reopen mailbox" not in e.op.get("/mailboxes/%d" % mb["id"]).text


# -- Check now must not mass-cancel ------------------------------------------------------------

def five_members_and_a_manual_mailbox(e):
    ms = [add_membership(e, send_webhooks=True, member=who) for who in (ADA, GRACE, HANK, FRANK, KATHERINE)]
    e.app.worker_once()
    space = e.spaces["Downtown"]
    r = e.op.post("/mailboxes", {"name": "Walk-in Renter", "email": "walkin@example.com",
                                 "space_id": str(space), "offering_id": str(e.offerings["Basic"])})
    assert r.status == 303
    assert [mb["status"] for mb in e.mailboxes()] == ["active"] * 6
    return ms


def test_emptied_officernd_cancels_nothing_until_the_operator_confirms(world):
    e = world
    ms = five_members_and_a_manual_mailbox(e)
    before = len(e.events())
    e.sim.reset(load_seed())  # OfficeRnD's side emptied, as a second `make demo` used to start it
    check_now(e)
    r = e.app.worker_once()
    assert "held=5" in r.stderr, r.stderr[-3000:]
    assert [mb["status"] for mb in e.mailboxes()] == ["active"] * 6  # nothing cancelled
    assert len(e.events()) == before  # nothing put in the inbox
    assert sorted(h["membership_id"] for h in held(e)) == sorted(m["_id"] for m in ms)

    page = e.op.get("/activity").text
    words = text(page)
    assert "Confirm: cancel 5 mailboxes?" in words and "Nothing has been cancelled." in words
    for m in ms:
        mb = e.mailboxes(m["_id"])[0]
        assert m["_id"] in page and mb["pmb"] in words and mb["renter_name"] in words
    assert "the membership is no longer in OfficeRnD" in words
    assert "Cancel these 5 mailboxes" in words and "Keep them" in words
    ids = held_ids(page)
    assert len(ids) == 5

    # Without the form's token: refused, nothing changed.
    assert e.op.post("/activity/reconcile/cancel", [("held_id", i) for i in ids], csrf=False).status == 403
    assert len(held(e)) == 5

    # "Keep them": nothing cancelled, nothing left to confirm.
    r = e.op.post("/activity/reconcile/keep", [("held_id", i) for i in ids])
    assert r.status == 303
    assert "Kept: nothing was cancelled." in e.op.get(r.location).text
    e.app.worker_once()
    assert [mb["status"] for mb in e.mailboxes()] == ["active"] * 6
    assert held(e) == [] and len(e.events()) == before
    assert "Confirm: cancel" not in text(e.op.get("/activity").text)

    # The next Check now asks again; "Cancel these 5 mailboxes" cancels exactly those.
    check_now(e)
    e.app.worker_once()
    ids = held_ids(e.op.get("/activity").text)
    assert len(ids) == 5
    r = e.op.post("/activity/reconcile/cancel", [("held_id", i) for i in ids])
    assert r.status == 303
    assert "5 mailboxes will be cancelled in a moment" in e.op.get(r.location).text
    e.app.worker_once()
    for m in ms:
        [mb] = e.mailboxes(m["_id"])
        assert (mb["status"], mb["cancelled_by"]) == ("cancelled", "officernd")
        ev = e.events(m["_id"])[-1]
        assert (ev["event_type"], ev["state"]) == ("membership.removed", "applied")
    manual = [mb for mb in e.mailboxes() if mb["source"] == "manual"]
    assert [mb["status"] for mb in manual] == ["active"]
    assert held(e) == []
    assert held_ids(e.op.get("/activity").text) == []


def test_a_few_deletions_still_cancel_without_asking(world):
    e = world
    ms = five_members_and_a_manual_mailbox(e)
    for m in ms[:3]:  # 3 of 6: not more than RECONCILE_CONFIRM_MIN
        e.sim.delete_membership(m["_id"], send_webhooks=False)
    check_now(e)
    e.app.worker_once()
    assert held(e) == []
    assert [e.mailboxes(m["_id"])[0]["status"] for m in ms] == ["cancelled"] * 3 + ["active"] * 2


# -- a second `make demo` ----------------------------------------------------------------------

def start_demo_sim(state, port_file, port):
    """tests/sim/demo-sim.sh, as conf/run.sh starts it (on a known port, so the running app keeps it)."""
    if os.path.exists(port_file):
        os.unlink(port_file)
    env = dict(os.environ, SIM_PORT=str(port), DEMO_SIM_STATE=state)
    proc = subprocess.Popen(["sh", "tests/sim/demo-sim.sh", port_file], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc
        assert proc.poll() is None, "the demo simulator did not start"
        time.sleep(0.05)
    raise AssertionError("the demo simulator did not start")


def stop_demo_sim(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def demo_setup(app, sim_url, op):
    r = subprocess.run(["/usr/bin/python3", "tests/sim/demo_setup.py", app.url, sim_url, op.email, op.password],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_second_demo_keeps_officernd_and_check_now_cancels_nothing(tmp_path):
    state, port_file, port = str(tmp_path / "officernd-sim.json"), str(tmp_path / "sim.port"), free_port()
    sim_url = "http://127.0.0.1:%d" % port
    sim = start_demo_sim(state, port_file, port)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim_url + "/api/v2"}).start()
    try:
        op = app.new_operator("demo@pilotomail.test", "demo-password")
        assert "webhook registered in OfficeRnD" in demo_setup(app, sim_url, op)
        org = load_seed()["orgs"][0]
        plan = next(p["_id"] for p in org["plans"] if p["name"] == "Virtual Office")
        loc = next(l["_id"] for l in org["locations"] if l["name"] == "Downtown Hub")
        for who in (ADA, GRACE, HANK, FRANK):
            r = http("POST", sim_url + "/_sim/memberships",
                     body={"org": DEMO_ORG, "member": who, "plan": plan, "location": loc})
            assert r.status in (200, 201) and [d["status"] for d in r.json()["deliveries"]] == [200], r
        app.worker_once()
        mailboxes = app.query("SELECT officernd_membership_id, status FROM mailboxes ORDER BY id")
        assert [mb["status"] for mb in mailboxes] == ["active"] * 4

        # Ctrl-C, then `make demo` again: the simulator and the set-up start once more, var/ kept.
        stop_demo_sim(sim)
        sim = start_demo_sim(state, port_file, port)
        out = demo_setup(app, sim_url, op)
        r = op.post("/activity/reconcile", {})
        assert r.status == 303
        r = app.worker_once()
        assert "pass done" in r.stderr and "held=0" in r.stderr, r.stderr[-3000:]
        assert app.query("SELECT officernd_membership_id, status FROM mailboxes ORDER BY id") == mailboxes
        assert app.query("SELECT count(*) AS n FROM reconcile_held")[0]["n"] == 0
        assert app.query("SELECT count(*) AS n FROM webhook_events WHERE event_type = 'membership.removed'")[0]["n"] == 0
        listed = http("GET", sim_url + "/_sim/memberships").json()
        assert sorted(m["_id"] for m in listed) == sorted(mb["officernd_membership_id"] for mb in mailboxes)
        assert "already registered" in out, out
        assert len(http("GET", sim_url + "/_sim/webhook_endpoints").json()) == 1

        # And OfficeRnD's webhooks still arrive after the restart.
        r = http("POST", sim_url + "/_sim/memberships",
                 body={"org": DEMO_ORG, "member": KATHERINE, "plan": plan, "location": loc})
        assert [d["status"] for d in r.json()["deliveries"]] == [200]
        app.worker_once()
        assert len(app.query("SELECT id FROM mailboxes WHERE status = 'active'")) == 5
    finally:
        app.stop()
        stop_demo_sim(sim)


def test_hourly_check_holds_many_ended_memberships_too(world):
    e = world
    e.app.worker_once()  # the worker sees the card configured: the hour starts now
    start = e.app.query("SELECT reconcile_attempted_at FROM officernd_settings WHERE operator_id = ?",
                        e.op.operator_id)[0]["reconcile_attempted_at"]
    ms = five_members_and_a_manual_mailbox(e)
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    for m in ms:  # ended in OfficeRnD, every webhook lost
        e.sim.patch_membership(m["_id"], send_webhooks=False, endDate=yesterday)
    r = e.app.worker_once(extra_env={"PILOTOMAIL_FAKE_NOW": str(start + 3600)})
    assert "kind=full" in r.stderr and "held=5" in r.stderr, r.stderr[-3000:]
    assert [mb["status"] for mb in e.mailboxes()] == ["active"] * 6
    words = text(e.op.get("/activity").text)
    assert "Confirm: cancel 5 mailboxes?" in words
    assert "the membership ended (end date %s)" % yesterday in words
    ids = held_ids(e.op.get("/activity").text)
    assert e.op.post("/activity/reconcile/cancel", [("held_id", i) for i in ids]).status == 303
    e.app.worker_once()
    assert sorted(mb["status"] for mb in e.mailboxes()) == ["active"] + ["cancelled"] * 5
    assert "Confirm: cancel" not in text(e.op.get("/activity").text)
