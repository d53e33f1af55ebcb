#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine for building, testing and running Outbox. Installs what
# is missing and nothing else:
#   - PostgreSQL server binaries (15 on Debian 12): the tests and the benchmark start a throwaway cluster;
#   - kcat: a command-line Kafka client to look into topics by hand (it brings Debian's librdkafka
#     for itself; no .NET process here loads that copy);
#   - python3-yaml: eng/check-workflows.sh parses the GitHub Actions workflow with it;
#   - chromium: the dashboard's browser test (tests/Outbox.AspNetCore.Tests) drives Debian's Chromium
#     through Playwright for .NET, which brings its own driver but never downloads a browser here
#     (where Google Chrome is installed instead, as on GitHub's Ubuntu runners, the test drives that).
# The Kafka client library comes from NuGet: Confluent.Kafka and the official librdkafka.redist
# restore like any other package, and the embedded Kafka cluster runs inside that same library.
# Safe to run again: every step checks before it acts.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
# chromium: the dashboard's browser test; a font so its pages render text (a fresh image may have none).
command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
log "ready: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1), $(command -v kcat), $(command -v chromium || command -v google-chrome)"
