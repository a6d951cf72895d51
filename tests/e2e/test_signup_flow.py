"""The whole automatic sign-up, as an operator and a member would live it:

the operator connects OfficeRnD on the settings card (live lists from the simulator) and
registers pilotomail's webhook URL in "OfficeRnD" (the simulator's webhook endpoints);
a membership is created in OfficeRnD, whose own webhook sender signs and posts the event
through lighttpd; the worker creates the mailbox and sends the invitation through a real SMTP
server on loopback; the member follows the link from the email, sets a password and sees the
mailbox; then OfficeRnD changes the plan, and finally removes the membership.
"""
import email
import email.policy
import re
import threading

import pytest
from aiosmtpd.controller import Controller

from harness import App, free_port
from simctl import Sim, SEED_PATH, DEMO_ORG, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

SIGNING_SECRET = "whsec_flow_5d1e"
PLAN_VO, PLAN_MAILBOX, PLAN_HOTDESK = ("65a1f0c2e4b0a1b2c3d4e101", "65a1f0c2e4b0a1b2c3d4e102",
                                       "65a1f0c2e4b0a1b2c3d4e103")
DOWNTOWN = "65a1f0c2e4b0a1b2c3d4e001"
GRACE = "65a1f0c2e4b0a1b2c3d4e302"


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def world():
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    sim = Sim(quiet=True).start(SEED_PATH)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                   "PILOTOMAIL_SMTP_URL": "smtp://127.0.0.1:%d" % port,
                   "PILOTOMAIL_MAIL_FROM": "mailroom@acme.example"}).start()
    try:
        yield app, sim, inbox
    finally:
        app.stop()
        sim.cleanup()
        smtp.stop()


def options(page, row, field):
    """label -> value of the select `field` in the ➕ row template of the `row` mapping."""
    m = re.search(r'<template id="%s-row-template">(.*?)</template>' % row, page, re.S)
    assert m, "no ➕ row template for %s" % row
    sel = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % field, m.group(1), re.S)
    assert sel, "no %s select in the %s row" % (field, row)
    return dict((label.strip(), value) for value, label in
                re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', sel.group(1)))


def test_membership_in_officernd_becomes_a_mailbox_the_member_can_use(world):
    app, sim, inbox = world
    op = app.new_operator(name="Acme Spaces")
    assert op.post("/spaces", {"name": "Downtown"}).status == 303
    offering = {"monthly_price": "20.00", "storage_free_days": "30", "storage_fee_per_day": "0.25"}
    for a in ("scan", "forward", "shred", "recycle", "pickup"):
        offering.update({a + "_enabled": "1", a + "_free": "2", a + "_fee": "1.50"})
    assert op.post("/offerings", dict(offering, name="Virtual Basic")).status == 303
    assert op.post("/offerings", dict(offering, name="Virtual Plus")).status == 303

    # Steps 1-5 of the card, saved; then the live lists appear for the mapping.
    r = op.post("/settings/integrations/officernd", {
        "org_slug": "https://app.officernd.com/admin/" + DEMO_ORG, "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "signing_secret": SIGNING_SECRET})
    assert r.status == 303, r.text[:3000]
    # The worker (running beside pilotomail, as `make run` starts it) loads the plans and locations.
    assert "appear here once pilotomail's worker has loaded them" in op.get("/settings/integrations/officernd").text
    app.worker_once()
    card = op.get("/settings/integrations/officernd").text
    plans, locations = options(card, "plan", "plan_id"), options(card, "location", "location_id")
    assert plans["Virtual Office"] == PLAN_VO and locations["Downtown Hub"] == DOWNTOWN
    offerings, spaces = options(card, "plan", "offering_id"), options(card, "location", "space_id")
    r = op.post("/settings/integrations/officernd", [
        ("org_slug", DEMO_ORG), ("client_id", DEMO_CLIENT_ID),
        ("plan_id", PLAN_VO), ("offering_id", offerings["Virtual Basic"]),
        ("plan_id", PLAN_MAILBOX), ("offering_id", offerings["Virtual Plus"]),
        ("location_id", DOWNTOWN), ("space_id", spaces["Downtown"])])
    assert r.status == 303, r.text[:3000]
    r = op.post("/settings/integrations/officernd/test", {"org_slug": DEMO_ORG, "client_id": DEMO_CLIENT_ID})
    assert "3 locations and 5 plans" in re.sub(r"<[^>]+>", "", r.text)

    # OfficeRnD side: Add Endpoint with the URL copied from the card and its signing secret.
    url = re.search(r'<input[^>]*id="webhook-url"[^>]*>', card).group(0)
    url = re.search(r'value="([^"]+)"', url).group(1)
    assert url.startswith(app.url + "/webhooks/officernd/")
    sim.add_webhook_endpoint(DEMO_ORG, url, SIGNING_SECRET)

    # A member signs up in OfficeRnD for a linked plan: OfficeRnD posts membership.created.
    created = sim.add("memberships", DEMO_ORG, name="Grace's mailbox", member=GRACE, plan=PLAN_VO,
                      location=DOWNTOWN, startDate="2026-11-01T00:00:00.000Z", status="approved")
    assert [d["status"] for d in created["deliveries"]] == [200]
    app.worker_once()

    [mb] = app.query("SELECT * FROM mailboxes WHERE officernd_membership_id = ?", created["_id"])
    assert mb["status"] == "active" and mb["pmb"] == "101"
    [(rcpt, raw)] = inbox.messages
    assert rcpt == ["grace@example.com"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "Acme Spaces" in msg["From"] and "mailroom@acme.example" in msg["From"]
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Downtown" in text and "101" in text
    link = re.search(r"%s/invite/[A-Za-z0-9_-]{43}" % re.escape(app.url), text).group(0)

    # The member follows the link, sets a password, and lands on their mailbox.
    renter = app.client()
    page = renter.get(link[len(app.url):])
    assert page.status == 200 and "Acme Spaces" in page.text and "101" in page.text
    r = renter.post(link[len(app.url):], {"password": "grace's long password",
                                          "password_confirm": "grace's long password"})
    assert r.status == 303
    home = renter.get(r.location, follow=True)
    assert home.status == 200 and "101" in home.text and "Downtown" in home.text
    assert op.get("/mailboxes/%d" % mb["id"]).text.count("ccepted") >= 1

    # OfficeRnD moves the membership to the other linked plan: the offering follows.
    changed = sim.patch_membership(created["_id"], plan=PLAN_MAILBOX)
    assert [d["status"] for d in changed["deliveries"]] == [200]
    app.worker_once()
    [mb] = app.query("SELECT * FROM mailboxes WHERE id = ?", mb["id"])
    assert mb["offering_id"] == int(offerings["Virtual Plus"]) and mb["status"] == "active"

    # Removed in OfficeRnD: the mailbox is cancelled; the operator sees every step on Activity.
    sim.delete_membership(created["_id"])
    app.worker_once()
    assert app.query("SELECT status FROM mailboxes WHERE id = ?", mb["id"]) == [{"status": "cancelled"}]
    activity = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", op.get("/activity").text))
    for kind in ("membership.created", "membership.updated", "membership.removed"):
        assert kind in activity
    assert len(inbox.messages) == 1  # one invitation, whatever happened after
    # No secret ever reached a page the operator saw.
    for path in ("/settings/integrations", "/settings/integrations/officernd", "/activity", "/mailboxes"):
        body = op.get(path).text
        assert DEMO_CLIENT_SECRET not in body and SIGNING_SECRET not in body
