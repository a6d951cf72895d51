"""Starts the app behind Apache 2.4 for the end-to-end tests: spawn-fcgi runs both FastCGI
programs on unix sockets, FCGI_PROCS processes each (-F), as in production; Apache proxies to
them with mod_proxy_fcgi (conf/apache-dev.conf.in)."""
import ctypes
import os
import pwd
import shutil
import subprocess
import time

from harness import BIN_ROOT, ROOT

FCGI_PROCS = 4
# spawn-fcgi sends a forked program's stderr to /dev/null: keep its log lines in server.log.
KEEP_LOG = 'exec "$0" 2>>"$1"'


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans():
    """Makes this process the reaper of its descendants' orphans (Linux), so the processes
    spawn-fcgi forks and leaves are ours to wait for, not zombies of an init that may not reap."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Forked:
    """A FastCGI process spawn-fcgi forked and left (adopted by adopt_orphans when it can be):
    the leader of its own session, so App.stop ends it with killpg like the others."""

    def __init__(self, pid):
        self.pid = pid

    def _gone(self):
        try:
            if os.waitpid(self.pid, os.WNOHANG)[0] == self.pid:
                return True
        except ChildProcessError:
            pass  # not ours to reap: look at it
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except (FileNotFoundError, ProcessLookupError):
            return True

    def poll(self):
        return 0 if self._gone() else None

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.time() + timeout
        while not self._gone():
            if deadline is not None and time.time() > deadline:
                raise subprocess.TimeoutExpired("fcgi process %d" % self.pid, timeout)
            time.sleep(0.02)
        return 0


def spawn_fcgi(app, program, sock, log_path, count=FCGI_PROCS):
    """spawn-fcgi -F: count processes of program accepting on one socket. Returns them."""
    pid_file = os.path.join(app.run_dir, sock + ".pid")
    adopt_orphans()
    r = subprocess.run(["spawn-fcgi", "-F", str(count), "-b", "1024", "-P", pid_file, "-s", os.path.join(app.run_dir, sock),
                        "-M", "0666", "--", "/bin/sh", "-c", KEEP_LOG,
                        os.path.join(BIN_ROOT, "cgi-bin", program), log_path],
                       env=app.env, capture_output=True, text=True, timeout=30)
    with open(pid_file) as f:
        procs = [Forked(int(line)) for line in f.read().split()]
    assert r.returncode == 0 and len(procs) == count, r.stderr
    return procs


def _wait_for(path, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return
        time.sleep(0.05)
    raise RuntimeError("%s did not appear" % path)


def start_apache(app):
    procs = []
    # Apache's workers run as www-data when started by root: let them reach the sockets.
    os.chmod(app.dir, 0o755)
    os.chmod(app.run_dir, 0o755)
    if os.geteuid() == 0:
        user, group = "www-data", "www-data"
    else:
        pw = pwd.getpwuid(os.getuid())
        user, group = pw.pw_name, pw.pw_name
    log_path = os.path.join(app.dir, "server.log")
    log = open(log_path, "ab")
    # webhook.fcgi is one process with threads, as in production (its events committed together).
    for name, sock, count in (("pilotomail.fcgi", "app.sock", FCGI_PROCS), ("webhook.fcgi", "webhook.sock", 1)):
        procs.extend(spawn_fcgi(app, name, sock, log_path, count))
        _wait_for(os.path.join(app.run_dir, sock))
    # Apache's workers (www-data) may not be able to enter the checkout (a clone in a private
    # temporary folder, say): serve a copy of the static files from the test's own folder.
    datadir = os.path.join(app.dir, "data")
    shutil.copytree(os.path.join(ROOT, "static"), os.path.join(datadir, "static"))
    os.chmod(datadir, 0o755)
    with open(os.path.join(ROOT, "conf", "apache-dev.conf.in")) as f:
        conf = f.read()
    for k, v in {"@PORT@": str(app.port), "@DATADIR@": datadir, "@RUNDIR@": app.run_dir,
                 "@USER@": user, "@GROUP@": group}.items():
        conf = conf.replace(k, v)
    conf_path = os.path.join(app.run_dir, "apache.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    procs.append(subprocess.Popen(["apache2", "-f", conf_path, "-DFOREGROUND"], env=app.env,
                                  stdout=log, stderr=log, start_new_session=True))
    return procs
