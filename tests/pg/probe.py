"""Does this build speak PostgreSQL? Exit 0 when yes, 1 when it speaks only SQLite (said why),
3 when the probe itself could not run (no programs, no server): that must fail the run.

Asked of the programs themselves, not assumed: `pilotomail-admin --engines` when the build has it,
else a real `pilotomail-admin migrate` into a scratch database on the cluster at URL, which counts
only if the schema then is in PostgreSQL (a build that took the URL for a file name would have
made a SQLite file in the scratch folder instead).

usage: probe.py SERVER_URL
"""
import os
import subprocess
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cluster  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
ADMIN = os.path.join(os.environ.get("PILOTOMAIL_E2E_BIN_ROOT", ROOT), "bin", "pilotomail-admin")


def engines_listed():
    r = subprocess.run([ADMIN, "--engines"], capture_output=True, text=True, timeout=30)
    return r.stdout.split() if r.returncode == 0 else None


def migrate_lands(server):
    name = "pm_probe_" + uuid.uuid4().hex[:12]
    url = cluster.create_database(server, name)
    try:
        with tempfile.TemporaryDirectory(prefix="pilotomail-probe-") as scratch:
            env = dict(os.environ, PILOTOMAIL_DB=url, PILOTOMAIL_KEY_FILE=os.path.join(scratch, "k"))
            r = subprocess.run([ADMIN, "migrate"], cwd=scratch, env=env, capture_output=True,
                               text=True, timeout=120)
        tables = int(cluster.psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
        return r.returncode == 0 and tables > 0, (r.stderr or r.stdout).strip()[:300]
    finally:
        cluster.drop_database(server, name)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    listed = engines_listed()
    if listed is not None:
        ok, why = "postgresql" in listed, "pilotomail-admin --engines: %s" % " ".join(listed)
    else:
        ok, why = migrate_lands(argv[1])
        why = "pilotomail-admin migrate on PostgreSQL: %s" % (why or "no schema in the database")
    print("probe: %s (%s)" % ("speaks PostgreSQL" if ok else "SQLite only", why))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # noqa: BLE001 - not an answer: make check-pg must fail, not skip
        print("probe failed: %r" % e, file=sys.stderr)
        sys.exit(3)
