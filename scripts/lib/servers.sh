#!/usr/bin/env bash
# Sourced by the test scripts: starts a throwaway PostgreSQL and Redis on free loopback ports,
# exports their URLs, and registers a trap that stops both whatever happens.
#   ALMANAC_TEST_DATABASE_URL  postgres://postgres@127.0.0.1:<port>/almanac
#   ALMANAC_TEST_REDIS_URL     redis://127.0.0.1:<port>/0
#   ALMANAC_TEST_SERVERS_DIR   the temporary folder holding both servers' data
# Restart helpers for tests: scripts/lib/restart-redis.sh, scripts/lib/restart-postgres.sh.
# Sourcing only defines functions (free_port and wait_ready serve scripts that start an upload-api).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# wait_ready URL LOG NAME: waits up to 60 s for GET URL/ready; if it never answers, prints the last lines of
# LOG and "NAME: FAIL: upload-api did not start" and returns 1.
wait_ready() {
    for _ in $(seq 1 300); do curl -sf "$1/ready" >/dev/null 2>&1 && return 0; sleep 0.2; done
    tail -20 "$2" >&2; echo "$3: FAIL: upload-api did not start" >&2; return 1
}

pg_bin_dir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$d" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
    echo "$d"
}

as_pg() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

almanac_start_servers() {
    local dir pgbin pgport redisport
    dir=$(mktemp -d /tmp/almanac-test-XXXXXX)
    chmod 755 "$dir"
    export ALMANAC_TEST_SERVERS_DIR="$dir"
    trap almanac_stop_servers EXIT INT TERM

    pgbin=$(pg_bin_dir) || return 1
    pgport=$(free_port)
    mkdir -p "$dir/pg"
    [ "$(id -u)" = "0" ] && chown postgres "$dir/pg"
    as_pg "$pgbin/initdb" -D "$dir/pg" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    cat >"$dir/pg-start.sh" <<EOS
#!/usr/bin/env bash
exec $pgbin/pg_ctl -D "$dir/pg" -l "$dir/pg/server.log" -w -t 60 -o "-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" "\$@"
EOS
    chmod 755 "$dir/pg-start.sh"
    as_pg "$dir/pg-start.sh" start >/dev/null || { cat "$dir/pg/server.log" >&2; return 1; }
    "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres almanac || return 1
    export ALMANAC_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/almanac"
    export ALMANAC_TEST_PG_PORT="$pgport"

    redisport=$(free_port)
    mkdir -p "$dir/redis"
    cat >"$dir/redis.conf" <<EOS
port $redisport
bind 127.0.0.1
dir $dir/redis
appendonly yes
appendfsync everysec
save ""
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
EOS
    redis-server "$dir/redis.conf" || return 1
    for _ in $(seq 1 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    export ALMANAC_TEST_REDIS_URL="redis://127.0.0.1:$redisport/0"
    export ALMANAC_TEST_REDIS_PORT="$redisport"
    echo "test servers: PostgreSQL on $pgport, Redis on $redisport ($dir)" >&2
}

almanac_stop_servers() {
    local dir="${ALMANAC_TEST_SERVERS_DIR:-}"
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    [ -n "${ALMANAC_TEST_REDIS_PORT:-}" ] && redis-cli -p "$ALMANAC_TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1
    [ -x "$dir/pg-start.sh" ] && as_pg "$dir/pg-start.sh" stop -m immediate >/dev/null 2>&1
    rm -rf "$dir"
    unset ALMANAC_TEST_SERVERS_DIR
}
