#!/usr/bin/python3
"""OfficeRnD simulator: a stand-in for OfficeRnD's identity server, API v2 and webhooks.

It is used by every test and by `make demo`, because OfficeRnD itself cannot be reached from the
build machine. It follows ../shared/officernd-api.md (from the repository root), the facts sheet.
Python 3 standard library only. One process serves everything on one loopback port:

    /usr/bin/python3 tests/sim/officernd_sim.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
                                               [--seed tests/sim/seed.json] [--quiet]
                                               [--state FILE]

  --port 0 picks a free port. The chosen port is written to --port-file (temp file + rename, so a
  reader never sees a partial number; the file is removed again on a clean exit) and
  "officernd-sim listening on 127.0.0.1:PORT" is printed to stdout. SIGTERM / SIGINT stop it.
  Without --seed it starts empty (no organization, no client). One log line per request goes to
  stderr unless --quiet.
  --state FILE keeps OfficeRnD's side between runs, as the real OfficeRnD keeps it (`make demo`
  uses it): when FILE exists it is loaded instead of the seed; after every request that may
  change something (any method but GET) and on exit, the objects, clients, tokens, webhook
  endpoints, config and clock are written to it (temp file + rename). Deliveries, faults, stats
  and rate windows are not kept.

    /usr/bin/python3 tests/sim/officernd_sim.py send-webhook --url URL --secret S --body-file F
                                                             [--timestamp T]

  signs the file's bytes exactly as OfficeRnD does and POSTs them to URL, printing the HTTP status
  ("HTTP 200", or "HTTP 0" when the target cannot be reached) and the answer. Exit status 0 on 2xx.

What OfficeRnD's side looks like
--------------------------------
POST /oauth/token  (application/x-www-form-urlencoded: client_id, client_secret,
                    grant_type=client_credentials, scope = space separated)
    200 {"access_token","token_type":"Bearer","expires_in":<token_ttl, 3599>,"scope":"<granted>"}
    The granted scopes are the requested ones that the client is allowed (all allowed ones when no
    scope is asked for); a scope not granted is reported later, by the API, as a 403. With config
    token_invalid_scope 1, asking for a scope the client lacks fails instead:
    400 {"error":"invalid_scope"} (which of the two OfficeRnD does is unverified).
    401 {"error":"invalid_client"} unknown client / wrong secret
    400 {"error":"unsupported_grant_type"} / {"error":"invalid_request"}

/api/v2/organizations/{slug}/...  with "Authorization: Bearer <token>"
    Checks, in this order: token (401 {"message":"Unauthorized"}), organization exists
    (404 {"message":"Organization not found"}), token belongs to that organization (403), route
    exists (404), scope (403 {"message":"Missing required scope: <scope>"}), rate limit (429).
    GET  /locations, /locations/{id}           flex.space.locations.read
    GET  /plans, /plans/{id}                   flex.billing.plans.read
    GET  /memberships, /memberships/{id}       flex.community.memberships.read
    GET  /members, /members/{id}               flex.community.members.read
    GET  /companies, /companies/{id}           flex.community.companies.read
    GET  /fees, /fees/{id}                     flex.community.fees.read
    POST /fees                                 flex.community.fees.create
    GET  /webhooks, /webhooks/{id}             flex.settings.webhooks.read
    POST /webhooks {"url","eventTypes"[,"description","isEnabled"]}  flex.settings.webhooks.create
         201 {"_id","url","description","eventTypes","secret","isEnabled"}: a new secret each
    PATCH /webhooks/{id} {"url","eventTypes","isEnabled","description"}  .update (405 when
         config webhook_patch is 0, as an account without PATCH would answer)
    DELETE /webhooks/{id}                      flex.settings.webhooks.delete
    The webhooks are the endpoints below: each signs its deliveries with its own secret, gets
    only the events it subscribes to, and only while isEnabled. After webhook_disable_after
    (config; default null = never, so older tests are unaffected) consecutive failed
    deliveries it is disabled.
    Lists: $limit (default 50, values above 50 are capped at 50, below 1 -> 400), $cursorNext
    (opaque; a bad one -> 400). Body {"results","cursorNext"|null,"cursorPrev":null,
    "rangeStart","rangeEnd"} with 1-based inclusive ranges, as in OfficeRnD's "Building queries".
    Any other query parameter filters: `field=value` (equality; also member=, company= on /fees),
    `field[$gt]=v`, `[$gte]`, `[$lt]`, `[$lte]` (string or number comparison, e.g. on modifiedAt).
    Unknown id -> 404 {"message":"Membership not found"} (etc.).
    POST /fees: JSON object (Content-Type application/json, else 415; malformed JSON -> 400).
      required name (non-empty string), issueDate (ISO date or date-time; stored normalized to
      "YYYY-MM-DDTHH:MM:SS.mmmZ" UTC), location, plan (existing ids of that org), price
      (number >= 0), and member and/or company (existing ids). Optional quantity (int >= 1,
      default 1), shouldBillInAdvance (bool, default false), isPersonal (bool, default: member
      given and no company), properties (object, default {}), description (string).
      Any other field -> 422 "<field>: is not allowed" (catches v1 names such as date/team).
      The first problem found -> 422 {"message":"<field>: <problem>"}.
      201 -> the stored fee with _id, status "approved", createdAt, modifiedAt.
    Every /api/ answer carries x-ratelimit-{limit,remaining,reset}-{read,write}-minute. Limits are
    counted per organization over a sliding window of rate_window_seconds (60). Only enforced when
    read_limit_per_minute / write_limit_per_minute are set (otherwise a nominal 1000 is shown):
    429 {"message":"Too many requests"} with Retry-After = seconds until a request fits again;
    the reset header = seconds until the oldest counted request leaves the window.

Webhooks (sent to the endpoints registered for an organization, and by /_sim/send_webhook)
    POST <url>, Content-Type: application/json, body (compact JSON)
      {"event":"<unique id>","eventType":"membership.created|updated|removed",
       "data":{"object":{...membership...},"previousAttributes":{...}},"createdAt":"ISO"}
    header  officernd-signature: t=<unix seconds>,signature=<hex>
            where hex = HMAC-SHA256(secret, rawBody + "." + t), lower-case hex
    10 s timeout, no retries; a target that cannot be reached is recorded as status 0.

Control API (tests only; no authentication; JSON in and out; errors are 4xx {"error": "..."})
    POST   /_sim/reset                    [seed object]  clear everything (objects, clients, tokens,
                                          faults, stats, config, endpoints) and load the seed
    POST   /_sim/orgs                     {"slug"}
    POST   /_sim/clients                  {"client_id","client_secret","org","scopes":[...]}
                                          (scopes default: the seven of the facts sheet)
    POST   /_sim/{kind}                   {"org", ...fields}  kind = locations, plans, members,
                                          companies, memberships, fees. _id generated unless given,
                                          createdAt/modifiedAt filled. Returns the object.
    GET    /_sim/{kind}[?org=]            the objects, in creation order (GET /_sim/fees: every fee
                                          received or added, in creation order)
    PATCH  /_sim/{kind}/{id}              {...fields}  update (null endDate = open ended); bumps
                                          modifiedAt, strictly increasing. Returns the object.
    DELETE /_sim/{kind}/{id}              remove; returns the last state.
        For memberships, create / patch / delete send membership.created / membership.updated
        (previousAttributes = old values of the changed fields) / membership.removed to every
        endpoint of the organization, synchronously, and the answer gets an extra
        "deliveries":[{"url","status","event_id","event_type","body"}]. ?webhooks=0: none
        (a "lost" webhook). calculatedStatus is recomputed from status and dates unless given.
    POST   /_sim/webhook_endpoints        {"org","url","secret"[,"events":[...]]}
    GET    /_sim/webhook_endpoints        the endpoints (with "isEnabled", "failures");
                                          DELETE /_sim/webhook_endpoints[/{id}]
    PATCH  /_sim/webhook_endpoints/{id}   {"url","events","isEnabled","secret","description"}
    POST   /_sim/delivery_faults          {"count"}: the next count membership deliveries fail
                                          (status 0, nothing sent), as if the receiver were off;
                                          they count towards webhook_disable_after
    GET    /_sim/deliveries               every webhook sent by membership changes
    POST   /_sim/seed_memberships         {"org","count"[,"plans","locations","ended","not_approved",
                                           "unlinked_location","on_unlinked_location","with_company",
                                           "prefix","start_date"]}
        Existing memberships, as an account has them before pilotomail is connected: count
        members ("<Prefix> 0001" <prefix>.0001@example.com) each with one membership, plans and
        locations taken in turn from the given ids (default: all of the org's). In creation order
        the first `ended` have an endDate in the past, the next `not_approved` are not approved,
        the next `on_unlinked_location` are at unlinked_location, the last `with_company` belong
        to a company of their own; startDate is start_date (default 2024-01-01) plus i days.
        No webhook is sent. Answers {"created":N,"memberships":[{"_id","member","name","email",
        "plan","location","kind"}]} (kind: active, ended, not_approved, unlinked_location).
        Served by GET /memberships and GET /members with the usual cursor paging.
    POST   /_sim/send_webhook             {"url","secret","event_type","object","previous",
                                           "timestamp","event_id","raw_body","signature_header"}
        Builds (or takes raw_body verbatim), signs (or takes signature_header verbatim; a null
        signature_header sends no header at all) and posts one event. Answers
        {"status","body","sent_body","signature_header","event_id"}.
    GET    /_sim/stats                    {"token_requests","requests":{"GET /plans":N,
                                           "GET /members/{id}":N,"POST /fees":N,...},
                                           "rate_limited","faults_fired"}  every API request
                                          received counts, faulted or not
    POST   /_sim/stats/reset
    POST   /_sim/faults                   {"method","path","kind","status","retry_after",
                                           "delay_ms","count","probability","seed"}
        path: "/oauth/token", or a suffix of the API path after /api/v2/organizations/{slug}
        ("/fees", "/members/{id}" matches any member); no path = any; no method = any.
        count: requests it applies to (default 1). probability: fire with that chance, using
        random.Random(seed) (seed default 0) so runs repeat; count is then the most it fires.
        kind: status (answer "status", default 503, without doing the work; Retry-After if
        retry_after given) | 429 (with Retry-After: retry_after, default 1) | delay (sleep
        delay_ms, then serve) | drop (close the connection without answer, no work) |
        lost_answer (do the work, e.g. store the fee, then close without answer) |
        expire_tokens (forget every token, then serve: this request gets 401).
        The first matching fault with requests left fires; one fault per request.
    GET    /_sim/faults,  DELETE /_sim/faults
    POST   /_sim/config                   {"token_ttl","write_limit_per_minute",
                                           "read_limit_per_minute","rate_window_seconds",
                                           "fee_latency_ms","webhook_disable_after",
                                           "webhook_patch","token_invalid_scope"}
                                          (a limit of null = not enforced); GET /_sim/config
        fee_latency_ms (default 0): every POST /fees that gets past the faults is held this long
        before it is handled, like a distant server (the benchmark uses 20).

Seed file (tests/sim/seed.json): {"config":{...}, "orgs":[{"slug", "locations":[...], "plans":[...],
"companies":[...], "members":[...], "memberships":[...], "fees":[...], "webhook_endpoints":[...]}],
"clients":[{"client_id","client_secret","org","scopes"}]}. Loading a seed sends no webhook.
"""

