#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing (eng/setup.sh), starts a
# throwaway PostgreSQL 15 cluster for the run unless OUTBOX_TEST_POSTGRES names one, runs every test
# project, stops the cluster. Servers the fixtures look for (docs/testing.md): OUTBOX_TEST_POSTGRES,
# OUTBOX_TEST_SQLSERVER, OUTBOX_TEST_KAFKA, else Testcontainers where a Docker engine answers, else
# the local defaults (this cluster, the embedded Kafka); SQL Server tests skip without one.
# Prints every skipped test with its reason and every failed one with its message (from the TRX
# results), then "N passed, N failed, N skipped" as the last line.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash eng/setup.sh

if [ -z "${OUTBOX_TEST_POSTGRES:-}" ]; then
  pgdir="$(mktemp -d /tmp/outbox-pg-XXXXXX)"
  trap 'bash "$repo/eng/postgres.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
  OUTBOX_TEST_POSTGRES="$(bash eng/postgres.sh start "$pgdir")"
  export OUTBOX_TEST_POSTGRES
  echo "[test] PostgreSQL for this run: $OUTBOX_TEST_POSTGRES"
fi

dotnet build Outbox.sln -c Release -warnaserror
log="$(mktemp)"
results="$(mktemp -d /tmp/outbox-test-results-XXXXXX)"
set +e
# A TRX file per test assembly (default names, which the logger keeps unique): the skip reasons.
dotnet test Outbox.sln -c Release --no-build --logger trx --results-directory "$results" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for result in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult[@outcome='NotExecuted']", ns):
        reason = result.findtext("t:Output/t:ErrorInfo/t:Message", default="(no reason given)", namespaces=ns).strip()
        print(f"SKIPPED {result.get('testName')} -- {reason}")
# Failures last, next to the summary, so the tail of a CI log names them with their first lines.
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for result in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="(no message)", namespaces=ns).strip()
        stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=ns).strip()
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        print("  " + "\n  ".join((message.splitlines() + stack.splitlines()[:4])[:16]))
PY
# One closing line over every test assembly (dotnet test prints one summary per assembly, "Skipped!" when all of its tests skipped).
grep -E "^(Passed|Failed|Skipped)!" "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}'
rm -rf "$log" "$results"
exit "$status"
