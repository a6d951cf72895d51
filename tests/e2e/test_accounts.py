"""Accounts: password reset by an emailed one-time link (operators and renters), the operator's
account page, and the favicon. Real web server, real worker writing .eml files."""
import email
import email.policy
import glob
import os
import re

import pytest

RESET_RE = re.compile(r"http://127\.0\.0\.1:\d+((?:/my)?/password/reset/[A-Za-z0-9_-]{43})")
INVITE_RE = re.compile(r"http://127\.0\.0\.1:\d+(/invite/[A-Za-z0-9_-]{43})")
NEW_PASSWORD = "a brand new password"


def messages(app):
    """Every email the worker wrote, oldest first, as (to, subject, text)."""
    out = []
    files = glob.glob(os.path.join(app.mail_dir, "*.eml"))
    for p in sorted(files, key=lambda p: int(re.search(r"outbox-(\d+)\.eml", p).group(1))):
        with open(p, "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        out.append((msg["To"], msg["Subject"], msg.get_body(preferencelist=("plain",)).get_content()))
    return out


def ask_reset(app, email_addr, prefix=""):
    c = app.client()
    c.get(prefix + "/password/forgot")
    return c.post(prefix + "/password/forgot", {"email": email_addr})


def reset_link(app, prefix=""):
    """Runs the worker and returns the path of the newest reset link it sent."""
    app.worker_once()
    links = [RESET_RE.search(text).group(1) for _, subject, text in messages(app) if "Reset" in subject]
    assert links, "no reset email was sent"
    assert links[-1].startswith(prefix + "/password/reset/")
    return links[-1]


def choose(c, path, password=NEW_PASSWORD):
    r = c.get(path)
    assert r.status == 200, r
    assert "Choose a new password" in r.text
    return c.post(path, {"password": password, "password_confirm": password})


def signed_out(r):
    """A page that sends its visitor to sign in."""
    return r.status == 303 and "/login?next=" in r.location


def visible_text(r):
    """The page without the CSRF token and the email echoed back: what may differ by account."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", r.text)


# -- operators -------------------------------------------------------------------------------

def test_operator_reset_works_once_and_ends_other_sessions(app):
    other = app.new_operator(email="ann@example.com")  # a session elsewhere, signed in before
    assert other.get("/mail").status == 200
    r = ask_reset(app, "ann@example.com")
    assert r.status == 200 and "Check your email" in r.text
    path = reset_link(app)
    # Only the hash of the token is stored.
    token = path.rsplit("/", 1)[1]
    stored = app.query("SELECT token_hash FROM password_resets")
    assert len(stored) == 1 and token not in stored[0]["token_hash"]

    c = app.client()
    r = choose(c, path)
    assert r.status == 303 and r.location == "/mail", r
    assert "every other session is signed out" in c.get("/mail").text
    # The old session has ended; the old password no longer works, the new one does.
    assert signed_out(other.get("/mail"))
    fresh = app.client()
    fresh.get("/login")
    assert fresh.post("/login", {"email": "ann@example.com", "password": "correct horse battery"}).status == 401
    fresh.login("ann@example.com", NEW_PASSWORD)
    # The link works once.
    again = app.client()
    r = again.get(path)
    assert r.status == 410 and "already been used" in r.text
    r = again.post(path, {"password": "yet another password", "password_confirm": "yet another password"})
    assert r.status == 410
    fresh.login("ann@example.com", NEW_PASSWORD)


def test_operator_reset_link_expires(app):
    app.new_operator(email="bo@example.com")
    ask_reset(app, "bo@example.com")
    path = reset_link(app)
    # An hour passes (the link's whole life): the store's clock is moved, not the test's.
    con = app.db()
    with con:
        con.execute("UPDATE password_resets SET expires_at = created_at - 1")
    con.close()
    c = app.client()
    r = c.get(path)
    assert r.status == 410 and "expired" in r.text
    r = c.post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status == 410
    c.get("/login")
    assert c.post("/login", {"email": "bo@example.com", "password": NEW_PASSWORD}).status == 401


def test_unknown_email_gets_the_same_page_and_no_email(app):
    app.new_operator(email="cy@example.com")
    known = ask_reset(app, "cy@example.com")
    unknown = ask_reset(app, "nobody-here@example.com")
    assert known.status == unknown.status == 200
    assert visible_text(known).replace("cy@example.com", "X") == \
        visible_text(unknown).replace("nobody-here@example.com", "X")
    app.worker_once()
    assert [to for to, _, _ in messages(app)] == ["cy@example.com"]
    # An unknown or altered link is no link.
    r = app.client().get("/password/reset/" + "A" * 43)
    assert r.status == 404 and "not found" in r.text


def test_reset_requests_are_throttled(app):
    for _ in range(5):
        assert ask_reset(app, "flood@example.com").status == 200
    r = ask_reset(app, "flood@example.com")
    assert r.status == 429 and "Too many reset requests" in r.text


def test_renter_link_does_not_work_for_operators(app):
    renter = renter_with_password(app)
    ask_reset(app, renter, prefix="/my")
    path = reset_link(app, prefix="/my")
    assert app.client().get(path[len("/my"):]).status == 404


# -- renters ---------------------------------------------------------------------------------

def renter_with_password(app, mail="rita@example.com"):
    """An operator, a mailbox for a renter, and the renter's accepted invitation."""
    op = app.new_operator()
    con = app.db()
    with con:
        sid = con.execute("INSERT INTO spaces(operator_id, name, created_at) VALUES (?, 'Harbour', 0)",
                          (op.operator_id,)).lastrowid
        oid = con.execute("INSERT INTO offerings(operator_id, name, monthly_price, created_at) "
                          "VALUES (?, 'Virtual', 1500, 0)", (op.operator_id,)).lastrowid
    con.close()
    op.get("/mailboxes/new")
    r = op.post("/mailboxes", {"name": "Rita", "email": mail, "company_name": "",
                               "space_id": str(sid), "offering_id": str(oid)})
    assert r.status == 303, r
    app.worker_once()
    invite = INVITE_RE.search(messages(app)[-1][2]).group(1)
    c = app.client()
    c.get(invite)
    r = c.post(invite, {"password": "the first password", "password_confirm": "the first password"})
    assert r.status == 303, r
    return mail


def test_renter_reset_works_once_and_ends_other_sessions(app):
    mail = renter_with_password(app)
    signed_in = app.client()
    signed_in.get("/my/login")
    assert signed_in.post("/my/login", {"email": mail, "password": "the first password"}).status == 303
    assert signed_in.get("/my").status == 200

    r = ask_reset(app, mail, prefix="/my")
    assert r.status == 200 and "Check your email" in r.text
    path = reset_link(app, prefix="/my")
    c = app.client()
    r = choose(c, path)
    assert r.status == 303 and r.location == "/my", r
    assert c.get("/my").status == 200
    assert signed_out(signed_in.get("/my"))  # the other session has ended
    assert app.client().get(path).status == 410
    fresh = app.client()
    fresh.get("/my/login")
    assert fresh.post("/my/login", {"email": mail, "password": NEW_PASSWORD}).status == 303


def test_renter_unknown_email_same_page(app):
    mail = renter_with_password(app)
    before = len(messages(app))
    known = ask_reset(app, mail, prefix="/my")
    unknown = ask_reset(app, "stranger@example.com", prefix="/my")
    assert known.status == unknown.status == 200
    assert visible_text(known).replace(mail, "X") == visible_text(unknown).replace("stranger@example.com", "X")
    app.worker_once()
    assert [to for to, _, _ in messages(app)[before:]] == [mail]


# -- the account page ------------------------------------------------------------------------

def test_account_page_changes_name_and_password(app):
    c = app.new_operator(email="dee@example.com", name="Harbour Office")
    other = app.client()
    other.login("dee@example.com", "correct horse battery")
    r = c.get("/account")
    assert r.status == 200 and 'value="Harbour Office"' in r.text
    assert 'href="/account"' in c.get("/mail").text

    r = c.post("/account/name", {"name": "  Harbour Works  "}, follow=True)
    assert "Your name is saved." in r.text and 'value="Harbour Works"' in r.text
    r = c.post("/account/name", {"name": ""})
    assert r.status == 422 and "Enter a name" in r.text

    r = c.post("/account/password", {"current_password": "wrong guess", "password": NEW_PASSWORD,
                                     "password_confirm": NEW_PASSWORD})
    assert r.status == 422 and "current password is not correct" in r.text
    r = c.post("/account/password", {"current_password": "correct horse battery", "password": "short",
                                     "password_confirm": "short"})
    assert r.status == 422 and "at least 8 characters" in r.text
    fresh = app.client()
    fresh.login("dee@example.com", "correct horse battery")  # nothing was changed so far

    r = c.post("/account/password", {"current_password": "correct horse battery", "password": NEW_PASSWORD,
                                     "password_confirm": NEW_PASSWORD}, follow=True)
    assert r.status == 200 and "Your password is changed" in r.text
    assert c.get("/account").status == 200      # this session stays
    assert signed_out(other.get("/mail"))      # the others end
    fresh = app.client()
    fresh.login("dee@example.com", NEW_PASSWORD)


def test_favicon_is_served_and_linked(app):
    c = app.client()
    page = c.get("/login")
    assert 'rel="icon" href="/static/favicon.svg"' in page.text
    for path in ("/static/favicon.svg", "/favicon.ico"):
        r = c.get(path)
        assert r.status == 200, (path, r)
        assert "image/svg+xml" in r.header("Content-Type")
        assert b"<svg" in r.body