import argparse
import base64
import copy
import datetime
import hashlib
import hmac
import ipaddress
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALL_SCOPES = [
    "flex.community.members.read",
    "flex.community.memberships.read",
    "flex.community.companies.read",
    "flex.space.locations.read",
    "flex.billing.plans.read",
    "flex.community.fees.create",
    "flex.community.fees.read",
]

KINDS = ["locations", "plans", "companies", "members", "memberships", "fees"]
SINGULAR = {"locations": "Location", "plans": "Plan", "companies": "Company", "members": "Member",
            "memberships": "Membership", "fees": "Fee"}
READ_SCOPE = {"locations": "flex.space.locations.read", "plans": "flex.billing.plans.read",
              "companies": "flex.community.companies.read",
              "members": "flex.community.members.read",
              "memberships": "flex.community.memberships.read",
              "fees": "flex.community.fees.read"}
FEE_CREATE_SCOPE = "flex.community.fees.create"

DEFAULT_CONFIG = {"token_ttl": 3599, "write_limit_per_minute": None,
                  "read_limit_per_minute": None, "rate_window_seconds": 60,
                  "fee_latency_ms": 0, "webhook_disable_after": None, "webhook_patch": 1,
                  "token_invalid_scope": 0}
WEBHOOK_SCOPES = {"read": "flex.settings.webhooks.read", "create": "flex.settings.webhooks.create",
                  "update": "flex.settings.webhooks.update", "delete": "flex.settings.webhooks.delete"}
MEMBERSHIP_EVENTS = ["membership.created", "membership.updated", "membership.removed"]
NOMINAL_LIMIT = 1000          # shown in the headers when no limit is enforced
MAX_LIMIT = 50
API_PREFIX = re.compile(r"^/api/v2/organizations/([^/]+)(/.*)?$")

# ---------------------------------------------------------------------------------------------
# Small helpers: ids, time, JSON, signing
# ---------------------------------------------------------------------------------------------

_oid_counter = random.randrange(1 << 24)
_oid_lock = threading.Lock()


def new_object_id():
    """A MongoDB-style ObjectId: 4 bytes time, 5 random bytes, 3 bytes counter -> 24 hex chars."""
    global _oid_counter
    with _oid_lock:
        _oid_counter = (_oid_counter + 1) & 0xFFFFFF
        counter = _oid_counter
    return "%08x%s%06x" % (int(time.time()), secrets.token_hex(5), counter)


def iso_from_ms(ms):
    dt = datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def iso_now():
    return iso_from_ms(int(time.time() * 1000))


def parse_iso(value):
    """ISO-8601 date or date-time -> aware UTC datetime, or None. A naive time is taken as UTC."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        dt = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(datetime.timezone.utc)


def normalize_date(value):
    """ISO date/date-time -> "YYYY-MM-DDTHH:MM:SS.mmmZ"; other values are returned unchanged."""
    dt = parse_iso(value)
    if dt is None:
        return value
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def sign(secret, body_bytes, timestamp):
    """OfficeRnD's signature: hex HMAC-SHA256(secret, rawBody + "." + t)."""
    mac = hmac.new(secret.encode("utf-8"), body_bytes + b"." + str(timestamp).encode("ascii"),
                   hashlib.sha256)
    return mac.hexdigest()


def build_event(event_type, obj, previous=None, event_id=None):
    return {"event": event_id or new_object_id(), "eventType": event_type,
            "data": {"object": obj, "previousAttributes": previous or {}},
            "createdAt": iso_now()}


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_KEEP = object()


