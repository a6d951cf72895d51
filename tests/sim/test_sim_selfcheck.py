"""Self-check of the OfficeRnD simulator: run with /usr/bin/python3 -m pytest -q tests/sim"""

import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import simctl  # noqa: E402
from simctl import ALL_SCOPES, DEMO_ORG, SEED_PATH, Sim, SimError, http  # noqa: E402

SEED = simctl.load_seed()
LOC = SEED["orgs"][0]["locations"][0]["_id"]
MAIL_PLAN = [p for p in SEED["orgs"][0]["plans"] if p["name"] == "Mail handling"][0]["_id"]
MEMBER = SEED["orgs"][0]["members"][0]["_id"]
COMPANY = SEED["orgs"][0]["companies"][0]["_id"]


@pytest.fixture(scope="module")
def sim():
    s = Sim(quiet=True).start(SEED_PATH)
    yield s
    s.cleanup()
    assert s.proc is None


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.reset(SEED)


class Receiver:
    """A tiny webhook receiver that verifies nothing and records everything."""

    def __init__(self, status=200):
        self.requests = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def verify(secret, headers, body):
    """Independent check of OfficeRnD's signature scheme."""
    sig = {k.lower(): v for k, v in headers.items()}["officernd-signature"]
    parts = dict(p.split("=", 1) for p in sig.split(","))
    want = hmac.new(secret.encode(), body + b"." + parts["t"].encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts["signature"]), int(parts["t"])


def fee_body(**over):
    body = {"name": "Mail handling 2024-05-01 ref PM-1", "issueDate": "2024-05-01",
            "location": LOC, "plan": MAIL_PLAN, "price": 2.5, "member": MEMBER}
    body.update(over)
    return body


# -- token -------------------------------------------------------------------------------------

def test_token_issue_and_bad_secret(sim):
    r = http("POST", sim.token_url, form={"client_id": "demo-client",
                                          "client_secret": "demo-secret",
                                          "grant_type": "client_credentials",
                                          "scope": " ".join(ALL_SCOPES)})
    assert r.status == 200
    tok = r.json()
    assert tok["token_type"] == "Bearer" and tok["expires_in"] == 3599
    assert set(tok["scope"].split()) == set(ALL_SCOPES) and len(tok["access_token"]) >= 20

    r = http("POST", sim.token_url, form={"client_id": "demo-client", "client_secret": "nope",
                                          "grant_type": "client_credentials"})
    assert r.status == 401 and r.json()["error"] == "invalid_client"
    r = http("POST", sim.token_url, form={"client_id": "demo-client",
                                          "client_secret": "demo-secret",
                                          "grant_type": "password"})
    assert r.status == 400 and r.json()["error"] == "unsupported_grant_type"
    assert sim.stats()["token_requests"] == 3


def test_missing_scope_403_and_auth_errors(sim):
    sim.add_client("narrow", "s3cret", DEMO_ORG, scopes=["flex.billing.plans.read"])
    r = http("POST", sim.token_url, form={"client_id": "narrow", "client_secret": "s3cret",
                                          "grant_type": "client_credentials",
                                          "scope": "flex.billing.plans.read "
                                                   "flex.community.fees.create"})
    assert r.status == 200 and r.json()["scope"] == "flex.billing.plans.read"
    tok = r.json()["access_token"]
    assert sim.api("GET", "/plans", tok).status == 200
    r = sim.api("POST", "/fees", tok, fee_body())
    assert r.status == 403
    assert r.json()["message"] == "Missing required scope: flex.community.fees.create"
    # no token, unknown org, other org's token
    assert http("GET", sim.org_url() + "/plans").status == 401
    assert sim.api("GET", "/plans", "bogus").json() == {"message": "Unauthorized"}
    r = sim.api("GET", "/plans", tok, org="no-such-org")
    assert r.status == 404 and r.json()["message"] == "Organization not found"
    sim.add_org("other-org")
    assert sim.api("GET", "/plans", tok, org="other-org").status == 403
    # rate limit headers on every API answer
    for name in ("limit", "remaining", "reset"):
        for kind in ("read", "write"):
            assert "x-ratelimit-%s-%s-minute" % (name, kind) in r.headers


