#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server on 127.0.0.1 for the persistence tests.
#   .ci/postgres.sh start   installs Debian's postgresql when missing, starts a cluster in
#                           /tmp and prints the export line for TANJI_TEST_POSTGRES_URL
#   .ci/postgres.sh stop    stops it and removes its data
set -euo pipefail
PORT=${TANJI_PG_PORT:-54329}
DATA=${TANJI_PG_DATA:-/tmp/tanji-pg-data}
SOCK=${TANJI_PG_SOCKET:-/tmp}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$(pg_bin)" ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
    fi
    BIN=$(pg_bin)
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = 0 ] && chown postgres "$DATA"
      as_postgres "'$BIN/initdb' -D '$DATA' -A trust -U postgres --encoding=UTF8 --no-locale" >&2
    fi
    if ! as_postgres "'$BIN/pg_ctl' -D '$DATA' status" >/dev/null 2>&1; then
      as_postgres "'$BIN/pg_ctl' -D '$DATA' -w -l '$DATA/server.log' -o \"-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c fsync=off\" start" >&2
    fi
    as_postgres "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='tanji_test'\"" | grep -q 1 \
      || as_postgres "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres tanji_test" >&2
    echo "export TANJI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/tanji_test"
    ;;
  stop)
    BIN=$(pg_bin)
    [ -n "$BIN" ] && as_postgres "'$BIN/pg_ctl' -D '$DATA' -m fast stop" >&2 || true
    rm -rf "$DATA"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