def post_signed(url, secret, body_bytes, timestamp=None, signature_header=_KEEP):
    """POST body_bytes to url, signed. Returns (status, answer text, signature header sent).

    status 0 means no HTTP answer (connection refused, timeout, ...). signature_header: _KEEP =
    compute it; None = send no signature header; a string = send it verbatim."""
    if signature_header is _KEEP:
        t = int(time.time()) if timestamp is None else int(timestamp)
        signature_header = "t=%d,signature=%s" % (t, sign(secret or "", body_bytes, t))
    headers = {"Content-Type": "application/json", "User-Agent": "officernd-sim-webhooks/1"}
    if signature_header is not None:
        headers["officernd-signature"] = signature_header
    req = urllib.request.Request(url, data=body_bytes, method="POST", headers=headers)
    try:
        with _NO_PROXY_OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8", "replace"), signature_header
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), signature_header
    except Exception as e:  # connection refused, timeout, reset: no HTTP answer
        return 0, "%s: %s" % (type(e).__name__, e), signature_header


class ApiError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def fail(status, message):
    raise ApiError(status, {"message": message})


def control_fail(status, message):
    raise ApiError(status, {"error": message})


# ---------------------------------------------------------------------------------------------
# The simulated OfficeRnD state
# ---------------------------------------------------------------------------------------------

