"""Settings -> Integrations: the OfficeRnD card (in the order of the operator help article) and
the Stripe card, through the real web server, against the OfficeRnD simulator."""
import html
import os
import re
import time

import pytest

from harness import App
from simctl import ALL_SCOPES, DEMO_ORG, SEED_PATH, Sim

CARDS = "/settings/integrations"
FORM = "/settings/integrations/officernd"
TEST = "/settings/integrations/officernd/test"
REGEN = "/settings/integrations/officernd/webhook-token"
REFRESH = "/settings/integrations/officernd/refresh-lists"
STRIPE = "/settings/integrations/stripe"

# Distinctive secrets, so that finding them anywhere is unambiguous.
CLIENT_ID = "pilotomail-e2e-client"
CLIENT_SECRET = "Cl1ent-S3cret-e2e-7f3a9c"
SIGNING_SECRET = "S1gning-S3cret-e2e-b4d2e8"
WRONG_SECRET = "Wr0ng-S3cret-typed-e2e-55"
NOPLANS_ID = "pilotomail-noplans"
NOPLANS_SECRET = "N0plans-S3cret-e2e-3c1d"

# From tests/sim/seed.json.
PLAN_VO = "65a1f0c2e4b0a1b2c3d4e101"   # Virtual Office (custom, month)
PLAN_MBX = "65a1f0c2e4b0a1b2c3d4e102"  # Mailbox (service, month)
PLAN_HD = "65a1f0c2e4b0a1b2c3d4e103"   # Hot Desk (hotdesk, month)
PLAN_MAIL = "65a1f0c2e4b0a1b2c3d4e105"  # Mail handling (service, once)
LOC_DOWNTOWN = "65a1f0c2e4b0a1b2c3d4e001"
LOC_RIVERSIDE = "65a1f0c2e4b0a1b2c3d4e002"

SECRETS = (CLIENT_SECRET, SIGNING_SECRET, WRONG_SECRET, NOPLANS_SECRET)


@pytest.fixture
def sim():
    s = Sim(quiet=True).start(SEED_PATH)
    s.add_client(CLIENT_ID, CLIENT_SECRET, DEMO_ORG)
    s.add_client(NOPLANS_ID, NOPLANS_SECRET, DEMO_ORG,
                 scopes=[x for x in ALL_SCOPES if x != "flex.billing.plans.read"])
    yield s
    s.cleanup()


@pytest.fixture
def app(sim, request):
    """pilotomail talking to the simulator (overrides conftest's app)."""
    a = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                 "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                 "PILOTOMAIL_HTTP_TIMEOUT_MS": "1500"}).start()
    yield a
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(a.server_log())
    a.stop()


# -- helpers -----------------------------------------------------------------------------------

def text(r):
    """The page as a reader sees it: entities decoded."""
    return html.unescape(r.text)


def execute(app, sql, *params):
    con = app.db()
    try:
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()


def card_row(app, op):
    return app.query("SELECT * FROM officernd_settings WHERE operator_id = ?", op.operator_id)[0]


def stripe_on(app, op):
    return app.query("SELECT bill_renters FROM stripe_settings WHERE operator_id = ?",
                     op.operator_id)[0]["bill_renters"]


def links(app, op, table="plan_links"):
    return app.query("SELECT * FROM %s WHERE operator_id = ? ORDER BY position" % table, op.operator_id)


def add_offering(app, op, name):
    con = app.db()
    try:
        cur = con.execute("INSERT INTO offerings(operator_id, name, monthly_price, created_at) "
                          "VALUES (?, ?, 1500, 0)", (op.operator_id, name))
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def add_space(app, op, name):
    con = app.db()
    try:
        cur = con.execute("INSERT INTO spaces(operator_id, name, created_at) VALUES (?, ?, 0)",
                          (op.operator_id, name))
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def form(**kw):
    """The card's fields as pairs; plans/locations are lists of (id, local id) pairs."""
    base = {"org_slug": DEMO_ORG, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "signing_secret": SIGNING_SECRET, "charge_plan_id": ""}
    plans = kw.pop("plans", [])
    locations = kw.pop("locations", [])
    base.update(kw)
    pairs = [(k, v) for k, v in base.items() if v is not None]
    for p, o in plans:
        pairs += [("plan_id", p), ("offering_id", str(o))]
    for loc, s in locations:
        pairs += [("location_id", loc), ("space_id", str(s))]
    return pairs


