#!/bin/sh
# The OfficeRnD simulator of `make demo` (started by conf/run.sh), in the foreground.
# OfficeRnD's side is kept in $DEMO_SIM_STATE [var/officernd-sim.json] between runs, as
# pilotomail's own data is kept in var/: the first run starts from tests/sim/seed.json, later
# runs carry on with the memberships made before. Delete var/ to start the demo afresh.
# usage: tests/sim/demo-sim.sh PORT_FILE    (environment: SIM_PORT [0: any free port; conf/run.sh
# passes a fixed one, PORT + 1 unless set, so the banner's curl works run after run], DEMO_SIM_STATE)
set -e
exec /usr/bin/python3 tests/sim/officernd_sim.py --port "${SIM_PORT:-0}" --port-file "$1" \
  --seed tests/sim/seed.json --state "${DEMO_SIM_STATE:-var/officernd-sim.json}"
