#!/usr/bin/env bash
export QUARKUS_PROFILE=prod,demo
export RELAIS_HTTP_HOST=127.0.0.1 RELAIS_DB_NAME=gateway RELAIS_PG_PORT=15432
export RELAIS_KAFKA_BOOTSTRAP=127.0.0.1:9092 RELAIS_OIDC_URL=http://127.0.0.1:8180/realms/relais
export RELAIS_KEYCLOAK_URL=http://127.0.0.1:8180
export RELAIS_SMTP_HOST=127.0.0.1 RELAIS_SMTP_PORT=2525
export RELAIS_REFERRAL_URL=http://127.0.0.1:8081 RELAIS_CASE_URL=http://127.0.0.1:8082
export RELAIS_NOTIFICATION_URL=http://127.0.0.1:8083 RELAIS_GATEWAY_URL=http://127.0.0.1:8080
exec java -Xmx384m -XX:+UseSerialGC -Xlog:gc:file=/work/main/bench/results/20261130T070749Z/gc-%p.log:uptime,tags -Dquarkus.http.port=8080 -Dquarkus.management.port=9080  -jar '/work/main/gateway/target/quarkus-app/quarkus-run.jar'
