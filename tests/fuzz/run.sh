#!/bin/sh
# Builds and runs libFuzzer targets (make fuzz).
#   sh tests/fuzz/run.sh [tests/fuzz/fuzz_NAME.c ...]      (no argument: every tests/fuzz/fuzz_*.c)
#
# A target names the sources it needs on its first line, and may name extra libraries (beyond
# -lssl -lcrypto -ljansson) in a comment within its first five lines:
#   /* fuzz-sources: src/officernd/webhook_sig.c src/util/util.c src/util/log.c */
#   /* fuzz-libs: -lsqlite3 */
# Each target is built with clang -fsanitize=fuzzer,address,undefined into build-fuzz/NAME and run
# for ${FUZZ_SECONDS:-30} seconds on its seeds in tests/fuzz/corpus/<NAME without fuzz_>/. New
# inputs go to build-fuzz/corpus/..., so the tracked seeds stay as they are; a crash is saved as
# build-fuzz/crash-<name>-* and replayed with: build-fuzz/fuzz_NAME build-fuzz/crash-<name>-...
# Exits nonzero when a target does not build or finds a problem.
set -u
cd "$(dirname "$0")/../.." || exit 1

CLANG=${CLANG:-clang}
SECONDS_EACH=${FUZZ_SECONDS:-30}
OUT=build-fuzz
CFLAGS_FUZZ="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wall -Wextra
  -Isrc -I/usr/include/ClearSilver"
LIBS_FUZZ="-lssl -lcrypto -ljansson"

if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "fuzz: clang not found. Run as root:  apt-get install -y clang libclang-rt-14-dev" >&2
  exit 1
fi
[ $# -gt 0 ] || set -- tests/fuzz/fuzz_*.c
[ -e "$1" ] || { echo "fuzz: no tests/fuzz/fuzz_*.c targets" >&2; exit 1; }

# The sources named after "fuzz-sources:" on the first line of $1, or nothing.
fuzz_sources() {
  head -n 1 "$1" | sed -n 's|.*fuzz-sources:\(.*\)\*/.*|\1|p'
}

fuzz_libs() {
  head -n 5 "$1" | sed -n 's|.*fuzz-libs:\(.*\)\*/.*|\1|p' | head -n 1
}

status=0
for src in "$@"; do
  name=$(basename "$src" .c)
  short=${name#fuzz_}
  sources=$(fuzz_sources "$src")
  if [ -z "$sources" ]; then
    echo "fuzz: $src: the first line must be /* fuzz-sources: src/... */" >&2
    status=1; continue
  fi
  mkdir -p "$OUT/corpus/$short"
  echo "fuzz: building $OUT/$name from $src$sources"
  # shellcheck disable=SC2086  # word splitting of the flag and source lists is intended
  if ! $CLANG $CFLAGS_FUZZ -o "$OUT/$name" "$src" $sources $LIBS_FUZZ $(fuzz_libs "$src"); then
    echo "fuzz: $name did not build (if the fuzzer runtime is missing, run as root:" \
         "apt-get install -y libclang-rt-14-dev)" >&2
    status=1; continue
  fi
  seeds=tests/fuzz/corpus/$short
  [ -d "$seeds" ] || { echo "fuzz: warning: no seed corpus $seeds" >&2; seeds=; }
  echo "fuzz: running $name for ${SECONDS_EACH}s"
  # shellcheck disable=SC2086
  if ! UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} "$OUT/$name" \
       -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
       -artifact_prefix="$OUT/crash-$short-" "$OUT/corpus/$short" $seeds; then
    echo "fuzz: $name FAILED: see $OUT/crash-$short-*" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "fuzz: all targets ran clean" || echo "fuzz: FAILED" >&2
exit $status
