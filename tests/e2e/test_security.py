"""Security and robustness, through the real web server and programs: the sign-in redirect,
log lines a client cannot forge (behind Apache, which passes %0A through), passwords rehashed
at sign-in, SMTP that insists on TLS off this machine, and the prune job."""
import os
import re
import urllib.parse

import pytest
from aiosmtpd.controller import Controller

from harness import App, free_port
from test_mailboxes import Collector, catalog, create_mailbox

# scrypt N=1024 r=4 p=2 of "hunter2 hunter2": the same self-describing format, weaker parameters.
OLD_HASH = ("scrypt$1024$4$2$30313233343536373839616263646566$"
            "52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac")


def execute(app, sql, *params):
    con = app.db()
    with con:
        con.execute(sql, params)
    con.close()


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/%09/evil.example",
                                    "/%2F/evil.example", "/\\evil.example", "//evil.example"])
def test_sign_in_next_never_leaves_the_site(app, target):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    form = c.get("/login?next=" + urllib.parse.quote(target, safe=""))
    # lighttpd answers 400 itself to a control byte in the query; the app never sees it.
    assert form.status == 400 or (form.status == 200 and "evil.example" not in form.text), form
    c.get("/login")
    r = c.post("/login", {"email": "a@example.com", "password": "s3cret-password", "next": target})
    assert r.status == 303 and r.location == "/mail", r


def test_sign_in_next_keeps_a_local_path(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    c.get("/login?next=/mailboxes")
    r = c.post("/login", {"email": "a@example.com", "password": "s3cret-password", "next": "/mailboxes"})
    assert r.status == 303 and r.location == "/mailboxes", r


def test_a_client_cannot_forge_log_lines_behind_apache():
    app = App(server="apache").start()
    try:
        forged = "error store forged-line-from-client"
        r = app.client().get("/no/such%0A" + forged.replace(" ", "%20") + "%0D%0Ainfo%20x")
        assert r.status == 404
        with open(os.path.join(app.dir, "server.log"), errors="replace") as f:
            log = f.read()
        assert "forged-line-from-client" in log, log[-2000:]
        for line in log.splitlines():
            assert not line.startswith(forged), line
            assert not line.startswith("info x"), line
        assert re.search(r"^info http GET /no/such\\n" + forged + r"\\r\\ninfo x status=404", log, re.M), log[-2000:]
    finally:
        app.stop()


def test_old_password_hash_is_upgraded_at_sign_in(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    new = app.query("SELECT password_hash FROM operators")[0]["password_hash"]
    assert new.startswith("scrypt$131072$8$1$")
    execute(app, "UPDATE operators SET password_hash = ?", OLD_HASH)
    c = app.client()
    c.login("a@example.com", "hunter2 hunter2")
    upgraded = app.query("SELECT password_hash FROM operators")[0]["password_hash"]
    assert upgraded.startswith("scrypt$131072$8$1$"), upgraded
    assert c.post("/logout").status == 303
    app.client().login("a@example.com", "hunter2 hunter2")
    assert app.query("SELECT password_hash FROM operators")[0]["password_hash"] == upgraded


def test_worker_prunes_expired_sessions_and_forgotten_failures(app):
    c = app.new_operator()
    op = c.operator_id
    execute(app, "INSERT INTO sessions(id_hash, operator_id, csrf_token, created_at, expires_at) "
                 "VALUES ('stale', ?, 'x', 0, 1)", op)
    execute(app, "INSERT INTO login_failures(email, failures, last_failed) VALUES ('old@x.y', 9, 1)")
    app.client().get("/login")
    c2 = app.client()
    c2.get("/login")
    c2.post("/login", {"email": "fresh@x.y", "password": "nope"})
    app.worker_once()
    assert app.query("SELECT id_hash FROM sessions WHERE id_hash = 'stale'") == []
    assert [r["email"] for r in app.query("SELECT email FROM login_failures")] == ["fresh@x.y"]
    assert c.get("/mailboxes").status == 200  # the live session was kept


def test_smtp_off_loopback_requires_tls():
    # "0.0.0.0" is not a loopback name, so pilotomail must insist on TLS; yet Linux delivers a
    # connection to it on this machine's loopback, so the test never leaves the machine.
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)  # no STARTTLS offered
    controller.start()
    app = App(env={"PILOTOMAIL_SMTP_URL": "smtp://0.0.0.0:%d" % port,
                   "PILOTOMAIL_MAIL_FROM": "mail@harbour.example"}).start()
    try:
        c = app.new_operator()
        sid, oid = catalog(app, c.operator_id)
        create_mailbox(c, sid, oid, mail="ada@example.com")
        app.worker_once()
        row = app.query("SELECT state, last_error FROM outbox")[0]
        assert row["state"] == "queued" and "does not offer TLS" in row["last_error"], row
        assert handler.messages == []
        # The operator's explicit choice lets it go without TLS.
        execute(app, "UPDATE outbox SET next_attempt_at = 0")
        app.worker_once(extra_env={"PILOTOMAIL_SMTP_ALLOW_PLAIN": "1"})
        assert app.query("SELECT state FROM outbox")[0]["state"] == "sent"
        assert len(handler.messages) == 1
    finally:
        app.stop()
        controller.stop()
