"""Starts the app behind Apache 2.4 for the end-to-end tests: spawn-fcgi runs both FastCGI
programs on unix sockets, Apache proxies to them with mod_proxy_fcgi (conf/apache-dev.conf.in)."""
import os
import pwd
import shutil
import subprocess
import time

from harness import BIN_ROOT, ROOT


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
    log = open(os.path.join(app.dir, "server.log"), "ab")
    for name, sock in (("pilotomail.fcgi", "app.sock"), ("webhook.fcgi", "webhook.sock")):
        path = os.path.join(app.run_dir, sock)
        procs.append(subprocess.Popen(
            ["spawn-fcgi", "-n", "-s", path, "-M", "0666", "--", os.path.join(BIN_ROOT, "cgi-bin", name)],
            env=app.env, stdout=log, stderr=log, start_new_session=True))
        _wait_for(path)
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
