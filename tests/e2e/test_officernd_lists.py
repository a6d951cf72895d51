"""The OfficeRnD card's plan and location lists come from the store, loaded by the worker: the
card never waits on OfficeRnD (issue 9). Through the real web server and worker, against the
OfficeRnD simulator, whose request counts show who asked OfficeRnD."""
import threading
import time

import pytest

from harness import App
from simctl import DEMO_ORG, SEED_PATH, Sim
from test_integrations import (CLIENT_ID, CLIENT_SECRET, FORM, LOC_DOWNTOWN, PLAN_MAIL, PLAN_MBX, PLAN_VO,
                               REFRESH, TEST, add_offering, add_space, configure, configure_and_load, form_part,
                               links, load_lists, option_values, save, selected_values, text)
from test_integrations import form as card_form

OTHER_ORG = "other-spaces"
OTHER_ID = "pilotomail-other-org"
OTHER_SECRET = "0ther-S3cret-e2e-81f2"
PLAN_GONE = "65a1f0c2e4b0a1b2c3d4e1ff"  # a plan the simulator never had


@pytest.fixture
def sim():
    s = Sim(quiet=True).start(SEED_PATH)
    s.add_client(CLIENT_ID, CLIENT_SECRET, DEMO_ORG)
    s.add_org(OTHER_ORG)
    s.add_client(OTHER_ID, OTHER_SECRET, OTHER_ORG)
    yield s
    s.cleanup()


@pytest.fixture
def app(sim, request):
    a = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                 "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                 "PILOTOMAIL_HTTP_TIMEOUT_MS": "1500"}).start()
    yield a
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(a.server_log())
    a.stop()


def asked_officernd(sim):
    """Every request the simulator received since its stats were reset: tokens and API calls."""
    s = sim.stats()
    return s["token_requests"] + sum(s["requests"].values())


def lists_row(app, op):
    rows = app.query("SELECT * FROM officernd_lists WHERE operator_id = ?", op.operator_id)
    return rows[0] if rows else None


def cached_plans(app, op):
    return [r["plan_id"] for r in app.query("SELECT plan_id FROM officernd_plans WHERE operator_id = ? "
                                            "ORDER BY position", op.operator_id)]


def test_card_get_and_save_never_ask_officernd_even_when_it_is_slow(app, sim):
    op = app.new_operator()
    basic = add_offering(app, op, "Basic")
    main = add_space(app, op, "Main floor")
    configure_and_load(app, op)
    # A slow plans list and a failing sign-in: whoever asks OfficeRnD would wait or fail.
    sim.fault(path="/plans", kind="delay", delay_ms=5000, count=100)
    sim.fault(path="/oauth/token", kind="status", status=503, count=100)
    # And no cached token: a request that needed OfficeRnD would have to sign in first.
    con = app.db()
    con.execute("UPDATE officernd_settings SET access_token_enc = NULL, access_token_expires_at = 0 "
                "WHERE operator_id = ?", (op.operator_id,))
    con.commit()
    con.close()
    sim.reset_stats()
    for _ in range(3):
        r = op.get(FORM)
        assert asked_officernd(sim) == 0, sim.stats()
        assert r.status == 200
        assert ">Virtual Office</option>" in r.text and ">Downtown Hub</option>" in r.text
    configure(op, client_secret="", signing_secret="", charge_plan_id=PLAN_MAIL,
              plans=[(PLAN_VO, basic)], locations=[(LOC_DOWNTOWN, main)])
    assert [(l["plan_id"], l["plan_name"]) for l in links(app, op)] == [(PLAN_VO, "Virtual Office")]
    r = save(op, client_secret="", signing_secret="", plans=[("65a1f0c2e4b0a1b2c3d4effff", basic)])
    assert r.status == 422 and "is not in your OfficeRnD account" in text(r)
    assert op.post(REFRESH, {}).status == 303
    assert op.get(FORM).status == 200
    assert asked_officernd(sim) == 0, sim.stats()


