#!/usr/bin/env bash
# A throw-away Postgres cluster for the Postgres suites: `start DIR PORT` (initdb in DIR, listening on 127.0.0.1:PORT
# and a socket in DIR) prints its URL; `stop DIR` stops it and removes DIR. Installs Debian's postgresql when missing.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
cmd=${1:?usage: pg-cluster.sh start DIR PORT | stop DIR}
dir=${2:?a directory}

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    port=${3:?a port}
    if ! bin=$(bindir); then
      echo "installing postgresql (Debian) with apt-get" >&2
      if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
      # No default cluster on 5432: the package's own is not what the tests use.
      [ -e /etc/postgresql-common/createcluster.conf ] || { "${sudo[@]}" mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null; }
      "${sudo[@]}" apt-get update -qq >&2 || { echo "apt-get update failed: cannot install postgresql" >&2; exit 1; }
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >&2 || { echo "apt-get install postgresql failed" >&2; exit 1; }
      bin=$(bindir) || { echo "postgresql was installed but no initdb is in /usr/lib/postgresql/*/bin" >&2; exit 1; }
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    chmod 700 "$dir"
    # C collation: text sorts by bytes, as SQLite's does (ids page in the same order on both databases).
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U baton -E UTF8 --locale=C >/dev/null
    # fsync off: a throw-away test cluster, never a real one. BATON_PG_DURABLE=1 keeps Postgres's durable defaults
    # (bench/cluster.ts: its times are set beside SQLite's, which syncs every commit).
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [ "${BATON_PG_DURABLE:-}" = 1 ]; then fast=""; fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $fast -c max_connections=300" start >/dev/null \
      || { echo "pg_ctl could not start the cluster in $dir on port $port:" >&2; tail -5 "$dir/log" >&2; exit 1; }
    echo "postgres://baton@127.0.0.1:$port/postgres"
    ;;
  stop)
    if bin=$(bindir) && [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: pg-cluster.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
