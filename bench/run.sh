#!/usr/bin/env bash
# Relais benchmarks (BENCHMARKS.md): the system as the launcher starts it, measured beside its
# reference points in the same run, reported as ratios.
#
#   bench/run.sh           full run (5 repetitions of each figure, 15 s each)
#   bench/run.sh --quick   every figure with 3 repetitions of 5 s
#   bench/run.sh --items "4 5"   only those figures (the system and the warm-up as always)
#   bench/run.sh --fast-storage  PostgreSQL without waiting for the disk (the launcher's --fast-storage:
#                                fsync, synchronous_commit, full_page_writes off); results say which
#
# Installs nginx, wrk and hey from Debian's packages when they are missing, builds the services
# and the baseline app (bench/baseline) when they are not built, starts the system with the bench
# limits (rate limits raised), and writes bench/results/<time>/ (results.md, results.json, raw
# outputs, latency pictures). Needs the ports of the local run free. Not part of ./mvnw verify.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# bash reads a script while it runs it: a run goes on from a copy, so editing run.sh meanwhile cannot derail it
if [[ -z "${RELAIS_BENCH_COPY:-}" ]]; then
  cp "$0" bench/.run-snapshot.sh
  RELAIS_BENCH_COPY=1 exec bash bench/.run-snapshot.sh "$@"
fi
QUICK=0
ITEMS="1 2 3 4 5 6 7"
STORAGE=durable
ARGS="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --items) ITEMS="$2"; shift ;; # e.g. --items "4" to look again at one figure after a change
    --fast-storage) STORAGE=fast ;;
    *) echo "usage: bench/run.sh [--quick] [--items \"1 2 3 4 5 6 7\"] [--fast-storage]" >&2; exit 2 ;;
  esac
  shift
done
want() { [[ " $ITEMS " == *" $1 "* ]]; }
RUNS=$((QUICK ? 3 : 5))
SECONDS_PER_RUN=$((QUICK ? 5 : 15))
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
export RELAIS_STATE_DIR="$ROOT/bench/.state"
# the bench profile: rate limits far above what one client can send here
export RELAIS_RATE_LIMIT_RPS=10000000 RELAIS_RATE_LIMIT_BURST=10000000
# every service logs its GC pauses (file per process id; gc-pauses.txt sums them up at the end)
export RELAIS_JAVA_OPTS="-Xlog:gc:file=$OUT/gc-%p.log:uptime,tags"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---- tools ------------------------------------------------------------------------------------
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    log "installing $2 from Debian's packages"
    (apt-get update -qq || true) >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
need nginx nginx
need wrk wrk
need hey hey
need psql postgresql-client
need curl curl

# ---- builds -----------------------------------------------------------------------------------
if [[ ! -f gateway/target/quarkus-app/quarkus-run.jar || ! -f deploy/local/target/lib/.complete && ! -d deploy/local/target/lib ]]; then
  log "building the services (./mvnw install -DskipTests)"
  ./mvnw -q install -DskipTests
fi
if [[ ! -f bench/baseline/target/quarkus-app/quarkus-run.jar ]]; then
  log "building the baseline app"
  ./mvnw -q -f bench/baseline/pom.xml package -DskipTests
fi

# ---- the system -------------------------------------------------------------------------------
PIDS=()
NGINX_DIR="$OUT/nginx"
cleanup() {
  set +e
  [[ -f "$NGINX_DIR/nginx.pid" ]] && nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s stop 2>/dev/null
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && wait "$p" 2>/dev/null; done
  if [[ -n "${LAUNCHER:-}" ]]; then
    kill -TERM "$LAUNCHER" 2>/dev/null
    wait "$LAUNCHER" 2>/dev/null
  fi
}
trap cleanup EXIT

LAUNCH_START=$(date +%s.%N)
deploy/local/run.sh --no-build --reset $([[ "$STORAGE" == fast ]] && echo --fast-storage) > "$OUT/launcher.log" 2>&1 &
LAUNCHER=$!
for _ in $(seq 1 300); do
  if curl -fs -o /dev/null http://127.0.0.1:9080/q/health/ready && grep -q "Relais is running" "$OUT/launcher.log" 2>/dev/null; then
    break
  fi
  kill -0 "$LAUNCHER" 2>/dev/null || { log "the launcher ended; see $OUT/launcher.log"; exit 1; }
  sleep 1
