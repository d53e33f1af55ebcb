#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing (eng/setup.sh), starts a
# throwaway PostgreSQL 15 cluster for the run unless OUTBOX_TEST_POSTGRES names one, runs every test
# project, stops the cluster. Servers the fixtures look for (docs/testing.md): OUTBOX_TEST_POSTGRES,
# OUTBOX_TEST_SQLSERVER, OUTBOX_TEST_KAFKA, else Testcontainers where a Docker engine answers, else
# the local defaults (this cluster, the embedded Kafka); SQL Server tests skip without one.
# Prints every skipped test with its reason, then "N passed, N failed, N skipped" as the last line.
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
set +e
# Normal verbosity: xunit prints each skipped test's reason on the line after its [SKIP].
dotnet test Outbox.sln -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo
awk '/\[SKIP\]$/ { sub(/^\[xUnit\.net [0-9:.]+\] +/, ""); sub(/ \[SKIP\]$/, ""); name = $0; next }
     name != "" { sub(/^\[xUnit\.net [0-9:.]+\] +/, ""); print "SKIPPED " name " -- " $0; name = "" }' "$log"
# One closing line over every test assembly (dotnet test prints a "Total tests:" block per assembly).
awk '/^Total tests: / {block = 1; next} /Total time:/ {block = 0}
     block && /^ +Passed: [0-9]+$/ {p += $2} block && /^ +Failed: [0-9]+$/ {f += $2} block && /^ +Skipped: [0-9]+$/ {s += $2}
     END {printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$log"
rm -f "$log"
exit "$status"