def test_refresh_lists_asks_the_worker_which_loads_a_new_plan(app, sim):
    op = app.new_operator()
    configure_and_load(app, op)
    sim.add("plans", DEMO_ORG, name="Parcel locker", type="service", intervalLength="once")
    assert "Parcel locker" not in op.get(FORM).text
    assert lists_row(app, op)["requested"] == 0
    r = op.post(REFRESH, {})
    assert r.status == 303 and r.location == FORM
    t = text(op.get(FORM))
    assert "Refreshing…" in t and "reload this page in a few seconds" in t
    assert "Parcel locker" not in t
    assert lists_row(app, op)["requested"] == 1
    load_lists(app)
    page = op.get(FORM).text
    assert ">Parcel locker</option>" in page
    assert "Refreshing…" not in text(op.get(FORM))
    assert lists_row(app, op)["requested"] == 0
    # One-off plans come first in the Mail charges plan select, as before.
    charge = option_values(page, "charge_plan_id")
    assert charge.index(PLAN_MAIL) < charge.index(PLAN_VO)


def test_refresh_lists_needs_credentials_and_csrf(app, sim):
    op = app.new_operator()
    r = op.post(REFRESH, {})
    assert r.status == 303
    assert "save first" in text(op.get(FORM))
    assert lists_row(app, op) is None
    configure_and_load(app, op)
    assert op.post(REFRESH, {}, csrf=False).status == 403
    assert lists_row(app, op)["requested"] == 0


def test_a_failed_refresh_shows_the_error_and_keeps_the_lists(app, sim):
    op = app.new_operator()
    configure_and_load(app, op)
    before = cached_plans(app, op)
    assert PLAN_VO in before
    sim.fault(path="/plans", kind="status", status=503, count=100)
    assert op.post(REFRESH, {}).status == 303
    load_lists(app)
    r = op.get(FORM)
    t = text(r)
    assert "The last refresh of the lists" in t
    assert "OfficeRnD is having trouble (HTTP 503)" in t
    assert "Showing the lists loaded" in t
    assert ">Virtual Office</option>" in r.text
    assert cached_plans(app, op) == before
    row = lists_row(app, op)
    assert row["requested"] == 0 and row["claimed_until"] == 0
    # The next good refresh clears the error.
    sim.clear_faults()
    assert op.post(REFRESH, {}).status == 303
    load_lists(app)
    t = text(op.get(FORM))
    assert "The last refresh of the lists" not in t and "Lists loaded from OfficeRnD" in t


def test_saving_credentials_queues_a_refresh_and_another_org_drops_the_old_lists(app, sim):
    op = app.new_operator()
    configure(op)
    assert lists_row(app, op)["requested"] == 1
    assert cached_plans(app, op) == []
    load_lists(app)
    assert PLAN_VO in cached_plans(app, op)
    assert lists_row(app, op)["requested"] == 0
    # The same credentials again ask for nothing.
    configure(op, client_secret="", signing_secret="")
    assert lists_row(app, op)["requested"] == 0
    # Another organization: its lists replace the old ones, which are not shown meanwhile.
    configure(op, org_slug=OTHER_ORG, client_id=OTHER_ID, client_secret=OTHER_SECRET)
    assert lists_row(app, op)["requested"] == 1
    assert cached_plans(app, op) == []
    t = text(op.get(FORM))
    assert "Virtual Office" not in t and "appear here once pilotomail's worker has loaded them" in t
    sim.add("plans", OTHER_ORG, name="Other org plan")
    load_lists(app)
    page = op.get(FORM).text
    assert ">Other org plan</option>" in page and "Virtual Office" not in page