def save(op, **kw):
    return op.post(FORM, form(**kw))


def configure(op, **kw):
    r = save(op, **kw)
    assert r.status == 303, text(r)
    assert r.location == FORM
    return r


def load_lists(app):
    """Runs the worker once: it loads the plans and locations the card shows (job officernd-lists)."""
    app.worker_once()


def configure_and_load(app, op, **kw):
    configure(op, **kw)
    load_lists(app)


def assert_no_secret(*pages):
    for p in pages:
        body = p if isinstance(p, str) else p.text + "\n" + "\n".join("%s: %s" % h for h in p.headers)
        for s in SECRETS:
            assert s not in body, "a secret leaked into a page"


def option_values(page, select_name):
    """The option values of the first select named select_name, in order."""
    m = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % select_name, page, re.S)
    assert m, "no select %s" % select_name
    return re.findall(r'<option value="([^"]*)"', m.group(1))


def selected_values(page, select_name):
    out = []
    for m in re.finditer(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % select_name, page, re.S):
        out += re.findall(r'<option value="([^"]*)" selected', m.group(1))
    return out


def form_part(page):
    """The card's main form (the row templates come after it)."""
    start = page.index('<form id="officernd-form"')
    return page[start:page.index("</form>", start)]


# -- the cards page ----------------------------------------------------------------------------

def test_cards_page_shows_officernd_status_and_stripe_form(app):
    op = app.new_operator()
    r = op.get(CARDS)
    assert r.status == 200
    t = text(r)
    assert "OfficeRnD" in t and "not configured" in t
    # The configuration icon link to the form.
    assert re.search(r'<a class="integrations-config" href="%s"' % FORM, r.text)
    # The Stripe card's own form and checkbox.
    assert 'action="%s"' % STRIPE in r.text
    assert re.search(r'<input type="checkbox" name="bill_renters" value="1">', r.text)
    assert "Bill mailbox renters with Stripe?" in t
    configure(op)
    t = text(op.get(CARDS))
    assert "connected" in t and "not configured" not in t
    assert DEMO_ORG in t


def test_stripe_checkbox_turns_billing_on_and_off(app):
    op = app.new_operator()
    r = op.post(STRIPE, {"bill_renters": "1"})
    assert r.status == 303 and r.location == CARDS
    assert stripe_on(app, op) == 1
    page = op.get(CARDS)
    assert "Stripe billing turned on." in page.text
    assert re.search(r'name="bill_renters" value="1" checked', page.text)
    assert op.post(STRIPE, {}).status == 303
    assert stripe_on(app, op) == 0


# -- the card: layout ----------------------------------------------------------------------------

