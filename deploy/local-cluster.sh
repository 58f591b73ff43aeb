#!/usr/bin/env bash
# Several replicas of the host behind HAProxy on this machine, sharing one PostgreSQL store.
#
#   deploy/local-cluster.sh up N     build the host once (Release), start N replicas and HAProxy
#   deploy/local-cluster.sh status   pids, ports and readiness
#   deploy/local-cluster.sh down     stop HAProxy, the replicas (SIGTERM: graceful) and a throw-away PostgreSQL
#
# Environment:
#   VALVULOPLASTY_POSTGRES         a Npgsql connection string to a running PostgreSQL; unset: a throw-away cluster is
#                                  created (initdb in the state dir, pg_ctl from /usr/lib/postgresql/*/bin)
#   VALVULOPLASTY_CLUSTER_DIR      state dir: pid files, logs, haproxy.cfg, keys (default /tmp/valvuloplasty-cluster)
#   VALVULOPLASTY_CLUSTER_PORT     HAProxy's port (default 8080); replicas listen on the next N ports
#   VALVULOPLASTY_ISSUER           the trusted EHR issuer (default http://ehr.local-cluster.test)
#   VALVULOPLASTY_JWKS_FILE        that issuer's JWKS; unset: an ES384 key pair is made with openssl
#                                  (state dir: issuer-key.pem, private; jwks.json, public)
#
# The replicas run in Production: authentication on, the issuer above trusted through its JWKS file, and
# Security:PublicBaseUrl set to HAProxy's URL, so a token's aud is http://127.0.0.1:PORT/cds-services/<id> whichever
# replica answers it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${VALVULOPLASTY_CLUSTER_DIR:-/tmp/valvuloplasty-cluster}"
front="${VALVULOPLASTY_CLUSTER_PORT:-8080}"
issuer="${VALVULOPLASTY_ISSUER:-http://ehr.local-cluster.test}"
haproxy_bin="${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}"

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_postgres() {
  if [ -n "${VALVULOPLASTY_POSTGRES:-}" ]; then
    echo "$VALVULOPLASTY_POSTGRES" > "$state/postgres.connection"
    return
  fi
  local bin port=$((front + 1000)) data="$state/pg"
  bin="$(pg_bin)"
  if [ ! -d "$data" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres "$data" "$state"
    as_postgres "$bin/initdb" -D "$data" -U valvuloplasty --auth=trust >"$state/initdb.log"
  fi
  as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 || as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c max_connections=200" start >/dev/null
  as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U valvuloplasty valvuloplasty 2>/dev/null || true
  echo "$port" > "$state/pg.port"
  echo "Host=127.0.0.1;Port=$port;Username=valvuloplasty;Database=valvuloplasty" > "$state/postgres.connection"
}

issuer_keys() {
  if [ -n "${VALVULOPLASTY_JWKS_FILE:-}" ]; then
    echo "$VALVULOPLASTY_JWKS_FILE"
    return
  fi
  if [ ! -f "$state/jwks.json" ]; then
    openssl ecparam -name secp384r1 -genkey -noout -out "$state/issuer-key.pem" 2>/dev/null
    chmod 600 "$state/issuer-key.pem"
    # The last 96 bytes of a P-384 SubjectPublicKeyInfo are the point's x and y.
    local der b64url
    der="$(mktemp)"
    openssl ec -in "$state/issuer-key.pem" -pubout -outform DER -out "$der" 2>/dev/null
    b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
    local x y
    x="$(tail -c 96 "$der" | head -c 48 | b64url)"
    y="$(tail -c 48 "$der" | b64url)"
    rm -f "$der"
    printf '{"keys":[{"kty":"EC","crv":"P-384","x":"%s","y":"%s","kid":"local-cluster","alg":"ES384","use":"sig"}]}\n' "$x" "$y" > "$state/jwks.json"
  fi
  echo "$state/jwks.json"
}

up() {
  local n="${1:?usage: $0 up N}"
  mkdir -p "$state/logs"
  start_postgres
  local connection jwks dll
  connection="$(cat "$state/postgres.connection")"
  jwks="$(issuer_keys)"
  echo "building the host (Release)…"
  dotnet build "$root/src/Valvuloplasty.Fhir.CdsHooks" -c Release -nologo -v q >"$state/logs/build.log"
  dll="$root/src/Valvuloplasty.Fhir.CdsHooks/bin/Release/net10.0/Valvuloplasty.Fhir.CdsHooks.dll"

  local servers="" i port
  for i in $(seq 1 "$n"); do
    port=$((front + i))
    servers+="    server replica$i 127.0.0.1:$port check"$'\n'
    if alive "$state/replica$i.pid"; then continue; fi
    (
      cd "$(dirname "$dll")"
      export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port"
      export Feedback__PostgresConnectionString="$connection"
      export Security__PublicBaseUrl="http://127.0.0.1:$front"
      export Security__Issuers__0__Issuer="$issuer" Security__Issuers__0__JwksFile="$jwks"
      export Logging__LogLevel__Default=Warning
      nohup dotnet "$dll" >"$state/logs/replica$i.log" 2>&1 &
      echo $! >"$state/replica$i.pid"
    )
  done

  for i in $(seq 1 "$n"); do
    port=$((front + i))
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
      alive "$state/replica$i.pid" || { echo "replica$i exited: see $state/logs/replica$i.log" >&2; exit 1; }
      sleep 0.5
    done
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "replica$i not ready: $state/logs/replica$i.log" >&2; exit 1; }
  done

  echo "$n" > "$state/replicas"
  awk -v servers="$servers" -v port="$front" -v dir="$state" \
    '{ gsub("@FRONTEND_PORT@", port); gsub("@STATE_DIR@", dir); if ($0 == "@SERVERS@") { printf "%s", servers } else print }' \
    "$root/deploy/haproxy.cfg.template" > "$state/haproxy.cfg"
  if alive "$state/haproxy.pid"; then kill "$(cat "$state/haproxy.pid")"; sleep 0.5; fi
  "$haproxy_bin" -f "$state/haproxy.cfg" -p "$state/haproxy.pid" -D
  echo "up: http://127.0.0.1:$front → $n replicas (ports $((front + 1))–$((front + n))); issuer $issuer, JWKS $jwks; state $state"
}

