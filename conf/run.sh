#!/bin/sh
# `make run` / `make demo`: lighttpd on 127.0.0.1:$PORT with both FastCGI programs, and the
# worker, in the foreground until Ctrl-C. Data stays in var/ between runs.
set -e
ROOT=$(pwd)
PORT=${PORT:-8080}
export PORT
mkdir -p var/run var/mail
export PILOTOMAIL_DB=${PILOTOMAIL_DB:-$ROOT/var/pilotomail.db}
export PILOTOMAIL_KEY_FILE=${PILOTOMAIL_KEY_FILE:-$ROOT/var/secret.key}
export PILOTOMAIL_MAIL_DIR=${PILOTOMAIL_MAIL_DIR:-$ROOT/var/mail}
export PILOTOMAIL_SCAN_DIR=${PILOTOMAIL_SCAN_DIR:-$ROOT/var/scans}
export PILOTOMAIL_TEMPLATE_DIR=${PILOTOMAIL_TEMPLATE_DIR:-$ROOT/templates}
export PILOTOMAIL_BASE_URL=${PILOTOMAIL_BASE_URL:-http://127.0.0.1:$PORT}
RUNDIR=$ROOT/var/run
pids=""
cleanup() {
  trap - INT TERM EXIT
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "pilotomail stopped."
}
trap cleanup INT TERM EXIT

if [ -n "${PILOTOMAIL_DEMO:-}" ]; then
  # OfficeRnD's side is kept in var/ too (tests/sim/demo-sim.sh): a second `make demo` finds the
  # memberships of the first, so its checks find nothing deleted.
  rm -f "$RUNDIR/sim.port"
  DEMO_SIM_STATE=$ROOT/var/officernd-sim.json sh tests/sim/demo-sim.sh "$RUNDIR/sim.port" > "$RUNDIR/sim.log" 2>&1 &
  pids="$pids $!"
  for i in $(seq 50); do [ -s "$RUNDIR/sim.port" ] && break; sleep 0.1; done
  SIM_PORT=$(cat "$RUNDIR/sim.port")
  export PILOTOMAIL_OFFICERND_IDENTITY_URL=http://127.0.0.1:$SIM_PORT
  export PILOTOMAIL_OFFICERND_API_URL=http://127.0.0.1:$SIM_PORT/api/v2
  echo "OfficeRnD simulator on http://127.0.0.1:$SIM_PORT (control API under /_sim/)"
fi

bin/pilotomail-admin migrate >/dev/null
if [ -n "${PILOTOMAIL_DEMO:-}" ]; then
  DEMO_EMAIL=demo@pilotomail.test DEMO_PASSWORD=demo-password
  bin/pilotomail-admin operator show "$DEMO_EMAIL" >/dev/null 2>&1 ||
    echo "$DEMO_PASSWORD" | bin/pilotomail-admin operator add "$DEMO_EMAIL" --name "Acme Spaces" >/dev/null
else
  bin/pilotomail-admin first-run
fi

sed -e "s|@PORT@|$PORT|g" -e "s|@DATADIR@|$ROOT|g" -e "s|@RUNDIR@|$RUNDIR|g" -e "s|@BINDIR@|$ROOT/cgi-bin|g" \
  conf/lighttpd-dev.conf.in > "$RUNDIR/lighttpd.conf"
rm -f "$RUNDIR"/*.sock*
lighttpd -D -f "$RUNDIR/lighttpd.conf" &
pids="$pids $!"
bin/pilotomail-worker &
pids="$pids $!"
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.1; done
if [ -n "${PILOTOMAIL_DEMO:-}" ]; then
  /usr/bin/python3 tests/sim/demo_setup.py "http://127.0.0.1:$PORT" "http://127.0.0.1:$SIM_PORT" \
    "$DEMO_EMAIL" "$DEMO_PASSWORD" || echo "demo setup failed: see above" >&2
  echo "Demo sign-in: $DEMO_EMAIL / $DEMO_PASSWORD"
fi
echo "pilotomail on http://127.0.0.1:$PORT  (Ctrl-C stops it)"
wait
