"""Connecting OfficeRnD in one click and watching the connection (issue 10), through the pages:
lighttpd -> pilotomail.fcgi (the OfficeRnD card, the red notice, Disconnect) -> the simulator's
Webhooks API; the simulator's own signed deliveries -> webhook.fcgi; the worker's health check
and reconciliation -> mailboxes.

The operator signs in to the simulator with an application that has the webhook scopes
(flex.settings.webhooks.*), except where a test says otherwise.
"""
import html
import re
import time

import pytest

import feekit
from harness import App
from simctl import ALL_SCOPES, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, SEED_PATH, WEBHOOK_SCOPES, Sim
from test_webhooks import ADA, LOC_LINKED, PLAN_BASIC, PLAN_PREMIUM

FORM = "/settings/integrations/officernd"
CLIENT_ID, CLIENT_SECRET = "pm-one-click", "pm-one-click-secret"
EVENTS = ["membership.created", "membership.updated", "membership.removed"]
GRACE = "65a1f0c2e4b0a1b2c3d4e302"


def text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def world(request):
    sim = Sim(quiet=True).start(SEED_PATH)
    sim.add_client(CLIENT_ID, CLIENT_SECRET, DEMO_ORG, scopes=ALL_SCOPES + WEBHOOK_SCOPES)
    app = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                   "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                   "PILOTOMAIL_OFFICERND_HEALTH_INTERVAL_S": "1"}).start()
    try:
        yield app, sim
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print(app.server_log())
    finally:
        app.stop()
        sim.cleanup()


def settings(app, op):
    return app.query("SELECT * FROM officernd_settings WHERE operator_id = ?", op.operator_id)[0]


def health(app, op):
    rows = app.query("SELECT * FROM officernd_health WHERE operator_id = ?", op.operator_id)
    return rows[0] if rows else {}


def webhook_url(app, op):
    return app.webhook_url(op.operator_id)


def connect(app, op, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, signing_secret=""):
    """Space, offering and the card's steps 1, 2 and 6 (no signing secret: one click makes it)."""
    assert op.post("/spaces", {"name": "Downtown"}).status == 303
    fields = {"name": "Basic", "monthly_price": "10.00", "storage_free_days": "0", "storage_fee_per_day": "0"}
    for a in ("scan", "forward", "shred", "recycle", "pickup"):
        fields.update({a + "_enabled": "1", a + "_free": "1", a + "_fee": "2.50"})
    assert op.post("/offerings", fields).status == 303
    assert op.post("/offerings", dict(fields, name="Premium")).status == 303
    space = app.query("SELECT id FROM spaces WHERE operator_id = ?", op.operator_id)[0]["id"]
    offs = {r["name"]: r["id"] for r in app.query("SELECT id, name FROM offerings WHERE operator_id = ?",
                                                  op.operator_id)}
    r = op.post(FORM, [("org_slug", DEMO_ORG), ("client_id", client_id), ("client_secret", client_secret),
                       ("signing_secret", signing_secret), ("charge_plan_id", ""),
                       ("plan_id", PLAN_BASIC), ("offering_id", str(offs["Basic"])),
                       ("plan_id", PLAN_PREMIUM), ("offering_id", str(offs["Premium"])),
                       ("location_id", LOC_LINKED), ("space_id", str(space))])
    assert r.status == 303, text(r.text)
    assert "OfficeRnD settings saved." in text(op.get(r.location).text)
    assert health(app, op)["credentials"] == "ok"


def register(op):
    """Presses Register webhook in OfficeRnD; returns the card it leads back to (as text)."""
    card = op.get(FORM).text
    assert 'id="register-webhook"' in card
    r = op.post(FORM + "/register-webhook", {})
    assert r.status == 303 and r.location == FORM, r
    return text(op.get(FORM).text)


def endpoints(sim):
    return [ep for ep in sim.webhook_endpoints() if ep["org"] == DEMO_ORG]


def mailboxes(app, op):
    return app.query("SELECT officernd_membership_id AS ms, status FROM mailboxes WHERE operator_id = ? "
                     "ORDER BY id", op.operator_id)


