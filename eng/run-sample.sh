#!/usr/bin/env bash
# Runs the concert booking sample on its embedded defaults (SQLite file + in-process Kafka mock
# cluster): nothing to install beyond the .NET SDK. Extra arguments go to the app (e.g. --urls).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec dotnet run --project "$repo/samples/Concert" -- "$@"
