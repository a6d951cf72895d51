"""The paths to a double fee, or to a charge stuck for ever, that a review found; each closed.

- A claim must outlast its longest request: with the largest timeout allowed (120 s), a POST that
  OfficeRnD holds for longer than the old fixed 60 s lease used to be taken over by a second
  worker, looked up before it landed, and posted again.
- The lookup before a new POST must search where the last POST went, not where the fee would go
  now (the membership may have moved to a company in between).
- A lookup reads only _id and properties: one odd fee of the payer must not block it.
- A charge has a bounded number of attempts, then shows as failed with its reason and Retry.
- A fee's price is in its currency's own decimals (ISO 4217): 500 yen is not 5.00.

Real programs behind lighttpd, the OfficeRnD simulator holding, dropping or refusing requests.
"""
import os
import sys
import threading
import time


sys.path.insert(0, os.path.dirname(__file__))

from feekit import ADA, GLOBEX, connect, execute, fees_by_reference, text  # noqa: E402
from feefixtures import app, sim  # noqa: E402,F401 (fixtures)
from simctl import DEMO_ORG  # noqa: E402


def charge_row(app, charge_id):
    return app.query("SELECT * FROM charges WHERE id = ?", charge_id)[0]


def test_a_post_held_past_the_old_lease_is_never_posted_by_a_second_worker(app, sim):
    """Worker A's POST is held 65 s (the timeout allows 120 s); worker B keeps polling meanwhile."""
    s = connect(app, sim)
    charge = s.scan(s.mailbox(ADA, "Ada Lovelace"))
    sim.fault(method="POST", path="/fees", kind="delay", delay_ms=65000, count=1)
    slow = {"PILOTOMAIL_HTTP_TIMEOUT_MS": "120000"}
    done = {}

    def worker_a():
        done["a"] = app.worker_once(timeout=200, extra_env=slow)

    a = threading.Thread(target=worker_a)
    a.start()
    polls = 0
    while a.is_alive():
        time.sleep(2)
        app.worker_once(timeout=200, extra_env=slow)  # worker B, as a second host would run it
        polls += 1
    a.join()
    assert polls >= 20, "worker B did not run while A's request was held"
    fees = fees_by_reference(sim)[charge["reference"]]
    assert len(fees) == 1, "the fee was booked %d times" % len(fees)
    row = charge_row(app, charge["id"])
    assert row["billing_state"] == "sent" and row["officernd_fee_id"] == fees[0]["_id"]
    assert sim.stats()["requests"]["POST /fees"] == 1


def test_lookup_searches_the_payer_the_post_went_to(app, sim):
    s = connect(app, sim)
    mb = s.mailbox(ADA, "Ada Lovelace")
    charge = s.scan(mb)
    # The fee is created for the member, but the answer is lost: pilotomail cannot know.
    sim.fault(method="POST", path="/fees", kind="lost_answer", count=1)
    app.worker_once()
    row = charge_row(app, charge["id"])
    assert row["billing_state"] == "queued" and row["fee_uncertain"] == 1
    assert row["fee_member"] == ADA and row["fee_company"] is None
    # Before the next attempt the membership moves to a company (a membership.updated applied).
    execute(app, "UPDATE memberships SET company_id = ?, is_personal = 0 WHERE operator_id = ?",
            GLOBEX, s.op.operator_id)
    execute(app, "UPDATE charges SET next_attempt_at = 0")  # the settle time has passed
    app.worker_once()
    fees = fees_by_reference(sim)[charge["reference"]]
    assert len(fees) == 1, "booked again for the company: %r" % [f.get("company") for f in fees]
    assert fees[0]["member"] == ADA
    row = charge_row(app, charge["id"])
    assert row["billing_state"] == "sent" and row["officernd_fee_id"] == fees[0]["_id"]
    # A new charge goes to the company now.
    second = s.scan(mb)
    app.worker_once()
    assert fees_by_reference(sim)[second["reference"]][0]["company"] == GLOBEX