def test_get_by_id_and_404(sim):
    tok = sim.token()
    r = sim.api("GET", "/members/" + MEMBER, tok)
    assert r.status == 200
    assert set(r.json()) >= {"_id", "name", "email", "phone", "location", "company", "status"}
    assert sim.api("GET", "/companies/" + COMPANY, tok).json()["name"] == "Globex Corporation"
    r = sim.api("GET", "/memberships/65a1f0c2e4b0a1b2c3d4efff", tok)
    assert r.status == 404 and r.json()["message"] == "Membership not found"
    assert sim.stats()["requests"]["GET /members/{id}"] == 1


# -- pagination --------------------------------------------------------------------------------

def test_pagination_120_plans(sim):
    sim.reset({"orgs": [{"slug": "big"}],
               "clients": [{"client_id": "c", "client_secret": "s", "org": "big"}]})
    for i in range(120):
        sim.add("plans", "big", name="Plan %03d" % i, intervalLength="month")
    tok = sim.token("c", "s")
    seen, pages, cursor = [], 0, None
    while True:
        path = "/plans?$limit=50" + ("&$cursorNext=" + cursor if cursor else "")
        r = sim.api("GET", path, tok, org="big")
        assert r.status == 200
        page = r.json()
        pages += 1
        assert page["rangeStart"] == len(seen) + 1
        seen += [p["_id"] for p in page["results"]]
        assert page["rangeEnd"] == len(seen)
        cursor = page["cursorNext"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 120 and len(set(seen)) == 120
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in seen)
    # larger limits are capped; default is 50
    assert len(sim.api("GET", "/plans?$limit=500", tok, org="big").json()["results"]) == 50
    assert len(sim.api("GET", "/plans", tok, org="big").json()["results"]) == 50
    assert sim.api("GET", "/plans?$cursorNext=garbage", tok, org="big").status == 400


# -- fees --------------------------------------------------------------------------------------

