#!/usr/bin/env bash
# Makes sure the local PostgreSQL and Redis that agentgraph needs are up:
# starts them when installed but down, installs them from Debian's packages
# when missing (as root), and waits until both answer. Idempotent.
set -euo pipefail

log() { printf 'services: %s\n' "$*" >&2; }

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

need_install=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_install+=(postgresql postgresql-client)
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${need_install[*]}; install them (apt-get install ${need_install[*]}) or run as root"
    exit 1
  fi
  log "installing ${need_install[*]} from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" >/dev/null
fi

if ! pg_up; then
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  log "starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  # Local development trusts loopback connections (as the CI machine does).
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba" 2>/dev/null && [ "$(id -u)" -eq 0 ] \
     && ! PGCONNECT_TIMEOUT=2 psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload || true
  fi
fi

if ! redis_up; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi

for _ in $(seq 1 60); do
  if pg_up && redis_up; then
    log "PostgreSQL and Redis are up on 127.0.0.1"
    exit 0
  fi
  sleep 0.5
done
pg_up || log "PostgreSQL did not come up on 127.0.0.1:5432"
redis_up || log "Redis did not come up on 127.0.0.1:6379"
exit 1