def test_card_shows_every_step_in_the_order_of_the_help_article(app):
    op = app.new_operator()
    configure_and_load(app, op)
    r = op.get(FORM)
    assert r.status == 200
    page = r.text
    t = text(r)
    order = ['name="org_slug"', 'name="client_id"', 'name="client_secret"', 'name="bill_renters"',
             'id="webhook-url"', 'data-copy="#webhook-url"', 'name="signing_secret"',
             "Lists loaded from OfficeRnD", "Refresh lists",
             "Plans &rarr; Mailbox Offerings", 'data-add-row="#plan-row-template"',
             "Locations &rarr; Spaces", 'data-add-row="#location-row-template"',
             'name="charge_plan_id"', "Save changes", "Test connection"]
    positions = [page.find(s) for s in order]
    assert all(p >= 0 for p in positions), [s for s, p in zip(order, positions) if p < 0]
    assert positions == sorted(positions), "steps out of order"
    for n in range(1, 8):
        assert '<span class="num">%d</span>' % n in page
    # Hints that send the operator to the right OfficeRnD screens.
    assert "Settings → My Account" in t and "Admin Site" in t
    assert "Settings → Developer Tools" in t and "Add Application" in t
    for scope in ALL_SCOPES:
        assert scope in t
    assert "Bill mailbox renters with OfficeRnD?" in t
    assert "OfficeRnD is the one that charges the renters" in t
    assert "Webhooks" in t and "Add Endpoint" in t
    for ev in ("membership.created", "membership.updated", "membership.removed"):
        assert ev in t
    assert "Click to Reveal" in t
    # The webhook URL, read-only, with its copy button and a confirmed regenerate form.
    m = re.search(r'<input id="webhook-url" type="text" readonly value="([^"]+)"', page)
    assert m and html.unescape(m.group(1)) == app.webhook_url(op.operator_id)
    assert '<button type="button" data-copy="#webhook-url">Copy</button>' in page
    assert re.search(r'<form id="webhook-token-form" method="post" action="%s"\s+data-confirm="' % REGEN, page)
    # Row templates for the ➕ buttons, each row with two selects and a ✕.
    for kind, a, b in (("plan", "plan_id", "offering_id"), ("location", "location_id", "space_id")):
        m = re.search(r'<template id="%s-row-template">(.*?)</template>' % kind, page, re.S)
        assert m, kind
        row = m.group(1)
        assert 'class="mapping-row"' in row and 'name="%s"' % a in row and 'name="%s"' % b in row
        assert "data-remove-row" in row and "✕" in row
    # The add buttons: an inline icon next to a text label (no emoji that may render as a box).
    assert re.search(r'<button type="button" class="add-row" data-add-row="#plan-row-template" '
                     r'data-into="#plan-rows"><svg class="icon"[^>]*>.*?</svg> Add plan</button>', page)
    assert 'formaction="%s"' % TEST in page


def test_secret_inputs_are_write_only(app):
    op = app.new_operator()
    page = op.get(FORM).text
    for name in ("client_secret", "signing_secret"):
        assert re.search(r'<input type="password" id="%s" name="%s" value="" autocomplete="off"' % (name, name), page)
    assert page.count("Not set") == 2
    configure(op)
    page = op.get(FORM).text
    assert text(op.get(FORM)).count("A secret is stored — leave blank to keep it") == 2
    for name in ("client_secret", "signing_secret"):
        assert re.search(r'<input type="password" id="%s" name="%s" value="" autocomplete="off"' % (name, name), page)


# -- saving ----------------------------------------------------------------------------------------

def test_save_stores_values_with_secrets_encrypted_and_never_shown(app):
    op = app.new_operator()
    r = save(op, org_slug="https://app.officernd.com/admin/acme-spaces")
    assert r.status == 303 and r.location == FORM
    pages = [r]
    after = op.get(FORM)
    assert "OfficeRnD settings saved." in after.text
    row = card_row(app, op)
    assert row["org_slug"] == DEMO_ORG
    assert row["client_id"] == CLIENT_ID
    for col, secret in (("client_secret_enc", CLIENT_SECRET), ("signing_secret_enc", SIGNING_SECRET)):
        blob = bytes(row[col])
        assert blob[0] == 1 and len(blob) >= 1 + 12 + 16 + len(secret)
        assert secret.encode() not in blob
    # Secrets appear nowhere: the cards, the card, a refused save, a test, other pages, the logs.
    pages += [after, op.get(CARDS)]
    pages.append(save(op, org_slug="Not A Slug!", client_secret=CLIENT_SECRET + "x"))
    assert pages[-1].status == 422
    pages.append(op.post(TEST, form(client_secret="")))
    pages.append(op.post(TEST, form(client_secret=WRONG_SECRET)))
    pages.append(op.post(TEST, form(client_id=NOPLANS_ID, client_secret=NOPLANS_SECRET)))
    for path in ("/mail", "/spaces", "/offerings", "/charges", "/"):
        pages.append(op.get(path, follow=True))
    assert_no_secret(*pages)
    assert_no_secret(app.server_log())
    # The secret did not become readable by being shown in the webhook URL or anywhere else.
    assert CLIENT_SECRET not in app.admin("operator", "show", op.email).stdout


