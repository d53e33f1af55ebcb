#!/usr/bin/env bash
# A throwaway PostgreSQL cluster (15 on Debian 12; the newest installed version) for tests, benchmarks and the sample,
# with wal_level=logical (the log-tailing relay's tests and benchmark read the write-ahead log).
#   eng/postgres.sh start DIR   initdb in DIR (if new), start on a free port with its socket in DIR,
#                               print the connection string (also written to DIR/connection-string)
#   eng/postgres.sh stop DIR    stop it (the data stays in DIR; delete DIR to throw it away)
# As root the server runs as the `postgres` user: PostgreSQL refuses to run as root.
set -euo pipefail
cmd="${1:?usage: postgres.sh start|stop DIR}"
dir="${2:?usage: postgres.sh start|stop DIR}"
bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (run eng/setup.sh or set PG_BIN)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
           || echo $((20000 + RANDOM % 20000)))"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c fsync=on -c wal_level=logical -c max_replication_slots=16 -c max_wal_senders=16" >/dev/null
    cs="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=200"
    echo "$cs" > "$dir/connection-string"
    echo "$cs"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
