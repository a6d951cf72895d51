"""The same application behind Apache (mod_proxy_fcgi + spawn-fcgi), as documented in the README."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness import App  # noqa: E402


@pytest.fixture
def apache_app():
    a = App(server="apache").start()
    yield a
    a.stop()


def test_apache_smoke_sign_in_and_pages(apache_app):
    c = apache_app.new_operator()
    r = c.get("/settings/integrations")
    assert r.status == 200, r
    assert "frame-ancestors 'none'" in r.header("Content-Security-Policy")
    assert c.get("/static/app.css").status == 200


def test_apache_smoke_csrf_and_redirects(apache_app):
    c = apache_app.client()
    assert c.get("/mail").status == 303
    c.get("/login")
    assert c.post("/login", {"email": "x@y.z", "password": "p"}, csrf=False).status == 403


def test_apache_smoke_webhook_route_reaches_receiver(apache_app):
    c = apache_app.client()
    r = c.request("POST", "/webhooks/officernd/unknown-token", body=b"{}",
                  headers={"Content-Type": "application/json"})
    assert r.status == 404
