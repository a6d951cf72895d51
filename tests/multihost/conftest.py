"""pytest hooks for the multi-host test (tests/multihost/test_multihost.py): remember each phase's report,
so the fixture can print the programs' logs when the test failed."""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
