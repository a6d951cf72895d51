#!/bin/sh
# make check-pg: the suite against PostgreSQL, on a throwaway cluster of its own (tests/pg/cluster.py)
# that is stopped and removed at the end, also when a test fails or the run is interrupted.
#   sh tests/pg/check-pg.sh UNIT_PROGRAM...
# The cluster plumbing is always tested (tests/pg). The unit and end-to-end passes run only when the
# programs speak PostgreSQL (tests/pg/probe.py asks them); otherwise this says so and succeeds.
set -eu
PY=${PYTHON:-/usr/bin/python3}
PYTEST=${PYTEST:-$PY -m pytest -q -p no:cacheprovider}
dir=$(mktemp -d /tmp/pilotomail-pgcheck-XXXXXX)
trap '$PY tests/pg/cluster.py stop "$dir"' EXIT
trap 'exit 130' INT TERM
url=$($PY tests/pg/cluster.py start "$dir")
echo "PostgreSQL cluster: $url (in $dir)"
$PYTEST tests/pg
rc=0
$PY tests/pg/probe.py "$url" || rc=$?
case $rc in
  0) ;;
  1) echo "PostgreSQL pass skipped: this build speaks only SQLite"; exit 0 ;;
  *) exit "$rc" ;;
esac
PILOTOMAIL_TEST_DB_URL=$url sh tests/unit/run.sh "$@"
# Behind lighttpd only: the web server does not meet the engine (make check runs Apache on SQLite).
PILOTOMAIL_TEST_ENGINE=postgresql PILOTOMAIL_TEST_DB_URL=$url \
  $PYTEST tests/e2e tests/multihost tests/chaos
