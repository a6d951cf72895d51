"""The operator's and the renter's main flows in a real browser, at desktop and phone width.

Each width gets its own world: lighttpd with the real FastCGI programs, the OfficeRnD simulator
and an SMTP sink on loopback ports. flows.js (Debian's chromium under playwright-core) walks the
pages in four phases; between them this file does what happens outside the browser: the worker
loads OfficeRnD's lists, OfficeRnD posts a membership webhook, the worker sends the invitation.
flows.js fails a phase on a console error, a CSP violation, a 4xx/5xx resource, a horizontal
scroll or a serious/critical axe-core finding; screenshots go to tests/browser/screenshots/.
"""
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import pytest
from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import App, free_port  # noqa: E402
from simctl import Sim, SEED_PATH, DEMO_ORG, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET  # noqa: E402

SHOTS = os.path.join(HERE, "screenshots")
CHROMIUM = "/usr/bin/chromium"
PLAN_VO, DOWNTOWN, GRACE = ("65a1f0c2e4b0a1b2c3d4e101", "65a1f0c2e4b0a1b2c3d4e001",
                            "65a1f0c2e4b0a1b2c3d4e302")
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}

if not (os.path.exists(CHROMIUM) and os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core"))):
    pytest.fail("the browser tests need Debian's chromium and tests/browser/node_modules: run "
                "`sh conf/deps.sh ensure` (make check does)", pytrace=False)


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope.content)
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
                   "PILOTOMAIL_MAIL_FROM": "mailroom@acme.example"}, server="lighttpd").start()
    try:
        yield app, sim, inbox
    finally:
        app.stop()
        sim.cleanup()
        smtp.stop()


def run_phase(phase, cfg):
    """Runs one phase of flows.js; returns its data, failing the test on any problem it saw."""
    r = subprocess.run(["node", os.path.join(HERE, "flows.js"), phase], cwd=HERE,
                       env=dict(os.environ, BROWSER_CONFIG=json.dumps(cfg)),
                       capture_output=True, text=True, timeout=240)
    lines = r.stdout.strip().splitlines()
    assert lines, "flows.js %s printed nothing: %s" % (phase, r.stderr[-3000:])
    result = json.loads(lines[-1])
    assert result["ok"], "%s:\n  %s" % (phase, "\n  ".join(result["problems"]))
    return result["data"]


def invitation_link(app, inbox):
    [raw] = inbox.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"%s/invite/[A-Za-z0-9_-]{43}" % re.escape(app.url), text).group(0)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_operator_and_renter_flows(world, width):
    app, sim, inbox = world
    shots = os.path.join(SHOTS, width)
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    password = "correct horse battery"
    r = app.admin("operator", "add", "ops@acme.example", "--name", "Acme Spaces", input=password + "\n")
    assert r.returncode == 0, r.stderr
    w, h = WIDTHS[width]
    cfg = {"base": app.url, "width": w, "height": h, "shots": shots,
           "user": {"email": "ops@acme.example", "password": password},
           "org": "https://app.officernd.com/admin/" + DEMO_ORG, "clientId": DEMO_CLIENT_ID,
           "clientSecret": DEMO_CLIENT_SECRET, "signingSecret": "whsec_browser_7f1",
           "planName": "Virtual Office", "locationName": "Downtown Hub", "pmb": "101",
           "renterPassword": "grace's long password", "timeZone": "Europe/Berlin"}

    run_phase("operator-setup", cfg)
    app.worker_once()  # loads OfficeRnD's plans and locations for the mapping
    mapped = run_phase("operator-mapping", cfg)
    assert mapped["webhookUrl"] == app.webhook_url(1)
    assert "3 locations and 5 plans" in mapped["testResult"], mapped["testResult"]

    # OfficeRnD's side: the endpoint with the copied URL; a member signs up for the linked plan.
    sim.add_webhook_endpoint(DEMO_ORG, mapped["webhookUrl"], cfg["signingSecret"])
    created = sim.add("memberships", DEMO_ORG, name="Grace's mailbox", member=GRACE, plan=PLAN_VO,
                      location=DOWNTOWN, startDate="2026-11-01T00:00:00.000Z", status="approved")
    assert [d["status"] for d in created["deliveries"]] == [200]
    app.worker_once()  # the mailbox and the invitation email
    assert app.query("SELECT pmb FROM mailboxes") == [{"pmb": "101"}]

    assert app.query("SELECT timezone FROM operators") == [{"timezone": "Europe/Berlin"}]
    mail = run_phase("operator-mail", cfg)
    assert "/mail/" in mail["mailItemUrl"]
    assert mail["scanFile"].startswith("PDF, 193 bytes attached"), mail["scanFile"]
    assert app.query("SELECT size, content_type FROM scans") == [{"size": 193, "content_type": "application/pdf"}]

    cfg["inviteLink"] = invitation_link(app, inbox)
    renter = run_phase("renter", cfg)
    assert "ACME Bank" in renter["renterSees"], renter["renterSees"]
    assert renter.get("renterScanBytes") == 193, renter  # the uploaded scan, byte for byte
    assert re.search(r"forward", renter["renterAfter"], re.I), renter["renterAfter"]
    assert app.query("SELECT requested_by, state FROM action_requests WHERE action = 'forward'") == [
        {"requested_by": "renter", "state": "requested"}]