def test_one_odd_fee_of_the_payer_does_not_block_the_lookup(app, sim):
    s = connect(app, sim)
    charge = s.scan(s.mailbox(ADA, "Ada Lovelace"))
    # Another integration left Ada a fee whose price and properties our strict parser refuses.
    sim.add("fees", DEMO_ORG, send_webhooks=False, member=ADA, name="Coffee", price="twelve",
            properties="imported")
    sim.fault(method="POST", path="/fees", kind="lost_answer", count=1)
    app.worker_once()
    execute(app, "UPDATE charges SET next_attempt_at = 0")
    app.worker_once()
    row = charge_row(app, charge["id"])
    assert row["billing_state"] == "sent", row
    assert len(fees_by_reference(sim)[charge["reference"]]) == 1
    assert sim.stats()["requests"]["POST /fees"] == 1


def test_a_charge_that_keeps_failing_stops_as_failed_with_reason_and_retry(app, sim):
    s = connect(app, sim)
    charge = s.scan(s.mailbox(ADA, "Ada Lovelace"))
    sim.fault(method="POST", path="/fees", kind="status", status=502, count=1000)
    env = {"PILOTOMAIL_FEE_MAX_ATTEMPTS": "3"}
    for _ in range(5):
        app.worker_once(extra_env=env)
        execute(app, "UPDATE charges SET next_attempt_at = 0 WHERE billing_state = 'queued'")
    row = charge_row(app, charge["id"])
    assert row["billing_state"] == "failed", row
    assert row["attempts"] == 3
    assert "Gave up after 3 attempts" in row["last_error"] and "502" in row["last_error"]
    assert sim.stats()["requests"]["POST /fees"] == 3
    page = s.op.get("/charges")
    assert "Gave up after 3 attempts" in text(page)
    assert 'action="/charges/%d/retry"' % charge["id"] in page.text
    # Retry after OfficeRnD recovers: looked up first (it may exist), then booked once.
    sim.clear_faults()
    lookups = sim.stats()["requests"]["GET /fees"]
    assert s.op.post("/charges/%d/retry" % charge["id"], {}).status == 303
    # Its last POST may still land: not even looked up before the settle time is over.
    app.worker_once(extra_env=env)
    assert charge_row(app, charge["id"])["billing_state"] == "queued"
    assert sim.stats()["requests"]["GET /fees"] == lookups
    execute(app, "UPDATE charges SET next_attempt_at = 0")  # the settle time has passed
    app.worker_once(extra_env=env)
    row = charge_row(app, charge["id"])
    assert row["billing_state"] == "sent"
    assert len(fees_by_reference(sim)[charge["reference"]]) == 1
    assert sim.stats()["requests"]["GET /fees"] == lookups + 1


def test_yen_are_priced_and_billed_without_decimals(app, sim):
    bad = app.admin("operator", "add", "xyz@example.com", "--currency", "XYZ", input="correct horse battery\n")
    assert bad.returncode == 1 and "XYZ is not an ISO 4217 currency code" in bad.stderr
    assert app.query("SELECT count(*) AS n FROM operators WHERE email = 'xyz@example.com'")[0]["n"] == 0

    s = connect(app, sim, currency="JPY", scan_fee="500")
    assert "500 JPY" in text(s.op.get("/offerings"))
    assert app.query("SELECT fee FROM offering_actions WHERE offering_id = ? AND action = 'scan'",
                     s.offering_id)[0]["fee"] == 500
    charge = s.scan(s.mailbox(ADA, "Ada Lovelace"))
    assert charge["amount"] == 500 and charge["currency"] == "JPY"
    app.worker_once()
    fee = fees_by_reference(sim)[charge["reference"]][0]
    assert fee["price"] == 500
    assert "500 JPY" in text(s.op.get("/charges"))
