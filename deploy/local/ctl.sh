#!/usr/bin/env bash
# Controls one component of a running local system (for fault tests and operators):
#
#   deploy/local/ctl.sh status
#   deploy/local/ctl.sh stop|start|kill|restart <component>
#   deploy/local/ctl.sh replica <service> <port> [<management-port>]
#                                                     a second instance of a service (<service>-2); its
#                                                     /q/health and /q/metrics on <management-port> (<port>+100)
#   deploy/local/ctl.sh replay-dead-letters <topic>.dlt [--consumer <name>] [--dry-run]
#                                                     after a fix, puts dead-lettered events back on their topic
#
# Components: postgres kafka mail keycloak referral-service case-service notification-service gateway
# (and <service>-2 once started). `kill` sends SIGKILL; `stop` SIGTERM. `start` waits until it is ready.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$HERE/lib.sh"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
[ -d "$STATE/cmd" ] || { echo "No local system state in $STATE: start deploy/local/run.sh first." >&2; exit 1; }

ready_url() {
  case "$1" in
    postgres) echo "port:$PG_PORT" ;;
    kafka) echo "port:$KAFKA_PORT" ;;
    mail) echo "http://127.0.0.1:$MAIL_API_PORT/api/service/readiness" ;;
    keycloak) echo "http://127.0.0.1:$KEYCLOAK_MGMT_PORT/health/ready" ;;
    *-2) cat "$STATE/cmd/$1.url" ;;
    *) echo "http://127.0.0.1:$(service_management_port "$1")/q/health/ready" ;;
  esac
}

await_ready() {
  local url
  url="$(ready_url "$1")"
  case "$url" in
    port:*) wait_port "$1" "${url#port:}" 120 ;;
    *) wait_http "$1" "$url" 180 ;;
  esac
}

cmd="$1"
case "$cmd" in
  status)
    for f in "$STATE"/cmd/*.sh; do
      c="$(basename "$f" .sh)"
      if component_running "$c"; then echo "$c running (pid $(cat "$STATE/pids/$c.pid"))"; else echo "$c stopped"; fi
    done ;;
  stop|kill|start|restart)
    [ $# -eq 2 ] || usage
    c="$2"
    [ -x "$STATE/cmd/$c.sh" ] || { echo "unknown component: $c" >&2; exit 2; }
    case "$cmd" in
      stop) stop_component "$c" TERM ;;
      kill) stop_component "$c" KILL ;;
      start) component_running "$c" || { start_component "$c"; await_ready "$c"; } ;;
      restart) stop_component "$c" TERM; start_component "$c"; await_ready "$c" ;;
    esac
    echo "$c: $cmd done" ;;
  replica)
    [ $# -eq 3 ] || [ $# -eq 4 ] || usage
    service="$2"; port="$3"; mgmt_port="${4:-$((port + 100))}"
    service_port "$service" > /dev/null
    write_service_cmd "$service-2" "$port" "$mgmt_port" "$service"
    echo "http://127.0.0.1:$mgmt_port/q/health/ready" > "$STATE/cmd/$service-2.url"
    component_running "$service-2" || start_component "$service-2"
    await_ready "$service-2"
    echo "$service-2 ready on port $port" ;;
  replay-dead-letters)
    [ $# -ge 2 ] || usage
    shift
    # any service's packaged classpath holds the replay tool and the Kafka client
    exec java -cp "$ROOT/referral-service/target/quarkus-app/lib/main/*" org.relais.blocks.inbox.DeadLetterReplay \
      --bootstrap "127.0.0.1:$KAFKA_PORT" --topic "$@" ;;
  *) usage ;;
esac