done
curl -fs -o /dev/null http://127.0.0.1:9080/q/health/ready || { log "the system did not get ready"; exit 1; }
LAUNCH_READY=$(python3 -c "print(round($(date +%s.%N) - $LAUNCH_START, 1))")
log "system ready in ${LAUNCH_READY}s"
# what PostgreSQL was told about the disk: every durable write waits for these
PG_SETTINGS=$(psql -qAt -h 127.0.0.1 -p 15432 -U postgres postgres -c "select string_agg(name || '=' || setting, ' ' order by name)
  from pg_settings where name in ('fsync','synchronous_commit','full_page_writes','wal_sync_method','commit_delay')" || echo "unknown")
log "storage $STORAGE: $PG_SETTINGS"

token() { # user
  curl -fs -d grant_type=password -d client_id=relais-mobile -d username="$1" -d password=relais-demo \
    http://127.0.0.1:8180/realms/relais/protocol/openid-connect/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
client_token() { # client
  curl -fs -d grant_type=client_credentials -d client_id="$1" -d client_secret="$1-secret" \
    http://127.0.0.1:8180/realms/relais/protocol/openid-connect/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
pid_on_port() { ss -ltnpH "sport = :$1" | sed -E 's/.*pid=([0-9]+).*/\1/' | head -1; }
cpu_ticks() { # pids... -> utime+stime in clock ticks, summed
  local total=0 p
  for p in "$@"; do
    [[ -r "/proc/$p/stat" ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

REFERRAL_BODY='{"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT"], "priority": "ROUTINE",
 "reason": "bench", "subject": {"fullName": "Bench Survivor", "birthYear": 1990},
 "consent": {"granted": true, "scope": ["IDENTITY", "NARRATIVE"], "method": "VERBAL",
             "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker"}}'
echo "$REFERRAL_BODY" > "$OUT/referral.json"
TOKEN="$(token police-caseworker)"
REFERRAL_ID=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$REFERRAL_BODY" \
  http://127.0.0.1:8080/api/v1/referrals | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "referral $REFERRAL_ID"

# ---- reference points: nginx as a plain reverse proxy, a fixed-response stub, the baseline app ----
mkdir -p "$NGINX_DIR/logs"
cat > "$NGINX_DIR/nginx.conf" <<EOF
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream referral { server 127.0.0.1:8081; keepalive 64; }
  upstream stub { server 127.0.0.1:18090; keepalive 64; }
  server { listen 127.0.0.1:18080; location / { proxy_pass http://referral; proxy_http_version 1.1;
           proxy_set_header Connection ""; proxy_set_header Host \$host; } }
  server { listen 127.0.0.1:18090; location / { default_type application/json; return 200 '{"id":"stub"}'; } }
  server { listen 127.0.0.1:18091; location / { proxy_pass http://stub; proxy_http_version 1.1;
           proxy_set_header Connection ""; } }
}
EOF
nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf"
# a second gateway whose "referral-service" is the fixed-response stub, to show the proxy's own cost
sed -e "s#RELAIS_REFERRAL_URL=http://127.0.0.1:8081#RELAIS_REFERRAL_URL=http://127.0.0.1:18090#" \
    -e "s#-Dquarkus.http.port=8080#-Dquarkus.http.port=18082 -Dquarkus.datasource.jdbc.max-size=2#" \
    -e "s#-Dquarkus.management.port=9080#-Dquarkus.management.port=18182#" \
    "$RELAIS_STATE_DIR/cmd/gateway.sh" > "$OUT/gateway-stub.sh"
chmod +x "$OUT/gateway-stub.sh"
"$OUT/gateway-stub.sh" > "$OUT/gateway-stub.log" 2>&1 &
PIDS+=($!)
BASELINE_PORT=18081 java -Xmx256m -XX:+UseSerialGC -jar bench/baseline/target/quarkus-app/quarkus-run.jar > "$OUT/baseline.log" 2>&1 &
PIDS+=($!)
# bench_audit: relais_audit's columns and indexes (building-blocks db/shared V1000, V1002), its own sequence
psql -q -h 127.0.0.1 -p 15432 -U postgres referral \
  -c "create table if not exists bench_referrals (like referrals including defaults including indexes)" \
  -c "create table if not exists bench_audit (id bigserial primary key, seq bigint unique, service text not null,
        at timestamptz not null, type text not null, agency_id text, actor text, entity_id text,
        related_ids jsonb not null default '[]', prev_hash text, hash text, sealed_at timestamptz,
        hash_version smallint not null default 1)" \
  -c "create index if not exists bench_audit_unsealed on bench_audit (id) where seq is null" \
  -c "create index if not exists bench_audit_related on bench_audit using gin (related_ids jsonb_path_ops)" >/dev/null
# the stub gateway's health on its management port (18182); the baseline has none, its route answers
for ports in 18082:18182 18081:18081; do
  port=${ports%%:*}; management=${ports##*:}
  for _ in $(seq 1 60); do curl -fs -o /dev/null "http://127.0.0.1:$management/q/health/ready" && break; \
    curl -fs -o /dev/null "http://127.0.0.1:$port/referrals/$REFERRAL_ID" && break; sleep 1; done
done

declare -A IDLE_RSS
for s in referral-service case-service notification-service gateway; do
  IDLE_RSS[$s]=$(rss_mb "$(cat "$RELAIS_STATE_DIR/pids/$s.pid")")
done
GATEWAY_PID=$(pid_on_port 8080)
REFERRAL_PID=$(pid_on_port 8081)
NGINX_WORKERS=$(pgrep -f "nginx: worker" | tr '\n' ' ')

# ---- measurement helpers ---------------------------------------------------------------------
# wrk at saturation: prints requests/s; CPU ticks of the given pids during the run go to $OUT/cpu-<name>
saturate() { # name url pids...
  local name="$1" url="$2"; shift 2
  local before after out rps
  before=$(cpu_ticks "$@")
  out=$(taskset -c 1 wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $TOKEN" "$url")
  after=$(cpu_ticks "$@")
  echo "$out" >> "$OUT/wrk-$name.txt"
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  python3 -c "print(round(($after-$before)/$(getconf CLK_TCK)*1e6/max(1,$rps*$SECONDS_PER_RUN),1))" >> "$OUT/cpu-$name"
  echo "$rps"
}
# hey at a fixed rate: prints "p50_ms p99_ms"
fixed_rate() { # name rate url [method body-file]
  local name="$1" rate="$2" url="$3" method="${4:-GET}" body="${5:-}"
  # enough workers that the rate is reached even at 50 ms a request (hey's -q is per worker)
  local workers=$(( rate / 20 > 4 ? rate / 20 : 4 ))
  local args=(-z "${SECONDS_PER_RUN}s" -c "$workers" -q $(( (rate + workers - 1) / workers )) -m "$method" -H "Authorization: Bearer $TOKEN" -o csv)
  [[ -n "$body" ]] && args+=(-T application/json -D "$body")
  taskset -c 1 hey "${args[@]}" "$url" > "$OUT/hey-$name.csv"
  python3 - "$OUT/hey-$name.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
lat = sorted(float(r["response-time"]) * 1000 for r in rows if r.get("status-code", "").startswith("2"))
bad = sum(1 for r in rows if not r.get("status-code", "").startswith("2"))
span = max(float(r["offset"]) for r in rows) if rows else 0
achieved = len(rows) / span if span else 0
if not lat:
    print("nan nan", bad, 0); sys.exit()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{q(0.50):.2f} {q(0.99):.2f} {bad} {achieved:.0f}")
EOF
}
median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:] if x!='nan']; print(round(statistics.median(v),2) if v else 'nan')" "$@"; }
# item 4's propagation run, also item 7's: referrals at a fixed rate after a warm-up of their own paths
PROP_SECONDS=$((QUICK ? 20 : 60))
PROP_WARMUP=$((QUICK ? 5 : 10))
propagation() { # rate out-dir: the run; its measured window's start and end (ISO) on stdout for stages.py
  local rate="$1" dir="$2" from
  mkdir -p "$dir"
  from=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
  python3 bench/propagation.py --seconds "$PROP_SECONDS" --rate "$rate" --warmup "$PROP_WARMUP" --out "$dir" --pids "$PROP_PIDS" \
    --police "$(token police-caseworker)" --ngo "$(token ngo-caseworker)" --ngo-system "$(client_token ngo-system)" \
    > "$dir/propagation.txt" 2>&1 || log "propagation run at $rate/s failed; see $dir/propagation.txt"
  # the warm-up's referrals are not in the measured window
  from=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('measured_from', sys.argv[2]))" \
    "$dir/propagation.json" "$from" 2>/dev/null || echo "$from")
  echo "$from $(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"
}

declare -A R
# ---- warm-up: the JIT compiles the hot paths before anything is measured --------------------------
WARM=$((QUICK ? 15 : 30))
log "warm-up (${WARM}s per target)"
TOKEN="$(token police-caseworker)"
for url in "http://127.0.0.1:8080/api/v1/referrals/$REFERRAL_ID" "http://127.0.0.1:18080/api/v1/referrals/$REFERRAL_ID" \
           "http://127.0.0.1:18082/api/v1/referrals/$REFERRAL_ID" "http://127.0.0.1:18091/api/v1/referrals/$REFERRAL_ID" \
           "http://127.0.0.1:18081/referrals/$REFERRAL_ID" "http://127.0.0.1:18081/audited/referrals/$REFERRAL_ID"; do
  taskset -c 1 wrk -t1 -c16 -d"${WARM}s" -H "Authorization: Bearer $TOKEN" "$url" > /dev/null
done
taskset -c 1 hey -z "${WARM}s" -c 2 -q 10 -m POST -H "Authorization: Bearer $TOKEN" -T application/json -D "$OUT/referral.json" \
  http://127.0.0.1:8080/api/v1/referrals > /dev/null
taskset -c 1 hey -z "${WARM}s" -c 2 -q 50 -m POST http://127.0.0.1:18081/referrals > /dev/null

if want 5; then
# ---- 5. growth: the same reads at 10 thousand, 100 thousand and a million referrals ---------------
# First, so the rows the other items create do not count: the seeder (bench/tools/Seeder.java, the
# project's own data keys and field encryption, COPY) grows the tables, the queried agency receiving a
# fifth; then each read is timed at a fixed rate through the gateway and its plan is shown.
GROWTH_RATE=12 # hey: 4 workers at 3 requests per second each
GROWTH_SECONDS=$((QUICK ? 6 : 12))
QUERIED=ngo-casa-ecoute
psql_ref() { psql -qAt -h 127.0.0.1 -p 15432 -U postgres referral -c "$1"; }
psql_note() { psql -qAt -h 127.0.0.1 -p 15432 -U postgres notification -c "$1"; }
cursor_of() { # "micros|id" -> the list's opaque cursor (building-blocks Cursor: base64url of c1|micros|id)
  python3 -c "import base64,sys; print(base64.urlsafe_b64encode(('c1|' + sys.argv[1]).encode()).decode().rstrip('='))" "$1"
}
# the SQL Hibernate renders for ReferralService.list and NotificationService.list, with the values inlined
RECEIVED_SQL="select * from referrals where receiving_agency_id = '$QUERIED'"
INBOX_SQL="select * from notifications where agency_id = '$QUERIED' and (audience = 'AGENCY' or (audience = 'ROLE' and role in ('caseworker')) or (audience = 'USER' and username = 'ngo-caseworker'))"
explain() { # db file sql
  { echo "-- $3"; psql -qAt -h 127.0.0.1 -p 15432 -U postgres "$1" -c "explain (analyze, buffers) $3"; } > "$2"
  if grep -q "Seq Scan" "$2"; then echo "seq scan"; elif grep -q "Sort" "$2"; then echo "index + sort"; \
  elif grep -q "Index" "$2"; then echo index; else echo "other"; fi
}
log "5. growth: 10k, 100k, 1M referrals, reads at ${GROWTH_RATE}/s ($RUNS x ${GROWTH_SECONDS}s each)"
sleep 2 # the template referral's notification
for size in 10000 100000 1000000; do
  java -cp "referral-service/target/quarkus-app/lib/main/*" bench/tools/Seeder.java \
    jdbc:postgresql://127.0.0.1:15432/referral jdbc:postgresql://127.0.0.1:15432/notification \
    "$REFERRAL_ID" "$QUERIED" "$size" >> "$OUT/seed.txt" 2>&1 || { log "seeding failed; see $OUT/seed.txt"; exit 1; }
  psql -q -h 127.0.0.1 -p 15432 -U postgres referral -c "vacuum analyze referrals" -c "vacuum analyze relais_data_keys" -c checkpoint
  psql -q -h 127.0.0.1 -p 15432 -U postgres notification -c "vacuum analyze notifications" -c checkpoint
  held=$(psql_ref "select count(*) from referrals where receiving_agency_id = '$QUERIED'")
  R[growth_${size}_rows]=$(psql_ref "select count(*) from referrals"); R[growth_${size}_queried]=$held
  # a page three quarters into the agency's received list, and the sync of its 50 latest changes
  deep=$(psql_ref "select (extract(epoch from updated_at) * 1000000)::bigint || '|' || id from referrals
                   where receiving_agency_id = '$QUERIED' order by updated_at, id offset $((held * 3 / 4)) limit 1")
  since=$(psql_ref "select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from referrals
                    where receiving_agency_id = '$QUERIED' order by updated_at desc, id desc offset 49 limit 1")
  deep_at=$(psql_ref "select updated_at from referrals where id = '${deep#*|}'")
  declare -A URLS=(
    [first]="http://127.0.0.1:8080/api/v1/referrals?direction=received&limit=50"
    [deep]="http://127.0.0.1:8080/api/v1/referrals?direction=received&limit=50&cursor=$(cursor_of "$deep")"
    [sync]="http://127.0.0.1:8080/api/v1/referrals?direction=received&limit=50&updatedSince=$since"
    [inbox]="http://127.0.0.1:8080/api/v1/notifications?limit=50"
  )
  R[growth_${size}_plan_first]=$(explain referral "$OUT/explain-$size-first.txt" "$RECEIVED_SQL order by updated_at, id limit 51")
  R[growth_${size}_plan_deep]=$(explain referral "$OUT/explain-$size-deep.txt" \
    "$RECEIVED_SQL and (updated_at, id) > ('$deep_at', '${deep#*|}') order by updated_at, id limit 51")
  R[growth_${size}_plan_sync]=$(explain referral "$OUT/explain-$size-sync.txt" \
    "$RECEIVED_SQL and updated_at >= '$since' order by updated_at, id limit 51")
  R[growth_${size}_plan_inbox]=$(explain notification "$OUT/explain-$size-inbox.txt" "$INBOX_SQL order by created_at, id limit 51")
  if [[ "$size" == 10000 ]]; then # the list paths get the JIT's attention before the first size is timed
    TOKEN="$(token ngo-caseworker)"
    for q in first deep sync inbox; do
      taskset -c 1 hey -z "$((WARM / 2))s" -c 2 -H "Authorization: Bearer $TOKEN" "${URLS[$q]}" > /dev/null
    done
  fi
  for q in first deep sync inbox; do
    P50=(); P99=()
    for i in $(seq 1 "$RUNS"); do
      TOKEN="$(token ngo-caseworker)"
      read -r a b bad got < <(SECONDS_PER_RUN=$GROWTH_SECONDS fixed_rate "growth-$size-$q-$i" "$GROWTH_RATE" "${URLS[$q]}")
      [[ "$bad" != "0" ]] && log "growth $size $q: $bad requests failed"
      P50+=("$a"); P99+=("$b")
    done
    R[growth_${size}_${q}_p50]=$(median "${P50[@]}"); R[growth_${size}_${q}_p99]=$(median "${P99[@]}")
  done
  log "growth $size: first ${R[growth_${size}_first_p99]} deep ${R[growth_${size}_deep_p99]} sync ${R[growth_${size}_sync_p99]} inbox ${R[growth_${size}_inbox_p99]} ms p99"
done

fi # item 5

if want 1; then
# ---- 1. gateway against nginx --------------------------------------------------------------------
log "1. gateway vs nginx at saturation ($RUNS x ${SECONDS_PER_RUN}s each, interleaved)"
GW=(); NG=(); GS=(); NS=()
for i in $(seq 1 "$RUNS"); do
  TOKEN="$(token police-caseworker)"
  GW+=("$(saturate gateway "http://127.0.0.1:8080/api/v1/referrals/$REFERRAL_ID" "$GATEWAY_PID")")
  NG+=("$(saturate nginx "http://127.0.0.1:18080/api/v1/referrals/$REFERRAL_ID" $NGINX_WORKERS)")
  GS+=("$(saturate gateway-stub "http://127.0.0.1:18082/api/v1/referrals/$REFERRAL_ID" "$(pid_on_port 18082)")")
  NS+=("$(saturate nginx-stub "http://127.0.0.1:18091/api/v1/referrals/$REFERRAL_ID" $NGINX_WORKERS)")
done
R[gw_rps]=$(median "${GW[@]}"); R[nginx_rps]=$(median "${NG[@]}")
# where the gateway's time goes: a JFR profile of one more saturated run
jcmd "$GATEWAY_PID" JFR.start name=bench settings=profile filename="$OUT/gateway.jfr" > /dev/null 2>&1 || true
taskset -c 1 wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:8080/api/v1/referrals/$REFERRAL_ID" > /dev/null
jcmd "$GATEWAY_PID" JFR.stop name=bench > /dev/null 2>&1 || true
GATEWAY_STUB_PID=$(pid_on_port 18082)
jcmd "$GATEWAY_STUB_PID" JFR.start name=bench settings=profile filename="$OUT/gateway-stub.jfr" > /dev/null 2>&1 || true
taskset -c 1 wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:18082/api/v1/referrals/$REFERRAL_ID" > /dev/null
jcmd "$GATEWAY_STUB_PID" JFR.stop name=bench > /dev/null 2>&1 || true
for f in gateway gateway-stub; do
  [[ -f "$OUT/$f.jfr" ]] && python3 bench/jfr_top.py "$OUT/$f.jfr" 16 15 > "$OUT/$f-top-stacks.txt" 2>&1 || true
done
R[gw_stub_rps]=$(median "${GS[@]}"); R[nginx_stub_rps]=$(median "${NS[@]}")
R[gw_cpu_us]=$(median $(cat "$OUT/cpu-gateway")); R[nginx_cpu_us]=$(median $(cat "$OUT/cpu-nginx"))
R[gw_stub_cpu_us]=$(median $(cat "$OUT/cpu-gateway-stub")); R[nginx_stub_cpu_us]=$(median $(cat "$OUT/cpu-nginx-stub"))

RATE=$((QUICK ? 100 : 200))
log "1b. added latency at a fixed $RATE requests/s"
D50=(); D99=(); G50=(); G99=(); N50=(); N99=()
for i in $(seq 1 "$RUNS"); do
  TOKEN="$(token police-caseworker)"
  read -r a b _ < <(fixed_rate direct-$i "$RATE" "http://127.0.0.1:8081/api/v1/referrals/$REFERRAL_ID"); D50+=("$a"); D99+=("$b")
  read -r a b _ < <(fixed_rate gateway-$i "$RATE" "http://127.0.0.1:8080/api/v1/referrals/$REFERRAL_ID"); G50+=("$a"); G99+=("$b")
  read -r a b _ < <(fixed_rate nginx-$i "$RATE" "http://127.0.0.1:18080/api/v1/referrals/$REFERRAL_ID"); N50+=("$a"); N99+=("$b")
done
R[direct_p50]=$(median "${D50[@]}"); R[direct_p99]=$(median "${D99[@]}")
R[gw_p50]=$(median "${G50[@]}"); R[gw_p99]=$(median "${G99[@]}")
R[nginx_p50]=$(median "${N50[@]}"); R[nginx_p99]=$(median "${N99[@]}")

fi # item 1

if want 2; then
# ---- 2. read path against the baseline ----------------------------------------------------------
log "2. read path: referral-service against the baseline routes (plain read; read audited in the same transaction)"
RS=(); BL=(); BA=()
for i in $(seq 1 "$RUNS"); do
  TOKEN="$(token police-caseworker)"
  RS+=("$(saturate referral "http://127.0.0.1:8081/api/v1/referrals/$REFERRAL_ID" "$REFERRAL_PID")")
  BL+=("$(saturate baseline "http://127.0.0.1:18081/referrals/$REFERRAL_ID" "$(pid_on_port 18081)")")
  BA+=("$(saturate baseline-audited "http://127.0.0.1:18081/audited/referrals/$REFERRAL_ID" "$(pid_on_port 18081)")")
done
R[read_rps]=$(median "${RS[@]}"); R[baseline_read_rps]=$(median "${BL[@]}"); R[baseline_audited_read_rps]=$(median "${BA[@]}")
# where the referral-service's time goes on that read: a JFR profile of one more saturated run
jcmd "$REFERRAL_PID" JFR.start name=bench settings=profile filename="$OUT/referral-service.jfr" > /dev/null 2>&1 || true
taskset -c 1 wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:8081/api/v1/referrals/$REFERRAL_ID" > /dev/null
jcmd "$REFERRAL_PID" JFR.stop name=bench > /dev/null 2>&1 || true
[[ -f "$OUT/referral-service.jfr" ]] && python3 bench/jfr_top.py "$OUT/referral-service.jfr" 16 15 \
  > "$OUT/referral-service-top-stacks.txt" 2>&1 || true

fi # item 2

if want 3; then
# ---- 3. write path: rising fixed rates until p99 > 100 ms ---------------------------------------
log "3. write path: POST /api/v1/referrals through the gateway at rising rates"
held=0; held_base=0
for rate in 20 40 80 120 160 240 320 480 640; do
  TOKEN="$(token police-caseworker)"
  read -r p50 p99 bad got < <(fixed_rate write-$rate "$rate" "http://127.0.0.1:8080/api/v1/referrals" POST "$OUT/referral.json")
  echo "gateway POST at $rate/s (achieved $got/s): p50 ${p50} ms, p99 ${p99} ms, non-2xx $bad" >> "$OUT/write.txt"
  if [[ "$p99" == "nan" || "$bad" != "0" ]] || python3 -c "import sys; sys.exit(0 if float('$p99') > 100 or $got < 0.9 * $rate else 1)"; then break; fi
  held=$rate
done
for rate in 20 40 80 120 160 240 320 480 640 960 1280 1920 2560 3840 5120 7680; do
  read -r p50 p99 bad got < <(fixed_rate baseline-write-$rate "$rate" "http://127.0.0.1:18081/referrals" POST "$OUT/referral.json")
  echo "baseline insert at $rate/s (achieved $got/s): p50 ${p50} ms, p99 ${p99} ms, non-2xx $bad" >> "$OUT/write.txt"
  if [[ "$p99" == "nan" || "$bad" != "0" ]] || python3 -c "import sys; sys.exit(0 if float('$p99') > 100 or $got < 0.9 * $rate else 1)"; then break; fi
  held_base=$rate
done
R[write_held]=$held; R[baseline_write_held]=$held_base

fi # item 3

if want 4; then
# ---- 4. event propagation ----------------------------------------------------------------------
log "4. event propagation at 50 referrals/s, then at 200 referrals/s"
pidfile() { cat "$RELAIS_STATE_DIR/pids/$1.pid" 2>/dev/null || true; }
# CPU per process during the runs: the four services, the PostgreSQL server (its postmaster, whose backends
# are counted with it) and the Kafka broker (the launcher execs its java, so its pid file is the broker)
PG_PID=$(head -1 "$RELAIS_STATE_DIR/postgres/data/postmaster.pid" 2>/dev/null || pgrep -o -x postgres || true)
KAFKA_PID=$(pidfile kafka); [[ -n "$KAFKA_PID" ]] || KAFKA_PID=$(pgrep -o -f kafka.Kafka || true)
PROP_PIDS="gateway=$(pidfile gateway),referral-service=$(pidfile referral-service),notification-service=$(pidfile notification-service)"
PROP_PIDS="$PROP_PIDS,case-service=$(pidfile case-service),postgres=$PG_PID,kafka=$KAFKA_PID"
NOTIFICATION_PID=$(pidfile notification-service)
# where the notification-service's time goes at 50/s: a JFR profile of the whole run
jcmd "$NOTIFICATION_PID" JFR.start name=prop settings=profile filename="$OUT/notification-service.jfr" > /dev/null 2>&1 || true
read -r PROP_FROM PROP_TO < <(propagation 50 "$OUT")
jcmd "$NOTIFICATION_PID" JFR.stop name=prop > /dev/null 2>&1 || true
# where the time went, from the timestamps the services stored
python3 bench/stages.py "$PROP_FROM" "$PROP_TO" > "$OUT/stages.txt" 2>&1 || log "stage breakdown failed; see $OUT/stages.txt"
# where the notification-service's time went: its most frequent methods and whole stacks (bench/jfr_top.py)
[[ -f "$OUT/notification-service.jfr" ]] && python3 bench/jfr_top.py "$OUT/notification-service.jfr" 12 15 \
  > "$OUT/notification-service-top-stacks.txt" 2>&1 || true
java -cp "deploy/local/target/lib/*" bench/tools/KafkaLatency.java 127.0.0.1:9092 50 "$PROP_SECONDS" \
  > "$OUT/kafka-latency.txt" 2>&1 || log "raw Kafka latency failed; see $OUT/kafka-latency.txt"
# four times the rate, the same length: does anything queue up or get lost
read -r PROP_FROM PROP_TO < <(propagation 200 "$OUT/prop200")
python3 bench/stages.py "$PROP_FROM" "$PROP_TO" > "$OUT/prop200/stages.txt" 2>&1 || log "stage breakdown at 200/s failed; see $OUT/prop200/stages.txt"

fi # item 4

if want 7; then
# ---- 7. scale-out: two instances of each service behind the gateway ------------------------------
# A second referral-, case- and notification-service (deploy/local/ctl.sh replica, ports 8091-8093, management
# ports 8191-8193) and the gateway restarted with both instances of each in its RELAIS_*_URL lists. Measured: the
# read at saturation with the share each referral-service instance served (from its own request counter), and
# propagation at 50/s as item 4 measures it. On this machine's two cores the instances share the cores, so this
# is a correctness and overhead figure (reads answered, nothing lost, the cost of the extra processes), not a
# speed-up.
log "7. scale-out: a second instance of each service, the gateway in front of both"
SCALE_OK=1
for sp in referral-service:8091 case-service:8092 notification-service:8093; do
  deploy/local/ctl.sh replica "${sp%%:*}" "${sp##*:}" >> "$OUT/scale-launch.txt" 2>&1 \
    || { log "the second ${sp%%:*} did not start; see $OUT/scale-launch.txt"; SCALE_OK=0; break; }
done
if [[ "$SCALE_OK" == 1 ]]; then
  cp "$RELAIS_STATE_DIR/cmd/gateway.sh" "$OUT/gateway-single.sh"
  deploy/local/ctl.sh stop gateway >> "$OUT/scale-launch.txt" 2>&1
  sed -i -E -e "s#(RELAIS_REFERRAL_URL=http://127\.0\.0\.1:8081)( |$)#\1,http://127.0.0.1:8091\2#" \
            -e "s#(RELAIS_CASE_URL=http://127\.0\.0\.1:8082)( |$)#\1,http://127.0.0.1:8092\2#" \
            -e "s#(RELAIS_NOTIFICATION_URL=http://127\.0\.0\.1:8083)( |$)#\1,http://127.0.0.1:8093\2#" \
            "$RELAIS_STATE_DIR/cmd/gateway.sh"
  cp "$RELAIS_STATE_DIR/cmd/gateway.sh" "$OUT/gateway-scale.sh"
  if ! deploy/local/ctl.sh start gateway >> "$OUT/scale-launch.txt" 2>&1; then
    log "the gateway did not start with two instances of each service; back to one (see $OUT/scale-launch.txt)"
    cp "$OUT/gateway-single.sh" "$RELAIS_STATE_DIR/cmd/gateway.sh"
    deploy/local/ctl.sh start gateway >> "$OUT/scale-launch.txt" 2>&1 || log "the gateway did not start again"
    SCALE_OK=0
  fi
  GATEWAY_PID=$(cat "$RELAIS_STATE_DIR/pids/gateway.pid" 2>/dev/null || pid_on_port 8080)
fi
if [[ "$SCALE_OK" == 1 ]]; then
  spid() { cat "$RELAIS_STATE_DIR/pids/$1.pid" 2>/dev/null || true; }
  # GET /api/v1/referrals/{id} requests an instance has answered so far (its http_server_requests counter, any status)
  route_count() { # management-port
    local metrics
    metrics=$(curl -fs "http://127.0.0.1:$1/q/metrics") || { echo nan; return; }
    python3 -c '
import sys
print(round(sum(float(l.rsplit(" ", 1)[1]) for l in sys.stdin.read().splitlines()
                if l.startswith("http_server_requests_seconds_count{") and "method=\"GET\"" in l
                and "uri=\"/api/v1/referrals/{id}\"" in l)))' <<< "$metrics"
  }
  served() { # count-before count-after -> the difference, or nan when either could not be read
    python3 -c "import math,sys; a, b = map(float, sys.argv[1:]); print('nan' if math.isnan(a - b) else round(b - a))" "$1" "$2"
  }
  # the second instances and the restarted gateway have not run yet: the JIT's turn first
  TOKEN="$(token police-caseworker)"
  taskset -c 1 wrk -t1 -c16 -d"${WARM}s" -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:8080/api/v1/referrals/$REFERRAL_ID" > /dev/null
  log "7a. read through the gateway at saturation, two referral-service instances ($RUNS x ${SECONDS_PER_RUN}s)"
  SR=()
  C1=$(route_count 9081); C2=$(route_count 8191)
  for i in $(seq 1 "$RUNS"); do
    TOKEN="$(token police-caseworker)"
    SR+=("$(saturate scale-read "http://127.0.0.1:8080/api/v1/referrals/$REFERRAL_ID" \
      "$GATEWAY_PID" "$(spid referral-service)" "$(spid referral-service-2)")")
  done
  R[scale_read_rps]=$(median "${SR[@]}")
  R[scale_read_cpu_us]=$(median $(cat "$OUT/cpu-scale-read"))
  R[scale_read_instance1]=$(served "$C1" "$(route_count 9081)")
  R[scale_read_instance2]=$(served "$C2" "$(route_count 8191)")
  log "scale-out read ${R[scale_read_rps]} req/s; instance 1 served ${R[scale_read_instance1]}, instance 2 ${R[scale_read_instance2]}"
  PG_PID=${PG_PID:-$(head -1 "$RELAIS_STATE_DIR/postgres/data/postmaster.pid" 2>/dev/null || pgrep -o -x postgres || true)}
  KAFKA_PID=${KAFKA_PID:-$(spid kafka)}
  PROP_PIDS="gateway=$GATEWAY_PID"
  for s in referral-service case-service notification-service; do
    PROP_PIDS="$PROP_PIDS,$s=$(spid "$s"),$s-2=$(spid "$s-2")"
  done
  PROP_PIDS="$PROP_PIDS,postgres=$PG_PID,kafka=$KAFKA_PID"
  log "7b. propagation at 50 referrals/s, two instances of each service"
  read -r PROP_FROM PROP_TO < <(propagation 50 "$OUT/scale")
  python3 bench/stages.py "$PROP_FROM" "$PROP_TO" > "$OUT/scale/stages.txt" 2>&1 || log "stage breakdown of item 7 failed; see $OUT/scale/stages.txt"
fi

fi # item 7

# ---- 6. footprint -------------------------------------------------------------------------------
log "6. footprint"
{
  for s in referral-service case-service notification-service gateway; do
    pid=$(cat "$RELAIS_STATE_DIR/pids/$s.pid")
    started=$(grep -ho "started in [0-9.]*s" "$RELAIS_STATE_DIR/logs/$s.log" | tail -1 | grep -o "[0-9.]*")
    echo "$s started_s=$started rss_after_load_mb=$(rss_mb "$pid") rss_idle_mb=${IDLE_RSS[$s]}"
  done
} > "$OUT/footprint.txt" 2>&1 || true

# ---- GC pauses of each service over the whole run ------------------------------------------------
python3 - "$OUT" "$RELAIS_STATE_DIR/pids" > "$OUT/gc-pauses.txt" 2>&1 <<'EOF2' || true
import glob, os, re, sys
out, pids = sys.argv[1], sys.argv[2]
names = {}
for f in glob.glob(os.path.join(pids, "*.pid")):
    names[open(f).read().strip()] = os.path.basename(f)[:-4]
print("service: GC pauses over the whole run (count, total ms, longest ms, pauses over 20 ms)")
for f in sorted(glob.glob(os.path.join(out, "gc-*.log"))):
    pid = re.sub(r"\D", "", os.path.basename(f))
    pauses = [float(m.group(1)) for m in (re.search(r"Pause.* ([0-9.]+)ms$", l.strip()) for l in open(f)) if m]
    if pauses:
        print(f"{names.get(pid, 'pid ' + pid)}: {len(pauses)}, {sum(pauses):.0f}, {max(pauses):.1f}, {sum(p > 20 for p in pauses)}")
EOF2

# ---- results -------------------------------------------------------------------------------------
{
  echo "date=$STAMP"; echo "machine=nproc $(nproc), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
  echo "command=bench/run.sh $ARGS"; echo "runs=$RUNS"; echo "seconds_per_run=$SECONDS_PER_RUN"; echo "launcher_ready_s=$LAUNCH_READY"
  echo "storage=$STORAGE"; echo "pg_settings=$PG_SETTINGS"
  for k in "${!R[@]}"; do echo "$k=${R[$k]}"; done | sort
} > "$OUT/results.txt"
python3 bench/report.py "$OUT" > "$OUT/results.md"
cat "$OUT/results.md"
log "results in $OUT"
