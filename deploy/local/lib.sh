# Shared by run.sh and ctl.sh: where things are, and how a component is started, stopped and awaited.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${RELAIS_STATE_DIR:-$ROOT/.relais}"
CACHE="${RELAIS_CACHE_DIR:-$HOME/.cache/relais}"
KEYCLOAK_VERSION=26.5.6

GATEWAY_PORT="${RELAIS_GATEWAY_PORT:-8080}"
REFERRAL_PORT="${RELAIS_REFERRAL_PORT:-8081}"
CASE_PORT="${RELAIS_CASE_PORT:-8082}"
NOTIFICATION_PORT="${RELAIS_NOTIFICATION_PORT:-8083}"
# /q/health and /q/metrics answer only on these, never on the public ports
GATEWAY_MGMT_PORT="${RELAIS_GATEWAY_MANAGEMENT_PORT:-9080}"
REFERRAL_MGMT_PORT="${RELAIS_REFERRAL_MANAGEMENT_PORT:-9081}"
CASE_MGMT_PORT="${RELAIS_CASE_MANAGEMENT_PORT:-9082}"
NOTIFICATION_MGMT_PORT="${RELAIS_NOTIFICATION_MANAGEMENT_PORT:-9083}"
KEYCLOAK_PORT="${RELAIS_KEYCLOAK_PORT:-8180}"
KEYCLOAK_MGMT_PORT="${RELAIS_KEYCLOAK_MGMT_PORT:-8190}"
KAFKA_PORT="${RELAIS_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${RELAIS_KAFKA_CONTROLLER_PORT:-9093}"
PG_PORT="${RELAIS_PG_PORT:-15432}"
SMTP_PORT="${RELAIS_SMTP_PORT:-2525}"
MAIL_API_PORT="${RELAIS_MAIL_API_PORT:-8025}"

SERVICES="referral-service case-service notification-service gateway"
ALL_PORTS="$GATEWAY_PORT $REFERRAL_PORT $CASE_PORT $NOTIFICATION_PORT $GATEWAY_MGMT_PORT $REFERRAL_MGMT_PORT $CASE_MGMT_PORT $NOTIFICATION_MGMT_PORT $KEYCLOAK_PORT $KEYCLOAK_MGMT_PORT $KAFKA_PORT $KAFKA_CONTROLLER_PORT $PG_PORT $SMTP_PORT $MAIL_API_PORT"
KC_HOME="$STATE/keycloak"

service_port() {
  case "$1" in
    gateway) echo "$GATEWAY_PORT" ;;
    referral-service) echo "$REFERRAL_PORT" ;;
    case-service) echo "$CASE_PORT" ;;
    notification-service) echo "$NOTIFICATION_PORT" ;;
    *) echo "unknown service $1" >&2; return 1 ;;
  esac
}

service_management_port() {
  case "$1" in
    gateway) echo "$GATEWAY_MGMT_PORT" ;;
    referral-service) echo "$REFERRAL_MGMT_PORT" ;;
    case-service) echo "$CASE_MGMT_PORT" ;;
    notification-service) echo "$NOTIFICATION_MGMT_PORT" ;;
    *) echo "unknown service $1" >&2; return 1 ;;
  esac
}

service_db() {
  case "$1" in
    gateway) echo gateway ;;
    referral-service) echo referral ;;
    case-service) echo cases ;;
    notification-service) echo notification ;;
  esac
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# write_cmd NAME SHELL-COMMAND: how to start a component, kept for ctl.sh
write_cmd() {
  printf '#!/usr/bin/env bash\n%s\n' "$2" > "$STATE/cmd/$1.sh"
  chmod +x "$STATE/cmd/$1.sh"
}

