"""Charges booked as OfficeRnD fees by the worker, exactly once, against the OfficeRnD simulator.

The operator connects OfficeRnD on the settings card (acme-spaces with the seed's demo client,
"Mail handling" as the Mail charges plan, Downtown Hub linked to a space, billing on); mailboxes
of seed members are inserted as rows, as the membership sync makes them. Charges come from
actions recorded on the mail pages, or, for the big batches, are inserted as queued rows.

Retries wait (60 s after a request whose fate is unknown, Retry-After after a 429): the tests
make that time pass by setting next_attempt_at to 0 ("drain"), never by sleeping through it.
"""
import calendar
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from feekit import (ADA, DASH, FRANK, GLOBEX, GRACE, HANK, LOC_DOWNTOWN, PLAN_MAIL, connect,  # noqa: E402
                    drain, execute, fees_by_reference, states, text)
from feefixtures import app, sim  # noqa: E402,F401 (fixtures)
from simctl import DEMO_ORG  # noqa: E402


def assert_exactly_once(app, sim):
    """Every charge sent, with its own fee: one fee per reference, none extra, ids matching."""
    charges = app.query("SELECT id, reference, billing_state, officernd_fee_id FROM charges")
    fees = fees_by_reference(sim)
    dupes = {ref: len(v) for ref, v in fees.items() if len(v) > 1}
    assert not dupes, "duplicate fees: %r" % dict(list(dupes.items())[:5])
    assert set(fees) == {c["reference"] for c in charges}, "fees and charges differ"
    for c in charges:
        assert c["billing_state"] == "sent", c
        assert c["officernd_fee_id"] == fees[c["reference"]][0]["_id"], c
    return fees


# -- one action, one fee ----------------------------------------------------------------------------

def test_action_becomes_one_fee_with_reference_and_date(app, sim):
    s = connect(app, sim)
    mb = s.mailbox(ADA, "Ada Lovelace")
    charge = s.scan(mb)
    app.worker_once()
    fees = sim.fees(DEMO_ORG)
    assert len(fees) == 1
    fee = fees[0]
    item = app.query("SELECT reference FROM mail_items WHERE id = ?", charge["mail_item_id"])[0]["reference"]
    assert fee["name"] == "Scan %s %s (2026-11-20)" % (DASH, item)
    assert charge["description"] in fee["description"] and charge["reference"] in fee["description"]
    assert fee["price"] == 2.5 and fee["quantity"] == 1
    assert fee["member"] == ADA and fee["company"] is None and fee["isPersonal"] is True
    assert fee["location"] == LOC_DOWNTOWN and fee["plan"] == PLAN_MAIL
    assert fee["issueDate"].startswith(charge["charge_date"])
    assert fee["properties"] == {"pilotomailChargeId": charge["reference"]}

    row = app.query("SELECT * FROM charges WHERE id = ?", charge["id"])[0]
    assert row["billing_state"] == "sent" and row["officernd_fee_id"] == fee["_id"] and row["sent_at"]
    page = text(s.op.get("/charges"))
    assert "Sent to OfficeRnD" in page and "OfficeRnD fee %s" % fee["_id"] in page

    # Running the worker again books nothing more.
    app.worker_once()
    assert len(sim.fees(DEMO_ORG)) == 1
    assert sim.stats()["requests"].get("POST /fees") == 1


def test_company_membership_is_billed_to_the_company(app, sim):
    s = connect(app, sim)
    personal = s.scan(s.mailbox(GRACE, "Grace Hopper"))
    company = s.scan(s.mailbox(HANK, "Hank Scorpio", company=GLOBEX))
    app.worker_once()
    fees = fees_by_reference(sim)
    f = fees[company["reference"]][0]
    assert f["company"] == GLOBEX and f["member"] is None and f["isPersonal"] is False
    g = fees[personal["reference"]][0]
    assert g["member"] == GRACE and g["company"] is None and g["isPersonal"] is True
    assert_exactly_once(app, sim)


# -- faults: each still ends as exactly one fee -----------------------------------------------------