def test_one_click_registration_then_regenerate_moves_the_webhook(world):
    app, sim = world
    op = app.new_operator()
    connect(app, op)
    page = register(op)
    assert "pilotomail registered its webhook in OfficeRnD" in page
    [ep] = endpoints(sim)
    assert ep["url"] == webhook_url(app, op) and ep["events"] == EVENTS and ep["isEnabled"]
    stored = settings(app, op)
    assert stored["webhook_id"] == ep["_id"] and stored["signing_secret_enc"] is not None
    assert ep["secret"] not in op.get(FORM).text  # write-only, like every secret
    assert "pilotomail manages its webhook in OfficeRnD" in page and "nothing to paste" in page

    # Events arrive signed with the webhook's own secret, and the worker's check says all is well.
    m1 = sim.add("memberships", DEMO_ORG, member=ADA, plan=PLAN_BASIC, location=LOC_LINKED)
    assert [d["status"] for d in m1["deliveries"]] == [200]
    app.worker_once()
    assert [b["ms"] for b in mailboxes(app, op)] == [m1["_id"]]
    card = text(op.get(FORM).text)
    assert "Registered in OfficeRnD, enabled, and subscribed to membership.created, membership.updated and " \
           "membership.removed." in card
    assert "Credentials Work: OfficeRnD accepted them." in card and "Last event received none yet" not in card

    # Regenerate: the registered webhook follows the new URL (PATCH), and events still arrive.
    old_url = webhook_url(app, op)
    r = op.post(FORM + "/webhook-token", {})
    assert r.status == 303
    assert "pilotomail moved its webhook in OfficeRnD to it: nothing to paste." in text(op.get(FORM).text)
    [ep] = endpoints(sim)
    assert ep["url"] == webhook_url(app, op) != old_url and ep["_id"] == stored["webhook_id"]
    m2 = sim.add("memberships", DEMO_ORG, member=GRACE, plan=PLAN_BASIC, location=LOC_LINKED)
    assert [(d["url"], d["status"]) for d in m2["deliveries"]] == [(webhook_url(app, op), 200)]

    # An account that cannot PATCH a webhook (405): deleted and made anew, still exactly one.
    sim.config(webhook_patch=0)
    assert op.post(FORM + "/webhook-token", {}).status == 303
    assert "pilotomail moved its webhook in OfficeRnD to it" in text(op.get(FORM).text)
    [ep2] = endpoints(sim)
    assert ep2["url"] == webhook_url(app, op) and ep2["_id"] != ep["_id"]
    assert settings(app, op)["webhook_id"] == ep2["_id"]
    m3 = sim.patch_membership(m2["_id"], plan=PLAN_PREMIUM)
    assert [d["status"] for d in m3["deliveries"]] == [200]  # verified with the new secret
    app.worker_once()
    assert sorted(b["ms"] for b in mailboxes(app, op)) == sorted([m1["_id"], m2["_id"]])


def test_registration_adopts_the_endpoint_made_by_hand(world):
    app, sim = world
    op = app.new_operator()
    connect(app, op, signing_secret="whsec-by-hand")
    url = webhook_url(app, op)
    # Set up by hand, with one event forgotten, and once more by mistake.
    mine = sim.add_webhook_endpoint(DEMO_ORG, url, "whsec-by-hand", events=["membership.created"])
    twice = sim.add_webhook_endpoint(DEMO_ORG, url, "whsec-other")
    other = sim.add_webhook_endpoint(DEMO_ORG, "https://elsewhere.example/hook", "x")
    page = register(op)
    assert "OfficeRnD already had a webhook posting to this URL (set up by hand): pilotomail now manages it, " \
           "so no second one was made and no event arrives twice." in page
    eps = {ep["_id"]: ep for ep in endpoints(sim)}
    assert set(eps) == {mine["_id"], other["_id"]} and twice["_id"] not in eps
    assert eps[mine["_id"]]["events"] == EVENTS and eps[mine["_id"]]["url"] == url
    assert settings(app, op)["webhook_id"] == mine["_id"]
    m = sim.add("memberships", DEMO_ORG, member=ADA, plan=PLAN_BASIC, location=LOC_LINKED)
    assert [d["status"] for d in m["deliveries"] if d["url"] == url] == [200]  # exactly one delivery
    app.worker_once()
    assert [b["ms"] for b in mailboxes(app, op)] == [m["_id"]]