# write_service_cmd NAME PORT MANAGEMENT_PORT SERVICE [extra java options]
# RELAIS_JAVA_OPTS, when set, is added to every service's java options (the benchmarks log GC pauses with it)
write_service_cmd() {
  local name="$1" port="$2" mgmt_port="$3" service="$4" extra="${5:-}"
  write_cmd "$name" "export QUARKUS_PROFILE=prod,demo
export RELAIS_HTTP_HOST=127.0.0.1 RELAIS_DB_NAME=$(service_db "$service") RELAIS_PG_PORT=$PG_PORT
export RELAIS_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT RELAIS_OIDC_URL=http://127.0.0.1:$KEYCLOAK_PORT/realms/relais
export RELAIS_KEYCLOAK_URL=http://127.0.0.1:$KEYCLOAK_PORT
export RELAIS_SMTP_HOST=127.0.0.1 RELAIS_SMTP_PORT=$SMTP_PORT
export RELAIS_REFERRAL_URL=http://127.0.0.1:$REFERRAL_PORT RELAIS_CASE_URL=http://127.0.0.1:$CASE_PORT
export RELAIS_NOTIFICATION_URL=http://127.0.0.1:$NOTIFICATION_PORT RELAIS_GATEWAY_URL=http://127.0.0.1:$GATEWAY_PORT
exec java -Xmx384m -XX:+UseSerialGC ${RELAIS_JAVA_OPTS:-} -Dquarkus.http.port=$port -Dquarkus.management.port=$mgmt_port $extra -jar '$ROOT/$service/target/quarkus-app/quarkus-run.jar'"
}

# start_component NAME: runs its command in a session of its own (terminal signals reach only the launcher)
start_component() {
  local name="$1"
  setsid "$STATE/cmd/$name.sh" >> "$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$STATE/pids/$name.pid"
}

