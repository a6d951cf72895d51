"""The manual pages pilotomail-admin(8) and pilotomail-worker(8) keep up with the programs:
every command of pilotomail-admin's usage, every worker option and every PILOTOMAIL_ variable
the C sources read is documented, the pages render with man -l without warnings, and make
install puts them into $(PREFIX)/share/man/man8. (No server is started: this reads the programs
and the sources.)"""
import glob
import os
import re
import shutil
import subprocess

from harness import BIN_ROOT, ROOT

MAN = {name: os.path.join(ROOT, "src", "main", name + ".8") for name in ("pilotomail-admin", "pilotomail-worker")}
ENV_RE = re.compile(r'"(PILOTOMAIL_[A-Z0-9_]+)"')


def troff_text(path):
    """The page's words: font changes and escaped hyphens undone."""
    with open(path) as f:
        src = f.read()
    return re.sub(r"\\f[BIRP]", "", src).replace("\\-", "-").replace("\\e", "\\")


def section(text, title):
    m = re.search(r"^\.SH %s\n(.*?)(?=^\.SH |\Z)" % re.escape(title), text, re.S | re.M)
    assert m, "no %s section" % title
    return m.group(1)


def usage_of(program):
    r = subprocess.run([os.path.join(BIN_ROOT, "bin", program), "--no-such-option"], capture_output=True,
                       text=True, env=dict(os.environ, PILOTOMAIL_DB="/nonexistent/dir/x.db"))
    return r.returncode, r.stderr


def admin_commands(usage):
    """['migrate', 'operator add', ...] and the --options of pilotomail-admin's usage."""
    commands, options = [], set()
    for line in usage.splitlines():
        m = re.match(r"\s*(?:usage:)?\s*pilotomail-admin ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)(.*)", line)
        if m:
            commands.append(m.group(1))
            options.update(re.findall(r"--[a-z-]+", m.group(2)))
    return commands, options


def env_vars_read():
    names = set()
    for path in glob.glob(os.path.join(ROOT, "src", "*", "*.c")):
        with open(path) as f:
            names.update(ENV_RE.findall(f.read()))
    return names


def test_every_admin_command_and_option_is_in_the_man_page():
    text = troff_text(MAN["pilotomail-admin"])
    commands, options = admin_commands(usage_of("pilotomail-admin")[1])
    assert {"migrate", "operator add", "operator list", "operator show"} <= set(commands), commands
    documented = section(text, "COMMANDS") + section(text, "SYNOPSIS")
    for c in commands:
        assert re.search(r"^\.B[IR]? \"?%s\b" % re.escape(c), documented, re.M), "command %r is not documented" % c
    for o in options:
        assert o in documented, "option %s is not documented" % o


def test_every_worker_option_is_in_the_man_page():
    rc, usage = usage_of("pilotomail-worker")
    assert rc == 2 and "--once" in usage
    options = section(troff_text(MAN["pilotomail-worker"]), "OPTIONS")
    for o in re.findall(r"--[a-z-]+", usage):
        assert o in options, "option %s is not documented" % o


def test_every_environment_variable_read_is_documented():
    read = env_vars_read()
    assert {"PILOTOMAIL_DB", "PILOTOMAIL_SMTP_URL", "PILOTOMAIL_FAKE_NOW"} <= read  # the scan works
    documented = set()
    for path in MAN.values():
        documented.update(re.findall(r"^\.B (PILOTOMAIL_[A-Z0-9_]+)$", section(troff_text(path), "ENVIRONMENT"),
                                     re.M))
    assert sorted(read - documented) == [], "read by the code but in no man page"
    assert sorted(documented - read) == [], "documented but read nowhere"


def test_exit_statuses_are_documented():
    assert usage_of("pilotomail-admin")[0] == 2
    for path in MAN.values():
        statuses = section(troff_text(path), "EXIT STATUS")
        assert re.findall(r"^\.B (\d)$", statuses, re.M) == ["0", "1", "2"], path


def test_pages_render_with_man_and_install():
    assert shutil.which("man"), "man-db is missing (make deps installs it)"
    for name, path in MAN.items():
        r = subprocess.run(["man", "--warnings", "-l", path], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
        assert r.returncode == 0 and r.stderr == "", r.stderr
        assert name.upper() + "(8)" in r.stdout
    r = subprocess.run(["make", "-n", "-C", ROOT, "install", "PREFIX=/opt/pm"], capture_output=True, text=True)
    assert re.search(r"^install -m 644 .*pilotomail-admin\.8 .*pilotomail-worker\.8 /opt/pm/share/man/man8/$",
                     r.stdout, re.M), r.stdout[-2000:]
