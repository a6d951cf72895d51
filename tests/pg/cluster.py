"""A throwaway PostgreSQL cluster of the test suite's own.

initdb and pg_ctl (Debian 12: /usr/lib/postgresql/15/bin) in a temporary folder, listening on a
loopback port picked here and on a unix socket inside that folder. When the tests run as root the
cluster runs as the unprivileged `postgres` user (PostgreSQL refuses to run as root): the folder is
handed to that user. fsync and synchronous_commit keep their durable defaults: the no-loss
guarantee of the webhook receiver is that a commit is on disk, and the suite tests that.
Authentication is `trust`, which is safe only because nothing but 127.0.0.1 and a 0700 socket
folder can reach it; it is never a production setting.

From Python:   with Cluster() as pg: url = pg.create_database("e2e_x") ... (stopped on exit,
               even when the body raises)
From make:     python3 tests/pg/cluster.py start DIR   prints the server URL (also in DIR/url)
               python3 tests/pg/cluster.py stop DIR    stops it and removes DIR
               python3 tests/pg/cluster.py url DIR     prints the URL of a running cluster
"""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse

SUPERUSER = "postgres"  # the cluster's superuser role, whoever runs the server


def pg_bindir():
    """Where initdb and pg_ctl are: PG_BINDIR, else the newest Debian install, else PATH."""
    if os.environ.get("PG_BINDIR"):
        return os.environ["PG_BINDIR"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise RuntimeError("initdb not found: install the Debian package postgresql (sh conf/deps.sh install)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_server_user(argv):
    """argv run as the unprivileged postgres user when we are root, as ourselves otherwise."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


def give_to_server_user(path):
    """When root: the folder belongs to postgres, and every folder above it must be traversable."""
    if os.geteuid() != 0:
        return
    import pwd
    pw = pwd.getpwnam("postgres")
    os.chown(path, pw.pw_uid, pw.pw_gid)
    parent = os.path.dirname(os.path.abspath(path))
    while parent != "/":
        st = os.stat(parent)
        if st.st_uid != pw.pw_uid and not st.st_mode & 0o001:
            raise RuntimeError("the postgres user cannot reach %s: %s is not traversable (o+x); "
                               "choose a folder under /tmp" % (path, parent))
        parent = os.path.dirname(parent)


class Cluster:
    """One PostgreSQL server in its own folder: DIR/data, DIR/sock (the unix socket), DIR/log."""

    def __init__(self, folder=None):
        self.own_folder = folder is None
        self.dir = folder or tempfile.mkdtemp(prefix="pilotomail-pg-")
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.log = os.path.join(self.dir, "server.log")
        self.bindir = pg_bindir()
        self.port = None

    # -- lifecycle ---------------------------------------------------------------------------
    def _run(self, *argv, check=True):
        r = subprocess.run(as_server_user([os.path.join(self.bindir, argv[0])] + list(argv[1:])),
                           capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s%s" % (argv[0], r.returncode, r.stdout, r.stderr))
        return r

    def start(self):
        os.makedirs(self.sock, exist_ok=True)
        os.chmod(self.dir, 0o700)
        os.chmod(self.sock, 0o700)
        for p in (self.dir, self.sock):
            give_to_server_user(p)
        self._run("initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "--no-instructions",
                  "-E", "UTF8", "--locale=C.UTF-8")
        # A port picked now may be taken before the server binds it: try a few.
        for attempt in range(5):
            self.port = free_port()
            opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200" % (self.port, self.sock)
            r = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", opts,
                          "start", check=False)
            if r.returncode == 0:
                break
        else:
            raise RuntimeError("PostgreSQL did not start: %s\n%s" % (r.stderr, self.server_log()))
        with open(os.path.join(self.dir, "url"), "w") as f:
            f.write(self.url + "\n")
        return self

    def stop(self, remove=True):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop", check=False)
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    def server_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # -- addresses -----------------------------------------------------------------------------
    @property
    def url(self):
        """The server's URL over loopback TCP, on the maintenance database."""
        return url_for(server_url(self.port), "postgres")

    def socket_url(self, dbname="postgres"):
        return "postgresql://%s@/%s?host=%s&port=%d" % (SUPERUSER, dbname, urllib.parse.quote(self.sock),
                                                        self.port)

    def create_database(self, name):
        return create_database(self.url, name)

    def drop_database(self, name):
        drop_database(self.url, name)


# -- databases on any server (the cluster above, or one given by URL) -----------------------------

def server_url(port, host="127.0.0.1"):
    return "postgresql://%s@%s:%d/postgres" % (SUPERUSER, host, port)


def url_for(url, dbname):
    """url with its database name replaced by dbname (query and credentials kept)."""
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def psql(url, sql):
    """Runs sql with psql against url; returns its unaligned, tuples-only output."""
    exe = shutil.which("psql") or os.path.join(pg_bindir(), "psql")
    r = subprocess.run([exe, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql: %s" % r.stderr.strip())
    return r.stdout.strip()


def check_name(name):
    if not name or not all(c.isalnum() or c == "_" for c in name) or len(name) > 63:
        raise ValueError("database name must be 1-63 letters, digits or _: %r" % name)


def create_database(url, name):
    """CREATE DATABASE name on the server at url; returns the new database's URL."""
    check_name(name)
    psql(url, "CREATE DATABASE %s" % name)
    return url_for(url, name)


def drop_database(url, name):
    """DROP DATABASE name, ending the sessions still on it (a SIGKILLed program's, say)."""
    check_name(name)
    psql(url_for(url, "postgres"), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop", "url"):
        print("usage: cluster.py start|stop|url DIR", file=sys.stderr)
        return 2
    folder = os.path.abspath(argv[2])
    c = Cluster(folder)
    if argv[1] == "start":
        os.makedirs(folder, exist_ok=True)
        try:
            c.start()
        except Exception as e:  # noqa: BLE001 - reported, and the half-started cluster removed
            print("cluster.py: %s" % e, file=sys.stderr)
            c.stop()
            return 1
        print(c.url)
    elif argv[1] == "stop":
        c.stop()
    else:
        with open(os.path.join(folder, "url")) as f:
            print(f.read().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
