#!/usr/bin/env bash
# Runs every test crsync has, from a fresh clone: the README's test command
# and what .ci/run executes.
#
#   ci/test-all.sh
#
# Stages (each fails the run):
#   deps      ci/install-deps.sh (idempotent)
#   format    clang-format check of every C++ source
#   build     the `ci` preset: warnings are errors
#   golden    ci/gates/golden: crsync against upstream 3.4.1's recorded
#             sessions, both roles (build/ci binaries; results in
#             build/gates/golden: table, JSON, JUnit XML)
#   unit      ctest: unit, property and golden known-answer tests; fuzz corpora replay
#   asan      the `asan` preset (ASan + UBSan): the same ctest suites again
#   fuzz      the libFuzzer targets (clang), CRSYNC_FUZZ_SECONDS each (default 10)
#   pytest    the Python harness (harness/tests), upstream peers included
#   bench     smoke run of the benchmarks (bench/README.md): every micro suite
#             briefly, the end-to-end suite at its smallest scale once; fails
#             only when a run fails (no timing assertions)
# It ends with one line "tests: N passed, N failed" adding up the ctest and
# pytest counts (a stage that fails without a count counts as one failure).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${CRSYNC_JOBS:-$(nproc)}
FUZZ_SECONDS=${CRSYNC_FUZZ_SECONDS:-10}
passed=0
failed=0
failed_names=()
tests_passed=0
tests_failed=0
LOGS=$(mktemp -d)

# Adds the counts a ctest or pytest log reports to the totals.
count_tests() {
  local log=$1 p=0 f=0 line
  if line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1); then
    local total fails
    fails=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/')
    total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
    p=$((total - fails)); f=$fails
  elif line=$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$log" | tail -1); then
    p=$(echo "$line" | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^passed/) s += $(i-1)} END {print s+0}')
    f=$(echo "$line" | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^(failed|error)/) s += $(i-1)} END {print s+0}')
  fi
  tests_passed=$((tests_passed + ${p:-0}))
  tests_failed=$((tests_failed + ${f:-0}))
}

stage() {
  local name=$1
  shift
  local t0=$SECONDS
  echo "==== [$name] $*"
  if "$@"; then
    passed=$((passed + 1))
    echo "==== [$name] ok ($((SECONDS - t0))s)"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    tests_failed=$((tests_failed + 1))
    echo "==== [$name] FAILED ($((SECONDS - t0))s)"
  fi
}

format_check() {
  git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror
}

build_preset() {
  cmake --preset "$1" >/dev/null && cmake --build --preset "$1" -j "$JOBS"
}

ctest_preset() {
  local log="$LOGS/ctest-$1.log"
  ctest --preset "$1" -j "$JOBS" --timeout 300 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count_tests "$log"
  return "$rc"
}

fuzz_run() {
  build_preset fuzz || return 1
  local rc=0
  for f in build/fuzz/fuzz/*_fuzzer; do
    local name
    name=$(basename "$f")
    local work
    work=$(mktemp -d)
    cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null
    if ! "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=0 "$work" >"build/fuzz/$name.log" 2>&1; then
      echo "fuzzer $name failed:"; tail -n 40 "build/fuzz/$name.log"; rc=1
    else
      echo "fuzzer $name: $(grep -Eo 'Done [0-9]+ runs' "build/fuzz/$name.log" | tail -1)"
    fi
    rm -rf "$work"
  done
  return $rc
}

golden_run() {
  local log="$LOGS/golden.log"
  ci/gates/golden --build build/ci --results build/gates/golden 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} line
  # "golden gate: N checks, P pass, X ledgered, F fail": ledgered checks
  # count as passed (their divergence is the expected one).
  if line=$(grep -E '^golden gate: [0-9]+ checks' "$log" | tail -1); then
    local p x f
    p=$(echo "$line" | sed -E 's/.* ([0-9]+) pass,.*/\1/')
    x=$(echo "$line" | sed -E 's/.* ([0-9]+) ledgered,.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) fail.*/\1/')
    tests_passed=$((tests_passed + p + x))
    tests_failed=$((tests_failed + f))
  fi
  return "$rc"
}

pytest_run() {
  local log="$LOGS/pytest.log"
  CRSYNC_BIN="$ROOT/build/ci/impl/crsync" /usr/bin/python3 -m pytest -q 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count_tests "$log"
  return "$rc"
}

# Micro suites (a benchmark reporting an error fails) and the end-to-end
# suite at scale 0.01, once per tool.
bench_smoke() {
  /usr/bin/python3 bench/run.py --smoke --crsync "$ROOT/build/ci/impl/crsync" \
    --micro-dir build/ci/bench --micro-min-time 0.001 --work "$LOGS/bench" \
    >"$LOGS/bench.log" 2>&1 || { tail -n 60 "$LOGS/bench.log"; return 1; }
  grep -E '^  [a-z_]+_bench: |^\| [a-z_0-9]+ \| wall' "$LOGS/bench.log"
}

stage deps bash ci/install-deps.sh || true
stage format format_check
stage build build_preset ci
stage golden golden_run
stage unit ctest_preset ci
stage asan-build build_preset asan
stage asan-unit ctest_preset asan
stage fuzz fuzz_run
stage pytest pytest_run
stage bench bench_smoke

echo
echo "stages: $passed of $((passed + failed)) ok${failed_names:+; failed: ${failed_names[*]}}"
echo "tests: $tests_passed passed, $tests_failed failed"
[ "$failed" -eq 0 ]
