"""simctl: start, stop and drive the OfficeRnD simulator (tests/sim/officernd_sim.py) from tests.

    from simctl import Sim, SEED_PATH, DEMO_ORG
    sim = Sim().start(SEED_PATH)          # or: with Sim().start(SEED_PATH) as sim: ...
    sim.url                               # http://127.0.0.1:PORT
    sim.identity_url                      # base of the identity server (token: + "/oauth/token")
    sim.api_url                           # http://127.0.0.1:PORT/api/v2
    sim.add("memberships", DEMO_ORG, member=..., plan=..., location=...)
    sim.fault(method="POST", path="/fees", kind="status", status=503)
    sim.stop()

Every control method returns the decoded JSON answer, and raises SimError (with .status and .body)
when the simulator answers 4xx/5xx. The control API itself is documented at the top of
officernd_sim.py. Python standard library only (urllib); proxies from the environment are ignored.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIM_PATH = os.path.join(ROOT, "tests", "sim", "officernd_sim.py")
SEED_PATH = os.path.join(ROOT, "tests", "sim", "seed.json")

ALL_SCOPES = [
    "flex.community.members.read",
    "flex.community.memberships.read",
    "flex.community.companies.read",
    "flex.space.locations.read",
    "flex.billing.plans.read",
    "flex.community.fees.create",
    "flex.community.fees.read",
]
WEBHOOK_SCOPES = [
    "flex.settings.webhooks.read",
    "flex.settings.webhooks.create",
    "flex.settings.webhooks.update",
    "flex.settings.webhooks.delete",
]
DEMO_ORG = "acme-spaces"
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def load_seed(path=SEED_PATH):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class SimError(Exception):
    def __init__(self, status, body, where=""):
        super().__init__("simulator answered %s %s: %r" % (status, where, body))
        self.status, self.body = status, body


class Response:
    """An HTTP answer: status (0 = no answer at all), headers (lower-case keys), text, json()."""

    def __init__(self, status, headers, text, error=None):
        self.status, self.headers, self.text, self.error = status, headers, text, error

    def json(self):
        return json.loads(self.text) if self.text else None

    def __repr__(self):
        return "<Response %s %r>" % (self.status, self.text[:200])


def http(method, url, body=None, headers=None, form=None, timeout=30):
    """One HTTP request. body: dict/list (sent as JSON), bytes or str; form: dict (urlencoded).
    Never raises for HTTP errors; a connection without answer gives status 0 (see .error)."""
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
    elif body is not None:
        data = body
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            return Response(r.status, {k.lower(): v for k, v in r.headers.items()},
                            r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return Response(e.code, {k.lower(): v for k, v in e.headers.items()},
                        e.read().decode("utf-8", "replace"))
    except Exception as e:  # refused, reset, closed without answer, timeout
        return Response(0, {}, "", error=e)


class Sim:
    def __init__(self, python=None, quiet=False):
        self.python = python or sys.executable or "/usr/bin/python3"
        self.quiet = quiet
        self.proc = None
        self.port = None
        self.workdir = None
        self.log_path = None

    # -- process -------------------------------------------------------------------------------

    def start(self, seed_path=None, timeout=15):
        """Start the simulator on a free port; returns self once it is listening."""
        self.workdir = tempfile.mkdtemp(prefix="officernd-sim-")
        port_file = os.path.join(self.workdir, "port")
        self.log_path = os.path.join(self.workdir, "sim.log")
        cmd = [self.python, SIM_PATH, "--host", "127.0.0.1", "--port", "0",
               "--port-file", port_file]
        if seed_path:
            cmd += ["--seed", seed_path]
        if self.quiet:
            cmd.append("--quiet")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        log = self.log()
        self.stop()
        raise RuntimeError("the simulator did not start; its log:\n" + log)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        """stop() and remove the temporary directory (port file, log)."""
        self.stop()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # -- addresses -----------------------------------------------------------------------------

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def identity_url(self):
        return self.url

    @property
    def token_url(self):
        return self.url + "/oauth/token"

    @property
    def api_url(self):
        return self.url + "/api/v2"

    def org_url(self, org=DEMO_ORG):
        return "%s/organizations/%s" % (self.api_url, org)

    # -- the OfficeRnD side, for tests that talk to it directly -------------------------------

    def token(self, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, scopes=None):
        """An access token (raises SimError when refused)."""
        r = http("POST", self.token_url,
                 form={"client_id": client_id, "client_secret": client_secret,
                       "grant_type": "client_credentials",
                       "scope": " ".join(ALL_SCOPES if scopes is None else scopes)})
        if r.status != 200:
            raise SimError(r.status, r.text, "POST /oauth/token")
        return r.json()["access_token"]

    def api(self, method, path, token, body=None, org=DEMO_ORG, timeout=30):
        """A Response for an API call, e.g. sim.api("GET", "/plans?$limit=10", tok)."""
        return http(method, self.org_url(org) + path, body=body,
                    headers={"Authorization": "Bearer " + token}, timeout=timeout)

    # -- control API ---------------------------------------------------------------------------

    def _call(self, method, path, body=None):
        r = http(method, self.url + "/_sim" + path, body=body if body is not None else None)
        if r.status == 0:
            raise SimError(0, str(r.error), "%s /_sim%s" % (method, path))
        data = r.json()
        if r.status >= 400:
            raise SimError(r.status, data, "%s /_sim%s" % (method, path))
        return data

    @staticmethod
    def _hooks(send_webhooks):
        return "" if send_webhooks else "?webhooks=0"

    def reset(self, seed=None):
        """Clear everything; load seed (a dict, or a path to a seed file) when given."""
        if isinstance(seed, str):
            seed = load_seed(seed)
        return self._call("POST", "/reset", seed or {})

    def add_org(self, slug):
        return self._call("POST", "/orgs", {"slug": slug})

    def add_client(self, client_id, client_secret, org, scopes=None):
        body = {"client_id": client_id, "client_secret": client_secret, "org": org}
        if scopes is not None:
            body["scopes"] = list(scopes)
        return self._call("POST", "/clients", body)

    def add(self, kind, org, send_webhooks=True, **fields):
        """Create a location/plan/member/company/membership/fee; returns it. A membership's answer
        also has "deliveries" (the webhooks sent; none with send_webhooks=False)."""
        return self._call("POST", "/%s%s" % (kind, self._hooks(send_webhooks)),
                          dict(fields, org=org))

    def list(self, kind, org=None):
        q = "?" + urllib.parse.urlencode({"org": org}) if org else ""
        return self._call("GET", "/%s%s" % (kind, q))

    def get(self, kind, obj_id):
        return self._call("GET", "/%s/%s" % (kind, obj_id))

    def patch(self, kind, obj_id, send_webhooks=True, **fields):
        return self._call("PATCH", "/%s/%s%s" % (kind, obj_id, self._hooks(send_webhooks)),
                          fields)

    def delete(self, kind, obj_id, send_webhooks=True):
        return self._call("DELETE", "/%s/%s%s" % (kind, obj_id, self._hooks(send_webhooks)))

    def patch_membership(self, membership_id, send_webhooks=True, **fields):
        """Update a membership (endDate=None makes it open ended); sends membership.updated."""
        return self.patch("memberships", membership_id, send_webhooks, **fields)

    def delete_membership(self, membership_id, send_webhooks=True):
        """Remove a membership; sends membership.removed. Returns its last state."""
        return self.delete("memberships", membership_id, send_webhooks)

    def add_webhook_endpoint(self, org, url, secret, events=None):
        body = {"org": org, "url": url, "secret": secret}
        if events is not None:
            body["events"] = list(events)
        return self._call("POST", "/webhook_endpoints", body)

    def webhook_endpoints(self):
        return self._call("GET", "/webhook_endpoints")

    def clear_webhook_endpoints(self):
        return self._call("DELETE", "/webhook_endpoints")

    def deliveries(self):
        return self._call("GET", "/deliveries")

    # -- webhook endpoints managed through the API (issue 10) ---------------------------------

    def patch_webhook_endpoint(self, endpoint_id, **fields):
        """Change an endpoint behind pilotomail's back: url, events, isEnabled, secret."""
        return self._call("PATCH", "/webhook_endpoints/%s" % endpoint_id, fields)

    def fail_deliveries(self, count):
        """The next count membership deliveries fail, as if pilotomail's receiver were off."""
        return self._call("POST", "/delivery_faults", {"count": count})

    def change_while_off(self, membership_id, **fields):
        """A membership change OfficeRnD makes while it sends pilotomail nothing: the endpoint
        is disabled (or the delivery fails). Returns the membership (with its deliveries)."""
        return self.patch_membership(membership_id, send_webhooks=False, **fields)

    def send_webhook(self, url, secret, event_type="membership.created", object=None,
                     previous=None, timestamp=None, event_id=None, raw_body=None,
                     **verbatim):
        """Post one signed event. Pass signature_header="..." to send that header verbatim, or
        signature_header=None to send none. Returns {"status","body","sent_body",
        "signature_header","event_id"}; status 0 = the target did not answer."""
        body = {"url": url, "secret": secret, "event_type": event_type,
                "object": object or {}, "previous": previous or {}}
        for key, value in (("timestamp", timestamp), ("event_id", event_id),
                           ("raw_body", raw_body)):
            if value is not None:
                body[key] = value
        if "signature_header" in verbatim:
            body["signature_header"] = verbatim.pop("signature_header")
        if verbatim:
            raise TypeError("unknown arguments: %s" % ", ".join(verbatim))
        return self._call("POST", "/send_webhook", body)

    def seed_memberships(self, org, count, **options):
        """Existing memberships (no webhooks): ended=, not_approved=, unlinked_location= with
        on_unlinked_location=, with_company=, plans=, locations=, prefix=, start_date= (see
        officernd_sim.py). Returns {"created", "memberships": [{"_id","member","name","email",
        "plan","location","company","kind"}]}."""
        return self._call("POST", "/seed_memberships", dict(options, org=org, count=count))

    def fees(self, org=None):
        return self.list("fees", org)

    def stats(self):
        return self._call("GET", "/stats")

    def reset_stats(self):
        return self._call("POST", "/stats/reset")

    def fault(self, **spec):
        """e.g. fault(method="POST", path="/fees", kind="lost_answer"); see officernd_sim.py."""
        return self._call("POST", "/faults", spec)

    def faults(self):
        return self._call("GET", "/faults")

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def config(self, **kw):
        """token_ttl, write_limit_per_minute, read_limit_per_minute, rate_window_seconds."""
        return self._call("POST", "/config", kw)
