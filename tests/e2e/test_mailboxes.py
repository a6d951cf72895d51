"""Mailboxes, invitations, outgoing email and renter sign-in, through the real web server,
the real worker and (for SMTP) a real SMTP server (aiosmtpd) on loopback."""
import email
import email.policy
import glob
import os
import re
import time

import pytest
from aiosmtpd.controller import Controller

from harness import App, free_port

LINK_RE = re.compile(r"(http://127\.0\.0\.1:\d+/invite/([A-Za-z0-9_-]{43}))")


# -- helpers ---------------------------------------------------------------------------------

def catalog(app, operator_id, space="Harbour Building", offering="Virtual Basic"):
    """One space and one offering of the operator (set up in the store: not what is tested)."""
    con = app.db()
    with con:
        sid = con.execute("INSERT INTO spaces(operator_id, name, created_at) VALUES (?, ?, 0)",
                          (operator_id, space)).lastrowid
        oid = con.execute("INSERT INTO offerings(operator_id, name, monthly_price, created_at) "
                          "VALUES (?, ?, 1500, 0)", (operator_id, offering)).lastrowid
    con.close()
    return sid, oid


def execute(app, sql, *params):
    con = app.db()
    with con:
        con.execute(sql, params)
    con.close()


def create_mailbox(c, space_id, offering_id, name="Ada Lovelace", mail="ada@example.com", company=""):
    c.get("/mailboxes/new")
    r = c.post("/mailboxes", {"name": name, "email": mail, "company_name": company,
                              "space_id": str(space_id), "offering_id": str(offering_id)})
    assert r.status == 303, r
    m = re.fullmatch(r"/mailboxes/(\d+)", r.location)
    assert m, r.location
    return int(m.group(1))


def eml_files(app):
    return sorted(glob.glob(os.path.join(app.mail_dir, "*.eml")))


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def bodies(msg):
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def path_of(link):
    """The path of an invitation link ("/invite/TOKEN")."""
    return "/invite/" + link.rsplit("/", 1)[1]


def latest_link_from_files(app):
    files = eml_files(app)
    assert files, "no .eml written"
    newest = max(files, key=lambda p: int(re.search(r"outbox-(\d+)\.eml", p).group(1)))
    with open(newest, "rb") as f:
        msg = parse(f.read())
    text, _ = bodies(msg)
    return path_of(LINK_RE.search(text).group(1)), msg


def accept(app, path, password="a long password 1"):
    """Accepts the invitation at path in a fresh browser; returns that (signed-in) client."""
    renter = app.client()
    r = renter.get(path)
    assert r.status == 200, r
    r = renter.post(path, {"password": password, "password_confirm": password})
    assert r.status == 303 and r.location == "/my", r
    return renter


class Collector:
    """An aiosmtpd handler keeping every message; refuses recipients listed in refuse."""

    def __init__(self, refuse=()):
        self.messages = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    """A real SMTP server on a free loopback port, and an App that sends through it."""
    handler = Collector(refuse={"nobody@example.com"})
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app = App(env={"PILOTOMAIL_SMTP_URL": "smtp://127.0.0.1:%d" % port,
                   "PILOTOMAIL_MAIL_FROM": "mail@harbour.example"}).start()
    try:
        yield app, handler
    finally:
        app.stop()
        controller.stop()


# -- the whole path with .eml files ----------------------------------------------------------