def test_pasted_admin_site_url_is_reduced_to_its_slug(app):
    op = app.new_operator()
    for typed in ("app.officernd.com/admin/acme-spaces/", " acme-spaces ",
                  "https://app.officernd.com/admin/acme-spaces/community/members"):
        execute(app, "UPDATE officernd_settings SET org_slug = '' WHERE operator_id = ?", op.operator_id)
        configure(op, org_slug=typed)
        assert card_row(app, op)["org_slug"] == DEMO_ORG, typed
    assert 'value="acme-spaces"' in op.get(FORM).text


def test_bad_slug_is_refused_with_the_typed_values_kept(app):
    op = app.new_operator()
    configure(op)
    before = card_row(app, op)
    r = save(op, org_slug="Acme Spaces", client_id="another-client", client_secret="Typed-But-Refused-99")
    assert r.status == 422
    t = text(r)
    assert "Nothing was saved." in t
    assert "lower-case letters, digits and hyphens" in t
    assert 'value="Acme Spaces"' in r.text and 'value="another-client"' in r.text
    assert "Typed-But-Refused-99" not in r.text
    assert "The secrets you typed were not saved" in t
    assert card_row(app, op) == before


def test_blank_secret_keeps_the_stored_one(app):
    op = app.new_operator()
    configure(op)
    before = card_row(app, op)
    configure(op, client_secret="", signing_secret="", charge_plan_id=PLAN_MAIL)
    after = card_row(app, op)
    assert bytes(after["client_secret_enc"]) == bytes(before["client_secret_enc"])
    assert bytes(after["signing_secret_enc"]) == bytes(before["signing_secret_enc"])
    assert after["charge_plan_id"] == PLAN_MAIL
    # The stored secret still works: the worker loads the lists with it.
    load_lists(app)
    page = op.get(FORM).text
    assert '">Mail handling</option>' in page and 'id="lists-error"' not in page
    # A new secret replaces it.
    configure(op, client_secret=CLIENT_SECRET, signing_secret="")
    again = card_row(app, op)
    assert bytes(again["client_secret_enc"]) != bytes(before["client_secret_enc"])
    assert bytes(again["signing_secret_enc"]) == bytes(before["signing_secret_enc"])


def test_new_credentials_drop_the_cached_access_token(app):
    op = app.new_operator()
    configure_and_load(app, op)
    assert ">Virtual Office</option>" in op.get(FORM).text  # the lists loaded: a token is cached
    assert card_row(app, op)["access_token_enc"] is not None
    configure(op, client_secret="", signing_secret="")
    assert card_row(app, op)["access_token_enc"] is not None  # same credentials keep it
    # That application lacks a scope: Save says so, and stores it only when asked to anyway.
    assert save(op, client_id=NOPLANS_ID, client_secret=NOPLANS_SECRET).status == 422
    configure(op, client_id=NOPLANS_ID, client_secret=NOPLANS_SECRET, save_anyway="1")
    assert card_row(app, op)["access_token_enc"] is None
    # The worker now asks with the new application, which lacks the plans scope, and the card
    # says so, keeping the lists loaded before.
    load_lists(app)
    r = op.get(FORM)
    t = text(r)
    assert "The last refresh of the lists" in t and "failed" in t
    assert "lacks the scope flex.billing.plans.read" in t
    assert "Showing the lists loaded" in t
    assert ">Virtual Office</option>" in r.text


# -- billing: OfficeRnD or Stripe, never both ------------------------------------------------------

