#!/usr/bin/env bash
# Runs the benchmark (benchmarks/Outbox.Benchmarks) on a fresh machine: installs what is missing
# (eng/setup.sh), starts a throwaway PostgreSQL 15 cluster (fsync on) unless --postgres is given,
# builds in Release and runs every scenario; the markdown tables go to stdout, progress to stderr.
#   bash eng/benchmark.sh                 full run (about 11 minutes on 2 cores)
#   bash eng/benchmark.sh --quick         every scenario small (CI): checks only that every message was delivered
#   bash eng/benchmark.sh --help          all options (--scenarios, --messages, --backlog, --postgres, ...)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then
    dotnet run -c Release --project benchmarks/Outbox.Benchmarks -- --help
    exit 0
  fi
done

bash eng/setup.sh >&2

if [[ " $* " != *" --postgres "* ]] && [ -z "${OUTBOX_TEST_POSTGRES:-}" ]; then
  pgdir="$(mktemp -d /tmp/outbox-bench-pg-XXXXXX)"
  trap 'bash "$repo/eng/postgres.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
  cs="$(bash eng/postgres.sh start "$pgdir")"
  echo "[benchmark] PostgreSQL for this run: $cs" >&2
  export OUTBOX_TEST_POSTGRES="$cs"   # read by the benchmark when --postgres is not given
fi

dotnet build benchmarks/Outbox.Benchmarks -c Release -warnaserror -v quiet -nologo >&2
dotnet "benchmarks/Outbox.Benchmarks/bin/Release/net10.0/Outbox.Benchmarks.dll" "$@"