class Simulator:
    def __init__(self):
        self.lock = threading.RLock()
        self.reset(None)

    # -- whole state ---------------------------------------------------------------------------

    def reset(self, seed):
        with self.lock:
            self.orgs = {}            # slug -> {kind: {id: object}} (dicts keep creation order)
            self.clients = {}         # client_id -> {client_secret, org, scopes}
            self.tokens = {}          # access token -> {client_id, org, scopes, expires}
            self.endpoints = []       # {_id, org, url, secret, events}
            self.deliveries = []      # webhook deliveries caused by membership changes
            self.delivery_failures = 0  # deliveries still to fail on purpose (/_sim/delivery_faults)
            self.fee_order = []       # (slug, fee id) in creation order
            self.faults = []
            self.config = dict(DEFAULT_CONFIG)
            self.windows = {}         # (slug, "read"|"write") -> [request times] (sliding)
            self.last_ms = 0
            self.reset_stats()
            if seed:
                self.load_seed(seed)

    # -- keeping the state between runs (--state) ---------------------------------------------

    def snapshot(self):
        with self.lock:
            return {"version": 1, "orgs": self.orgs, "clients": self.clients,
                    "tokens": {t: dict(i, scopes=sorted(i["scopes"])) for t, i in self.tokens.items()},
                    "endpoints": self.endpoints, "fee_order": self.fee_order,
                    "config": self.config, "last_ms": self.last_ms}

    def restore(self, state):
        with self.lock:
            self.reset(None)
            self.orgs = state["orgs"]
            self.clients = state["clients"]
            self.tokens = {t: dict(i, scopes=set(i["scopes"])) for t, i in state["tokens"].items()}
            self.endpoints = state["endpoints"]
            self.fee_order = [tuple(x) for x in state["fee_order"]]
            self.config = dict(DEFAULT_CONFIG, **state["config"])
            self.last_ms = state["last_ms"]

    def save(self, path):
        """Writes the state to path atomically (a reader never sees half a file)."""
        with self.lock:
            data = json.dumps(self.snapshot(), separators=(",", ":"))
            tmp = "%s.tmp.%d" % (path, os.getpid())
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(tmp, path)

    def reset_stats(self):
        with self.lock:
            self.stats = {"token_requests": 0, "requests": {}, "rate_limited": 0,
                          "faults_fired": 0}

    def load_seed(self, seed):
        if not isinstance(seed, dict):
            control_fail(400, "seed must be a JSON object")
        self.set_config(seed.get("config") or {})
        for org in seed.get("orgs", []):
            self.add_org(org["slug"])
            for kind in KINDS:
                for fields in org.get(kind, []):
                    self.add_object(kind, org["slug"], fields)
            for ep in org.get("webhook_endpoints", []):
                self.add_endpoint(dict(ep, org=org["slug"]))
        for client in seed.get("clients", []):
            self.add_client(client)

    def set_config(self, values):
        with self.lock:
            for key, value in values.items():
                if key not in DEFAULT_CONFIG:
                    control_fail(400, "unknown config key: %s" % key)
                if value is not None and (not isinstance(value, (int, float)) or value < 0):
                    control_fail(400, "%s: must be a number >= 0 or null" % key)
                if value is None and key in ("token_ttl", "rate_window_seconds", "fee_latency_ms"):
                    value = DEFAULT_CONFIG[key]
                self.config[key] = value
            return dict(self.config)

    def next_ms(self):
        """Milliseconds now, strictly greater than the last one handed out."""
        with self.lock:
            self.last_ms = max(int(time.time() * 1000), self.last_ms + 1)
            return self.last_ms

    # -- organizations, clients, tokens --------------------------------------------------------

    def add_org(self, slug):
        if not isinstance(slug, str) or not re.match(r"^[A-Za-z0-9._-]+$", slug):
            control_fail(400, "slug: must be letters, digits, '.', '_' or '-'")
        with self.lock:
            self.orgs.setdefault(slug, {kind: {} for kind in KINDS})
            return {"slug": slug}

    def org(self, slug):
        org = self.orgs.get(slug)
        if org is None:
            control_fail(404, "unknown org: %r" % (slug,))
        return org

    def add_client(self, body):
        for key in ("client_id", "client_secret", "org"):
            if not isinstance(body.get(key), str) or not body[key]:
                control_fail(400, "%s: required string" % key)
        scopes = body.get("scopes")
        scopes = list(ALL_SCOPES) if scopes is None else scopes
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            control_fail(400, "scopes: must be a list of strings")
        with self.lock:
            self.org(body["org"])
            self.clients[body["client_id"]] = {"client_secret": body["client_secret"],
                                               "org": body["org"], "scopes": scopes}
            return {"client_id": body["client_id"], "org": body["org"], "scopes": scopes}

    def issue_token(self, form):
        """The identity server's /oauth/token. Returns (status, body)."""
        with self.lock:
            grant = form.get("grant_type")
            if not grant:
                return 400, {"error": "invalid_request",
                             "error_description": "grant_type is required"}
            if grant != "client_credentials":
                return 400, {"error": "unsupported_grant_type"}
            client = self.clients.get(form.get("client_id", ""))
            if client is None or not hmac.compare_digest(
                    client["client_secret"].encode(), form.get("client_secret", "").encode()):
                return 401, {"error": "invalid_client",
                             "error_description": "Unknown client or wrong client secret"}
            requested = form.get("scope", "").split()
            refused = [x for x in requested if x not in client["scopes"]]
            if refused and self.config.get("token_invalid_scope"):
                # The other reading of OAuth: a scope the client may not have fails the request.
                return 400, {"error": "invalid_scope",
                             "error_description": "Requested scope is not allowed: %s" % refused[0]}
            if requested:
                granted = [s for s in dict.fromkeys(requested) if s in client["scopes"]]
            else:
                granted = list(client["scopes"])
            token = secrets.token_urlsafe(32)
            ttl = self.config["token_ttl"]
            self.tokens[token] = {"org": client["org"], "scopes": set(granted),
                                  "expires": time.time() + ttl}
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": ttl,
                         "scope": " ".join(granted)}

    def token_info(self, header):
        if not header:
            return None
        parts = header.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return None
        with self.lock:
            info = self.tokens.get(parts[1].strip())
            if info is None or info["expires"] <= time.time():
                return None
            return info

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    # -- objects -------------------------------------------------------------------------------

    def defaults(self, kind, org, fields):
        """Default fields of a new object of kind, OfficeRnD's shape."""
        if kind == "locations":
            return {"name": "Location", "isOpen": True, "isPublic": True,
                    "address": {"street": "", "city": "", "state": "", "zip": "", "country": ""}}
        if kind == "plans":
            return {"name": "Plan", "code": "", "type": "service", "price": 0,
                    "locations": [], "intervalLength": "month"}
        if kind == "companies":
            return {"name": "Company"}
        if kind == "members":
            return {"name": "Member", "email": None, "phone": None, "location": None,
                    "company": None, "status": "active"}
        if kind == "memberships":
            plan = org["plans"].get(fields.get("plan")) or {}
            today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
            return {"name": plan.get("name", "Membership"), "member": None, "company": None,
                    "plan": None, "location": None, "startDate": today,
                    "status": "approved", "isPersonal": not fields.get("company"),
                    "price": plan.get("price", 0)}
        if kind == "fees":
            return {"name": "Fee", "issueDate": iso_now(), "location": None, "plan": None,
                    "price": 0, "quantity": 1, "member": None, "company": None,
                    "shouldBillInAdvance": False, "isPersonal": False, "properties": {},
                    "status": "approved"}
        control_fail(404, "unknown kind: %s" % kind)

    @staticmethod
    def finish_membership(obj, explicit_status):
        for key in ("startDate", "endDate"):
            if key in obj:
                obj[key] = normalize_date(obj[key])
        if obj.get("endDate") is None:
            obj.pop("endDate", None)          # absent = open ended
        if not explicit_status:
            now = iso_now()
            if obj.get("status") != "approved":
                obj["calculatedStatus"] = "not_approved"
            elif isinstance(obj.get("startDate"), str) and obj["startDate"] > now:
                obj["calculatedStatus"] = "not_started"
            elif isinstance(obj.get("endDate"), str) and obj["endDate"] < now:
                obj["calculatedStatus"] = "expired"
            else:
                obj["calculatedStatus"] = "active"

    def add_object(self, kind, slug, fields):
        if kind not in KINDS:
            control_fail(404, "unknown kind: %s" % kind)
        fields = {k: v for k, v in fields.items() if k != "org"}
        with self.lock:
            org = self.org(slug)
            obj = self.defaults(kind, org, fields)
            obj.update(fields)
            obj["_id"] = str(fields.get("_id") or new_object_id())
            if self.find(obj["_id"]) is not None:
                control_fail(409, "_id already exists: %s" % obj["_id"])
            stamp = iso_from_ms(self.next_ms())
            obj.setdefault("createdAt", stamp)
            obj.setdefault("modifiedAt", stamp)
            if kind == "memberships":
                self.finish_membership(obj, "calculatedStatus" in fields)
            if kind == "fees":
                obj["issueDate"] = normalize_date(obj["issueDate"])
                self.fee_order.append((slug, obj["_id"]))
            # _id first, like OfficeRnD's answers
            obj = dict([("_id", obj["_id"])] + [(k, v) for k, v in obj.items() if k != "_id"])
            org[kind][obj["_id"]] = obj
            return copy.deepcopy(obj)

    def find(self, obj_id, kind=None):
        """(slug, kind, object) of an id, or None."""
        for slug, org in self.orgs.items():
            for k in ([kind] if kind else KINDS):
                if obj_id in org[k]:
                    return slug, k, org[k][obj_id]
        return None

    def patch_object(self, kind, obj_id, fields):
        """Returns (slug, new object, previousAttributes)."""
        with self.lock:
            found = self.find(obj_id, kind)
            if found is None:
                control_fail(404, "%s not found: %s" % (SINGULAR[kind], obj_id))
            slug, _, obj = found
            old = copy.deepcopy(obj)
            for key, value in fields.items():
                if key in ("_id", "org", "createdAt"):
                    continue
                obj[key] = value
            if "modifiedAt" not in fields:
                obj["modifiedAt"] = iso_from_ms(self.next_ms())
            if kind == "memberships":
                self.finish_membership(obj, "calculatedStatus" in fields)
            previous = {k: old.get(k) for k in set(old) | set(obj) if old.get(k) != obj.get(k)}
            return slug, copy.deepcopy(obj), previous

    def delete_object(self, kind, obj_id):
        with self.lock:
            found = self.find(obj_id, kind)
            if found is None:
                control_fail(404, "%s not found: %s" % (SINGULAR[kind], obj_id))
            slug, _, obj = found
            del self.orgs[slug][kind][obj_id]
            if kind == "fees":
                self.fee_order.remove((slug, obj_id))
            return slug, copy.deepcopy(obj)

    def list_objects(self, kind, slug=None):
        with self.lock:
            if kind == "fees":
                return [copy.deepcopy(self.orgs[s]["fees"][i]) for s, i in self.fee_order
                        if slug is None or s == slug]
            slugs = [slug] if slug is not None else list(self.orgs)
            return [copy.deepcopy(o) for s in slugs for o in self.org(s)[kind].values()]

    # -- webhooks ------------------------------------------------------------------------------

    def add_endpoint(self, body):
        for key in ("org", "url", "secret"):
            if not isinstance(body.get(key), str) or not body[key]:
                control_fail(400, "%s: required string" % key)
        events = body.get("events") or list(MEMBERSHIP_EVENTS)
        with self.lock:
            self.org(body["org"])
            ep = {"_id": new_object_id(), "org": body["org"], "url": body["url"],
                  "secret": body["secret"], "events": events,
                  "isEnabled": body.get("isEnabled", True) is not False,
                  "description": str(body.get("description") or ""), "failures": 0}
            self.endpoints.append(ep)
            return dict(ep)

    def deliver(self, slug, event_type, obj, previous):
        """Send one event to every endpoint of the org. Called WITHOUT the lock held, so that a
        receiver may call back into the API while handling it."""
        with self.lock:
            targets = [dict(ep) for ep in self.endpoints
                       if ep["org"] == slug and event_type in ep["events"]
                       and ep.get("isEnabled", True)]
        results = []
        for ep in targets:
            event = build_event(event_type, obj, previous)
            if self.take_delivery_failure():
                status, text = 0, "simulated delivery failure"
            else:
                status, text, _ = post_signed(ep["url"], ep["secret"], compact_json(event))
            result = {"url": ep["url"], "status": status, "event_id": event["event"],
                      "event_type": event_type, "body": text[:2000]}
            results.append(result)
            with self.lock:
                self.deliveries.append(dict(result, object_id=obj.get("_id"),
                                            at=iso_now()))
                self.count_delivery(ep["_id"], 200 <= status < 300)
        return results

    # -- webhook endpoints as the API manages them (Webhooks API of the facts sheet) ----------

    def take_delivery_failure(self):
        """True when this delivery is to fail on purpose (the receiver is 'off')."""
        with self.lock:
            if self.delivery_failures > 0:
                self.delivery_failures -= 1
                return True
            return False

    def count_delivery(self, endpoint_id, ok):
        """OfficeRnD's rule, as modelled: disabled after webhook_disable_after consecutive
        failed deliveries (null: never). Called with the lock held."""
        for ep in self.endpoints:
            if ep["_id"] != endpoint_id:
                continue
            ep["failures"] = 0 if ok else ep.get("failures", 0) + 1
            limit = self.config.get("webhook_disable_after")
            if not ok and limit and ep["failures"] >= limit:
                ep["isEnabled"] = False

    @staticmethod
    def webhook_view(ep):
        """An endpoint as the API shows it."""
        return {"_id": ep["_id"], "url": ep["url"], "description": ep.get("description", ""),
                "eventTypes": list(ep["events"]), "secret": ep["secret"],
                "isEnabled": ep.get("isEnabled", True)}

    def webhook_find(self, slug, webhook_id):
        for ep in self.endpoints:
            if ep["org"] == slug and ep["_id"] == webhook_id:
                return ep
        fail(404, "Webhook not found")

    def patch_endpoint(self, endpoint_id, fields):
        """Control: change url, events, isEnabled or secret of an endpoint."""
        with self.lock:
            for ep in self.endpoints:
                if ep["_id"] == endpoint_id:
                    for key in ("url", "events", "isEnabled", "secret", "description"):
                        if key in fields:
                            ep[key] = fields[key]
                    if fields.get("isEnabled"):
                        ep["failures"] = 0
                    return dict(ep)
            control_fail(404, "webhook endpoint not found: %s" % endpoint_id)

    # -- faults --------------------------------------------------------------------------------

    def add_fault(self, spec):
        kinds = ("status", "429", "delay", "drop", "lost_answer", "expire_tokens")
        kind = str(spec.get("kind", ""))
        if kind not in kinds:
            control_fail(400, "kind: must be one of %s" % ", ".join(kinds))
        fault = {"method": spec.get("method"), "path": spec.get("path"), "kind": kind,
                 "status": int(spec.get("status", 503)),
                 "retry_after": spec.get("retry_after"),
                 "delay_ms": int(spec.get("delay_ms", 1000)),
                 "count": int(spec.get("count", 1)), "fired": 0,
                 "probability": spec.get("probability"), "seed": spec.get("seed", 0)}
        fault["rng"] = random.Random(fault["seed"])
        with self.lock:
            self.faults.append(fault)
            return {k: v for k, v in fault.items() if k != "rng"}

    def list_faults(self):
        with self.lock:
            return [{k: v for k, v in f.items() if k != "rng"} for f in self.faults]

    def take_fault(self, method, path, route_key):
        """The fault to apply to this request, if any (and count it as fired)."""
        with self.lock:
            for f in self.faults:
                if f["fired"] >= f["count"]:
                    continue
                if f["method"] and f["method"].upper() != method:
                    continue
                if f["path"] and not (path.endswith(f["path"]) or route_key.endswith(f["path"])):
                    continue
                if f["probability"] is not None and f["rng"].random() >= float(f["probability"]):
                    continue
                f["fired"] += 1
                self.stats["faults_fired"] += 1
                return dict(f)
            return None

    # -- rate limits ---------------------------------------------------------------------------

    def _window(self, slug, kind):
        """The times of the requests counted in the sliding window (older ones are dropped)."""
        width = self.config["rate_window_seconds"] or 60
        times = self.windows.setdefault((slug, kind), [])
        now = time.time()
        while times and times[0] <= now - width:
            times.pop(0)
        return times, width, now

    def rate_headers(self, slug):
        """(x-ratelimit-* headers, seconds until the write window has room again)."""
        with self.lock:
            headers, write_reset = {}, 1
            for kind in ("read", "write"):
                times, width, now = self._window(slug, kind)
                limit = self.config["%s_limit_per_minute" % kind]
                limit = NOMINAL_LIMIT if limit is None else int(limit)
                # seconds until the oldest counted request leaves the window
                reset = max(1, math.ceil(times[0] + width - now)) if times else int(width)
                headers["x-ratelimit-limit-%s-minute" % kind] = str(limit)
                headers["x-ratelimit-remaining-%s-minute" % kind] = str(max(0, limit - len(times)))
                headers["x-ratelimit-reset-%s-minute" % kind] = str(reset)
                if kind == "write":
                    write_reset = reset
            return headers, write_reset

    def rate_take(self, slug, kind):
        """Count one request; False when it is over the enforced limit (then it is not counted).
        Returns (allowed, seconds until a request of this kind is allowed again)."""
        with self.lock:
            times, width, now = self._window(slug, kind)
            limit = self.config["%s_limit_per_minute" % kind]
            if limit is not None and len(times) >= limit:
                self.stats["rate_limited"] += 1
                wait = math.ceil(times[len(times) - int(limit)] + width - now) if limit else width
                return False, max(1, int(wait))
            times.append(now)
            return True, 0


