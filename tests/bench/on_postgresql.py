"""make bench on PostgreSQL: the same measures, the same programs, against a throwaway cluster of
the bench's own (tests/pg/cluster.py: initdb in a temporary folder, loopback, fsync on, stopped at
the end). The test harness's engine switch (tests/e2e/dbconn.py) gives every App a fresh database
on it, so ingest.py, pages.py and the fee booking run unchanged; only where the store lives differs.

    with on_postgresql.cluster_env():
        lines = ingest.run(...)       # each App made inside is on PostgreSQL
"""
import contextlib
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))

import cluster  # noqa: E402

ENGINE_VARS = ("PILOTOMAIL_TEST_ENGINE", "PILOTOMAIL_TEST_DB_URL")


@contextlib.contextmanager
def cluster_env():
    """Starts a cluster and points the harness at it; restores the environment and stops it after."""
    saved = {k: os.environ.get(k) for k in ENGINE_VARS}
    with cluster.Cluster() as pg:
        os.environ["PILOTOMAIL_TEST_ENGINE"] = "postgresql"
        os.environ["PILOTOMAIL_TEST_DB_URL"] = pg.url
        try:
            yield pg
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def version(pg):
    """The server's major version, as its Debian folder names it (/usr/lib/postgresql/15/bin)."""
    name = os.path.basename(os.path.dirname(pg.bindir))
    return name if name.isdigit() else ""


def available():
    """Whether this machine can start a cluster (Debian's postgresql installed)."""
    try:
        cluster.pg_bindir()
        return True
    except RuntimeError:
        return False
