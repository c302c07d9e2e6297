#!/usr/bin/env bash
# The multi-node deployment, on loopback (docs/deploy.md): PostgreSQL primary + streaming replica, Redis,
# pgbouncer (transaction pooling) in front of the primary, gunicorn behind nginx (TLS, self-signed), all in one
# /tmp directory on free ports; then `pytest -m deploy dangjian/core/tests/test_deploy.py` with their addresses.
# Everything started here is stopped on exit. CI runs it after the PostgreSQL suite; by hand: bash scripts/test-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/ensure-debian-packages.sh postgresql redis-server nginx-light pgbouncer openssl
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
WORK=$(mktemp -d /tmp/dangjian-deploy.XXXXXX)
chmod 755 "$WORK"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ $(id -u) -eq 0 ]]; then AS_PG="runuser -u postgres --"; else AS_PG=""; fi

read -r P_PRIMARY P_REPLICA P_REDIS P_BOUNCER P_GUNICORN P_HTTPS P_HTTP < <(.venv/bin/python - <<'EOF'
import socket
socks = [socket.socket() for _ in range(7)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)

PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  [[ -f $WORK/nginx/nginx.pid ]] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
  [[ -f $WORK/pgbouncer.pid ]] && kill "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null
  [[ -f $WORK/redis.pid ]] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" -m immediate stop >/dev/null 2>&1
  as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -m immediate stop >/dev/null 2>&1
  sleep 0.5
  if [[ ${KEEP_DEPLOY_DIR:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "== PostgreSQL primary :$P_PRIMARY and streaming replica :$P_REPLICA =="
mkdir -p "$WORK/run" && chmod 1777 "$WORK/run"
chown postgres "$WORK" 2>/dev/null || true
as_pg "$PGBIN/initdb" -D "$WORK/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat deploy/postgresql/primary.conf >> "$WORK/primary/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary.log" -w \
  -o "-p $P_PRIMARY -k $WORK/run -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"$PGBIN/psql" -h 127.0.0.1 -p "$P_PRIMARY" -U postgres -q -c "CREATE DATABASE dangjian"
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$P_PRIMARY" -U postgres -D "$WORK/replica" -R -X stream -c fast
cat deploy/postgresql/replica.conf >> "$WORK/replica/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" -l "$WORK/replica.log" -w \
  -o "-p $P_REPLICA -k $WORK/run -c listen_addresses=127.0.0.1" start >/dev/null
"$PGBIN/psql" -h 127.0.0.1 -p "$P_REPLICA" -U postgres -Atq -c "SELECT 'replica in recovery: ' || pg_is_in_recovery()"

echo "== Redis :$P_REDIS =="
redis-server --port "$P_REDIS" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$WORK/redis.pid" --dir "$WORK" --logfile "$WORK/redis.log"

echo "== pgbouncer :$P_BOUNCER (transaction pooling) =="
sed -e "s/^listen_port = .*/listen_port = $P_BOUNCER/" -e "s/^listen_addr = .*/listen_addr = 127.0.0.1/" \
    -e "s#^dangjian = .*#dangjian = host=127.0.0.1 port=$P_PRIMARY dbname=dangjian#" \
    -e "s#^auth_type = .*#auth_type = trust#" \
    -e "s#^auth_file = .*#auth_file = $WORK/userlist.txt#" \
    -e "s#^logfile = .*#logfile = $WORK/pgbouncer.log#" \
    -e "s#^pidfile = .*#pidfile = $WORK/pgbouncer.pid#" \
    -e "s#^unix_socket_dir = .*#unix_socket_dir = $WORK/run#" \
    deploy/pgbouncer.ini > "$WORK/pgbouncer.ini"
echo '"postgres" ""' > "$WORK/userlist.txt"
chown postgres "$WORK/pgbouncer.ini" "$WORK/userlist.txt" 2>/dev/null || true
as_pg pgbouncer -d "$WORK/pgbouncer.ini"

for _ in $(seq 50); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$P_BOUNCER" && break; sleep 0.1; done

export DANGJIAN_VAR_DIR=$WORK/var
mkdir -p "$DANGJIAN_VAR_DIR"
APP_ENV=(SECRET_KEY=deploy-test-secret-0d8f3c2b7a6e5d4c FIELD_ENCRYPTION_KEY=deploy-test-field-key-5e4d3c2b1a
         ALLOWED_HOSTS=127.0.0.1,localhost DANGJIAN_VAR_DIR="$DANGJIAN_VAR_DIR"
         DATABASE_URL="postgres://postgres@127.0.0.1:$P_BOUNCER/dangjian" PGBOUNCER=1
         DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$P_REPLICA/dangjian"
         REDIS_URL="redis://127.0.0.1:$P_REDIS/0")

echo "== migrate (through pgbouncer) and collectstatic =="
env -u DANGJIAN_TESTING "${APP_ENV[@]}" .venv/bin/python manage.py migrate --no-input -v 0
env -u DANGJIAN_TESTING "${APP_ENV[@]}" .venv/bin/python manage.py collectstatic --no-input -v 0

echo "== gunicorn :$P_GUNICORN behind nginx https :$P_HTTPS (http :$P_HTTP) =="
env -u DANGJIAN_TESTING "${APP_ENV[@]}" GUNICORN_BIND="127.0.0.1:$P_GUNICORN" GUNICORN_WORKERS=2 \
  GUNICORN_ACCESSLOG="$WORK/gunicorn.access.log" GUNICORN_ERRORLOG="$WORK/gunicorn.error.log" \
  .venv/bin/gunicorn -c deploy/gunicorn.conf.py dangjian.wsgi &
PIDS+=($!)
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
chmod 1777 "$WORK/nginx/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$WORK/nginx/key.pem" -out "$WORK/nginx/cert.pem" 2>/dev/null
# The shipped site file with this run's ports and paths (IPv6 listeners dropped: loopback v4 only here; the site
# answers server_name localhost, the catch-all everything else — the bare 127.0.0.1 included).
sed -e "s/listen 80;/listen 127.0.0.1:$P_HTTP;/" -e "s/listen 443 ssl http2;/listen 127.0.0.1:$P_HTTPS ssl;/" \
    -e "s/listen 80 default_server;/listen 127.0.0.1:$P_HTTP default_server;/" \
    -e "s/listen 443 ssl default_server;/listen 127.0.0.1:$P_HTTPS ssl default_server;/" \
    -e "s/server_name dangjian.example.gov.cn;/server_name localhost;/" \
    -e "s#include /etc/nginx/dangjian-proxy.conf;#include $WORK/nginx/proxy.conf;#" \
    -e "/listen \[::\]/d" -e "s/server 127.0.0.1:8000 /server 127.0.0.1:$P_GUNICORN /" \
    -e "s#/etc/ssl/dangjian/fullchain.pem#$WORK/nginx/cert.pem#" -e "s#/etc/ssl/dangjian/privkey.pem#$WORK/nginx/key.pem#" \
    -e "s#/var/lib/dangjian/staticfiles/#$DANGJIAN_VAR_DIR/staticfiles/#" -e "s#/var/log/nginx/#$WORK/nginx/logs/#" \
    deploy/nginx-dangjian.conf > "$WORK/nginx/site.conf"
cp deploy/nginx-dangjian-proxy.conf "$WORK/nginx/proxy.conf"
cat > "$WORK/nginx/nginx.conf" <<EOF
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
worker_processes 1;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/site.conf;
}
EOF
chmod -R a+rX "$DANGJIAN_VAR_DIR/staticfiles"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
.venv/bin/python - "$P_GUNICORN" "$P_HTTPS" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 60
for port in map(int, sys.argv[1:]):
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"port {port} is not listening")
            time.sleep(0.2)
PY

echo "== pytest -m deploy =="
set +e
env "${APP_ENV[@]}" CI="${CI:-}" DANGJIAN_TESTING=1 DANGJIAN_DEPLOY_TEST=1 \
  DATABASE_URL="postgres://postgres@127.0.0.1:$P_PRIMARY/dangjian" \
  DEPLOY_WORK="$WORK" DEPLOY_PGBIN="$PGBIN" DEPLOY_AS_PG="$AS_PG" \
  DEPLOY_PRIMARY_PORT="$P_PRIMARY" DEPLOY_REPLICA_PORT="$P_REPLICA" DEPLOY_REDIS_PORT="$P_REDIS" \
  DEPLOY_PGBOUNCER_PORT="$P_BOUNCER" DEPLOY_GUNICORN_PORT="$P_GUNICORN" \
  DEPLOY_HTTPS_PORT="$P_HTTPS" DEPLOY_HTTP_PORT="$P_HTTP" \
  .venv/bin/pytest -p no:cacheprovider -m deploy -v "$ROOT/dangjian/core/tests/test_deploy.py" "$@"
rc=$?
set -e
[[ -f $WORK/figures.jsonl ]] && { echo "== measured (docs/deploy.md) =="; cat "$WORK/figures.jsonl"; }
if [[ $rc -eq 5 ]]; then echo "pytest 没有收集到部署测试 (exit 5)" >&2; rc=1; fi
if [[ $rc -ne 0 ]]; then
  for f in "$WORK"/*.log "$WORK"/nginx/logs/error.log; do echo "--- $f"; tail -n 20 "$f"; done
fi
exit $rc