# ---------------------------------------------------------------------------------------------
# API v2
# ---------------------------------------------------------------------------------------------

def route_api(method, rest):
    """(route key for stats, handler name, kind, id, scope) of an API path, or None."""
    m = re.match(r"^/([A-Za-z]+)(?:/([^/]+))?/?$", rest or "")
    if m and m.group(1) == "webhooks":
        return route_webhooks(method, m.group(2))
    if not m or m.group(1) not in KINDS:
        return None
    kind, obj_id = m.group(1), m.group(2)
    if method == "GET":
        key = "GET /%s%s" % (kind, "/{id}" if obj_id else "")
        return key, ("get" if obj_id else "list"), kind, obj_id, READ_SCOPE[kind]
    if method == "POST" and kind == "fees" and obj_id is None:
        return "POST /fees", "create_fee", kind, None, FEE_CREATE_SCOPE
    return None


def route_webhooks(method, obj_id):
    """The Webhooks API: list, create, get, update (PATCH), delete."""
    suffix = "/{id}" if obj_id else ""
    action = {("GET", False): "list", ("POST", False): "create", ("GET", True): "get",
              ("PATCH", True): "update", ("DELETE", True): "delete"}.get((method, bool(obj_id)))
    if action is None:
        return None
    scope = WEBHOOK_SCOPES["read" if action in ("list", "get") else action]
    return ("%s /webhooks%s" % (method, suffix), "webhook_" + action, "webhooks", obj_id, scope)


def webhook_fields(body, creating):
    """The checked url / eventTypes / isEnabled / description of a create or PATCH body."""
    allowed = {"url", "eventTypes", "isEnabled", "description"}
    for field in body:
        if field not in allowed:
            fail(422, "%s: is not allowed" % field)
    if creating or "url" in body:
        url = body.get("url")
        if not isinstance(url, str) or not re.match(r"^https?://", url):
            fail(422, "url: must be an http(s) URL")
    if creating or "eventTypes" in body:
        events = body.get("eventTypes")
        if not isinstance(events, list) or not events or \
                not all(isinstance(e, str) and e for e in events):
            fail(422, "eventTypes: must be a non-empty list of event names")
    if "isEnabled" in body and not isinstance(body["isEnabled"], bool):
        fail(422, "isEnabled: must be a boolean")
    if "description" in body and not isinstance(body["description"], str):
        fail(422, "description: must be a string")
    return body


def api_webhooks(sim, slug, action, obj_id, query, body):
    """GET/POST /webhooks, GET/PATCH/DELETE /webhooks/{id}. Each endpoint signs with its own
    secret, made here on creation and shown in every answer (as OfficeRnD's reference says)."""
    with sim.lock:
        if action == "list":
            items = [sim.webhook_view(ep) for ep in sim.endpoints if ep["org"] == slug]
            return 200, page_of(items, query)
        if action == "create":
            fields = webhook_fields(body, True)
            ep = sim.add_endpoint({"org": slug, "url": fields["url"],
                                   "secret": secrets.token_hex(24),
                                   "events": list(dict.fromkeys(fields["eventTypes"])),
                                   "isEnabled": fields.get("isEnabled", True),
                                   "description": fields.get("description", "")})
            return 201, sim.webhook_view(ep)
        ep = sim.webhook_find(slug, obj_id)
        if action == "get":
            return 200, sim.webhook_view(ep)
        if action == "update":
            if not sim.config.get("webhook_patch"):
                fail(405, "Cannot PATCH /webhooks/%s" % obj_id)
            fields = webhook_fields(body, False)
            if "url" in fields:
                ep["url"] = fields["url"]
            if "eventTypes" in fields:
                ep["events"] = list(dict.fromkeys(fields["eventTypes"]))
            if "description" in fields:
                ep["description"] = fields["description"]
            if "isEnabled" in fields:
                ep["isEnabled"] = fields["isEnabled"]
                if fields["isEnabled"]:
                    ep["failures"] = 0
            return 200, sim.webhook_view(ep)
        sim.endpoints = [e for e in sim.endpoints if e is not ep]
        return 200, sim.webhook_view(ep)


