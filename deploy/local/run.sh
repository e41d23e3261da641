#!/usr/bin/env bash
# Starts the whole Relais system on this machine, without Docker: embedded PostgreSQL, a Kafka broker
# process (KRaft), a GreenMail mail sink, Keycloak with the demo realm, and the four services.
# Stays in the foreground; Ctrl-C or SIGTERM stops everything it started.
#
#   deploy/local/run.sh [--no-build] [--reset] [--infra-only] [--fast-storage]
#
#   --no-build   use the packaged modules as they are (fails if one is missing)
#   --reset      wipe the state directory (databases, Kafka log, Keycloak data, logs) first
#   --infra-only start PostgreSQL, Kafka, the mail sink and Keycloak only, and print how to run a
#                service in quarkus:dev (live reload) against them; the environment is in $STATE/dev.env
#   --fast-storage PostgreSQL without waiting for the disk (fsync, synchronous_commit, full_page_writes off):
#                quicker, but a crash of the machine can lose or corrupt the data. Never for real data.
#                Without it PostgreSQL runs with its durable defaults, as production does.
#
# Ports and paths come from the environment (API guide section 9): RELAIS_GATEWAY_PORT, RELAIS_REFERRAL_PORT,
# RELAIS_CASE_PORT, RELAIS_NOTIFICATION_PORT, their management ports (/q/health, /q/metrics)
# RELAIS_GATEWAY_MANAGEMENT_PORT, RELAIS_REFERRAL_MANAGEMENT_PORT, RELAIS_CASE_MANAGEMENT_PORT,
# RELAIS_NOTIFICATION_MANAGEMENT_PORT, RELAIS_KEYCLOAK_PORT, RELAIS_KEYCLOAK_MGMT_PORT,
# RELAIS_KAFKA_PORT, RELAIS_KAFKA_CONTROLLER_PORT, RELAIS_PG_PORT, RELAIS_SMTP_PORT, RELAIS_MAIL_API_PORT,
# RELAIS_STATE_DIR (default .relais in the repository), RELAIS_CACHE_DIR (default ~/.cache/relais).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$HERE/lib.sh"

BUILD=1
RESET=0
INFRA_ONLY=0
PG_FAST=0
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --reset) RESET=1 ;;
    --infra-only) INFRA_ONLY=1 ;;
    --fast-storage) PG_FAST=1 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$RESET" = 1 ]; then
  echo "Wiping $STATE"
  rm -rf "$STATE"
fi
mkdir -p "$STATE/logs" "$STATE/pids" "$STATE/cmd"

if [ -s "$STATE/launcher.pid" ] && kill -0 "$(cat "$STATE/launcher.pid")" 2>/dev/null; then
  echo "Relais is already running from this state directory (launcher pid $(cat "$STATE/launcher.pid"))." >&2
  exit 1
fi
echo $$ > "$STATE/launcher.pid"