def test_officernd_billing_is_refused_while_stripe_billing_is_on(app):
    op = app.new_operator()
    assert op.post(STRIPE, {"bill_renters": "1"}).status == 303
    page = op.get(FORM)
    assert "Stripe billing is on" in text(page)
    before = card_row(app, op)
    off = add_offering(app, op, "Basic")
    r = save(op, bill_renters="1", charge_plan_id=PLAN_MAIL, plans=[(PLAN_MBX, off)])
    assert r.status == 422
    t = text(r)
    assert "cannot be on while Stripe billing is on" in t
    assert "Bill mailbox renters with Stripe?" in t and "Stripe card" in t
    assert 'href="/settings/integrations"' in r.text
    # Nothing else was saved either.
    assert card_row(app, op) == before
    assert links(app, op) == []
    assert stripe_on(app, op) == 1
    # Once Stripe billing is off, the same save goes through.
    assert op.post(STRIPE, {}).status == 303
    configure(op, bill_renters="1", charge_plan_id=PLAN_MAIL, plans=[(PLAN_MBX, off)])
    assert card_row(app, op)["bill_renters"] == 1


def test_stripe_billing_is_refused_while_officernd_billing_is_on(app):
    op = app.new_operator()
    configure(op, bill_renters="1", charge_plan_id=PLAN_MAIL)
    assert card_row(app, op)["bill_renters"] == 1
    assert "turn “Bill mailbox renters with OfficeRnD?” off" in text(op.get(CARDS))
    r = op.post(STRIPE, {"bill_renters": "1"})
    assert r.status == 422
    assert "Stripe billing cannot be turned on while “Bill mailbox renters with OfficeRnD?” is on" in text(r)
    assert stripe_on(app, op) == 0
    configure(op, charge_plan_id=PLAN_MAIL)  # OfficeRnD billing off
    assert op.post(STRIPE, {"bill_renters": "1"}).status == 303
    assert stripe_on(app, op) == 1


def test_officernd_billing_needs_a_charges_plan(app):
    op = app.new_operator()
    configure(op)
    r = save(op, bill_renters="1")
    assert r.status == 422
    assert "Choose the Mail charges plan" in text(r)
    assert card_row(app, op)["bill_renters"] == 0


# -- the webhook URL -------------------------------------------------------------------------------

def test_regenerate_makes_a_new_webhook_url_and_the_old_one_stops_working(app, sim):
    op = app.new_operator()
    configure(op)
    old_url = app.webhook_url(op.operator_id)
    old_token = old_url.rsplit("/", 1)[1]
    r = op.post(REGEN, {})
    assert r.status == 303 and r.location == FORM
    page = op.get(FORM)
    new_url = app.webhook_url(op.operator_id)
    assert new_url != old_url
    assert "the old one no longer works" in page.text
    assert new_url in html.unescape(page.text)
    assert old_token not in page.text
    membership = {"_id": "65a1f0c2e4b0a1b2c3d4e999", "member": "65a1f0c2e4b0a1b2c3d4e301",
                  "plan": PLAN_MBX, "location": LOC_DOWNTOWN, "startDate": "2030-01-01",
                  "status": "approved", "modifiedAt": "2030-01-01T00:00:00.000Z"}
    # The stored signing secret verifies at the new URL; the old URL is unknown now.
    assert sim.send_webhook(new_url, SIGNING_SECRET, object=membership)["status"] == 200
    assert sim.send_webhook(old_url, SIGNING_SECRET, object=membership)["status"] == 404


# -- live lists and the mapping --------------------------------------------------------------------