status() {
  local n i port
  n="$(cat "$state/replicas" 2>/dev/null || echo 0)"
  for i in $(seq 1 "$n"); do
    port=$((front + i))
    if alive "$state/replica$i.pid"; then
      echo "replica$i pid $(cat "$state/replica$i.pid") :$port ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")"
    else
      echo "replica$i :$port down"
    fi
  done
  if alive "$state/haproxy.pid"; then echo "haproxy pid $(cat "$state/haproxy.pid") :$front"; else echo "haproxy down"; fi
  if [ -f "$state/pg.port" ]; then echo "postgresql (throw-away) :$(cat "$state/pg.port")"; else echo "postgresql: VALVULOPLASTY_POSTGRES"; fi
}

down() {
  local f
  if alive "$state/haproxy.pid"; then kill "$(cat "$state/haproxy.pid")"; fi
  rm -f "$state/haproxy.pid"
  for f in "$state"/replica*.pid; do
    [ -e "$f" ] || continue
    if alive "$f"; then kill -TERM "$(cat "$f")"; fi
  done
  for f in "$state"/replica*.pid; do
    [ -e "$f" ] || continue
    for _ in $(seq 1 80); do alive "$f" || break; sleep 0.5; done
    rm -f "$f"
  done
  if [ -f "$state/pg.port" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$state/pg" -m fast -w stop >/dev/null || true
    rm -f "$state/pg.port"
  fi
  echo "down (state, logs and the throw-away database stay in $state; delete it to start afresh)"
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up N | down | status" >&2; exit 2 ;;
esac