def test_fee_validation_and_create(sim):
    tok = sim.token()
    cases = [
        (fee_body(name=""), "name"), (fee_body(issueDate="yesterday"), "issueDate"),
        (fee_body(location="65a1f0c2e4b0a1b2c3d4efff"), "location"),
        (fee_body(plan=None), "plan"), (fee_body(price=-1), "price"),
        (fee_body(price="2.5"), "price"), (fee_body(member=None), "member"),
        (fee_body(quantity=0), "quantity"), (fee_body(team=COMPANY), "team"),
    ]
    for body, field in cases:
        r = sim.api("POST", "/fees", tok, body)
        assert r.status == 422, (body, r)
        assert r.json()["message"].startswith(field + ": "), r.json()
    r = http("POST", sim.org_url() + "/fees", body="{not json",
             headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    assert r.status == 400
    assert sim.fees() == []

    r = sim.api("POST", "/fees", tok, fee_body(properties={"pilotomail_ref": "PM-1"},
                                               quantity=2, company=COMPANY))
    assert r.status == 201
    fee = r.json()
    assert len(fee["_id"]) == 24 and fee["status"] == "approved"
    assert fee["issueDate"] == "2024-05-01T00:00:00.000Z" and fee["quantity"] == 2
    assert fee["createdAt"].endswith("Z") and fee["properties"] == {"pilotomail_ref": "PM-1"}
    sim.add_org("other")
    assert sim.fees() == [fee] and sim.fees(org="other") == []
    r = sim.api("GET", "/fees?member=" + MEMBER, tok)
    assert [f["_id"] for f in r.json()["results"]] == [fee["_id"]]
    assert sim.api("GET", "/fees?member=" + COMPANY, tok).json()["results"] == []
    assert len(sim.api("GET", "/fees?company=" + COMPANY, tok).json()["results"]) == 1


# -- faults ------------------------------------------------------------------------------------

def test_fault_status_and_429(sim):
    tok = sim.token()
    sim.fault(method="POST", path="/fees", kind="status", status=503, count=2)
    assert sim.api("POST", "/fees", tok, fee_body()).status == 503
    assert sim.api("POST", "/fees", tok, fee_body()).status == 503
    assert sim.fees() == []
    assert sim.api("POST", "/fees", tok, fee_body()).status == 201
    sim.fault(path="/plans", kind="429", retry_after=2)
    r = sim.api("GET", "/plans", tok)
    assert r.status == 429 and r.headers["retry-after"] == "2"
    assert r.json() == {"message": "Too many requests"}
    assert sim.api("GET", "/plans", tok).status == 200
    assert sim.stats()["faults_fired"] == 3


def test_fault_delay(sim):
    tok = sim.token()
    sim.fault(path="/members/{id}", kind="delay", delay_ms=1500)
    r = sim.api("GET", "/members/" + MEMBER, tok, timeout=0.5)
    assert r.status == 0                                       # client timed out
    t0 = time.time()
    assert sim.api("GET", "/members/" + MEMBER, tok).status == 200
    assert time.time() - t0 < 1.0


def test_fault_drop_and_lost_answer(sim):
    tok = sim.token()
    sim.fault(method="POST", path="/fees", kind="drop")
    r = sim.api("POST", "/fees", tok, fee_body())
    assert r.status == 0 and sim.fees() == []                  # no answer, no work
    sim.fault(method="POST", path="/fees", kind="lost_answer")
    r = sim.api("POST", "/fees", tok, fee_body())
    assert r.status == 0 and len(sim.fees()) == 1              # no answer, but the fee exists
    assert sim.stats()["requests"]["POST /fees"] == 2


def test_fault_token_endpoint_and_expire_tokens(sim):
    tok = sim.token()
    sim.fault(path="/oauth/token", kind="status", status=500)
    with pytest.raises(SimError) as e:
        sim.token()
    assert e.value.status == 500
    sim.fault(path="/locations", kind="expire_tokens")
    assert sim.api("GET", "/locations", tok).status == 401
    assert sim.api("GET", "/plans", tok).status == 401         # every token is gone
    assert sim.api("GET", "/locations", sim.token()).status == 200


def test_fault_probability_is_reproducible(sim):
    tok = sim.token()

    def run():
        sim.clear_faults()
        sim.fault(path="/plans", kind="status", status=502, probability=0.5, seed=7, count=100)
        return [sim.api("GET", "/plans", tok).status for _ in range(20)]

    first, second = run(), run()
    assert first == second and 502 in first and 200 in first


def test_token_ttl_and_write_limit(sim):
    sim.config(token_ttl=1)
    tok = sim.token()
    assert sim.api("GET", "/plans", tok).status == 200
    time.sleep(1.2)
    assert sim.api("GET", "/plans", tok).status == 401
    sim.config(token_ttl=3599, write_limit_per_minute=2)
    tok = sim.token()
    assert sim.api("POST", "/fees", tok, fee_body()).status == 201
    r = sim.api("POST", "/fees", tok, fee_body())
    assert r.status == 201 and r.headers["x-ratelimit-remaining-write-minute"] == "0"
    r = sim.api("POST", "/fees", tok, fee_body())
    assert r.status == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert sim.stats()["rate_limited"] == 1 and len(sim.fees()) == 2
    assert sim.api("GET", "/plans", tok).status == 200         # reads are separate
    sim.config(write_limit_per_minute=1, rate_window_seconds=1)
    time.sleep(1.1)
    assert sim.api("POST", "/fees", tok, fee_body()).status == 201
    r = sim.api("POST", "/fees", tok, fee_body())
    assert r.status == 429 and r.headers["retry-after"] == "1"
    time.sleep(1.1)
    assert sim.api("POST", "/fees", tok, fee_body()).status == 201


# -- webhooks ----------------------------------------------------------------------------------

def test_send_webhook_signature(sim, receiver):
    obj = {"_id": "65a1f0c2e4b0a1b2c3d4e901", "member": MEMBER}
    ans = sim.send_webhook(receiver.url, "whsec", "membership.created", obj, event_id="ev-1",
                           timestamp=1700000000)
    assert ans["status"] == 200 and ans["body"] == "ok"
    headers, body = receiver.requests[-1]
    ok, t = verify("whsec", headers, body)
    assert ok and t == 1700000000
    assert headers["officernd-signature"] == ans["signature_header"]
    assert body.decode() == ans["sent_body"]
    event = json.loads(body)
    assert event["event"] == "ev-1" and event["eventType"] == "membership.created"
    assert event["data"] == {"object": obj, "previousAttributes": {}}
    assert headers["content-type"] == "application/json"

    ans = sim.send_webhook(receiver.url, "whsec", raw_body='{"x":1}',
                           signature_header="t=1,signature=00")
    headers, body = receiver.requests[-1]
    assert body == b'{"x":1}' and headers["officernd-signature"] == "t=1,signature=00"
    assert not verify("whsec", headers, body)[0]
    sim.send_webhook(receiver.url, "whsec", signature_header=None)
    assert "officernd-signature" not in receiver.requests[-1][0]
    # a closed port reads as status 0
    assert sim.send_webhook("http://127.0.0.1:9/x", "s")["status"] == 0


def test_send_webhook_subcommand(sim, receiver):
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(b'{"event":"e1","eventType":"membership.removed"}')
    try:
        out = subprocess.run([sys.executable, simctl.SIM_PATH, "send-webhook", "--url",
                              receiver.url, "--secret", "k", "--body-file", f.name,
                              "--timestamp", "1700000001"],
                             capture_output=True, text=True, timeout=30)
    finally:
        os.unlink(f.name)
    assert out.returncode == 0 and out.stdout.startswith("HTTP 200")
    headers, body = receiver.requests[-1]
    assert verify("k", headers, body) == (True, 1700000001)


def test_membership_control_emits_webhooks(sim, receiver):
    sim.add_webhook_endpoint(DEMO_ORG, receiver.url, "whsec")
    m = sim.add("memberships", DEMO_ORG, member=MEMBER, plan=MAIL_PLAN, location=LOC,
                startDate="2024-01-01")
    assert m["deliveries"] == [{"url": receiver.url, "status": 200,
                                "event_id": m["deliveries"][0]["event_id"],
                                "event_type": "membership.created", "body": "ok"}]
    assert m["calculatedStatus"] == "active" and "endDate" not in m
    assert m["startDate"] == "2024-01-01T00:00:00.000Z"
    headers, body = receiver.requests[-1]
    assert verify("whsec", headers, body)[0]
    created = json.loads(body)
    assert created["eventType"] == "membership.created"
    assert created["data"]["object"]["_id"] == m["_id"]

    u = sim.patch_membership(m["_id"], endDate="2020-01-01")
    assert u["modifiedAt"] > m["modifiedAt"] and u["calculatedStatus"] == "expired"
    updated = json.loads(receiver.requests[-1][1])
    assert updated["eventType"] == "membership.updated"
    prev = updated["data"]["previousAttributes"]
    assert prev["endDate"] is None and prev["calculatedStatus"] == "active"
    assert "member" not in prev
    u2 = sim.patch_membership(m["_id"], price=30)                # same millisecond is fine
    assert u2["modifiedAt"] > u["modifiedAt"]

    tok = sim.token()
    assert sim.api("GET", "/memberships/" + m["_id"], tok).json()["price"] == 30
    d = sim.delete_membership(m["_id"])
    assert d["_id"] == m["_id"] and d["deliveries"][0]["status"] == 200
    removed = json.loads(receiver.requests[-1][1])
    assert removed["eventType"] == "membership.removed"
    assert removed["data"]["object"]["_id"] == m["_id"]
    assert sim.api("GET", "/memberships/" + m["_id"], tok).status == 404
    assert len({json.loads(b)["event"] for _, b in receiver.requests}) == 4

    # silent changes (a lost webhook) and an unreachable endpoint
    n = len(receiver.requests)
    sim.add("memberships", DEMO_ORG, send_webhooks=False, member=MEMBER, plan=MAIL_PLAN)
    assert len(receiver.requests) == n
    sim.add_webhook_endpoint(DEMO_ORG, "http://127.0.0.1:9/hook", "x")
    m2 = sim.add("memberships", DEMO_ORG, member=MEMBER, plan=MAIL_PLAN)
    assert sorted(d["status"] for d in m2["deliveries"]) == [0, 200]
    assert len(sim.deliveries()) == 6


def test_reset_and_start_stop():
    s = Sim(quiet=True).start()
    try:
        assert s.list("memberships") == []
        with pytest.raises(SimError):
            s.token()
        s.reset(SEED_PATH)
        assert s.token()
        port_file = os.path.join(s.workdir, "port")
        assert os.path.exists(port_file)
        s.stop()
        assert not os.path.exists(port_file)                  # removed on a clean exit
    finally:
        s.cleanup()


# -- Webhooks API (issue 10) -------------------------------------------------------------------

def test_webhooks_api_scopes_crud_and_paging(sim):
    sim.add_client("wh-client", "wh-secret", DEMO_ORG, scopes=ALL_SCOPES + simctl.WEBHOOK_SCOPES)
    full = sim.token("wh-client", "wh-secret", ALL_SCOPES + simctl.WEBHOOK_SCOPES)
    plain = sim.token()  # the demo application: no webhook scopes
    r = sim.api("GET", "/webhooks", plain)
    assert r.status == 403 and r.json()["message"] == "Missing required scope: flex.settings.webhooks.read"
    r = sim.api("POST", "/webhooks", plain, {"url": "https://x.example/h", "eventTypes": ["membership.created"]})
    assert r.status == 403 and r.json()["message"].endswith("flex.settings.webhooks.create")

    made = []
    for i in range(3):
        r = sim.api("POST", "/webhooks", full, {"url": "https://x.example/h%d" % i,
                                                "eventTypes": ["membership.created", "membership.updated"]})
        assert r.status == 201, r
        made.append(r.json())
    assert len({w["secret"] for w in made}) == 3 and all(w["isEnabled"] for w in made)
    r = sim.api("GET", "/webhooks?$limit=2", full)
    page = r.json()
    assert [w["_id"] for w in page["results"]] == [made[0]["_id"], made[1]["_id"]] and page["cursorNext"]
    r = sim.api("GET", "/webhooks?$limit=2&$cursorNext=" + page["cursorNext"], full)
    assert [w["_id"] for w in r.json()["results"]] == [made[2]["_id"]] and r.json()["cursorNext"] is None

    r = sim.api("PATCH", "/webhooks/" + made[0]["_id"], full, {"isEnabled": False, "url": "https://x.example/moved"})
    assert r.status == 200 and r.json()["isEnabled"] is False and r.json()["url"] == "https://x.example/moved"
    assert sim.api("PATCH", "/webhooks/" + made[0]["_id"], full, {"secret": "x"}).status == 422
    sim.config(webhook_patch=0)
    assert sim.api("PATCH", "/webhooks/" + made[0]["_id"], full, {"isEnabled": True}).status == 405
    assert sim.api("DELETE", "/webhooks/" + made[1]["_id"], full).status == 200
    assert sim.api("GET", "/webhooks/" + made[1]["_id"], full).status == 404
    assert sorted(ep["_id"] for ep in sim.webhook_endpoints()) == sorted([made[0]["_id"], made[2]["_id"]])


def test_deliveries_signed_per_webhook_filtered_and_disabled_after_failures(sim, receiver):
    sim.add_client("wh-client", "wh-secret", DEMO_ORG, scopes=ALL_SCOPES + simctl.WEBHOOK_SCOPES)
    tok = sim.token("wh-client", "wh-secret", ALL_SCOPES + simctl.WEBHOOK_SCOPES)
    created_only = sim.api("POST", "/webhooks", tok, {"url": receiver.url, "eventTypes": ["membership.created"]}).json()
    every = sim.add_webhook_endpoint(DEMO_ORG, receiver.url + "?all", "hand-secret")
    m = sim.add("memberships", DEMO_ORG, member=MEMBER, plan=MAIL_PLAN, location=LOC)
    assert sorted(d["url"] for d in m["deliveries"]) == sorted([receiver.url, receiver.url + "?all"])
    verified = [verify(s, h, b)[0] for (h, b) in receiver.requests for s in (created_only["secret"], "hand-secret")]
    assert len(receiver.requests) == 2 and verified.count(True) == 2  # each with its own webhook's secret only
    # membership.updated goes only to the webhook that subscribes to it.
    m2 = sim.patch_membership(m["_id"], name="Renamed")
    assert [d["url"] for d in m2["deliveries"]] == [receiver.url + "?all"]

    sim.config(webhook_disable_after=2)
    sim.fail_deliveries(2)
    for name in ("a", "b"):
        assert [d["status"] for d in sim.patch_membership(m["_id"], name=name)["deliveries"]] == [0]
    ep = [e for e in sim.webhook_endpoints() if e["_id"] == every["_id"]][0]
    assert ep["isEnabled"] is False and ep["failures"] == 2
    assert sim.patch_membership(m["_id"], name="c")["deliveries"] == []  # disabled: nothing sent
    sim.patch_webhook_endpoint(every["_id"], isEnabled=True)
    assert [d["status"] for d in sim.patch_membership(m["_id"], name="d")["deliveries"]] == [200]
