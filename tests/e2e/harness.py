"""End-to-end harness: a real pilotomail behind a real web server, driven over HTTP.

App starts lighttpd (or Apache, with PILOTOMAIL_E2E_SERVER=apache) on a free loopback port with
the built FastCGI programs, on a fresh SQLite file in a temporary folder, and stops it. Client is
a small cookie-keeping HTTP client that fills in the CSRF token the way a browser form would.
Nothing here reaches outside 127.0.0.1.

Engine: PILOTOMAIL_TEST_ENGINE=postgresql (with PILOTOMAIL_TEST_DB_URL, a PostgreSQL server URL
such as tests/pg/cluster.py prints) gives each App a fresh database on that server, dropped at
stop, and the programs PILOTOMAIL_DB=postgresql://...; the default is a SQLite file as before.
app.db() and app.query() read either engine (dbconn.py).
"""
import html
import os
import secrets
import re
import signal
import socket
import subprocess
import tempfile
import time
import http.client
import urllib.parse

import dbconn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Where the built programs are: the checkout, or the sanitizer build (make asan).
BIN_ROOT = os.environ.get("PILOTOMAIL_E2E_BIN_ROOT", ROOT)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid):
    """The processes of group pgid still running (zombies, which init may never reap here, are not)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(entry))
    return alive


def group_gone(pgid, timeout=10.0):
    """Waits until no process of group pgid is running; SIGKILLs what remains after timeout."""
    deadline = time.time() + timeout
    while group_alive(pgid):
        if time.time() > deadline:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.1)
            return
        time.sleep(0.02)


def wait_for_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def location(self):
        return self.header("Location")

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.text[:200])


class Client:
    """A browser stand-in: keeps cookies, remembers the last CSRF token it saw."""

    def __init__(self, base_url):
        self.base = base_url
        u = urllib.parse.urlparse(base_url)
        self.host, self.port = u.hostname, u.port
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        conn.close()
        for k, v in resp.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        m = CSRF_RE.search(resp.text)
        if m:
            self.csrf = html.unescape(m.group(1))
        return resp

    def get(self, path, follow=False):
        r = self.request("GET", path)
        hops = 0
        while follow and r.status in (301, 302, 303) and hops < 5:
            r = self.request("GET", r.location)
            hops += 1
        return r

    def post(self, path, data=None, csrf=True, follow=False):
        """data: a dict or a list of (name, value) pairs (for repeated fields)."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf is True:
            if self.csrf is None:
                self.get("/login")
            pairs.append(("csrf_token", self.csrf))
        elif isinstance(csrf, str):
            pairs.append(("csrf_token", csrf))
        body = urllib.parse.urlencode(pairs)
        r = self.request("POST", path, body=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        if follow and r.status in (301, 302, 303):
            return self.get(r.location, follow=True)
        return r

    def post_multipart(self, path, fields=None, files=None, csrf=True):
        """A multipart/form-data POST, as a browser sends a form with a file input.
        files: {name: (filename, content_type, bytes)}."""
        boundary = "----pilotomail%s" % secrets.token_hex(8)
        fields = dict(fields or {})
        if csrf is True:
            if self.csrf is None:
                self.get("/login")
            fields["csrf_token"] = self.csrf
        parts = []
        for name, value in fields.items():
            parts.append(b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                         % (boundary.encode(), name.encode(), str(value).encode()))
        for name, (filename, ctype, data) in (files or {}).items():
            parts.append(b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                         b'Content-Type: %s\r\n\r\n%s\r\n'
                         % (boundary.encode(), name.encode(), filename.encode(), ctype.encode(), data))
        body = b"".join(parts) + b"--%s--\r\n" % boundary.encode()
        return self.request("POST", path, body=body,
                            headers={"Content-Type": "multipart/form-data; boundary=" + boundary})

    def login(self, email, password):
        self.get("/login")
        r = self.post("/login", {"email": email, "password": password})
        assert r.status == 303, r
        self.get(r.location)  # as a browser would: picks up the session's CSRF token
        return r


class App:
    """One running pilotomail: web server + both FastCGI programs (+ the worker on request)."""

    def __init__(self, env=None, server=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="pilotomail-e2e-")
        self.dir = self.tmp.name
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        # An App given PILOTOMAIL_DB shares that store (tests/multihost): it neither makes nor drops it.
        self.engine, self.db_path, self.own_db = dbconn.choose(self.dir, (env or {}).get("PILOTOMAIL_DB"))
        self.mail_dir = os.path.join(self.dir, "mail")
        self.run_dir = os.path.join(self.dir, "run")
        os.makedirs(self.mail_dir)
        os.makedirs(self.run_dir)
        self.server = server or os.environ.get("PILOTOMAIL_E2E_SERVER", "lighttpd")
        self.env = dict(os.environ)
        self.env.update({
            "PORT": str(self.port),
            "PILOTOMAIL_DB": self.db_path,
            "PILOTOMAIL_KEY_FILE": os.path.join(self.dir, "secret.key"),
            "PILOTOMAIL_MAIL_DIR": self.mail_dir,
            "PILOTOMAIL_SCAN_DIR": os.path.join(self.dir, "scans"),
            "PILOTOMAIL_TEMPLATE_DIR": os.path.join(ROOT, "templates"),
            "PILOTOMAIL_BASE_URL": self.url,
            # Nothing may reach the real OfficeRnD from a test: unset URLs point nowhere useful.
            "PILOTOMAIL_OFFICERND_IDENTITY_URL": "http://127.0.0.1:9/",
            "PILOTOMAIL_OFFICERND_API_URL": "http://127.0.0.1:9/api/v2",
        })
        self.env.pop("PILOTOMAIL_SMTP_URL", None)
        self.env.update(env or {})
        self.procs = []
        self.worker = None
        self._operators = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        r = self.admin("migrate")
        assert r.returncode == 0, r.stderr
        if self.server == "apache":
            from server_apache import start_apache
            self.procs.extend(start_apache(self))
        else:
            self._start_lighttpd()
        wait_for_port(self.port)
        return self

    def _start_lighttpd(self):
        with open(os.path.join(ROOT, "conf", "lighttpd-dev.conf.in")) as f:
            conf = f.read()
        for k, v in {"@PORT@": str(self.port), "@DATADIR@": ROOT, "@RUNDIR@": self.run_dir,
                     "@BINDIR@": os.path.join(BIN_ROOT, "cgi-bin")}.items():
            conf = conf.replace(k, v)
        path = os.path.join(self.run_dir, "lighttpd.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        p = subprocess.Popen(["lighttpd", "-D", "-f", path], env=self.env, stdout=self.log,
                             stderr=self.log, start_new_session=True)
        self.procs.append(p)

    def stop(self):
        self.stop_worker()
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            # The server's FastCGI children share its process group and may still be closing the
            # database (slowly under a sanitizer): removing the folder under them would race.
            group_gone(p.pid)
        self.procs = []
        if self.own_db:
            dbconn.drop(self.engine, self.db_path)
        self.tmp.cleanup()

    def server_log(self):
        out = []
        for name in ("server.log", "run/lighttpd-error.log", "worker.log"):
            p = os.path.join(self.dir, name)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    out.append("== %s ==\n%s" % (name, f.read()[-8000:]))
        return "\n".join(out)

    # -- programs ----------------------------------------------------------------------------
    def admin(self, *args, input=None):
        return subprocess.run([os.path.join(BIN_ROOT, "bin", "pilotomail-admin")] + list(args),
                              env=self.env, input=input, capture_output=True, text=True, timeout=60)

    def worker_once(self, timeout=120, extra_env=None):
        """Runs the worker until every queue is idle (what is due now), then returns."""
        env = dict(self.env)
        env.update(extra_env or {})
        r = subprocess.run([os.path.join(BIN_ROOT, "bin", "pilotomail-worker"), "--once"], env=env,
                           capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, r.stderr
        return r

    def start_worker(self, extra_env=None):
        env = dict(self.env)
        env.update(extra_env or {})
        log = open(os.path.join(self.dir, "worker.log"), "ab")
        self.worker = subprocess.Popen([os.path.join(BIN_ROOT, "bin", "pilotomail-worker")], env=env,
                                       stdout=log, stderr=log)
        return self.worker

    def stop_worker(self, sig=signal.SIGTERM):
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(sig)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
        self.worker = None

    def kill_worker(self):
        self.stop_worker(signal.SIGKILL)

    # -- data --------------------------------------------------------------------------------
    def db(self):
        """A connection to the app's database, for assertions (read what the app stored): the
        sqlite3 module's on SQLite, a look-alike (? parameters, rows by index and name) on PostgreSQL."""
        return dbconn.connect(self.engine, self.db_path)

    def query(self, sql, *params):
        con = self.db()
        try:
            return [dict(r) for r in con.execute(sql, params).fetchall()]
        finally:
            con.close()

    def client(self):
        return Client(self.url)

    def new_operator(self, email=None, password="correct horse battery", name="Test Space", currency=None):
        """Creates an operator with pilotomail-admin and returns a Client signed in as it."""
        self._operators += 1
        email = email or "op%d@example.com" % self._operators
        extra = ["--currency", currency] if currency else []
        r = self.admin("operator", "add", email, "--name", name, *extra, input=password + "\n")
        assert r.returncode == 0, r.stderr
        c = self.client()
        c.login(email, password)
        c.email = email
        c.password = password
        c.operator_id = self.query("SELECT id FROM operators WHERE email = ?", email)[0]["id"]
        return c

    def webhook_url(self, operator_id):
        token = self.query("SELECT webhook_token FROM officernd_settings WHERE operator_id = ?",
                           operator_id)[0]["webhook_token"]
        return "%s/webhooks/officernd/%s" % (self.url, token)
