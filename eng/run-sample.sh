#!/usr/bin/env bash
# Runs the concert booking sample on its embedded defaults (SQLite file + in-process Kafka mock
# cluster): nothing to install by hand. Extra arguments go to the app (e.g. --urls).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/eng/setup.sh"
exec dotnet run --project "$repo/samples/Concert" -- "$@"
