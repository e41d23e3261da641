#!/usr/bin/env bash
# Measures how long deploy/local/run.sh takes until it prints "Relais is running":
#   cold   Keycloak not yet built (its zip cached), empty state directory
#   fresh  Keycloak built and cached, empty state directory (--reset)
#   warm   a second start on the state of the previous run
# Usage: bench/launcher-start.sh [runs]   (modules must be packaged: ./mvnw install -DskipTests)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-3}"
export RELAIS_STATE_DIR="$(mktemp -d)/state"
export RELAIS_CACHE_DIR="${RELAIS_CACHE_DIR:-$HOME/.cache/relais}"
KC_BUILT="$RELAIS_CACHE_DIR/keycloak-26.5.6"

start_and_time() { # start_and_time LOG [run.sh options]
  local log="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$ROOT/deploy/local/run.sh" --no-build "$@" > "$log" 2>&1 &
  until grep -q "Relais is running" "$log"; do
    sleep 0.2
    if ! kill -0 $! 2>/dev/null; then echo "launcher failed: $log" >&2; exit 1; fi
  done
  t1=$(date +%s.%N)
  kill -TERM "$(cat "$RELAIS_STATE_DIR/launcher.pid")"
  wait $! || true
  echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

cold=(); fresh=(); warm=()
for i in $(seq 1 "$RUNS"); do
  rm -rf "$KC_BUILT" "$RELAIS_STATE_DIR"
  cold+=("$(start_and_time /tmp/relais-cold.log)")
  fresh+=("$(start_and_time /tmp/relais-fresh.log --reset)")
  warm+=("$(start_and_time /tmp/relais-warm.log)")
done
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  nproc: $(nproc)  memory: $(free -g | awk '/Mem:/ {print $2}') GiB  java: $(java -version 2>&1 | head -1)"
printf 'cold  (build Keycloak, empty state): median %.1f s  (%s)\n' "$(printf '%s\n' "${cold[@]}" | median)" "${cold[*]}"
printf 'fresh (Keycloak cached, --reset):   median %.1f s  (%s)\n' "$(printf '%s\n' "${fresh[@]}" | median)" "${fresh[*]}"
printf 'warm  (second start, same state):   median %.1f s  (%s)\n' "$(printf '%s\n' "${warm[@]}" | median)" "${warm[*]}"
