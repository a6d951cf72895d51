"""Moving a store from SQLite to PostgreSQL, end to end: pilotomail runs on SQLite and makes its
data the way an operator does (an OfficeRnD-connected operator, a membership webhook that becomes
a mailbox and an invitation email, mail items, a charge booked as a fee and one still queued);
`pilotomail-admin copy-to-postgres CONNINFO` copies it; the same programs then run on the copy
(the same key file) and the operator signs in, sees the same pages, and the queued charge is
booked, exactly once. Needs a PostgreSQL server: make check-pg's (PILOTOMAIL_TEST_DB_URL), else a
throwaway cluster of its own.

PILOTOMAIL_COPY_FROM_ROOT=DIR makes the SQLite store with another build's programs and templates
(a previous release, built in DIR): the store is then migrated by this build's pilotomail-admin
before the copy, as an upgrade does, and the pages are checked for the same data rather than the
same text (a release may word them differently).
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import cluster  # noqa: E402
import feekit  # noqa: E402
import harness  # noqa: E402
from feekit import ADA, DEMO_ORG, FORM, PLAN_MAIL  # noqa: E402
from harness import BIN_ROOT, App  # noqa: E402
from simctl import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SEED_PATH, Sim  # noqa: E402

PLAN_VO = "65a1f0c2e4b0a1b2c3d4e101"  # the seed's "Virtual Office", linked to the offering
GRACE = "65a1f0c2e4b0a1b2c3d4e302"
SIGNING_SECRET = "whsec-copy-to-postgres"
PAGES = ("/mailboxes", "/mail", "/charges", "/activity")
# What each page must show, before the move and after.
SEEN = {"/mailboxes": ("Grace Hopper", "Ada Lovelace", "101", "102"), "/mail": ("M-000001", "M-000003"),
        "/charges": ("pm-1-1", "pm-1-2", "2.50"), "/activity": ("membership.created", "Grace Hopper")}
FROM_ROOT = os.environ.get("PILOTOMAIL_COPY_FROM_ROOT")
TODAY = time.strftime("%Y-%m-%d", time.gmtime())  # items of today owe no storage yet


@pytest.fixture
def server():
    url = os.environ.get("PILOTOMAIL_TEST_DB_URL")
    if url:
        yield url
        return
    with cluster.Cluster() as c:
        yield c.url


@pytest.fixture
def sim():
    s = Sim(quiet=True).start(SEED_PATH)
    yield s
    s.cleanup()


def shown(page, base_url):
    """What a page shows, without markup, tokens or the host's own address."""
    body = page.text.split("<main", 1)[-1]
    body = re.sub(r"<[^>]+>", " ", body).replace(base_url, "BASE")
    return re.sub(r"\s+", " ", body).strip()


def sqlite_store(app_dir, sim):
    """pilotomail on SQLite with an operator's usual data, in app_dir (the store and its key file);
    returns (the pages shown, charge reference -> billing state, the operator's client)."""
    env = {"PILOTOMAIL_DB": os.path.join(app_dir, "pilotomail.db"),
           "PILOTOMAIL_KEY_FILE": os.path.join(app_dir, "secret.key"),
           "PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url, "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
           "PILOTOMAIL_FEE_RATE_PER_MINUTE": "100000"}
    if FROM_ROOT:
        env["PILOTOMAIL_TEMPLATE_DIR"] = os.path.join(FROM_ROOT, "templates")
    here, harness.BIN_ROOT = harness.BIN_ROOT, FROM_ROOT or harness.BIN_ROOT
    app = App(env=env).start()
    try:
        s = feekit.connect(app, sim)
        r = s.op.post(FORM, [("org_slug", DEMO_ORG), ("client_id", DEMO_CLIENT_ID),
                             ("client_secret", DEMO_CLIENT_SECRET), ("signing_secret", SIGNING_SECRET),
                             ("bill_renters", "1"), ("charge_plan_id", PLAN_MAIL),
                             ("plan_id", PLAN_VO), ("offering_id", str(s.offering_id)),
                             ("location_id", feekit.LOC_DOWNTOWN), ("space_id", str(s.space_id))])
        assert r.status == 303, feekit.text(r)
        sim.add_webhook_endpoint(DEMO_ORG, app.webhook_url(s.op.operator_id), SIGNING_SECRET)
        created = sim.add("memberships", DEMO_ORG, name="Grace's mailbox", member=GRACE, plan=PLAN_VO,
                          location=feekit.LOC_DOWNTOWN, startDate="2026-11-01T00:00:00.000Z", status="approved")
        assert [d["status"] for d in created["deliveries"]] == [200]
        booked = s.scan(s.mailbox(ADA, "Ada Lovelace"), received_on=TODAY)
        app.worker_once()  # the mailbox and its invitation email; the fee booked
        assert app.query("SELECT billing_state FROM charges WHERE id = ?", booked["id"])[0]["billing_state"] == "sent"
        [grace] = app.query("SELECT id FROM mailboxes WHERE officernd_membership_id = ?", created["_id"])
        queued = s.scan(grace["id"], received_on=TODAY)  # booked only after the move
        s.item(grace["id"], received_on=TODAY)
        assert app.query("SELECT state FROM outbox")[0]["state"] == "sent"
        pages = {p: shown(s.op.get(p), app.url) for p in PAGES}
        for p in PAGES:
            assert all(w in pages[p] for w in SEEN[p]), (p, pages[p])
        return pages, {booked["reference"]: "sent", queued["reference"]: "queued"}, s.op
    finally:
        app.stop()
        harness.BIN_ROOT = here