def test_card_lists_the_loaded_plans_and_locations_by_name(app):
    op = app.new_operator()
    add_offering(app, op, "Basic mailbox")
    add_space(app, op, "Main floor")
    # Before the credentials are saved, nothing is asked of OfficeRnD.
    t = text(op.get(FORM))
    assert "Fill in steps 1–2" in t and "save first" in t
    assert "Virtual Office" not in t and "Refresh lists" not in t
    configure(op)
    # Saved, but the worker has not run yet: the card says the lists are on their way.
    t = text(op.get(FORM))
    assert "appear here once pilotomail's worker has loaded them" in t and "Refreshing…" in t
    assert "Virtual Office" not in t
    load_lists(app)
    page = op.get(FORM).text
    t = html.unescape(page)
    assert re.search(r"Lists loaded from OfficeRnD \d+\xa0\w{3}\xa0\d{4},\xa0\d\d:\d\d\xa0UTC", t) and "Refreshing…" not in t
    assert 'id="lists-error"' not in page
    plan_opts = option_values(page.split('<template id="plan-row-template">', 1)[1], "plan_id")
    for pid in (PLAN_VO, PLAN_MBX, PLAN_HD, PLAN_MAIL):
        assert pid in plan_opts
    for name in ("Virtual Office", "Mailbox", "Hot Desk", "Dedicated Desk", "Mail handling"):
        assert '">%s</option>' % name in page
    loc_opts = option_values(page.split('<template id="location-row-template">', 1)[1], "location_id")
    assert LOC_DOWNTOWN in loc_opts and LOC_RIVERSIDE in loc_opts
    for name in ("Downtown Hub", "Riverside"):
        assert '">%s</option>' % name in page
    assert ">Basic mailbox</option>" in page and ">Main floor</option>" in page
    # The charges plan select puts one-off and service plans first.
    charge = option_values(page, "charge_plan_id")
    assert charge.index(PLAN_MAIL) < charge.index(PLAN_VO)
    assert charge.index(PLAN_MBX) < charge.index(PLAN_HD)


def test_saving_a_mapping_stores_ids_and_names(app):
    op = app.new_operator()
    basic = add_offering(app, op, "Basic")
    premium = add_offering(app, op, "Premium")
    main = add_space(app, op, "Main floor")
    annex = add_space(app, op, "Annex")
    configure_and_load(app, op)
    configure(op, charge_plan_id=PLAN_MAIL,
              plans=[(PLAN_VO, premium), (PLAN_MBX, basic), (PLAN_HD, "")],  # incomplete: ignored
              locations=[(LOC_DOWNTOWN, main), ("", annex), (LOC_RIVERSIDE, annex)])
    assert [(l["plan_id"], l["plan_name"], l["offering_id"]) for l in links(app, op)] == [
        (PLAN_VO, "Virtual Office", premium), (PLAN_MBX, "Mailbox", basic)]
    assert [(l["location_id"], l["location_name"], l["space_id"]) for l in links(app, op, "location_links")] == [
        (LOC_DOWNTOWN, "Downtown Hub", main), (LOC_RIVERSIDE, "Riverside", annex)]
    row = card_row(app, op)
    assert (row["charge_plan_id"], row["charge_plan_name"]) == (PLAN_MAIL, "Mail handling")
    page = form_part(op.get(FORM).text)
    assert selected_values(page, "plan_id") == [PLAN_VO, PLAN_MBX]
    assert selected_values(page, "offering_id") == [str(premium), str(basic)]
    assert selected_values(page, "location_id") == [LOC_DOWNTOWN, LOC_RIVERSIDE]
    assert selected_values(page, "space_id") == [str(main), str(annex)]
    assert selected_values(page, "charge_plan_id") == [PLAN_MAIL]
    # Removing every row removes the links.
    configure(op, charge_plan_id=PLAN_MAIL)
    assert links(app, op) == [] and links(app, op, "location_links") == []
    assert "No plans linked yet." in op.get(FORM).text


def test_the_same_plan_or_location_twice_is_refused(app):
    op = app.new_operator()
    basic = add_offering(app, op, "Basic")
    premium = add_offering(app, op, "Premium")
    main = add_space(app, op, "Main floor")
    configure_and_load(app, op, plans=[(PLAN_MBX, basic)])
    r = save(op, client_id="changed-client", plans=[(PLAN_MBX, basic), (PLAN_MBX, premium)])
    assert r.status == 422
    assert "The plan “Mailbox” is mapped twice" in text(r)
    r = save(op, plans=[(PLAN_VO, premium)], locations=[(LOC_DOWNTOWN, main), (LOC_DOWNTOWN, main)])
    assert r.status == 422
    assert "The location “Downtown Hub” is mapped twice" in text(r)
    assert [(l["plan_id"], l["offering_id"]) for l in links(app, op)] == [(PLAN_MBX, basic)]
    assert links(app, op, "location_links") == []
    assert card_row(app, op)["client_id"] == CLIENT_ID