def test_disabled_endpoint_is_shown_red_repaired_in_one_click_and_missed_change_recovered(world):
    app, sim = world
    op = app.new_operator()
    connect(app, op)
    register(op)
    m1 = sim.add("memberships", DEMO_ORG, member=ADA, plan=PLAN_BASIC, location=LOC_LINKED)
    app.worker_once()
    assert len(mailboxes(app, op)) == 1
    assert 'id="connection-notice"' not in op.get("/mail").text

    # pilotomail's receiver "is off" for two deliveries: OfficeRnD disables the endpoint...
    sim.config(webhook_disable_after=2)
    sim.fail_deliveries(2)
    for name in ("Renamed once", "Renamed twice"):
        assert [d["status"] for d in sim.patch_membership(m1["_id"], name=name)["deliveries"]] == [0]
    [ep] = endpoints(sim)
    assert ep["isEnabled"] is False
    # ...and a new membership made meanwhile is never delivered.
    m2 = sim.add("memberships", DEMO_ORG, member=GRACE, plan=PLAN_PREMIUM, location=LOC_LINKED)
    assert m2["deliveries"] == []

    time.sleep(1.1)  # PILOTOMAIL_OFFICERND_HEALTH_INTERVAL_S=1: the periodic check is due again
    app.worker_once()
    assert health(app, op)["webhook"] == "disabled"
    page = op.get("/mail").text
    notice = text(page[page.index('id="connection-notice"'):page.index("</div>", page.index('id="connection-notice"'))])
    assert "OfficeRnD has turned the webhook off" in notice and "Turn the webhook on again" in notice
    assert 'class="card connect-health connect-health-bad"' in op.get("/activity").text

    r = op.post(FORM + "/fix", {"back": "/mail"})
    assert r.status == 303 and r.location == "/mail", r
    page = text(op.get("/mail").text)
    assert "Fixed: pilotomail's webhook in OfficeRnD is enabled with the three membership events." in page
    [ep] = endpoints(sim)
    assert ep["isEnabled"] is True and ep["events"] == EVENTS
    assert settings(app, op)["reconcile_requested"] == 1

    app.worker_once()  # the reconciliation check recovers the change missed while it was off
    assert sorted(b["ms"] for b in mailboxes(app, op)) == sorted([m1["_id"], m2["_id"]])
    assert health(app, op)["webhook"] == "ok"
    assert 'id="connection-notice"' not in op.get("/mail").text


def test_missing_events_offer_to_add_them(world):
    app, sim = world
    op = app.new_operator()
    connect(app, op)
    register(op)
    [ep] = endpoints(sim)
    sim.patch_webhook_endpoint(ep["_id"], events=["membership.created"])
    time.sleep(1.1)  # the periodic check is due again
    app.worker_once()
    page = text(op.get("/charges").text)
    assert "not subscribed to every membership event" in page
    assert "Missing: membership.updated, membership.removed." in page and "Add the missing events" in page
    assert op.post(FORM + "/fix", {"back": "/charges"}).status == 303
    assert endpoints(sim)[0]["events"] == EVENTS


def test_save_with_a_wrong_secret_says_so_and_stores_only_on_purpose(world):
    app, sim = world
    op = app.new_operator()
    form = [("org_slug", DEMO_ORG), ("client_id", CLIENT_ID), ("client_secret", "not-the-secret")]
    r = op.post(FORM, form)
    assert r.status == 422
    page = text(r.text)
    assert "OfficeRnD refused these settings, so nothing was saved: OfficeRnD refused the client ID or secret." in page
    assert re.search(r'class="badge err" id="connection-badge">failing<', r.text)
    assert settings(app, op)["client_id"] == "" and settings(app, op)["client_secret_enc"] is None

    r = op.post(FORM, form + [("save_anyway", "1")])
    assert r.status == 303
    page = text(op.get(FORM).text)
    assert "OfficeRnD settings saved as you asked, although OfficeRnD refused them: OfficeRnD refused the client " \
           "ID or secret." in page
    assert "failing" in page and "Failing: OfficeRnD refuses them." in page
    assert settings(app, op)["client_id"] == CLIENT_ID
    assert health(app, op)["credentials"] == "failing"
    # Every page says so until it is fixed.
    assert "OfficeRnD refuses pilotomail's credentials" in text(op.get("/mail").text)
    # The right secret clears it.
    r = op.post(FORM, [("org_slug", DEMO_ORG), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)])
    assert r.status == 303 and health(app, op)["credentials"] == "ok"
    assert 'id="connection-badge">connected<' in op.get(FORM).text


def test_unreachable_officernd_stores_and_says_not_checked():
    app = App(env={"PILOTOMAIL_OFFICERND_HEALTH_INTERVAL_S": "1"}).start()  # OfficeRnD is 127.0.0.1:9
    try:
        op = app.new_operator()
        r = op.post(FORM, [("org_slug", DEMO_ORG), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)])
        assert r.status == 303
        page = text(op.get(FORM).text)
        assert "OfficeRnD settings saved, but not checked: OfficeRnD could not be reached" in page
        assert "Not checked: OfficeRnD could not be reached when they were saved." in page
        assert settings(app, op)["client_id"] == CLIENT_ID and health(app, op)["credentials"] == "unchecked"
    finally:
        app.stop()