def test_a_sqlite_store_moves_to_postgresql_and_the_app_works_on_it(server, sim):
    with tempfile.TemporaryDirectory(prefix="pilotomail-copy-") as keep:
        pages, charges, operator = sqlite_store(keep, sim)
        name = "pm_copy_" + uuid.uuid4().hex[:12]
        target = cluster.create_database(server, name)
        try:
            # The key file is the one thing besides the database that moves with it.
            env = {"PILOTOMAIL_DB": target, "PILOTOMAIL_KEY_FILE": os.path.join(keep, "secret.key"),
                   "PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url, "PILOTOMAIL_FEE_RATE_PER_MINUTE": "100000"}
            pg = App(env=env)
            admin = os.path.join(BIN_ROOT, "bin", "pilotomail-admin")
            source = dict(pg.env, PILOTOMAIL_DB=os.path.join(keep, "pilotomail.db"))
            up = subprocess.run([admin, "migrate"], env=source, capture_output=True, text=True, timeout=120)
            assert up.returncode == 0, up.stderr  # nothing to do unless a previous release made it
            copy = subprocess.run([admin, "copy-to-postgres", target], env=source, capture_output=True,
                                  text=True, timeout=120)
            assert copy.returncode == 0, copy.stdout + copy.stderr
            assert re.search(r"^charges +2 rows, counts match$", copy.stdout, re.M), copy.stdout
            pg.start()
            try:
                op = pg.client()
                op.login(operator.email, operator.password)
                for p in PAGES:
                    now = shown(op.get(p), pg.url)
                    assert now == pages[p] or FROM_ROOT, p
                    assert [w for w in SEEN[p] if w in pages[p] and w not in now] == [], p
                assert {r["reference"]: r["billing_state"] for r in pg.query(
                    "SELECT reference, billing_state FROM charges")} == charges
                # Work goes on from the copy: the queued charge is booked once; nothing else is sent again.
                pg.worker_once()
                fees = feekit.fees_by_reference(sim)
                assert sorted(fees) == sorted(charges) and all(len(v) == 1 for v in fees.values())
                assert {r["billing_state"] for r in pg.query("SELECT billing_state FROM charges")} == {"sent"}
                assert pg.query("SELECT count(*) AS n FROM outbox WHERE state <> 'sent'")[0]["n"] == 0
                # New rows continue after the copied ids.
                mailbox = pg.query("SELECT id FROM mailboxes ORDER BY id LIMIT 1")[0]["id"]
                r = op.post("/mail", {"kind": "letter", "sender": "Bank", "received_on": TODAY,
                                      "mailbox_id": str(mailbox)})
                assert r.status == 303 and r.location == "/mail/4", r.location
            finally:
                pg.stop()
        finally:
            cluster.drop_database(server, name)
