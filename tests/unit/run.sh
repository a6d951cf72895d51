#!/bin/sh
# Runs each Check program given; prints a total and fails if any failed.
fail=0; passed=0; failed=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E '^[0-9]+%:|:[EF]:' || true
  n=$(printf '%s\n' "$out" | sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' | head -n1)
  set -- $n
  if [ -n "$n" ]; then passed=$((passed + $1 - $2 - $3)); failed=$((failed + $2 + $3)); fi
  [ $rc -eq 0 ] || { echo "FAILED: $t (exit $rc)"; fail=1; }
  shift $# 2>/dev/null || true
done
echo "unit: $passed passed, $failed failed"
exit $fail
