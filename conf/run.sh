#!/bin/sh
# `make run` / `make demo`: lighttpd on 127.0.0.1:$PORT with both FastCGI programs, and the
# worker, in the foreground until Ctrl-C. Data stays in var/ (PILOTOMAIL_VAR) between runs.
# `make demo` (PILOTOMAIL_DEMO=1) adds the OfficeRnD simulator on 127.0.0.1:$SIM_PORT [PORT + 1],
# a connected demo operator, and prints the link of every email the worker writes.
set -e
# Ctrl-C is for the programs, not for make: on a terminal, run in a process group of our own
# that holds the terminal (bash's job control), so make never sees the SIGINT and ends with 0.
if [ -t 0 ] && [ -z "${PILOTOMAIL_RUN_GROUP:-}" ] && command -v bash >/dev/null 2>&1; then
  PILOTOMAIL_RUN_GROUP=1 exec bash -mc 'sh conf/run.sh; exit $?'
fi
ROOT=$(pwd)
PORT=${PORT:-8080}
SIM_PORT=${SIM_PORT:-$((PORT + 1))}
export PORT
VAR=${PILOTOMAIL_VAR:-var}
mkdir -p "$VAR/run" "$VAR/mail"
VAR=$(cd "$VAR" && pwd)
export PILOTOMAIL_DB=${PILOTOMAIL_DB:-$VAR/pilotomail.db}
export PILOTOMAIL_KEY_FILE=${PILOTOMAIL_KEY_FILE:-$VAR/secret.key}
export PILOTOMAIL_MAIL_DIR=${PILOTOMAIL_MAIL_DIR:-$VAR/mail}
export PILOTOMAIL_SCAN_DIR=${PILOTOMAIL_SCAN_DIR:-$VAR/scans}
export PILOTOMAIL_TEMPLATE_DIR=${PILOTOMAIL_TEMPLATE_DIR:-$ROOT/templates}
export PILOTOMAIL_BASE_URL=${PILOTOMAIL_BASE_URL:-http://127.0.0.1:$PORT}
RUNDIR=$VAR/run
pids=""
cleanup() {
  trap - INT TERM EXIT
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "pilotomail stopped."
  exit 0
}

# 0 when nothing listens on 127.0.0.1:$1 (the servers bind with SO_REUSEADDR, so does this).
port_free() {
  /usr/bin/python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
busy() {
  target=run
  [ -z "${PILOTOMAIL_DEMO:-}" ] || target=demo
  echo "Port $2 on 127.0.0.1 is in use (by an earlier run still going, or another program)." >&2
  echo "Stop that, or choose another port: make $target $1=$(($2 + 10))" >&2
  exit 1
}
port_free "$PORT" || busy PORT "$PORT"
[ -z "${PILOTOMAIL_DEMO:-}" ] || port_free "$SIM_PORT" || busy SIM_PORT "$SIM_PORT"
trap cleanup INT TERM EXIT

if [ -n "${PILOTOMAIL_DEMO:-}" ]; then
  # OfficeRnD's side is kept in var/ too (tests/sim/demo-sim.sh): a second `make demo` finds the
  # memberships of the first, so its checks find nothing deleted.
  rm -f "$RUNDIR/sim.port"
  SIM_PORT=$SIM_PORT DEMO_SIM_STATE=$VAR/officernd-sim.json sh tests/sim/demo-sim.sh "$RUNDIR/sim.port" \
    > "$RUNDIR/sim.log" 2>&1 &
  pids="$pids $!"
  for i in $(seq 50); do [ -s "$RUNDIR/sim.port" ] && break; sleep 0.1; done
  [ -s "$RUNDIR/sim.port" ] || { echo "The OfficeRnD simulator did not start: see $RUNDIR/sim.log" >&2; exit 1; }
  export PILOTOMAIL_OFFICERND_IDENTITY_URL=http://127.0.0.1:$SIM_PORT
  export PILOTOMAIL_OFFICERND_API_URL=http://127.0.0.1:$SIM_PORT/api/v2
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
if [ -n "${PILOTOMAIL_DEMO:-}" ]; then
  # The banner must stay readable: the programs log into var/run/ in the demo.
  lighttpd -D -f "$RUNDIR/lighttpd.conf" > "$RUNDIR/app.log" 2>&1 &
  pids="$pids $!"
  bin/pilotomail-worker 2> "$RUNDIR/worker.log" &
else
  lighttpd -D -f "$RUNDIR/lighttpd.conf" &
  pids="$pids $!"
  bin/pilotomail-worker &
fi
pids="$pids $!"
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.1; done
if [ -z "${PILOTOMAIL_DEMO:-}" ]; then
  echo "pilotomail on http://127.0.0.1:$PORT  (Ctrl-C stops it)"
  wait
  exit 0
fi

if ! /usr/bin/python3 tests/sim/demo_setup.py "http://127.0.0.1:$PORT" "http://127.0.0.1:$SIM_PORT" \
    "$DEMO_EMAIL" "$DEMO_PASSWORD" > "$RUNDIR/demo-setup.log" 2>&1; then
  cat "$RUNDIR/demo-setup.log" >&2
  echo "The demo set-up failed (above); pilotomail keeps running." >&2
fi
cat <<BANNER

  pilotomail demo: http://127.0.0.1:$PORT
  ------------------------------------------------------------------------
  Sign in        http://127.0.0.1:$PORT/login
                 $DEMO_EMAIL / $DEMO_PASSWORD
  OfficeRnD      a simulator on http://127.0.0.1:$SIM_PORT, already connected.
                 Make a member sign up for a linked plan:

  $(grep '^curl ' "$RUNDIR/demo-setup.log" || echo "(no curl: the set-up failed)")

  Invitations    written to ${PILOTOMAIL_MAIL_DIR#$ROOT/}/; each link is shown below when sent.
  Logs           ${RUNDIR#$ROOT/}/: app.log (pages), worker.log, sim.log (OfficeRnD)
  Ctrl-C stops everything (${VAR#$ROOT/}/ is kept: delete it to start afresh).

BANNER
/usr/bin/python3 tests/sim/demo_mailwatch.py "$PILOTOMAIL_MAIL_DIR" &
pids="$pids $!"
wait
exit 0
