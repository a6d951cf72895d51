"""pytest fixtures of the fee tests: the OfficeRnD simulator with its seed, and pilotomail talking
to it with a short timeout and no pacing of its own. A test file uses them with
`from feefixtures import app, sim`."""
import pytest

from harness import App
from simctl import SEED_PATH, Sim


@pytest.fixture
def sim():
    s = Sim(quiet=True).start(SEED_PATH)
    yield s
    s.cleanup()


@pytest.fixture
def app(sim, request):
    a = App(env={"PILOTOMAIL_OFFICERND_IDENTITY_URL": sim.identity_url,
                 "PILOTOMAIL_OFFICERND_API_URL": sim.api_url,
                 "PILOTOMAIL_HTTP_TIMEOUT_MS": "3000",
                 "PILOTOMAIL_FEE_RATE_PER_MINUTE": "100000",
                 "PILOTOMAIL_FEE_CONCURRENCY": "4"}).start()
    yield a
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(a.server_log())
    a.stop()