def test_manual_mailbox_to_renter_home(app):
    c = app.new_operator(name="Harbour Desk")
    sid, oid = catalog(app, c.operator_id)

    form = c.get("/mailboxes/new")
    assert form.status == 200 and "Harbour Building" in form.text and "Virtual Basic" in form.text
    mid = create_mailbox(c, sid, oid, company="Analytical Engines Ltd")

    page = c.get("/mailboxes")
    assert page.status == 200
    assert ">101<" in page.text and "Ada Lovelace" in page.text and "ada@example.com" in page.text
    assert "Analytical Engines Ltd" in page.text and "Harbour Building" in page.text
    assert "Virtual Basic" in page.text and "Active" in page.text and "Manual" in page.text
    assert "Invited" in page.text and "Email queued" in page.text
    assert eml_files(app) == []  # nothing is sent while the request is open

    app.worker_once()
    files = eml_files(app)
    assert [os.path.basename(p) for p in files] == [
        "outbox-%d.eml" % app.query("SELECT id FROM outbox")[0]["id"]]
    with open(files[0], "rb") as f:
        msg = parse(f.read())
    assert msg["To"] == "ada@example.com"
    assert msg["From"].addresses[0].display_name == "Harbour Desk"
    assert "PMB 101" in msg["Subject"] and "Harbour Desk" in msg["Subject"]
    assert msg["Message-ID"] == app.query("SELECT message_id FROM outbox")[0]["message_id"]
    text, html = bodies(msg)
    assert "Ada Lovelace" in text and "Harbour Building" in text and "101" in text
    m = LINK_RE.search(text)
    assert m and m.group(1).startswith(app.url + "/invite/") and m.group(1) in html
    path = path_of(m.group(1))

    # Sent: the stored copy no longer holds the link.
    row = app.query("SELECT state, body_text, body_html FROM outbox")[0]
    assert row == {"state": "sent", "body_text": None, "body_html": None}
    assert "Email sent" in c.get("/mailboxes/%d" % mid).text

    renter = app.client()
    r = renter.get(path)
    assert r.status == 200
    assert "Harbour Desk" in r.text and "Harbour Building" in r.text and ">101<" in r.text
    token = path.rsplit("/", 1)[1]
    assert token not in r.text  # the form posts back to its own address

    # Bad passwords change nothing.
    r = renter.post(path, {"password": "short", "password_confirm": "short"})
    assert r.status == 422 and "at least 8 characters" in r.text
    r = renter.post(path, {"password": "a long password 1", "password_confirm": "a long password 2"})
    assert r.status == 422 and "do not match" in r.text
    assert app.query("SELECT password_hash FROM renters")[0]["password_hash"] is None
    assert app.query("SELECT state FROM invitations")[0]["state"] == "pending"

    r = renter.post(path, {"password": "a long password 1", "password_confirm": "a long password 1"})
    assert r.status == 303 and r.location == "/my"
    home = renter.get("/my")
    assert home.status == 200
    assert "PMB 101" in home.text and "Harbour Building" in home.text and "Virtual Basic" in home.text

    # The link is used up.
    again = app.client().get(path)
    assert again.status == 410 and "already been used" in again.text
    assert "Accepted" in c.get("/mailboxes/%d" % mid).text

    # Sign out and back in with the chosen password; the wrong one is refused.
    assert renter.post("/my/logout").status == 303
    r = renter.get("/my")
    assert r.status == 303 and r.location.startswith("/my/login")
    assert renter.get("/my/login").status == 200
    r = renter.post("/my/login", {"email": "ada@example.com", "password": "wrong password"})
    assert r.status == 401
    r = renter.post("/my/login", {"email": "ada@example.com", "password": "a long password 1"})
    assert r.status == 303 and r.location == "/my"
    assert "PMB 101" in renter.get("/my").text

    # The next mailbox takes the next number.
    create_mailbox(c, sid, oid, name="Charles Babbage", mail="charles@example.com")
    assert ">102<" in c.get("/mailboxes").text


