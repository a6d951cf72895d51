"""pytest fixtures for the end-to-end tests (see harness.py)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import App  # noqa: E402


@pytest.fixture
def app(request):
    """A fresh, running pilotomail (empty database, its own port)."""
    a = App().start()
    yield a
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(a.server_log())
    a.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
