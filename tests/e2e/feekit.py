"""feekit: the setup shared by the fee tests (test_fees.py) and the benchmark (tests/bench/run.py).

An operator connected to the OfficeRnD simulator on the settings card (acme-spaces with the seed's
demo client, "Mail handling" as the Mail charges plan, Downtown Hub linked to the operator's space,
OfficeRnD billing on), mailboxes of seed members inserted as rows (as the membership sync makes
them), charges made by recording actions on the mail pages or inserted as queued rows in bulk.
"""
import collections
import html
import re
import time

from simctl import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG

FORM = "/settings/integrations/officernd"
PLAN_MAIL = "65a1f0c2e4b0a1b2c3d4e105"     # "Mail handling", the seed's one-off plan
LOC_DOWNTOWN = "65a1f0c2e4b0a1b2c3d4e001"
ADA = "65a1f0c2e4b0a1b2c3d4e301"
GRACE = "65a1f0c2e4b0a1b2c3d4e302"
HANK = "65a1f0c2e4b0a1b2c3d4e303"
FRANK = "65a1f0c2e4b0a1b2c3d4e304"
GLOBEX = "65a1f0c2e4b0a1b2c3d4e201"
DASH = "\u2013"


def execute(app, sql, *params):
    con = app.db()
    try:
        cur = con.execute(sql, params)
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def text(r):
    return html.unescape(re.sub(r"\s+", " ", r.text))


class Setup:
    """An operator connected to the simulator, with a space, an offering and billing on."""

    def __init__(self, app, op, space_id, offering_id):
        self.app, self.op, self.space_id, self.offering_id = app, op, space_id, offering_id
        self.pmb = 100

    def mailbox(self, member, name, company=None):
        """A mailbox of an OfficeRnD member (a company's membership when company is given)."""
        self.pmb += 1
        ms = "MS-%d" % self.pmb
        renter = execute(self.app, "INSERT INTO renters(operator_id, name, email, officernd_member_id, "
                         "officernd_company_id, created_at) VALUES (?, ?, ?, ?, ?, 0)",
                         self.op.operator_id, name, "%s@example.com" % name.split()[0].lower(), member,
                         company)
        execute(self.app, "INSERT INTO memberships(operator_id, membership_id, member_id, company_id, plan_id, "
                "location_id, status, is_personal, updated_at) VALUES (?, ?, ?, ?, '', ?, 'approved', ?, 0)",
                self.op.operator_id, ms, member, company, LOC_DOWNTOWN, 0 if company else 1)
        return execute(self.app, "INSERT INTO mailboxes(operator_id, renter_id, space_id, offering_id, pmb, "
                       "source, officernd_membership_id, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, 'officernd', ?, 0, 0)",
                       self.op.operator_id, renter, self.space_id, self.offering_id, str(self.pmb), ms)

    def card(self, locations=True, plan=PLAN_MAIL):
        pairs = [("org_slug", DEMO_ORG), ("client_id", DEMO_CLIENT_ID), ("client_secret", DEMO_CLIENT_SECRET),
                 ("signing_secret", "whsec-e2e-fees"), ("bill_renters", "1"), ("charge_plan_id", plan)]
        if locations:
            pairs += [("location_id", LOC_DOWNTOWN), ("space_id", str(self.space_id))]
        r = self.op.post(FORM, pairs)
        assert r.status == 303, text(r)

    def item(self, mailbox_id, received_on="2026-11-20"):
        r = self.op.post("/mail", {"kind": "letter", "sender": "ACME Bank", "received_on": received_on,
                                   "mailbox_id": str(mailbox_id)})
        assert r.status == 303, text(r)
        item_id = int(re.fullmatch(r"/mail/(\d+)", r.location).group(1))
        self.op.get(r.location)
        return item_id

    def scan(self, mailbox_id, received_on="2026-11-20"):
        """A scan recorded as done on a new item: one queued charge. Returns the charge row."""
        item_id = self.item(mailbox_id, received_on)
        r = self.op.post("/mail/%d/actions" % item_id, {"action": "scan"})
        assert r.status == 303, text(r)
        self.op.get(r.location)
        rows = self.app.query("SELECT * FROM charges WHERE mail_item_id = ? AND kind = 'scan'", item_id)
        assert len(rows) == 1 and rows[0]["billing_state"] == "queued", rows
        return rows[0]

    def bulk(self, mailboxes, count):
        """count queued charges spread over mailboxes, inserted directly (month-end batch)."""
        con = self.app.db()
        try:
            first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM charges").fetchone()[0]
            rows = []
            for i in range(count):
                cid = first + i
                rows.append((cid, self.op.operator_id, mailboxes[i % len(mailboxes)],
                             "Scan of bulk item %d" % i, 125 + i % 7, "pm-%d-%d" % (self.op.operator_id, cid)))
            con.executemany("INSERT INTO charges(id, operator_id, mailbox_id, kind, description, quantity, "
                            "unit_amount, amount, currency, charge_date, reference, billing_state, created_at) "
                            "VALUES (?, ?, ?, 'scan', ?, 1, ?, 0, 'USD', '2026-11-30', ?, 'queued', 0)", rows)
            con.execute("UPDATE charges SET amount = unit_amount WHERE amount = 0")
            con.commit()
        finally:
            con.close()


