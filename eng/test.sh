#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing (eng/setup.sh), starts a
# throwaway PostgreSQL 15 cluster for the run, runs every test project, stops the cluster.
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
dotnet test Outbox.sln -c Release --no-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test assembly (dotnet test prints one summary per assembly).
grep -E "^(Passed|Failed)!" "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}'
rm -f "$log"
exit "$status"
