#!/usr/bin/env bash
# Local PostgreSQL and Redis for the integration tests (trust auth on 127.0.0.1).
#   scripts/services.sh ensure   start whichever does not answer; silent when both already run
#   scripts/services.sh status   say whether each one answers
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
WAIT_SECONDS=30

log() { echo "services: $*" >&2; }
die() { log "error: $*"; exit 1; }

postgres_answers() { pg_isready -h "$PG_HOST" -p "$PG_PORT" -q; }
redis_answers() { [[ $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

# wait_until DESCRIPTION COMMAND... : poll COMMAND until it succeeds or WAIT_SECONDS pass.
wait_until() {
    local what=$1
    shift
    local deadline=$((SECONDS + WAIT_SECONDS))
    until "$@"; do
        ((SECONDS < deadline)) || die "$what did not answer within ${WAIT_SECONDS}s"
        sleep 0.2
    done
}

ensure_postgres() {
    command -v pg_isready >/dev/null || die "pg_isready not found (apt-get install postgresql)"
    postgres_answers && return 0
    command -v pg_ctlcluster >/dev/null || die "pg_ctlcluster not found (apt-get install postgresql)"
    local version output
    version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null \
        | sort -V | tail -n 1)
    [[ -n $version ]] || die "no PostgreSQL cluster under /etc/postgresql (apt-get install postgresql)"
    log "starting PostgreSQL $version/main"
    output=$(pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1) \
        || die "could not start PostgreSQL $version/main: $output"
    wait_until "PostgreSQL on $PG_HOST:$PG_PORT" postgres_answers
}

ensure_redis() {
    command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-server)"
    redis_answers && return 0
    command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
    log "starting Redis on $REDIS_HOST:$REDIS_PORT"
    local output
    output=$(redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
        --save "" --appendonly no 2>&1) || die "could not start Redis: $output"
    wait_until "Redis on $REDIS_HOST:$REDIS_PORT" redis_answers
}

status() {
    local rc=0
    if postgres_answers; then echo "postgresql: up ($PG_HOST:$PG_PORT)"; else echo "postgresql: down"; rc=1; fi
    if redis_answers; then echo "redis: up ($REDIS_HOST:$REDIS_PORT)"; else echo "redis: down"; rc=1; fi
    return "$rc"
}

case ${1:-} in
    ensure) ensure_postgres; ensure_redis ;;
    status) status ;;
    *) echo "usage: $0 ensure|status" >&2; exit 2 ;;
esac