def connect(app, sim, currency=None, scan_fee="2.50"):
    """Space, offering (scan 2.50, storage 0.10 a day after 2 free days), card, billing on."""
    op = app.new_operator(currency=currency)
    assert op.post("/spaces", {"name": "Downtown"}).status == 303
    space_id = app.query("SELECT id FROM spaces WHERE operator_id = ?", op.operator_id)[0]["id"]
    data = {"name": "Virtual Office", "monthly_price": "20.00", "storage_free_days": "2",
            "storage_fee_per_day": "0.10", "scan_enabled": "1", "scan_free": "0", "scan_fee": scan_fee}
    for a in ("forward", "shred", "recycle", "pickup"):
        data.update({a + "_enabled": "1", a + "_free": "0", a + "_fee": "1.00"})
    assert op.post("/offerings", data).status == 303
    offering_id = app.query("SELECT id FROM offerings WHERE operator_id = ?", op.operator_id)[0]["id"]
    s = Setup(app, op, space_id, offering_id)
    s.card()
    card = app.query("SELECT * FROM officernd_settings WHERE operator_id = ?", op.operator_id)[0]
    assert card["bill_renters"] == 1 and card["charge_plan_id"] == PLAN_MAIL
    return s


def states(app):
    return collections.Counter(r["billing_state"] for r in app.query("SELECT billing_state FROM charges"))


def drain(app, rounds=40, settle=0.0):
    """Runs the worker until every charge is settled, letting retry waits pass in between."""
    for _ in range(rounds):
        app.worker_once(timeout=300)
        left = app.query("SELECT count(*) AS n FROM charges WHERE billing_state NOT IN ('sent','failed','not_billed')")
        if left[0]["n"] == 0:
            return
        if settle:
            time.sleep(settle)
        execute(app, "UPDATE charges SET next_attempt_at = 0 WHERE billing_state = 'queued'")
        execute(app, "UPDATE charges SET claimed_until = 0 WHERE billing_state = 'sending'")
        # A 429's pause is kept in the store for every worker (fee_rate_buckets): let it pass too.
        execute(app, "UPDATE fee_rate_buckets SET paused_until_ms = 0")
    raise AssertionError("charges still not settled: %r" % states(app))


def fees_by_reference(sim):
    out = collections.defaultdict(list)
    for f in sim.fees(DEMO_ORG):
        props = f.get("properties") if isinstance(f.get("properties"), dict) else {}
        out[props.get("pilotomailChargeId")].append(f)
    return out
