"""Sign-in, sessions and CSRF, through the real web server."""


def test_login_page_is_served_with_security_headers(app):
    r = app.client().get("/login")
    assert r.status == 200
    assert "Sign in" in r.text
    csp = r.header("Content-Security-Policy")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.header("X-Content-Type-Options") == "nosniff"


def test_page_without_session_redirects_to_login(app):
    r = app.client().get("/settings/integrations")
    assert r.status == 303
    assert r.location.startswith("/login?next=")


def test_good_sign_in_sets_httponly_samesite_cookie(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    c.get("/login")
    r = c.post("/login", {"email": "a@example.com", "password": "s3cret-password"})
    assert r.status == 303
    cookie = [v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith("pm_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert c.get("/login").status == 303  # already signed in


def test_bad_password_is_refused(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    c.get("/login")
    r = c.post("/login", {"email": "a@example.com", "password": "wrong"})
    assert r.status == 401
    assert "do not match" in r.text
    assert "pm_session" not in c.cookies


def test_repeated_failures_are_slowed_down(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    c.get("/login")
    statuses = [c.post("/login", {"email": "a@example.com", "password": "nope"}).status for _ in range(5)]
    assert statuses == [401] * 5
    # Each failure from the fifth doubles the wait, so it soon outlasts even a slow sign-in.
    for _ in range(10):
        status = c.post("/login", {"email": "a@example.com", "password": "nope"}).status
        if status != 401:
            break
    assert status == 429
    # Even the right password must wait now.
    r = c.post("/login", {"email": "a@example.com", "password": "s3cret-password"})
    assert r.status == 429


def test_login_without_csrf_is_refused(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    c.get("/login")
    r = c.post("/login", {"email": "a@example.com", "password": "s3cret-password"}, csrf=False)
    assert r.status == 403
    assert "pm_session" not in c.cookies


def test_logout_ends_the_session(app):
    c = app.new_operator()
    assert c.post("/logout").status == 303
    assert c.get("/settings/integrations").status == 303


def test_next_parameter_cannot_leave_the_site(app):
    app.admin("operator", "add", "a@example.com", input="s3cret-password\n")
    c = app.client()
    c.get("/login?next=//evil.example/")
    r = c.post("/login", {"email": "a@example.com", "password": "s3cret-password",
                          "next": "//evil.example/"})
    assert r.status == 303 and r.location == "/mail"


def test_unknown_path_is_a_404_page_without_internals(app):
    c = app.new_operator()
    r = c.get("/no/such/page")
    assert r.status == 404
    assert "nothing at this address" in r.text