# stop_component NAME [SIGNAL]: SIGTERM (or the given signal) to its process group, SIGKILL after 30 s
stop_component() {
  local name="$1" sig="${2:-TERM}" pidfile="$STATE/pids/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "  $name did not stop in 30 s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

component_running() {
  [ -f "$STATE/pids/$1.pid" ] && kill -0 "$(cat "$STATE/pids/$1.pid")" 2>/dev/null
}

fail_start() {
  echo "$1 did not become ready; the end of $STATE/logs/$1.log:" >&2
  tail -n 30 "$STATE/logs/$1.log" >&2 || true
  exit 1
}

wait_port() {
  local name="$1" port="$2" timeout="$3" t=0
  until port_open "$port"; do
    component_running "$name" || fail_start "$name"
    t=$((t + 1)); [ "$t" -gt $((timeout * 5)) ] && fail_start "$name"
    sleep 0.2
  done
}

wait_http() {
  local name="$1" url="$2" timeout="$3" t=0
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    component_running "$name" || fail_start "$name"
    t=$((t + 1)); [ "$t" -gt $((timeout * 4)) ] && fail_start "$name"
    sleep 0.25
  done
}

java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

# A JDK 21+ for Keycloak when there is one (Keycloak deprecates 17), else the default java.
pick_keycloak_java() {
  KC_JAVA_HOME=""
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if [ "$(java_major "$candidate/bin/java")" -ge 21 ] 2>/dev/null; then KC_JAVA_HOME="$candidate"; break; fi
  done
  if [ -z "$KC_JAVA_HOME" ]; then
    KC_JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  KC_JAVA_OPTS_APPEND=""
  if [ "$(java_major "$KC_JAVA_HOME/bin/java")" -ge 24 ] 2>/dev/null; then
    KC_JAVA_OPTS_APPEND="--add-opens=java.base/java.lang=ALL-UNNAMED"
  fi
}

# Keycloak from its Maven Central distribution, built once for production mode and cached by version.
prepare_keycloak() {
  pick_keycloak_java
  local built="$CACHE/keycloak-$KEYCLOAK_VERSION"
  if [ ! -f "$built/.relais-built" ]; then
    echo "Preparing Keycloak $KEYCLOAK_VERSION (first run only)..."
    mkdir -p "$CACHE"
    local zip="$CACHE/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
    if [ ! -f "$zip" ]; then
      (cd "$ROOT" && ./mvnw -q -N dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
        -DoutputDirectory="$CACHE") > "$STATE/logs/keycloak-download.log" 2>&1 \
        || { echo "Keycloak download failed; see $STATE/logs/keycloak-download.log" >&2; exit 1; }
    fi
    rm -rf "$built.tmp" && mkdir -p "$built.tmp"
    if command -v unzip > /dev/null; then unzip -q "$zip" -d "$built.tmp"; else (cd "$built.tmp" && jar xf "$zip"); fi
    local dist
    dist="$(find "$built.tmp" -mindepth 1 -maxdepth 1 -type d | head -1)"
    chmod +x "$dist"/bin/*.sh
    JAVA_HOME="$KC_JAVA_HOME" JAVA_OPTS_APPEND="$KC_JAVA_OPTS_APPEND" "$dist/bin/kc.sh" build --db=dev-file \
      --health-enabled=true --metrics-enabled=true > "$STATE/logs/keycloak-build.log" 2>&1 \
      || { echo "Keycloak build failed; see $STATE/logs/keycloak-build.log" >&2; exit 1; }
    rm -rf "$built" && mv "$dist" "$built" && rm -rf "$built.tmp"
    touch "$built/.relais-built"
  fi
  if [ ! -f "$KC_HOME/.relais-built" ]; then
    rm -rf "$KC_HOME"
    cp -a "$built" "$KC_HOME"
  fi
}

token() { # token USER -> access token of a demo user (password grant of the demo client)
  curl -fsS "http://127.0.0.1:$KEYCLOAK_PORT/realms/relais/protocol/openid-connect/token" \
    -d grant_type=password -d client_id=relais-mobile -d username="$1" -d password=relais-demo \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# The demo agencies go into the directory through its normal write path (so their events are published).
seed_demo_agencies() {
  local admin status id
  admin="$(token platform-admin)" || { echo "Could not get a platform-admin token; agencies not seeded" >&2; return 0; }
  python3 - "$ROOT/deploy/local/demo-agencies.json" > "$STATE/agencies.jsonl" <<'PY'
import json, sys
for a in json.load(open(sys.argv[1])):
    print(a["id"] + "\t" + json.dumps(a))
PY
  while IFS=$'\t' read -r id body; do
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin" \
      "http://127.0.0.1:$REFERRAL_PORT/api/v1/agencies/$id")"
    if [ "$status" = 404 ]; then
      status="$(curl -s -o "$STATE/logs/seed-$id.json" -w '%{http_code}' -H "Authorization: Bearer $admin" \
        -H 'Content-Type: application/json' -H "Idempotency-Key: seed-$id" -d "$body" \
        "http://127.0.0.1:$REFERRAL_PORT/api/v1/agencies")"
      [ "$status" = 201 ] || echo "Seeding agency $id answered $status (see $STATE/logs/seed-$id.json)" >&2
    elif [ "$status" != 200 ]; then
      echo "Agency $id could not be checked (HTTP $status); not seeded" >&2
    fi
  done < "$STATE/agencies.jsonl"
}

# write_dev_env: the environment a service run by hand (quarkus:dev) needs to reach this infrastructure
write_dev_env() {
  cat > "$STATE/dev.env" <<EOF
export RELAIS_HTTP_HOST=127.0.0.1 RELAIS_PG_PORT=$PG_PORT
export RELAIS_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT RELAIS_OIDC_URL=http://127.0.0.1:$KEYCLOAK_PORT/realms/relais
export RELAIS_KEYCLOAK_URL=http://127.0.0.1:$KEYCLOAK_PORT
export RELAIS_SMTP_HOST=127.0.0.1 RELAIS_SMTP_PORT=$SMTP_PORT
export RELAIS_REFERRAL_URL=http://127.0.0.1:$REFERRAL_PORT RELAIS_CASE_URL=http://127.0.0.1:$CASE_PORT
export RELAIS_NOTIFICATION_URL=http://127.0.0.1:$NOTIFICATION_PORT RELAIS_GATEWAY_URL=http://127.0.0.1:$GATEWAY_PORT
EOF
}

print_infra_summary() {
  cat <<EOF

The infrastructure is running (ready in $1 s); no service was started. State and logs: $STATE
  Keycloak http://127.0.0.1:$KEYCLOAK_PORT/realms/relais (admin/admin), Kafka 127.0.0.1:$KAFKA_PORT,
  PostgreSQL 127.0.0.1:$PG_PORT (databases referral, cases, notification, gateway), SMTP 127.0.0.1:$SMTP_PORT

Run a service in dev mode against it (live reload; install the modules once: ./mvnw install -DskipTests):
  source $STATE/dev.env
  RELAIS_DB_NAME=referral ./mvnw -pl referral-service quarkus:dev -Dquarkus.profile=prod,demo \\
    -Dquarkus.http.port=$REFERRAL_PORT -Dquarkus.management.port=$REFERRAL_MGMT_PORT
  (case-service: RELAIS_DB_NAME=cases, ports $CASE_PORT/$CASE_MGMT_PORT; notification-service: notification,
   $NOTIFICATION_PORT/$NOTIFICATION_MGMT_PORT; gateway: gateway, $GATEWAY_PORT/$GATEWAY_MGMT_PORT)

Ctrl-C stops everything this launcher started.
EOF
}

print_summary() {
  cat <<EOF

Relais is running (ready in $1 s). State and logs: $STATE

  component              address                                            log
  gateway (the API)      http://127.0.0.1:$GATEWAY_PORT/api/v1                 logs/gateway.log
  API docs               http://127.0.0.1:$GATEWAY_PORT/api/v1/docs (document: /api/v1/openapi)
  referral-service       http://127.0.0.1:$REFERRAL_PORT  (/q/openapi)                    logs/referral-service.log
  case-service           http://127.0.0.1:$CASE_PORT                              logs/case-service.log
  notification-service   http://127.0.0.1:$NOTIFICATION_PORT                              logs/notification-service.log
  management (/q/health, /q/metrics)  gateway http://127.0.0.1:$GATEWAY_MGMT_PORT, referral-service :$REFERRAL_MGMT_PORT,
                         case-service :$CASE_MGMT_PORT, notification-service :$NOTIFICATION_MGMT_PORT
  Keycloak (realm relais) http://127.0.0.1:$KEYCLOAK_PORT/realms/relais (admin console: admin/admin)   logs/keycloak.log
  Kafka                  127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)                  logs/kafka.log
  PostgreSQL             127.0.0.1:$PG_PORT, user postgres (databases referral, cases, notification, gateway)
  mail sink (SMTP / API) 127.0.0.1:$SMTP_PORT / http://127.0.0.1:$MAIL_API_PORT/api/user    logs/mail.log

Demo users (password relais-demo): police-officer, police-caseworker, police-supervisor, police-admin,
  gendarmerie-caseworker, prosecution-caseworker, hospital-caseworker, ngo-caseworker, ngo-supervisor,
  ngo-admin, ngo-auditor, shelter-caseworker, legalaid-caseworker, platform-admin, platform-auditor.
Service accounts (client credentials): police-system, gendarmerie-system, hospital-system, ngo-system
  (secret <client>-secret).

Try it:
  TOKEN=\$(curl -s http://127.0.0.1:$KEYCLOAK_PORT/realms/relais/protocol/openid-connect/token \\
    -d grant_type=password -d client_id=relais-mobile -d username=police-caseworker -d password=relais-demo \\
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$GATEWAY_PORT/api/v1/agencies

Control one component: deploy/local/ctl.sh status|stop|start|kill|restart <component>,
  deploy/local/ctl.sh replica <service> <port>.  Ctrl-C stops everything.
EOF
}