def test_unknown_ids_in_the_mapping_are_refused(app):
    op = app.new_operator()
    basic = add_offering(app, op, "Basic")
    configure_and_load(app, op)
    cases = (([("65a1f0c2e4b0a1b2c3d4effff", basic)], "is not in your OfficeRnD account"),
             ([(PLAN_MBX, "first")], "Choose the mailbox offering for plan “Mailbox”"),
             ([('"><script>x</script>', basic)], "is not in your OfficeRnD account"))
    for plans, message in cases:
        r = save(op, plans=plans)
        assert r.status == 422, plans
        assert message in text(r)
        assert "<script>x" not in r.text
    assert links(app, op) == []


def test_another_operators_offering_or_space_is_refused_and_nothing_saved(app):
    op = app.new_operator()
    other = app.new_operator()
    mine = add_offering(app, op, "Mine")
    my_space = add_space(app, op, "My floor")
    theirs = add_offering(app, other, "Theirs")
    their_space = add_space(app, other, "Their floor")
    configure(op)
    before = card_row(app, op)
    r = save(op, client_id="changed-client", plans=[(PLAN_MBX, theirs)], save_anyway="1")
    assert r.status == 422
    assert "not one of your mailbox offerings" in text(r)
    r = save(op, client_id="changed-client", plans=[(PLAN_MBX, mine)], locations=[(LOC_DOWNTOWN, their_space)],
             save_anyway="1")
    assert r.status == 422
    assert "not one of your spaces" in text(r)
    assert "Theirs" not in r.text and "Their floor" not in r.text
    assert card_row(app, op) == before
    assert links(app, op) == [] and links(app, op, "location_links") == []
    assert links(app, other) == []
    configure(op, plans=[(PLAN_MBX, mine)], locations=[(LOC_DOWNTOWN, my_space)])
    assert len(links(app, op)) == 1 and len(links(app, op, "location_links")) == 1


def test_with_officernd_unreachable_the_card_shows_the_loaded_lists(app, sim):
    op = app.new_operator()
    basic = add_offering(app, op, "Basic")
    main = add_space(app, op, "Main floor")
    configure_and_load(app, op)
    configure(op, charge_plan_id=PLAN_MAIL, plans=[(PLAN_VO, basic)], locations=[(LOC_DOWNTOWN, main)])
    loaded = option_values(op.get(FORM).text.split('<template id="plan-row-template">', 1)[1], "plan_id")
    assert PLAN_VO in loaded and PLAN_MAIL in loaded
    sim.stop()
    r = op.get(FORM)
    assert r.status == 200
    t = text(r)
    assert "Lists loaded from OfficeRnD" in t and "could not be reached" not in t
    page = form_part(r.text)
    assert option_values(r.text.split('<template id="plan-row-template">', 1)[1], "plan_id") == loaded
    assert selected_values(page, "plan_id") == [PLAN_VO]
    assert selected_values(page, "location_id") == [LOC_DOWNTOWN]
    assert ">Virtual Office</option>" in page and ">Downtown Hub</option>" in page
    assert "Dedicated Desk" in t
    # A refresh while OfficeRnD is unreachable fails, says why and keeps the lists.
    assert op.post(REFRESH, {}).status == 303
    load_lists(app)
    r = op.get(FORM)
    t = text(r)
    assert "The last refresh of the lists" in t and "could not be reached" in t
    assert option_values(r.text.split('<template id="plan-row-template">', 1)[1], "plan_id") == loaded
    # Saving while unreachable keeps the names.
    configure(op, charge_plan_id=PLAN_MAIL, client_secret="", plans=[(PLAN_VO, basic)],
              locations=[(LOC_DOWNTOWN, main)])
    assert links(app, op)[0]["plan_name"] == "Virtual Office"
    assert links(app, op, "location_links")[0]["location_name"] == "Downtown Hub"
    assert card_row(app, op)["charge_plan_name"] == "Mail handling"


# -- Test connection -------------------------------------------------------------------------------

