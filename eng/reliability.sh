#!/usr/bin/env bash
# "Nothing lost": runs the fault-injection suite, tests/Outbox.Reliability.Tests, on a throwaway
# PostgreSQL 15 cluster and librdkafka's in-process Kafka mock cluster, then prints one markdown
# table: scenario, written, delivered, lost, duplicates, order violations, most in flight per key,
# drain time.
#   bash eng/reliability.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Poison]
# Takes about 6-7 minutes (scenario 4 holds the brokers down for 30 s, scenario 9 writes for 60 s,
# the first-use tests start the writer 12 times).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash eng/setup.sh

cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c"; done' EXIT
if [ -z "${OUTBOX_TEST_POSTGRES:-}" ]; then
  pgdir="$(mktemp -d /tmp/outbox-pg-XXXXXX)"
  cleanup+=("bash '$repo/eng/postgres.sh' stop '$pgdir'; rm -rf '$pgdir'")
  OUTBOX_TEST_POSTGRES="$(bash eng/postgres.sh start "$pgdir")"
  export OUTBOX_TEST_POSTGRES
  echo "[reliability] PostgreSQL for this run: $OUTBOX_TEST_POSTGRES"
fi

table="$(mktemp /tmp/outbox-reliability-XXXXXX.md)"
cleanup+=("rm -f '$table'")
export OUTBOX_RELIABILITY_TABLE="$table"

started=$(date +%s)
set +e
dotnet test tests/Outbox.Reliability.Tests -c Release "$@"
status=$?
set -e
elapsed=$(( $(date +%s) - started ))

echo
echo "Reliability table, measured $(date -u '+%Y-%m-%d %H:%M UTC') in ${elapsed} s (build included) by: bash eng/reliability.sh"
echo
cat "$table"
exit "$status"