def test_a_saved_id_the_lists_do_not_hold_still_shows_and_saves(app, sim):
    op = app.new_operator()
    basic = add_offering(app, op, "Basic")
    premium = add_offering(app, op, "Premium")
    # Saved before the worker ever loaded the lists: any well-formed id is taken, without a name.
    configure(op, plans=[(PLAN_GONE, basic), (PLAN_VO, premium)])
    assert [l["plan_name"] for l in links(app, op)] == ["", ""]
    t = text(op.get(FORM))
    assert PLAN_GONE + " — lists not loaded from OfficeRnD yet" in t
    load_lists(app)
    # The loaded lists name the saved rows they know.
    assert [(l["plan_id"], l["plan_name"]) for l in links(app, op)] == [(PLAN_GONE, ""), (PLAN_VO, "Virtual Office")]
    r = op.get(FORM)
    page = form_part(r.text)
    assert selected_values(page, "plan_id") == [PLAN_GONE, PLAN_VO]
    assert PLAN_GONE + " — not in the lists loaded from OfficeRnD" in text(r)
    assert ">Virtual Office</option>" in page
    # Saving the card as shown keeps the row.
    configure(op, client_secret="", signing_secret="", plans=[(PLAN_GONE, basic), (PLAN_MBX, basic)])
    assert [(l["plan_id"], l["plan_name"]) for l in links(app, op)] == [(PLAN_GONE, ""), (PLAN_MBX, "Mailbox")]


def test_behind_apache_a_slow_request_does_not_hold_up_other_pages(sim):
    """spawn-fcgi -F: while one operator's Test connection waits on a slow OfficeRnD, another
    page is served (with one process it would wait its turn)."""
    app = App(server="apache", env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                                    "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                                    "PILOTOMAIL_HTTP_TIMEOUT_MS": "8000"}).start()
    try:
        slow = app.new_operator()
        other = app.new_operator()
        sim.fault(path="/oauth/token", kind="delay", delay_ms=6000)
        sim.reset_stats()
        result = {}
        worker = threading.Thread(target=lambda: result.update(r=slow.post(TEST, card_form())))
        worker.start()
        while sim.stats()["token_requests"] == 0 and worker.is_alive():
            time.sleep(0.02)
        assert worker.is_alive(), "the Test connection did not wait on OfficeRnD"
        r = other.get("/spaces")
        assert r.status == 200
        # Served while the slow request was still waiting on OfficeRnD.
        assert worker.is_alive()
        worker.join()
        assert "Connected to OfficeRnD organization" in text(result["r"])
    finally:
        app.stop()


def test_the_card_grows_with_rows_plus_choices_not_rows_times_choices(app, sim):
    """Each saved row carries only its chosen plan and offering (app.js fills in the rest from
    the row template when the select is used): 60 plans and 40 rows stay a small page."""
    op = app.new_operator()
    offerings = [add_offering(app, op, "Offering %d" % i) for i in range(20)]
    for i in range(60):
        sim.add("plans", DEMO_ORG, name="Bulk plan %02d" % i)
    configure_and_load(app, op)
    bulk = [p["_id"] for p in sim.list("plans", DEMO_ORG) if p["name"].startswith("Bulk plan")]
    assert len(bulk) == 60
    configure(op, client_secret="", signing_secret="",
              plans=[(bulk[i], offerings[i % 20]) for i in range(40)])
    page = op.get(FORM).text
    form = form_part(page)
    assert selected_values(form, "plan_id") == bulk[:40]
    assert selected_values(form, "offering_id") == [str(offerings[i % 20]) for i in range(40)]
    # A plan's name is on the page at most three times: its row, the row template and the Mail
    # charges plan select (each row repeating all 60 would make it 40 more).
    assert max(page.count(">Bulk plan %02d<" % i) for i in range(60)) <= 3
    # Every row's select can get the full lists: the template has them, once.
    assert 'data-fill="#plan-row-template"' in form
    template = page.split('<template id="plan-row-template">', 1)[1]
    assert set(bulk) <= set(option_values(template, "plan_id"))
    assert len(option_values(template, "offering_id")) == 21
