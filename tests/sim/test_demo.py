"""`make demo` as a newcomer runs it, on a terminal (a pty): the banner says where to sign in and
which curl to try, that curl makes a member whose invitation link is printed when it is written,
the link works, and Ctrl-C stops everything with make ending in 0. A busy port gets a plain
message. Runs the real make, conf/run.sh, lighttpd, the programs and the simulator, with its data
in a temporary folder (PILOTOMAIL_VAR)."""
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import ROOT, Client, free_port  # noqa: E402


def two_free_ports():
    """PORT and PORT + 1, both free (the simulator's default port is PORT + 1)."""
    for _ in range(50):
        p = free_port()
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise AssertionError("no two free ports in a row")


class Terminal:
    """make demo on a pseudo-terminal, as in a shell (Ctrl-C goes to the foreground group)."""

    def __init__(self, args, var):
        env = dict(os.environ, PILOTOMAIL_VAR=var)
        for k in list(env):
            if k.startswith("PILOTOMAIL_") and k != "PILOTOMAIL_VAR":
                del env[k]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(ROOT)
            os.execvpe("make", ["make", "--no-print-directory"] + args, env)
        self.out = b""

    def read_until(self, pattern, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(pattern, self.out)
            if m:
                return m
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break
        raise AssertionError("no %r in:\n%s" % (pattern, self.text()))

    def text(self):
        return self.out.decode("utf-8", "replace")

    def ctrl_c_and_wait(self, timeout=60):
        os.write(self.fd, b"\x03")
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    pass
                return os.waitstatus_to_exitcode(status)
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    pass
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError("make demo did not stop on Ctrl-C:\n" + self.text())


def test_demo_banner_curl_invitation_and_ctrl_c():
    port = two_free_ports()
    with tempfile.TemporaryDirectory(prefix="pilotomail-demo-") as var:
        t = Terminal(["demo", "PORT=%d" % port], var)
        try:
            t.read_until(rb"Ctrl-C stops everything")
            text = t.text()
            assert "http://127.0.0.1:%d/login" % port in text
            assert "demo@pilotomail.test / demo-password" in text
            assert "make: ***" not in text and " -o build/" not in text  # quiet build, no error
            curl = re.search(r"^\s*(curl -s -X POST http://127\.0\.0\.1:(\d+)/_sim/memberships .*)$", text, re.M)
            assert curl and int(curl.group(2)) == port + 1, text  # the simulator's fixed default port
            subprocess.run(["sh", "-c", curl.group(1).strip()], check=True, capture_output=True, timeout=30)
            link = t.read_until(rb"Invitation for ada@example\.com:\s+(http://\S+/invite/\S+)").group(1).decode()
            with urllib.request.urlopen(link, timeout=30) as r:
                assert r.status == 200 and b"Set up your mailbox" in r.read()
            # Connected the one-click way: the card shows pilotomail's own webhook, no check failing.
            op = Client("http://127.0.0.1:%d" % port)
            op.login("demo@pilotomail.test", "demo-password")
            card = op.get("/settings/integrations/officernd").text
            assert "pilotomail manages its webhook in OfficeRnD" in card, card
            assert "Could not be checked" not in card and "Failing:" not in card
        finally:
            status = t.ctrl_c_and_wait()
        assert status == 0, t.text()
        assert "pilotomail stopped." in t.text() and "make: ***" not in t.text()
        # Nothing is left listening.
        for p in (port, port + 1):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p))
            s.close()


def test_demo_says_which_port_is_busy():
    port = two_free_ports()
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", port + 1))
    holder.listen()
    try:
        with tempfile.TemporaryDirectory(prefix="pilotomail-demo-") as var:
            r = subprocess.run(["make", "--no-print-directory", "demo", "PORT=%d" % port], cwd=ROOT,
                               env=dict(os.environ, PILOTOMAIL_VAR=var), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert r.returncode != 0
    assert "Port %d on 127.0.0.1 is in use" % (port + 1) in r.stderr
    assert "make demo SIM_PORT=" in r.stderr
