#!/usr/bin/env bash
# Makes sure the services the tests use are here and running: PostgreSQL on 127.0.0.1:5432 (user
# postgres, no password), Redis on 127.0.0.1:6379, and Debian's Chromium. Installs what is missing
# with apt-get (as root) and starts what is stopped. Safe to run again.
set -euo pipefail

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-services: $1 is missing and installing it needs root. Install it, or run as root." >&2
    exit 1
  fi
}

apt_updated=""
apt_install() {
  need_root "$*"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
pg_login() { psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; }

# PostgreSQL ---------------------------------------------------------------------------------
if ! command -v pg_isready >/dev/null 2>&1 || ! { pg_up || ls /etc/postgresql/*/main >/dev/null 2>&1; }; then
  echo "ensure-services: installing PostgreSQL"
  apt_install postgresql postgresql-client
fi
if ! pg_up; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "ensure-services: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "ensure-services: PostgreSQL did not start" >&2; exit 1; }
if ! pg_login; then
  # A fresh Debian cluster asks for passwords on TCP; the tests connect as postgres from loopback.
  need_root "trust authentication for local test connections"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  echo "ensure-services: trusting loopback connections in $hba"
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  sleep 1
fi
pg_login || { echo "ensure-services: cannot connect to PostgreSQL as postgres on 127.0.0.1" >&2; exit 1; }

# Redis --------------------------------------------------------------------------------------
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure-services: installing Redis"
    apt_install redis-server
  fi
  echo "ensure-services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
fi
redis_up || { echo "ensure-services: Redis did not start" >&2; exit 1; }

# Chromium, for the browser tests ------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-services: installing Chromium"
  apt_install chromium
fi

echo "ensure-services: PostgreSQL, Redis and Chromium are ready"