FAULTS = {
    "status_503": dict(kind="status", status=503),
    "rate_limited_429": dict(kind="429", retry_after=2),
    "drop": dict(kind="drop"),
    "lost_answer": dict(kind="lost_answer"),
    "expire_tokens": dict(kind="expire_tokens", count=1),
    "delay_past_timeout": dict(kind="delay", delay_ms=1500),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_still_ends_as_exactly_one_fee(app, sim, name):
    s = connect(app, sim)
    mbs = [s.mailbox(ADA, "Ada Lovelace"), s.mailbox(HANK, "Hank Scorpio", company=GLOBEX)]
    charges = [s.scan(mb) for mb in mbs]
    sim.fault(**dict(dict(method="POST", path="/fees", count=2), **FAULTS[name]))
    if name == "delay_past_timeout":
        app.env["PILOTOMAIL_HTTP_TIMEOUT_MS"] = "400"
    before = int(time.time())
    app.worker_once()
    after = int(time.time())
    rows = app.query("SELECT * FROM charges ORDER BY id")
    if name == "expire_tokens":
        # A refused token is replaced at once and the request made again: nothing to retry.
        assert [r["billing_state"] for r in rows] == ["sent", "sent"]
    else:
        for r in rows:
            assert r["billing_state"] == "queued" and r["last_error"], r
            assert r["attempts"] == 1
        if name == "rate_limited_429":
            for r in rows:
                assert "429" in r["last_error"]
                # Retry-After: 2 is honoured, and the fee's fate is known (no lookup needed).
                assert before + 2 <= r["next_attempt_at"] <= after + 2
                assert r["fee_uncertain"] == 0
        elif name == "status_503":
            assert all("HTTP 503" in r["last_error"] for r in rows)
        if name in ("lost_answer", "delay_past_timeout", "drop", "status_503"):
            # The request went out: the fee may exist, so it is looked up before any new POST.
            assert all(r["fee_uncertain"] == 1 for r in rows)
            assert all(r["next_attempt_at"] >= before + 60 for r in rows)
        page = text(s.op.get("/charges"))
        assert "Queued for OfficeRnD" in page and "Will retry:" in page
    # The delayed requests complete at OfficeRnD after pilotomail gave up on them.
    drain(app, settle=1.6 if name == "delay_past_timeout" else 0)
    fees = assert_exactly_once(app, sim)
    assert len(fees) == len(charges)
    if name in ("lost_answer", "delay_past_timeout"):
        # Found by their reference: never posted a second time.
        assert sim.stats()["requests"]["POST /fees"] == 2


def test_2000_charges_with_faults_end_as_2000_fees(app, sim):
    s = connect(app, sim)
    mbs = [s.mailbox(ADA, "Ada Lovelace"), s.mailbox(GRACE, "Grace Hopper"),
           s.mailbox(HANK, "Hank Scorpio", company=GLOBEX), s.mailbox(FRANK, "Frank Grimes")]
    s.bulk(mbs, 2000)
    # About one POST in five fails, seeded so the run repeats: lost answers, 5xx, drops, and a
    # few 429s (each pauses the operator for its Retry-After, a second).
    for seed, (kind, p) in enumerate((("lost_answer", 0.08), ("status", 0.07), ("drop", 0.05), ("429", 0.003))):
        spec = dict(method="POST", path="/fees", kind=kind, probability=p, seed=seed + 1, count=100000)
        if kind == "429":
            spec["retry_after"] = 1
        sim.fault(**spec)
    drain(app)
    fees = assert_exactly_once(app, sim)
    assert len(fees) == 2000
    fired = sim.stats()["faults_fired"]
    assert fired >= 250, fired  # the faults did happen


def test_worker_killed_mid_batch_ends_the_same(app, sim):
    s = connect(app, sim)
    mbs = [s.mailbox(ADA, "Ada Lovelace"), s.mailbox(GRACE, "Grace Hopper")]
    s.bulk(mbs, 1000)
    sim.config(fee_latency_ms=20)  # requests are in flight most of the time
    caught = 0

    def count(state):
        return app.query("SELECT count(*) AS n FROM charges WHERE billing_state = ?", state)[0]["n"]

    for _ in range(10):
        app.start_worker()
        # Kill it once it has booked another hundred and has requests in flight right now.
        deadline = time.time() + 60
        target = 100 * (caught + 1)
        while time.time() < deadline and not (count("sent") >= target and count("sending") > 0):
            time.sleep(0.01)
        app.kill_worker()
        in_flight = app.query("SELECT count(*) AS n FROM charges WHERE billing_state = 'sending'")[0]["n"]
        if in_flight:
            caught += 1
            # The claims of the dead worker expire. A real lease (a minute) outlives the POSTs it
            # had in flight, which may still complete at OfficeRnD after the kill: let them land
            # (20 ms each here) before cutting the lease short, as its length would in production.
            time.sleep(0.5)
            execute(app, "UPDATE charges SET claimed_until = 0 WHERE billing_state = 'sending'")
        if caught >= 2:
            break
    assert caught >= 1, "the worker was never killed mid-batch"
    assert len(sim.fees(DEMO_ORG)) < 1000
    drain(app)
    fees = assert_exactly_once(app, sim)
    assert len(fees) == 1000


def dead_worker_id():
    """The id a worker on this host had, whose process is gone (worker/claims.c's format)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return "%s-%d-deadbeef" % (socket.gethostname()[:32], p.pid)


def test_a_killed_workers_fee_claims_wait_out_their_lease_then_are_looked_up(app, sim):
    s = connect(app, sim)
    s.bulk([s.mailbox(ADA, "Ada Lovelace")], 20)
    app.worker_once()
    assert len(sim.fees(DEMO_ORG)) == 20
    # A worker on this host was killed right after posting the first 5: their fees exist in
    # OfficeRnD, the charges are still 'sending' under its claim, with an hour of lease left.
    first = [r["id"] for r in app.query("SELECT id FROM charges ORDER BY id LIMIT 5")]
    execute(app, "UPDATE charges SET billing_state = 'sending', claimed_by = ?, claimed_until = ?, "
            "officernd_fee_id = NULL WHERE id IN (%s)" % ",".join(map(str, first)),
            dead_worker_id(), int(time.time()) + 3600)
    # Its POSTs might still be completing at OfficeRnD: nobody touches them before the lease ends.
    app.worker_once()
    assert [r["billing_state"] for r in app.query(
        "SELECT billing_state FROM charges ORDER BY id LIMIT 5")] == ["sending"] * 5
    # Once it has: looked up by reference and marked sent, never posted a second time.
    execute(app, "UPDATE charges SET claimed_until = 0 WHERE billing_state = 'sending'")
    app.worker_once()
    fees = assert_exactly_once(app, sim)
    assert len(fees) == 20 and sim.stats()["requests"]["POST /fees"] == 20


def test_sigterm_finishes_requests_in_flight_and_returns(app, sim):
    s = connect(app, sim)
    s.bulk([s.mailbox(ADA, "Ada Lovelace")], 300)
    sim.config(fee_latency_ms=100)
    app.start_worker()
    deadline = time.time() + 30
    while len(sim.fees(DEMO_ORG)) < 20 and time.time() < deadline:
        time.sleep(0.05)
    app.worker.send_signal(signal.SIGTERM)
    assert app.worker.wait(timeout=30) == 0
    app.worker = None
    # Nothing is left half done: what was sent is recorded, the rest is back in the queue.
    st = states(app)
    assert st["sending"] == 0, st
    assert 0 < st["sent"] < 300 and st["sent"] + st["queued"] == 300, st
    sent = {r["reference"] for r in app.query("SELECT reference FROM charges WHERE billing_state = 'sent'")}
    assert set(fees_by_reference(sim)) == sent
    sim.config(fee_latency_ms=0)
    drain(app)
    assert len(assert_exactly_once(app, sim)) == 300


def test_rate_limit_drains_without_429s(app, sim):
    s = connect(app, sim)
    s.bulk([s.mailbox(ADA, "Ada Lovelace")], 20)
    # OfficeRnD takes 10 writes per 2 s; pilotomail is set to 3 a second.
    sim.config(write_limit_per_minute=10, rate_window_seconds=2)
    app.env["PILOTOMAIL_FEE_RATE_PER_MINUTE"] = "180"
    drain(app)
    assert sim.stats()["rate_limited"] == 0
    assert len(assert_exactly_once(app, sim)) == 20


def test_429_pauses_the_operator_instead_of_a_storm(app, sim):
    s = connect(app, sim)
    s.bulk([s.mailbox(ADA, "Ada Lovelace")], 40)
    sim.config(write_limit_per_minute=5, rate_window_seconds=60)
    app.worker_once()
    st = states(app)
    assert st["sent"] == 5 and st["queued"] == 35, st
    # Only requests already under way met the 429; the others waited for Retry-After.
    assert 1 <= sim.stats()["rate_limited"] <= 4
    waits = app.query("SELECT next_attempt_at FROM charges WHERE billing_state = 'queued'")
    assert all(w["next_attempt_at"] >= int(time.time()) + 30 for w in waits)
    sim.config(write_limit_per_minute=None)
    drain(app)
    assert len(assert_exactly_once(app, sim)) == 40


# -- a permanent error, fixed by the operator, retried ----------------------------------------------

def test_permanent_error_is_shown_and_cleared_by_retry(app, sim):
    s = connect(app, sim)
    mb = s.mailbox(ADA, "Ada Lovelace")
    s.card(locations=False)  # the operator unlinks the location
    charge = s.scan(mb)
    app.worker_once()
    row = app.query("SELECT * FROM charges WHERE id = ?", charge["id"])[0]
    assert row["billing_state"] == "failed"
    assert 'The space "Downtown" is not linked to an OfficeRnD location' in row["last_error"]
    assert sim.fees(DEMO_ORG) == []
    page = text(s.op.get("/charges"))
    assert "Failed" in page and "not linked to an OfficeRnD location" in page
    assert 'action="/charges/%d/retry"' % charge["id"] in s.op.get("/charges").text

    # Retrying before the fix fails the same way, without a request to OfficeRnD.
    assert s.op.post("/charges/%d/retry" % charge["id"], {}).status == 303
    app.worker_once()
    assert app.query("SELECT billing_state FROM charges WHERE id = ?", charge["id"])[0]["billing_state"] == "failed"
    assert "POST /fees" not in sim.stats()["requests"]

    s.card(locations=True)
    assert s.op.post("/charges/%d/retry" % charge["id"], {}).status == 303
    app.worker_once()
    assert_exactly_once(app, sim)
    assert "not linked" not in text(s.op.get("/charges"))


def test_refused_fee_names_what_officernd_said(app, sim):
    s = connect(app, sim)
    mb = s.mailbox(ADA, "Ada Lovelace")
    charge = s.scan(mb)
    sim.delete("locations", LOC_DOWNTOWN)  # OfficeRnD no longer knows the linked location
    app.worker_once()
    row = app.query("SELECT * FROM charges WHERE id = ?", charge["id"])[0]
    assert row["billing_state"] == "failed"
    assert row["last_error"] == "OfficeRnD refused the fee: location: location not found (HTTP 422)"
    assert "OfficeRnD refused the fee: location: location not found" in text(s.op.get("/charges"))


# -- storage, charged by the day -------------------------------------------------------------------

def fake_now(app, day):
    """The worker's clock: noon UTC of day."""
    app.env["PILOTOMAIL_FAKE_NOW"] = str(calendar.timegm(time.strptime(day + " 12", "%Y-%m-%d %H")))


def test_storage_is_charged_daily_once_and_stops_when_the_item_leaves(app, sim):
    s = connect(app, sim)
    mb = s.mailbox(ADA, "Ada Lovelace")
    item_id = s.item(mb, received_on="2026-11-20")
    ref = app.query("SELECT reference FROM mail_items WHERE id = ?", item_id)[0]["reference"]

    def storage():
        return app.query("SELECT storage_day, amount, billing_state, officernd_fee_id FROM charges "
                         "WHERE mail_item_id = ? AND kind = 'storage' ORDER BY storage_day", item_id)

    # Received the 20th, two free days (20th, 21st): on the 26th, the 22nd to the 25th are due.
    fake_now(app, "2026-11-26")
    app.worker_once()
    days = storage()
    assert [d["storage_day"] for d in days] == ["2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]
    assert all(d["amount"] == 10 and d["billing_state"] == "sent" for d in days)
    assert app.query("SELECT storage_charged_through FROM mail_items WHERE id = ?",
                     item_id)[0]["storage_charged_through"] == "2026-11-25"
    names = sorted(f["name"] for f in sim.fees(DEMO_ORG))
    assert names[0] == "Storage %s %s (2026-11-22)" % (DASH, ref)

    # The same day again, or a second worker: nothing new.
    app.worker_once()
    assert len(storage()) == 4

    # Two days later, two more days.
    fake_now(app, "2026-11-28")
    app.worker_once()
    assert [d["storage_day"] for d in storage()][-2:] == ["2026-11-26", "2026-11-27"]

    # Shredded on the 29th: charged through that day, then never again.
    execute(app, "UPDATE mail_items SET status = 'shredded', left_on = '2026-11-29' WHERE id = ?", item_id)
    fake_now(app, "2026-12-10")
    app.worker_once()
    app.worker_once()
    assert [d["storage_day"] for d in storage()][-2:] == ["2026-11-28", "2026-11-29"]
    assert len(storage()) == 8
    assert_exactly_once(app, sim)


def test_storage_stops_for_a_cancelled_mailbox_and_is_not_billed_without_officernd(app, sim):
    s = connect(app, sim)
    cancelled = s.mailbox(ADA, "Ada Lovelace")
    item_a = s.item(cancelled, received_on="2026-11-20")
    execute(app, "UPDATE mailboxes SET status = 'cancelled' WHERE id = ?", cancelled)
    walk_in = execute(app, "INSERT INTO renters(operator_id, name, email, created_at) VALUES (?, 'Walk In', "
                      "'walk@example.com', 0)", s.op.operator_id)
    manual = execute(app, "INSERT INTO mailboxes(operator_id, renter_id, space_id, offering_id, pmb, source, "
                     "created_at, updated_at) VALUES (?, ?, ?, ?, '900', 'manual', 0, 0)",
                     s.op.operator_id, walk_in, s.space_id, s.offering_id)
    item_b = s.item(manual, received_on="2026-11-20")
    fake_now(app, "2026-11-24")
    app.worker_once()
    assert app.query("SELECT count(*) AS n FROM charges WHERE mail_item_id = ?", item_a)[0]["n"] == 0
    rows = app.query("SELECT storage_day, billing_state FROM charges WHERE mail_item_id = ? ORDER BY storage_day",
                     item_b)
    assert [(r["storage_day"], r["billing_state"]) for r in rows] == [("2026-11-22", "not_billed"),
                                                                   ("2026-11-23", "not_billed")]
    assert sim.fees(DEMO_ORG) == []
