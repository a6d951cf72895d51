"""The suite's own PostgreSQL plumbing, for real: a throwaway cluster (cluster.py), a database per
app, psql over loopback TCP and the unix socket, the engine-neutral test connection (dbconn.py),
and the cluster gone afterwards, also when the code using it failed."""
import os
import subprocess
import tempfile
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import cluster  # noqa: E402
import dbconn  # noqa: E402


@pytest.fixture(scope="module")
def pg():
    with cluster.Cluster() as c:
        yield c


def server_pids(c):
    with open(os.path.join(c.data, "postmaster.pid")) as f:
        return int(f.readline())


def owner_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])


def test_loopback_and_socket_only_and_durable(pg):
    assert pg.url.startswith("postgresql://postgres@127.0.0.1:%d/" % pg.port)
    assert cluster.psql(pg.url, "SELECT 1") == "1"
    assert cluster.psql(pg.socket_url(), "SELECT current_setting('unix_socket_directories')") == pg.sock
    assert cluster.psql(pg.url, "SELECT current_setting('listen_addresses')") == "127.0.0.1"
    # Durable: the no-loss tests mean something only if a commit is on disk.
    assert cluster.psql(pg.url, "SELECT current_setting('fsync') || current_setting('synchronous_commit')") == "onon"


def test_runs_unprivileged_when_root(pg):
    uid = owner_of(server_pids(pg))
    if os.geteuid() == 0:
        import pwd
        assert uid == pwd.getpwnam("postgres").pw_uid
    else:
        assert uid == os.geteuid()


def test_a_database_per_app_dropped_at_the_end(pg):
    a = pg.create_database("pm_test_a")
    b = pg.create_database("pm_test_b")
    cluster.psql(a, "CREATE TABLE t(x int); INSERT INTO t VALUES (1)")
    assert cluster.psql(b, "SELECT count(*) FROM pg_tables WHERE tablename = 't'") == "0"
    held = dbconn.connect("postgresql", a)  # a session left open, as a SIGKILLed program's
    pg.drop_database("pm_test_a")
    pg.drop_database("pm_test_b")
    names = cluster.psql(pg.url, "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'pm_test_%'")
    assert names == ""
    with pytest.raises(Exception):
        held.execute("SELECT 1")
    with pytest.raises(ValueError):
        pg.create_database("x; DROP DATABASE postgres")


def test_engine_neutral_connection(pg):
    url = pg.create_database("pm_test_conn")
    try:
        con = dbconn.connect("postgresql", url)
        con.execute("CREATE TABLE t(id BIGSERIAL PRIMARY KEY, name TEXT, n INT)")
        rid = con.execute("INSERT INTO t(name, n) VALUES (?, ?)", ("it's 100%", 7)).lastrowid
        con.commit()
        row = con.execute("SELECT id, name, n FROM t WHERE name = ?1 AND n = ?2 AND name LIKE '%?%' "
                          "OR (n = ?2 AND name = ?1)", ("it's 100%", 7)).fetchone()
        assert (row[0], row["name"], dict(row)["n"]) == (rid, "it's 100%", 7)
        with con:
            con.execute("UPDATE t SET n = ? WHERE id = ?", (8, rid))
        con.execute("UPDATE t SET n = 9")  # never committed: lost at close, as with sqlite3
        con.close()
        other = dbconn.connect("postgresql", url)
        assert [tuple(r) for r in other.execute("SELECT n FROM t")] == [(8,)]
        # As sqlite3 gives them: a blob is bytes, a whole sum an int.
        assert tuple(other.execute("SELECT '\\x6869'::bytea, sum(id::bigint) FROM t").fetchone()) == (b"hi", rid)
        other.close()
    finally:
        pg.drop_database("pm_test_conn")


def test_stopped_and_removed_even_when_the_user_failed():
    with pytest.raises(RuntimeError):
        with cluster.Cluster() as c:
            folder, pid = c.dir, server_pids(c)
            raise RuntimeError("a test failed")
    assert not os.path.exists(folder)
    assert not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z"


def test_command_line_start_url_stop():
    folder = tempfile.mkdtemp(prefix="pilotomail-pgcli-")  # as make does: mktemp -d
    py = [sys.executable, os.path.join(HERE, "cluster.py")]
    started = subprocess.run(py + ["start", folder], capture_output=True, text=True, timeout=120)
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert subprocess.run(py + ["url", folder], capture_output=True, text=True).stdout.strip() == url
        assert cluster.psql(url, "SELECT 2") == "2"
    finally:
        assert subprocess.run(py + ["stop", folder], timeout=120).returncode == 0
    assert not os.path.exists(folder)
    bad = subprocess.run(py + ["launch", folder], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_harness_gives_each_app_its_own_database(pg, monkeypatch):
    """The e2e engine switch: PILOTOMAIL_TEST_ENGINE=postgresql makes a fresh database per App
    (the programs get its URL), a second host sharing it makes none, and stop drops it."""
    from harness import App
    monkeypatch.setenv("PILOTOMAIL_TEST_ENGINE", "postgresql")
    monkeypatch.setenv("PILOTOMAIL_TEST_DB_URL", pg.url)
    one, two = App(), App()
    shared = App(env={"PILOTOMAIL_DB": one.db_path})
    try:
        assert one.engine == "postgresql" and one.env["PILOTOMAIL_DB"] == one.db_path != two.db_path
        assert one.db_path.startswith(pg.url.rsplit("/", 1)[0] + "/pm_e2e_")
        assert (shared.engine, shared.own_db, shared.env["PILOTOMAIL_DB"]) == ("postgresql", False, one.db_path)
        con = one.db()
        con.execute("CREATE TABLE t(id BIGSERIAL PRIMARY KEY, v TEXT)")
        con.execute("INSERT INTO t(v) VALUES (?)", ("x",))
        con.commit()
        con.close()
        assert shared.query("SELECT v FROM t") == [{"v": "x"}]
        assert cluster.psql(two.db_path, "SELECT count(*) FROM pg_tables WHERE tablename = 't'") == "0"
    finally:
        shared.stop()
        one.stop()
        two.stop()
    left = cluster.psql(pg.url, "SELECT count(*) FROM pg_database WHERE datname LIKE 'pm_e2e_%'")
    assert left == "0"
    monkeypatch.setenv("PILOTOMAIL_TEST_ENGINE", "oracle")
    with pytest.raises(RuntimeError, match="PILOTOMAIL_TEST_ENGINE"):
        App()