STOPPING=0
stop_all() {
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  echo
  echo "Stopping Relais..."
  # services first (they flush to Kafka and PostgreSQL), then the infrastructure; only the stop jobs
  # are awaited (a bare `wait` would also wait for the components themselves, which are our children)
  local jobs=()
  for c in gateway notification-service case-service referral-service \
           notification-service-2 case-service-2 referral-service-2 gateway-2; do
    stop_component "$c" & jobs+=($!)
  done
  wait "${jobs[@]}"
  jobs=()
  for c in keycloak mail kafka postgres; do stop_component "$c" & jobs+=($!); done
  wait "${jobs[@]}"
  local open=()
  for p in $ALL_PORTS; do port_open "$p" && open+=("$p"); done
  if [ ${#open[@]} -gt 0 ]; then
    echo "Warning: still listening: ${open[*]}" >&2
  else
    echo "Stopped; no Relais port is open."
  fi
  rm -f "$STATE/launcher.pid"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

for p in $ALL_PORTS; do
  if port_open "$p"; then
    echo "Port $p is already in use: stop what holds it or choose other ports (see --help)." >&2
    exit 1
  fi
done

T0=$(date +%s)

# --- build what is missing ---------------------------------------------------------------
missing=()
if [ "$INFRA_ONLY" = 0 ]; then
  for s in $SERVICES; do [ -f "$ROOT/$s/target/quarkus-app/quarkus-run.jar" ] || missing+=("$s"); done
fi
[ -d "$ROOT/deploy/local/target/lib" ] || missing+=("deploy/local")
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$BUILD" = 0 ]; then
    echo "Not built: ${missing[*]}. Run without --no-build, or ./mvnw package -DskipTests." >&2
    exit 1
  fi
  echo "Building ${missing[*]} (first run only)..."
  (cd "$ROOT" && ./mvnw -q -DskipTests install -pl "$(IFS=,; echo "${missing[*]}")" -am) \
    > "$STATE/logs/build.log" 2>&1 || { echo "Build failed; see $STATE/logs/build.log" >&2; exit 1; }
fi

prepare_keycloak

# --- infrastructure --------------------------------------------------------------------
LAUNCHER_CP="$ROOT/deploy/local/target/lib/*"

write_cmd postgres "export RELAIS_PG_FAST=$PG_FAST; exec java -Xmx256m -cp '$ROOT/deploy/local/target/classes:$LAUNCHER_CP' org.relais.launcher.LocalPostgres $PG_PORT '$STATE/postgres/data' referral cases notification gateway"

mkdir -p "$STATE/kafka"
cat > "$STATE/kafka/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$STATE/kafka/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
if [ ! -f "$STATE/kafka/data/meta.properties" ]; then
  java -cp "$LAUNCHER_CP" kafka.tools.StorageTool format -t "$(java -cp "$LAUNCHER_CP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
    -c "$STATE/kafka/server.properties" > "$STATE/logs/kafka-format.log" 2>&1 \
    || { echo "Kafka storage format failed; see $STATE/logs/kafka-format.log" >&2; exit 1; }
fi
write_cmd kafka "exec java -Xmx512m -cp '$LAUNCHER_CP' kafka.Kafka '$STATE/kafka/server.properties'"

write_cmd mail "exec java -Xmx128m -Dgreenmail.smtp.hostname=127.0.0.1 -Dgreenmail.smtp.port=$SMTP_PORT \
  -Dgreenmail.api.hostname=127.0.0.1 -Dgreenmail.api.port=$MAIL_API_PORT -Dgreenmail.auth.disabled \
  -jar '$ROOT/deploy/local/target/greenmail/greenmail-standalone.jar'"

write_cmd keycloak "export JAVA_HOME='$KC_JAVA_HOME'; export JAVA_OPTS_APPEND='$KC_JAVA_OPTS_APPEND'; \
  exec '$KC_HOME/bin/kc.sh' start --optimized --cache=local --http-enabled=true --http-host=127.0.0.1 \
  --http-port=$KEYCLOAK_PORT --http-management-port=$KEYCLOAK_MGMT_PORT --hostname=http://127.0.0.1:$KEYCLOAK_PORT \
  --hostname-strict=false --import-realm --bootstrap-admin-username=admin --bootstrap-admin-password=admin"
mkdir -p "$KC_HOME/data/import"
cp "$ROOT/deploy/keycloak/relais-realm.json" "$KC_HOME/data/import/relais-realm.json"

echo "Starting PostgreSQL, Kafka, the mail sink and Keycloak..."
for c in postgres kafka mail keycloak; do start_component "$c"; done
wait_port postgres "$PG_PORT" 120
wait_port kafka "$KAFKA_PORT" 120
wait_http mail "http://127.0.0.1:$MAIL_API_PORT/api/service/readiness" 120
wait_http keycloak "http://127.0.0.1:$KEYCLOAK_MGMT_PORT/health/ready" 240

if [ "$INFRA_ONLY" = 1 ]; then
  write_dev_env
  print_infra_summary "$(( $(date +%s) - T0 ))"
  while true; do
    sleep 3600 &
    wait $! || true
  done
fi

# --- services --------------------------------------------------------------------------
for s in $SERVICES; do write_service_cmd "$s" "$(service_port "$s")" "$(service_management_port "$s")" "$s"; done
echo "Starting the services..."
start_component referral-service
wait_http referral-service "http://127.0.0.1:$REFERRAL_MGMT_PORT/q/health/ready" 180
for s in case-service notification-service gateway; do start_component "$s"; done
for s in case-service notification-service gateway; do
  wait_http "$s" "http://127.0.0.1:$(service_management_port "$s")/q/health/ready" 180
done

seed_demo_agencies

T1=$(date +%s)
print_summary "$((T1 - T0))"

# Stay in the foreground until Ctrl-C / SIGTERM; `wait` returns when a signal arrives.
while true; do
  sleep 3600 &
  wait $! || true
done