def test_renter_sign_in_is_throttled(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    create_mailbox(c, sid, oid)
    app.worker_once()
    path, _ = latest_link_from_files(app)
    accept(app, path)
    r = app.client()
    r.get("/my/login")
    statuses = [r.post("/my/login", {"email": "ada@example.com", "password": "nope"}).status
                for _ in range(5)]
    assert statuses == [401] * 5
    # From the fifth failure on, each one doubles the wait (1 s, 2 s, 4 s, ...): however slow
    # a sign-in is on a busy machine, the wait soon outlasts it and the next try is refused.
    for _ in range(10):
        status = r.post("/my/login", {"email": "ada@example.com", "password": "nope"}).status
        if status != 401:
            break
    assert status == 429
    assert r.post("/my/login", {"email": "ada@example.com",
                                "password": "a long password 1"}).status == 429


def test_unknown_token_is_404(app):
    r = app.client().get("/invite/" + "x" * 43)
    assert r.status == 404 and "not a valid invitation" in r.text
    r = app.client().get("/invite/short")
    assert r.status == 404


def test_expired_link_is_410_and_changes_nothing(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    mid = create_mailbox(c, sid, oid)
    app.worker_once()
    path, _ = latest_link_from_files(app)
    execute(app, "UPDATE invitations SET expires_at = ?", int(time.time()) - 60)
    renter = app.client()
    r = renter.get(path)
    assert r.status == 410 and "expired" in r.text
    r = renter.post(path, {"password": "a long password 1", "password_confirm": "a long password 1"})
    assert r.status == 410
    assert "pm_session" not in renter.cookies
    assert app.query("SELECT password_hash FROM renters")[0]["password_hash"] is None
    assert app.query("SELECT state FROM invitations")[0]["state"] == "pending"
    assert "Expired" in c.get("/mailboxes/%d" % mid).text


def test_revoke_then_resend(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    mid = create_mailbox(c, sid, oid)
    app.worker_once()
    old, _ = latest_link_from_files(app)

    r = c.post("/mailboxes/%d/revoke-invitation" % mid)
    assert r.status == 303
    assert app.client().get(old).status == 410
    assert "Revoked" in c.get("/mailboxes/%d" % mid).text

    r = c.post("/mailboxes/%d/resend-invitation" % mid)
    assert r.status == 303
    app.worker_once()
    new, _ = latest_link_from_files(app)
    assert new != old
    assert len(eml_files(app)) == 2
    r = app.client().get(new)
    assert r.status == 200 and ">101<" in r.text
    gone = app.client().get(old)
    assert gone.status == 410 and "no longer valid" in gone.text

    # Resending while a link is pending also retires that link.
    c.post("/mailboxes/%d/resend-invitation" % mid)
    app.worker_once()
    newest, _ = latest_link_from_files(app)
    assert app.client().get(new).status == 410
    accept(app, newest)
    # An accepted invitation is not resent.
    r = c.post("/mailboxes/%d/resend-invitation" % mid)
    assert r.status == 303
    assert "already accepted" in c.get(r.location).text
    assert app.query("SELECT count(*) AS n FROM invitations")[0]["n"] == 3


def test_revoked_before_sending_is_never_sent(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    mid = create_mailbox(c, sid, oid)
    assert c.post("/mailboxes/%d/revoke-invitation" % mid).status == 303
    app.worker_once()
    assert eml_files(app) == []
    row = app.query("SELECT state, body_text FROM outbox")[0]
    assert row == {"state": "cancelled", "body_text": None}


def test_cancel_requires_csrf_then_cancels_and_revokes(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    mid = create_mailbox(c, sid, oid)
    app.worker_once()
    path, _ = latest_link_from_files(app)

    page = c.get("/mailboxes/%d" % mid)
    assert 'action="/mailboxes/%d/cancel" data-confirm=' % mid in page.text
    assert c.post("/mailboxes/%d/cancel" % mid, csrf=False).status == 403
    assert c.post("/mailboxes/%d/cancel" % mid, csrf="x" * 43).status == 403
    assert app.query("SELECT status FROM mailboxes")[0]["status"] == "active"

    r = c.post("/mailboxes/%d/cancel" % mid)
    assert r.status == 303
    row = app.query("SELECT status, cancelled_at FROM mailboxes")[0]
    assert row["status"] == "cancelled" and row["cancelled_at"] > 0
    assert app.client().get(path).status == 410
    assert "Cancelled" in c.get("/mailboxes/%d" % mid).text
    assert ">101<" in c.get("/mailboxes?status=cancelled").text
    assert ">101<" not in c.get("/mailboxes?status=active").text
    assert "No active mailboxes" in c.get("/mailboxes?status=active").text
    # A cancelled mailbox gets no new invitation.
    r = c.post("/mailboxes/%d/resend-invitation" % mid)
    assert r.status == 303 and app.query("SELECT count(*) AS n FROM invitations")[0]["n"] == 1


def test_form_validation_saves_nothing(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    c.get("/mailboxes/new")
    cases = [
        ({"name": "", "email": "a@example.com"}, "Enter the renter"),
        ({"name": "Ada", "email": "not-an-address"}, "not an email address"),
        ({"name": "Ada", "email": "a@example.com\r\nBcc: x@example.com"}, "not an email address"),
        ({"name": "Ada", "email": "a@example.com", "space_id": "999"}, "Choose one of your spaces"),
        ({"name": "Ada", "email": "a@example.com", "offering_id": "abc"}, "Choose one of your offerings"),
        ({"name": "x" * 101, "email": "a@example.com"}, "too long"),
    ]
    for fields, message in cases:
        data = {"space_id": str(sid), "offering_id": str(oid), "company_name": ""}
        data.update(fields)
        r = c.post("/mailboxes", data)
        assert r.status == 422, (fields, r)
        assert message in r.text, (fields, r.text)
    assert app.query("SELECT count(*) AS n FROM mailboxes")[0]["n"] == 0
    assert app.query("SELECT count(*) AS n FROM outbox")[0]["n"] == 0
    # What was typed comes back, escaped.
    r = c.post("/mailboxes", {"name": "<b>Ada</b>", "email": "bad", "space_id": str(sid),
                              "offering_id": str(oid)})
    assert r.status == 422 and "&lt;b&gt;Ada&lt;/b&gt;" in r.text and "<b>Ada</b>" not in r.text


def test_names_are_escaped_in_pages_and_email(app):
    c = app.new_operator(name="Harbour & <Sons>")
    sid, oid = catalog(app, c.operator_id, space="Pier <7>")
    mid = create_mailbox(c, sid, oid, name="<script>alert(1)</script>")
    for page in (c.get("/mailboxes").text, c.get("/mailboxes/%d" % mid).text):
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    app.worker_once()
    path, msg = latest_link_from_files(app)
    _, html = bodies(msg)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Harbour &amp; &lt;Sons&gt;" in html and "Pier &lt;7&gt;" in html
    assert msg["From"].addresses[0].display_name == "Harbour & <Sons>"
    page = app.client().get(path).text
    assert "Pier &lt;7&gt;" in page and "Harbour &amp; &lt;Sons&gt;" in page


def test_one_renter_two_mailboxes_one_sign_in(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    create_mailbox(c, sid, oid, name="Ada Lovelace", mail="ada@example.com", company="Engines Ltd")
    app.worker_once()
    first, _ = latest_link_from_files(app)
    create_mailbox(c, sid, oid, name="Ada Lovelace", mail="ADA@example.com")
    assert app.query("SELECT count(*) AS n FROM renters")[0]["n"] == 1
    assert app.query("SELECT company_name FROM renters")[0]["company_name"] == "Engines Ltd"
    renter = accept(app, first)
    home = renter.get("/my").text
    assert "PMB 101" in home and "PMB 102" in home


# -- isolation -------------------------------------------------------------------------------

def test_operator_cannot_touch_another_operators_mailbox(app):
    a = app.new_operator()
    b = app.new_operator()
    sid, oid = catalog(app, a.operator_id)
    bsid, boid = catalog(app, b.operator_id, space="B space", offering="B offering")
    mid = create_mailbox(a, sid, oid)
    assert b.get("/mailboxes/%d" % mid).status == 404
    for action in ("cancel", "resend-invitation", "revoke-invitation"):
        assert b.post("/mailboxes/%d/%s" % (mid, action)).status == 404
    assert "Ada Lovelace" not in b.get("/mailboxes").text
    # Nor use A's space or offering for a mailbox of B's.
    b.get("/mailboxes/new")
    r = b.post("/mailboxes", {"name": "Eve", "email": "eve@example.com", "space_id": str(sid),
                              "offering_id": str(boid)})
    assert r.status == 422 and "Choose one of your spaces" in r.text
    r = b.post("/mailboxes", {"name": "Eve", "email": "eve@example.com", "space_id": str(bsid),
                              "offering_id": str(oid)})
    assert r.status == 422 and "Choose one of your offerings" in r.text
    assert app.query("SELECT status FROM mailboxes WHERE id = ?", mid)[0]["status"] == "active"
    assert app.query("SELECT count(*) AS n FROM invitations")[0]["n"] == 1
    # B's numbering is B's own.
    create_mailbox(b, bsid, boid, name="Bea", mail="bea@example.com")
    assert ">101<" in b.get("/mailboxes").text


def test_renter_sees_only_own_mailbox(app):
    a = app.new_operator()
    b = app.new_operator()
    sid, oid = catalog(app, a.operator_id, space="Space A")
    bsid, boid = catalog(app, b.operator_id, space="Space B")
    create_mailbox(a, sid, oid, name="Ada", mail="ada@example.com")
    app.worker_once()
    ada_link, _ = latest_link_from_files(app)
    create_mailbox(a, sid, oid, name="Charles", mail="charles@example.com")
    create_mailbox(b, bsid, boid, name="Bea", mail="bea@example.com")
    app.worker_once()
    ada = accept(app, ada_link)
    home = ada.get("/my").text
    assert "PMB 101" in home and "PMB 102" not in home and "Space B" not in home
    # A renter is not an operator.
    r = ada.get("/mailboxes")
    assert r.status == 303 and r.location.startswith("/login")
    assert ada.post("/mailboxes/1/cancel").status == 403
    # An operator is not a renter.
    r = a.get("/my")
    assert r.status == 303 and r.location.startswith("/my/login")


# -- SMTP ------------------------------------------------------------------------------------

def test_smtp_delivery_with_text_and_html(smtp):
    app, server = smtp
    c = app.new_operator(name="Büro Zürich")
    sid, oid = catalog(app, c.operator_id)
    create_mailbox(c, sid, oid, name="Jürgen Müller", mail="juergen@example.com")
    app.worker_once()
    assert eml_files(app) == []
    assert len(server.messages) == 1
    mail_from, rcpts, raw = server.messages[0]
    assert mail_from == "mail@harbour.example" and rcpts == ["juergen@example.com"]
    msg = parse(raw)
    assert msg["From"].addresses[0].display_name == "Büro Zürich"
    assert msg["From"].addresses[0].addr_spec == "mail@harbour.example"
    assert "=?UTF-8?" in raw.decode("ascii")  # non-ASCII travels as encoded-words
    assert msg["Subject"] == "Your mailbox at Büro Zürich: PMB 101"
    text, html = bodies(msg)
    assert "Jürgen Müller" in text and "Jürgen Müller" in html
    path = path_of(LINK_RE.search(text).group(1))
    r = app.client().get(path)
    assert r.status == 200 and ">101<" in r.text
    assert app.query("SELECT state FROM outbox")[0]["state"] == "sent"


def test_smtp_refusal_is_permanent_and_shown(smtp):
    app, server = smtp
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    mid = create_mailbox(c, sid, oid, mail="nobody@example.com")
    app.worker_once()
    row = app.query("SELECT state, attempts, last_error, body_text FROM outbox")[0]
    assert row["state"] == "failed" and row["attempts"] == 1 and "SMTP 550" in row["last_error"]
    assert row["body_text"] is None
    page = c.get("/mailboxes/%d" % mid).text
    assert "Email failed" in page and "refused the message (SMTP 550)" in page
    assert "Email failed" in c.get("/mailboxes").text
    assert server.messages == []


def test_smtp_down_stays_queued_then_delivers():
    port = free_port()
    down = App(env={"PILOTOMAIL_SMTP_URL": "smtp://127.0.0.1:%d" % port}).start()
    try:
        c = down.new_operator()
        sid, oid = catalog(down, c.operator_id)
        mid = create_mailbox(c, sid, oid)
        down.worker_once()
        row = down.query("SELECT state, attempts, next_attempt_at, last_error, message_id FROM outbox")[0]
        assert row["state"] == "queued" and row["attempts"] == 1
        assert row["next_attempt_at"] >= time.time() + 25  # backed off, not hammering the server
        assert "could not connect to the mail server" in row["last_error"]
        page = c.get("/mailboxes/%d" % mid).text
        assert "Email queued" in page and "could not connect to the mail server" in page
        # Not due yet: another pass leaves it alone.
        down.worker_once()
        assert down.query("SELECT attempts FROM outbox")[0]["attempts"] == 1

        handler = Collector()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            execute(down, "UPDATE outbox SET next_attempt_at = 0")
            down.worker_once()
        finally:
            controller.stop()
        assert len(handler.messages) == 1
        msg = parse(handler.messages[0][2])
        assert msg["Message-ID"] == row["message_id"]  # the same message, whatever the attempt
        assert down.query("SELECT state, attempts FROM outbox")[0] == {"state": "sent", "attempts": 2}
        assert "Email sent" in c.get("/mailboxes/%d" % mid).text
        accept(down, path_of(LINK_RE.search(bodies(msg)[0]).group(1)))
    finally:
        down.stop()


def test_gives_up_after_eight_attempts():
    port = free_port()
    down = App(env={"PILOTOMAIL_SMTP_URL": "smtp://127.0.0.1:%d" % port}).start()
    try:
        c = down.new_operator()
        sid, oid = catalog(down, c.operator_id)
        mid = create_mailbox(c, sid, oid)
        for attempt in range(1, 9):
            execute(down, "UPDATE outbox SET next_attempt_at = 0")
            down.worker_once()
            row = down.query("SELECT state, attempts FROM outbox")[0]
            assert row["attempts"] == attempt
            assert row["state"] == ("failed" if attempt == 8 else "queued")
        page = c.get("/mailboxes/%d" % mid).text
        assert "Email failed" in page and "8 attempts" in page
        # Resend gives the renter a fresh chance.
        assert c.post("/mailboxes/%d/resend-invitation" % mid).status == 303
        assert down.query("SELECT state FROM outbox ORDER BY id DESC LIMIT 1")[0]["state"] == "queued"
    finally:
        down.stop()


def test_a_killed_workers_claim_is_taken_over(app):
    c = app.new_operator()
    sid, oid = catalog(app, c.operator_id)
    create_mailbox(c, sid, oid)
    # As a worker SIGKILLed mid-send leaves it: claimed, lease still running.
    execute(app, "UPDATE outbox SET state = 'sending', claimed_by = 'dead-worker', "
                 "claimed_until = ?, attempts = 1", int(time.time()) + 600)
    app.worker_once()
    assert eml_files(app) == []
    execute(app, "UPDATE outbox SET claimed_until = ?", int(time.time()) - 1)
    app.worker_once()
    assert len(eml_files(app)) == 1
    row = app.query("SELECT state, attempts, claimed_by FROM outbox")[0]
    assert row == {"state": "sent", "attempts": 2, "claimed_by": None}