def page_of(items, query):
    """One cursor page of items, as every list of the API answers."""
    limit = MAX_LIMIT
    if "$limit" in query:
        try:
            limit = int(query["$limit"][0])
        except ValueError:
            fail(400, "$limit: must be an integer")
        if limit < 1:
            fail(400, "$limit: must be at least 1")
        limit = min(limit, MAX_LIMIT)
    offset = 0
    cursor = query.get("$cursorNext", [""])[0]
    if cursor and cursor != "null":
        offset = decode_cursor(cursor)
    page = copy.deepcopy(items[offset:offset + limit])
    more = offset + limit < len(items)
    return {"results": page, "cursorNext": encode_cursor(offset + limit) if more else None,
            "cursorPrev": None, "rangeStart": offset + 1 if page else 0,
            "rangeEnd": offset + len(page)}


def encode_cursor(offset):
    raw = json.dumps({"offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except Exception:
        pass
    fail(400, "$cursorNext: invalid cursor")


def _compare(value, op, wanted):
    if value is None:
        return False
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, (int, float)):
        try:
            wanted_v = float(wanted)
        except ValueError:
            return False
    else:
        value, wanted_v = str(value), wanted
    if op == "eq":
        return value == wanted_v
    return {"$gt": value > wanted_v, "$gte": value >= wanted_v,
            "$lt": value < wanted_v, "$lte": value <= wanted_v}.get(op, False)


def api_list(sim, slug, kind, query):
    limit = MAX_LIMIT
    if "$limit" in query:
        try:
            limit = int(query["$limit"][0])
        except ValueError:
            fail(400, "$limit: must be an integer")
        if limit < 1:
            fail(400, "$limit: must be at least 1")
        limit = min(limit, MAX_LIMIT)
    offset = 0
    cursor = query.get("$cursorNext", [""])[0]
    if cursor and cursor != "null":
        offset = decode_cursor(cursor)
    filters = []
    for key, values in query.items():
        if key.startswith("$"):
            continue
        m = re.match(r"^([A-Za-z_][\w.]*)\[(\$gt|\$gte|\$lt|\$lte)\]$", key)
        filters.append((m.group(1), m.group(2), values[0]) if m else (key, "eq", values[0]))
    with sim.lock:
        # Filter the stored objects and copy only the page: lists of thousands of fees stay fast.
        if kind == "fees":
            stored = [sim.orgs[s]["fees"][i] for s, i in sim.fee_order if s == slug]
        else:
            stored = list(sim.org(slug)[kind].values())
        items = [o for o in stored if all(_compare(o.get(f), op, v) for f, op, v in filters)]
        page = copy.deepcopy(items[offset:offset + limit])
    more = offset + limit < len(items)
    return 200, {"results": page, "cursorNext": encode_cursor(offset + limit) if more else None,
                 "cursorPrev": None, "rangeStart": offset + 1 if page else 0,
                 "rangeEnd": offset + len(page)}


# ---------------------------------------------------------------------------------------------
# Existing memberships (the import of members who were in OfficeRnD before the connection)
# ---------------------------------------------------------------------------------------------

SEED_KINDS = ("ended", "not_approved", "on_unlinked_location")


def _seed_int(body, key, default=0):
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        control_fail(400, "%s: must be an integer >= 0" % key)
    return value


def _seed_ids(org, body, key, kind):
    ids = body.get(key)
    if ids is None:
        ids = list(org[kind])
    if not isinstance(ids, list) or not ids or not all(i in org[kind] for i in ids):
        control_fail(400, "%s: must be a non-empty list of the org's %s ids" % (key, kind))
    return ids


def _seed_kind(i, counts):
    """The kind of the i-th seeded membership: the first counts[0] ended, then not approved, ..."""
    start = 0
    for kind, n in zip(SEED_KINDS, counts):
        if start <= i < start + n:
            return {"on_unlinked_location": "unlinked_location"}.get(kind, kind)
        start += n
    return "active"


def seed_existing_memberships(sim, body):
    """POST /_sim/seed_memberships: see the control API at the top of this file."""
    slug = body.get("org")
    count = _seed_int(body, "count")
    counts = [_seed_int(body, k) for k in SEED_KINDS]
    with_company = _seed_int(body, "with_company")
    prefix = body.get("prefix", "existing")
    if not isinstance(prefix, str) or not re.match(r"^[a-z][a-z0-9-]*$", prefix):
        control_fail(400, "prefix: lower-case letters, digits and '-'")
    start = parse_iso(body.get("start_date", "2024-01-01"))
    if start is None:
        control_fail(400, "start_date: must be an ISO-8601 date")
    with sim.lock:
        org = sim.org(slug if isinstance(slug, str) else "")
        plans = _seed_ids(org, body, "plans", "plans")
        locations = _seed_ids(org, body, "locations", "locations")
        unlinked = body.get("unlinked_location")
        if counts[2] and unlinked not in org["locations"]:
            control_fail(400, "unlinked_location: must be one of the org's location ids")
        created = []
        past = (datetime.datetime.now(datetime.timezone.utc)
                - datetime.timedelta(days=30)).strftime("%Y-%m-%d")
        for i in range(count):
            kind = _seed_kind(i, counts)
            label = "%s %04d" % (prefix.replace("-", " ").title(), i + 1)
            email = "%s.%04d@example.com" % (prefix, i + 1)
            company = None
            if i >= count - with_company:
                company = sim.add_object("companies", slug, {"name": label + " Ltd"})["_id"]
            location = unlinked if kind == "unlinked_location" else locations[i % len(locations)]
            member = sim.add_object("members", slug, {"name": label, "email": email,
                                                      "location": location, "company": company})
            fields = {"member": member["_id"], "plan": plans[i % len(plans)], "location": location,
                      "company": company, "isPersonal": company is None,
                      "startDate": (start + datetime.timedelta(days=i)).strftime("%Y-%m-%d")}
            if kind == "ended":
                fields["endDate"] = past
            if kind == "not_approved":
                fields["status"] = "not_approved"
            m = sim.add_object("memberships", slug, fields)
            created.append({"_id": m["_id"], "member": member["_id"], "name": label, "email": email,
                            "plan": m["plan"], "location": location, "company": company,
                            "kind": kind})
    return {"created": len(created), "memberships": created}


FEE_FIELDS = {"name", "issueDate", "location", "plan", "price", "member", "company", "quantity",
              "shouldBillInAdvance", "isPersonal", "properties", "description"}


def api_create_fee(sim, slug, body):
    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    with sim.lock:
        org = sim.orgs[slug]
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            fail(422, "name: is required and must be a non-empty string"
                 if "name" not in body else "name: must be a non-empty string")
        if "issueDate" not in body:
            fail(422, "issueDate: is required")
        if parse_iso(body["issueDate"]) is None:
            fail(422, "issueDate: must be an ISO-8601 date or date-time")
        for field, kind in (("location", "locations"), ("plan", "plans")):
            if field not in body or body[field] in (None, ""):
                fail(422, "%s: is required" % field)
            if not isinstance(body[field], str) or body[field] not in org[kind]:
                fail(422, "%s: %s not found" % (field, SINGULAR[kind].lower()))
        if "price" not in body:
            fail(422, "price: is required")
        if not number(body["price"]) or body["price"] < 0:
            fail(422, "price: must be a number >= 0")
        member, company = body.get("member"), body.get("company")
        if not member and not company:
            fail(422, "member: member or company is required")
        for field, kind, value in (("member", "members", member),
                                   ("company", "companies", company)):
            if value is not None and (not isinstance(value, str) or value not in org[kind]):
                fail(422, "%s: %s not found" % (field, SINGULAR[kind].lower()))
        if "quantity" in body and (not isinstance(body["quantity"], int)
                                   or isinstance(body["quantity"], bool)
                                   or body["quantity"] < 1):
            fail(422, "quantity: must be an integer >= 1")
        for field in ("shouldBillInAdvance", "isPersonal"):
            if field in body and not isinstance(body[field], bool):
                fail(422, "%s: must be a boolean" % field)
        if "properties" in body and not isinstance(body["properties"], dict):
            fail(422, "properties: must be an object")
        if "description" in body and not isinstance(body["description"], str):
            fail(422, "description: must be a string")
        for field in body:
            if field not in FEE_FIELDS:
                fail(422, "%s: is not allowed" % field)
        fee = {"name": body["name"]}
        if "description" in body:
            fee["description"] = body["description"]
        fee.update({"issueDate": body["issueDate"], "location": body["location"],
                    "plan": body["plan"], "price": body["price"],
                    "quantity": body.get("quantity", 1), "member": member, "company": company,
                    "shouldBillInAdvance": body.get("shouldBillInAdvance", False),
                    "isPersonal": body.get("isPersonal", bool(member) and not company),
                    "properties": body.get("properties", {}), "status": "approved"})
        return 201, sim.add_object("fees", slug, fee)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sim, quiet=False, state_path=None):
        super().__init__(address, Handler)
        self.sim, self.quiet, self.state_path = sim, quiet, state_path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, each answer waits ~40 ms for
    # the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True
    server_version = "officernd-sim/1"
    timeout = 120            # idle keep-alive connections are closed after this

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("officernd-sim: %s\n" % (fmt % args))

    def dispatch_and_keep(self):
        try:
            self.dispatch()
        finally:
            # --state: whatever a request other than GET may have changed is written at once.
            if self.server.state_path and self.command != "GET":
                self.server.sim.save(self.server.state_path)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = dispatch_and_keep

    # -- plumbing ------------------------------------------------------------------------------

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, body, headers=None):
        data = compact_json(body) if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        """Close the connection without any answer."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def dispatch(self):
        sim = self.server.sim
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = self.read_body()
        if path == "/_sim" or path.startswith("/_sim/"):
            try:
                status, answer = self.control(sim, path, query, body)
            except ApiError as e:
                status, answer = e.status, e.body
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                status, answer = 400, {"error": "bad control request: %s: %s"
                                       % (type(e).__name__, e)}
            return self.send(status, answer)

        # The OfficeRnD side: the token endpoint and the API, both subject to faults.
        m = API_PREFIX.match(path)
        if path == "/oauth/token":
            slug, route_key = None, "/oauth/token"
            with sim.lock:
                sim.stats["token_requests"] += 1
        elif m:
            slug, rest = m.group(1), m.group(2) or ""
            route = route_api(self.command, rest)
            route_key = route[0].split(" ", 1)[1] if route else rest
            stats_key = route[0] if route else "%s %s" % (self.command, rest or "/")
            with sim.lock:
                sim.stats["requests"][stats_key] = sim.stats["requests"].get(stats_key, 0) + 1
        else:
            return self.send(404, {"message": "Cannot %s %s" % (self.command, path)})

        fault = sim.take_fault(self.command, (m.group(2) or "") if m else path, route_key)
        extra = {}
        if fault:
            kind = fault["kind"]
            if kind == "drop":
                return self.drop()
            if kind in ("status", "429"):
                status = 429 if kind == "429" else fault["status"]
                if kind == "429" or fault["retry_after"] is not None:
                    extra["Retry-After"] = str(fault["retry_after"] if fault["retry_after"]
                                               is not None else 1)
                message = ("Too many requests" if status == 429
                           else "Simulated fault: HTTP %d" % status)
                if slug is not None:
                    extra.update(sim.rate_headers(slug)[0])
                return self.send(status, {"message": message}, extra)
            if kind == "delay":
                time.sleep(fault["delay_ms"] / 1000.0)
            if kind == "expire_tokens":
                sim.expire_tokens()

        if slug is not None and route_key == "/fees" and self.command == "POST":
            latency = sim.config["fee_latency_ms"]
            if latency:
                time.sleep(latency / 1000.0)
        try:
            if slug is None:
                status, answer = self.token_endpoint(sim, body)
            else:
                status, answer = self.api(sim, slug, m.group(2) or "", query, body)
            headers = {}
        except ApiError as e:
            status, answer, headers = e.status, e.body, e.headers
        if slug is not None:
            headers.update(sim.rate_headers(slug)[0])
        if fault and fault["kind"] == "lost_answer":
            return self.drop()
        self.send(status, answer, headers)

    # -- the identity server -------------------------------------------------------------------

    def token_endpoint(self, sim, body):
        if self.command != "POST":
            return 405, {"error": "invalid_request", "error_description": "use POST"}
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return 400, {"error": "invalid_request",
                         "error_description": "Content-Type must be "
                                              "application/x-www-form-urlencoded"}
        form = {k: v[0] for k, v in
                urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                      keep_blank_values=True).items()}
        return sim.issue_token(form)

    # -- the API ---------------------------------------------------------------------------------

    def api(self, sim, slug, rest, query, body):
        token = sim.token_info(self.headers.get("Authorization"))
        if token is None:
            fail(401, "Unauthorized")
        with sim.lock:
            if slug not in sim.orgs:
                fail(404, "Organization not found")
        if token["org"] != slug:
            fail(403, "Forbidden: the token does not grant access to organization %s" % slug)
        route = route_api(self.command, rest)
        if route is None:
            fail(404, "Cannot %s %s" % (self.command, self.path.split("?")[0]))
        _, action, kind, obj_id, scope = route
        if scope not in token["scopes"]:
            fail(403, "Missing required scope: %s" % scope)
        rate_kind = "read" if self.command == "GET" else "write"
        allowed, wait = sim.rate_take(slug, rate_kind)
        if not allowed:
            headers = sim.rate_headers(slug)[0]
            headers["Retry-After"] = str(wait)
            raise ApiError(429, {"message": "Too many requests"}, headers)
        if action.startswith("webhook_"):
            return api_webhooks(sim, slug, action[len("webhook_"):], obj_id, query,
                                self.json_body(body) if action in ("webhook_create",
                                                                   "webhook_update") else {})
        if action == "list":
            return api_list(sim, slug, kind, query)
        if action == "get":
            with sim.lock:
                obj = sim.orgs[slug][kind].get(obj_id)
                if obj is None:
                    fail(404, "%s not found" % SINGULAR[kind])
                return 200, copy.deepcopy(obj)
        # create_fee
        return api_create_fee(sim, slug, self.json_body(body))

    def json_body(self, body):
        """The JSON object of an API request body (415 / 400 otherwise)."""
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            fail(415, "Content-Type must be application/json")
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            fail(400, "Malformed JSON body")
        if not isinstance(data, dict):
            fail(400, "The body must be a JSON object")
        return data

    # -- the control API -----------------------------------------------------------------------

    def control(self, sim, path, query, raw):
        method = self.command
        parts = [p for p in path.split("/") if p][1:]       # after "_sim"
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            control_fail(400, "malformed JSON body")
        if body is not None and not isinstance(body, dict):
            control_fail(400, "the body must be a JSON object")
        body = body or {}
        org_q = query.get("org", [None])[0]
        webhooks = query.get("webhooks", ["1"])[0] not in ("0", "false", "no")
        head = parts[0] if parts else ""

        if method == "POST" and parts == ["reset"]:
            sim.reset(body or None)
            return 200, {"ok": True}
        if parts == ["orgs"]:
            if method == "POST":
                return 201, sim.add_org(body.get("slug"))
            if method == "GET":
                with sim.lock:
                    return 200, [{"slug": s} for s in sim.orgs]
        if method == "POST" and parts == ["clients"]:
            return 201, sim.add_client(body)
        if parts == ["config"]:
            if method == "POST":
                return 200, sim.set_config(body)
            if method == "GET":
                with sim.lock:
                    return 200, dict(sim.config)
        if parts == ["stats"] and method == "GET":
            with sim.lock:
                return 200, copy.deepcopy(sim.stats)
        if parts == ["stats", "reset"] and method == "POST":
            sim.reset_stats()
            return 200, {"ok": True}
        if parts == ["faults"]:
            if method == "POST":
                return 201, sim.add_fault(body)
            if method == "GET":
                return 200, sim.list_faults()
            if method == "DELETE":
                with sim.lock:
                    sim.faults = []
                return 200, {"ok": True}
        if head == "webhook_endpoints":
            if method == "POST" and len(parts) == 1:
                return 201, sim.add_endpoint(body)
            if method == "GET" and len(parts) == 1:
                with sim.lock:
                    return 200, [dict(ep) for ep in sim.endpoints
                                 if org_q is None or ep["org"] == org_q]
            if method == "PATCH" and len(parts) == 2:
                return 200, sim.patch_endpoint(parts[1], body)
            if method == "DELETE":
                with sim.lock:
                    before = len(sim.endpoints)
                    sim.endpoints = [ep for ep in sim.endpoints
                                     if len(parts) == 2 and ep["_id"] != parts[1]]
                    return 200, {"deleted": before - len(sim.endpoints)}
        if parts == ["delivery_faults"] and method == "POST":
            return 200, self.control_delivery_faults(sim, body)
        if parts == ["deliveries"] and method == "GET":
            with sim.lock:
                return 200, list(sim.deliveries)
        if parts == ["send_webhook"] and method == "POST":
            return 200, self.control_send_webhook(body)
        if parts == ["seed_memberships"] and method == "POST":
            return 201, seed_existing_memberships(sim, body)
        if head in KINDS and len(parts) == 1:
            if method == "GET":
                if org_q is not None:
                    with sim.lock:
                        sim.org(org_q)
                return 200, sim.list_objects(head, org_q)
            if method == "POST":
                slug = body.get("org")
                if not isinstance(slug, str):
                    control_fail(400, "org: required")
                obj = sim.add_object(head, slug, body)
                if head == "memberships":
                    deliveries = sim.deliver(slug, "membership.created", obj, {}) \
                        if webhooks else []
                    return 201, dict(obj, deliveries=deliveries)
                return 201, obj
        if head in KINDS and len(parts) == 2:
            if method == "GET":
                with sim.lock:
                    found = sim.find(parts[1], head)
                    if found is None:
                        control_fail(404, "%s not found: %s" % (SINGULAR[head], parts[1]))
                    return 200, copy.deepcopy(found[2])
            if method == "PATCH":
                slug, obj, previous = sim.patch_object(head, parts[1], body)
                if head == "memberships":
                    deliveries = sim.deliver(slug, "membership.updated", obj, previous) \
                        if webhooks else []
                    return 200, dict(obj, deliveries=deliveries)
                return 200, obj
            if method == "DELETE":
                slug, obj = sim.delete_object(head, parts[1])
                if head == "memberships":
                    deliveries = sim.deliver(slug, "membership.removed", obj, {}) \
                        if webhooks else []
                    return 200, dict(obj, deliveries=deliveries)
                return 200, obj
        control_fail(404, "no control endpoint %s %s" % (method, path))

    @staticmethod
    def control_delivery_faults(sim, body):
        """The next `count` membership deliveries fail (as if the receiver were off)."""
        count = body.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            control_fail(400, "count: must be an integer >= 0")
        with sim.lock:
            sim.delivery_failures = count
            return {"count": count}

    def control_send_webhook(self, body):
        url = body.get("url")
        if not isinstance(url, str) or not url:
            control_fail(400, "url: required")
        if "raw_body" in body and body["raw_body"] is not None:
            sent = str(body["raw_body"]).encode("utf-8")
            event_id = None
        else:
            event = build_event(body.get("event_type", "membership.created"),
                                body.get("object") or {}, body.get("previous") or {},
                                body.get("event_id"))
            sent, event_id = compact_json(event), event["event"]
        sig = body["signature_header"] if "signature_header" in body else _KEEP
        status, text, sig_sent = post_signed(url, body.get("secret") or "", sent,
                                             body.get("timestamp"), sig)
        return {"status": status, "body": text, "sent_body": sent.decode("utf-8", "replace"),
                "signature_header": sig_sent, "event_id": event_id}


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def cmd_send_webhook(argv):
    p = argparse.ArgumentParser(prog="officernd_sim.py send-webhook",
                                description="Sign a body as OfficeRnD does and POST it.")
    p.add_argument("--url", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--body-file", required=True)
    p.add_argument("--timestamp", type=int, default=None)
    args = p.parse_args(argv)
    with open(args.body_file, "rb") as f:
        body = f.read()
    status, text, _ = post_signed(args.url, args.secret, body, args.timestamp)
    print("HTTP %d" % status)
    print(text)
    return 0 if 200 <= status < 300 else 1


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv):
    if argv and argv[0] == "send-webhook":
        return cmd_send_webhook(argv[1:])
    p = argparse.ArgumentParser(description="OfficeRnD simulator (see the top of this file).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--seed", help="seed JSON file (e.g. tests/sim/seed.json)")
    p.add_argument("--quiet", action="store_true", help="no request log on stderr")
    p.add_argument("--state", help="keep the state in this JSON file between runs (loaded instead "
                                   "of --seed when it exists)")
    args = p.parse_args(argv)
    if not is_loopback(args.host):
        p.error("--host must be a loopback address")

    sim = Simulator()
    if args.state and os.path.exists(args.state):
        with open(args.state, encoding="utf-8") as f:
            sim.restore(json.load(f))
    elif args.seed:
        with open(args.seed, encoding="utf-8") as f:
            sim.reset(json.load(f))
    if args.state:
        sim.save(args.state)
    if ":" in args.host:
        SimServer.address_family = socket.AF_INET6
    server = SimServer((args.host, args.port), sim, quiet=args.quiet, state_path=args.state)
    port = server.server_address[1]

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if args.port_file:
            write_port_file(args.port_file, port)
        print("officernd-sim listening on %s:%d" % (args.host, port), flush=True)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.state:
            sim.save(args.state)
        if args.port_file:
            try:
                os.unlink(args.port_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
