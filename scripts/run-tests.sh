#!/bin/sh
# Runs every test of agora and ends with one summary line "N passed, N failed".
#   scripts/run-tests.sh BUILD_DIR AGORA_BINARY
# The code checks (scripts/check-code.py), unit tests (cmocka) and
# integration tests (pytest) write JUnit XML into
# BUILD_DIR/results; fuzz corpora are replayed through the libFuzzer
# binaries in build-fuzz/. scripts/summary.py adds it all up.
set -u
build=${1:-build}
bin=${2:-./agora}
results="$build/results"
rm -rf "$results"
mkdir -p "$results"
root=$(pwd)
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac

echo "== code checks"
# exported names against the prefix table, comments citing outside documents
/usr/bin/python3 scripts/check-code.py "$build" "$results/code-checks.xml"

echo "== unit tests"
for src in tests/unit/test_*.c; do
  name=$(basename "$src" .c)
  t="$build/tests/$name"
  if [ ! -x "$t" ]; then
    # a unit test that did not build is a failure, not a skip
    printf '<testsuites><testsuite name="%s"><testcase name="build"><failure message="not built"/></testcase></testsuite></testsuites>\n' \
      "$name" >"$results/unit-$name.xml"
    echo "unit test $name was not built"
    continue
  fi
  CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$results/unit-$name.xml" "$t" \
    >"$results/unit-$name.log" 2>&1
  rc=$?
  if [ ! -s "$results/unit-$name.xml" ]; then
    # crashed before writing its report: one failure, with its output
    printf '<testsuites><testsuite name="%s"><testcase name="%s"><failure message="exit %s"/></testcase></testsuite></testsuites>\n' \
      "$name" "$name" "$rc" >"$results/unit-$name.xml"
    cat "$results/unit-$name.log"
  elif [ "$rc" -ne 0 ] && ! grep -q '<failure' "$results/unit-$name.xml"; then
    # every case passed but the process did not (a sanitizer at exit: leaks)
    printf '<testsuites><testsuite name="%s"><testcase name="exit"><failure message="exit %s after its cases passed"/></testcase></testsuite></testsuites>\n' \
      "$name" "$rc" >"$results/unit-$name-exit.xml"
    tail -n 40 "$results/unit-$name.log"
  fi
done

echo "== fuzz corpus replay"
for f in build-fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus="tests/fuzz/corpus/$name"
  mkdir -p "$corpus"
  if "$f" -runs=0 "$corpus" >"$results/fuzz-$name.log" 2>&1; then
    status='<testcase name="replay"/>'
  else
    status='<testcase name="replay"><failure message="crash"/></testcase>'
    tail -n 30 "$results/fuzz-$name.log"
  fi
  printf '<testsuites><testsuite name="%s">%s</testsuite></testsuites>\n' "$name" "$status" \
    >"$results/fuzz-$name.xml"
done

echo "== integration tests"
AGORA_BIN="$bin" AGORA_BUILD="$root/$build" /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider \
  --junitxml="$results/integration.xml" tests/integration
/usr/bin/python3 scripts/summary.py "$results"