def test_connection_success_names_the_counts_and_saves_nothing(app):
    op = app.new_operator()
    r = op.post(TEST, form())
    assert r.status == 200
    t = text(r)
    assert "Connected to OfficeRnD organization acme-spaces: 3 locations and 5 plans found" in t
    # Nothing saved, and the typed secret is not echoed back.
    row = card_row(app, op)
    assert row["org_slug"] == "" and row["client_id"] == "" and row["client_secret_enc"] is None
    assert_no_secret(r)
    # With the credentials stored, a blank secret field tests the stored secret.
    configure(op)
    r = op.post(TEST, form(client_secret="", client_id=CLIENT_ID, org_slug="app.officernd.com/admin/acme-spaces"))
    assert "Connected to OfficeRnD organization acme-spaces" in text(r)
    r = op.post(TEST, form(client_secret="", client_id="typed-not-saved"))
    assert card_row(app, op)["client_id"] == CLIENT_ID
    assert 'value="typed-not-saved"' in r.text


def test_connection_names_a_wrong_organization(app):
    op = app.new_operator()
    t = text(op.post(TEST, form(org_slug="no-such-org")))
    assert "Organization 'no-such-org' was not found in OfficeRnD" in t
    assert "check the organization name" in t
    t = text(op.post(TEST, form(org_slug="Bad Slug")))
    assert "lower-case letters, digits and hyphens" in t


def test_connection_names_refused_credentials(app):
    op = app.new_operator()
    r = op.post(TEST, form(client_secret=WRONG_SECRET))
    assert "OfficeRnD refused the client ID or secret" in text(r)
    assert_no_secret(r)
    r = op.post(TEST, form(client_id="nobody", client_secret=WRONG_SECRET))
    assert "OfficeRnD refused the client ID or secret" in text(r)


def test_connection_names_the_missing_scope(app):
    op = app.new_operator()
    r = op.post(TEST, form(client_id=NOPLANS_ID, client_secret=NOPLANS_SECRET))
    t = text(r)
    assert "lacks the scope flex.billing.plans.read" in t
    assert "Connected" not in t


def test_connection_says_when_officernd_is_unreachable_or_slow(app, sim):
    op = app.new_operator()
    sim.fault(path="/oauth/token", kind="delay", delay_ms=4000)
    t = text(op.post(TEST, form()))
    assert "could not be reached (timeout" in t
    sim.clear_faults()
    sim.stop()
    started = time.time()
    r = op.post(TEST, form())
    assert r.status == 200
    assert "OfficeRnD could not be reached" in text(r)
    assert time.time() - started < 10


def test_connection_without_credentials_asks_for_them(app):
    op = app.new_operator()
    t = text(op.post(TEST, form(client_id="", client_secret="")))
    assert "Enter the organization name, client ID and client secret" in t


# -- CSRF and isolation ----------------------------------------------------------------------------

def test_posts_without_csrf_are_refused_and_change_nothing(app):
    op = app.new_operator()
    configure(op)
    before = card_row(app, op)
    r = op.post(FORM, form(client_id="csrf-less", bill_renters="1", charge_plan_id=PLAN_MAIL), csrf=False)
    assert r.status == 403
    r = op.post(FORM, form(client_id="csrf-less"), csrf="not-the-token")
    assert r.status == 403
    assert op.post(REGEN, {}, csrf=False).status == 403
    assert op.post(STRIPE, {"bill_renters": "1"}, csrf=False).status == 403
    assert card_row(app, op) == before
    assert stripe_on(app, op) == 0


def test_operators_see_only_their_own_card(app):
    a = app.new_operator()
    b = app.new_operator()
    configure(a, client_id="a-client", save_anyway="1")  # not a client of the simulator
    page = b.get(FORM).text
    assert "a-client" not in page
    assert app.webhook_url(a.operator_id) not in html.unescape(page)
    assert app.webhook_url(b.operator_id) in html.unescape(page)
    assert card_row(app, b)["client_id"] == ""


def test_signed_out_visitors_are_sent_to_sign_in(app):
    c = app.client()
    r = c.get(FORM)
    assert r.status == 303 and r.location.startswith("/login")
    c.get("/login")
    assert c.post(FORM, form()).status == 403