def test_disconnect_deletes_the_webhook_erases_secrets_keeps_charges_queued_and_reconnects(world):
    app, sim = world
    sim.add_client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, scopes=ALL_SCOPES + WEBHOOK_SCOPES)
    s = feekit.connect(app, sim)
    op = s.op
    register(op)
    assert len(endpoints(sim)) == 1
    mailbox = s.mailbox(feekit.ADA, "Ada Lovelace")
    charge = s.scan(mailbox)

    page = text(op.get(FORM + "/disconnect").text)
    for words in ("It deletes pilotomail's webhook in OfficeRnD",
                  "It erases the stored organization name, client ID, client secret and signing secret.",
                  "Charges already queued stay queued and visible",
                  "It leaves every mailbox as it is"):
        assert words in page
    r = op.post(FORM + "/disconnect", {})
    assert r.status == 303 and r.location == FORM
    assert "OfficeRnD is disconnected" in text(op.get(FORM).text)
    assert endpoints(sim) == []
    row = settings(app, op)
    assert (row["org_slug"], row["client_id"], row["webhook_id"], row["bill_renters"]) == ("", "", "", 0)
    assert row["client_secret_enc"] is None and row["signing_secret_enc"] is None and row["access_token_enc"] is None
    assert row["disconnected_at"] > 0

    app.worker_once()
    after = app.query("SELECT billing_state FROM charges WHERE id = ?", charge["id"])[0]
    assert after["billing_state"] == "queued" and sim.fees(DEMO_ORG) == []
    page = text(op.get("/charges").text)
    assert "Queued for OfficeRnD" in page and "OfficeRnD is disconnected: this charge waits in the queue" in page
    assert app.query("SELECT count(*) AS n FROM mailboxes WHERE id = ? AND status = 'active'", mailbox)[0]["n"] == 1

    # Connecting again: credentials, billing on, one click; the queued charge is booked.
    s.card()
    register(op)
    assert len(endpoints(sim)) == 1
    app.worker_once()
    assert app.query("SELECT billing_state FROM charges WHERE id = ?", charge["id"])[0]["billing_state"] == "sent"
    assert len(sim.fees(DEMO_ORG)) == 1


@pytest.mark.parametrize("token_invalid_scope", [0, 1], ids=["scopes-granted-in-part", "scopes-refused"])
def test_account_without_webhook_scopes_is_told_and_the_manual_path_works(world, token_invalid_scope):
    app, sim = world
    # Whether OfficeRnD grants the allowed part of the scopes asked for or refuses the token is
    # unverified: either way the application without webhook scopes keeps working.
    sim.config(token_invalid_scope=token_invalid_scope)
    op = app.new_operator()
    connect(app, op, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, signing_secret="whsec-manual")
    r = op.post(FORM + "/register-webhook", {})
    assert r.status == 303
    page = text(op.get(FORM).text)
    assert "Your OfficeRnD application lacks the scope flex.settings.webhooks.read, so pilotomail cannot manage " \
           "its webhook." in page
    assert "or set the webhook up by hand (steps 4 and 5)." in page
    assert endpoints(sim) == [] and settings(app, op)["webhook_id"] == ""

    # By hand, as the help article says: the events arrive.
    sim.add_webhook_endpoint(DEMO_ORG, webhook_url(app, op), "whsec-manual")
    m = sim.add("memberships", DEMO_ORG, member=ADA, plan=PLAN_BASIC, location=LOC_LINKED)
    assert [d["status"] for d in m["deliveries"]] == [200]
    app.worker_once()
    assert [b["ms"] for b in mailboxes(app, op)] == [m["_id"]]
    # The check says what it could not see, without a red notice: the credentials work.
    assert health(app, op)["webhook"] == "unknown" and health(app, op)["credentials"] == "ok"
    assert 'id="connection-notice"' not in op.get("/mail").text
    assert "Could not be checked." in text(op.get("/activity").text)


def test_save_and_load_plans_after_step_2(world):
    app, sim = world
    op = app.new_operator()
    card = op.get(FORM).text
    # The button sits in step 2, before the mapping it prepares.
    assert card.index('id="save-load-plans"') < card.index('id="step-3"')
    r = op.post(FORM, [("org_slug", DEMO_ORG), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET),
                       ("then", "lists")])
    assert r.status == 303 and r.location == FORM + "#step-6", r
    assert "pilotomail is loading the plans and locations from OfficeRnD" in text(op.get(FORM).text)
    app.worker_once()
    page = text(op.get(FORM).text)
    assert "Lists loaded from OfficeRnD" in page and "Virtual Office" in page
    # The add buttons carry an icon and a text label, no emoji.
    card = op.get(FORM).text
    assert re.search(r'class="add-row"[^>]*><svg class="icon"[^>]*>.*?</svg> Add plan</button>', card)
    assert "\u2795" not in card and 'class="step sticky-actions" id="step-7"' in card
    assert re.search(r'<svg class="icon"[^>]*>.*?</svg> Configure</a>', op.get("/settings/integrations").text)
