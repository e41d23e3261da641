package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.blocks.outbox.OutboxConfig;
import org.relais.blocks.outbox.OutboxRelay;
import org.relais.blocks.outbox.RelayTestAccess;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TopicReader;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class OutboxRelayIT {

    @Inject
    OutboxRelay relay;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    RelaisKafka kafka;

    @Inject
    OutboxConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    org.relais.blocks.outbox.Outbox outbox;

    @Inject
    io.micrometer.core.instrument.MeterRegistry metrics;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    private OutboxRelay second;

    @AfterEach
    void cleanUp() throws Exception {
        EmbeddedInfra.kafkaProxy().restore();
        RelayTestAccess.setAfterSendHook(relay, () -> {});
        relay.start();
        if (second != null) {
            second.stop();
        }
    }

    private static String write(String aggregate, int position, boolean fail) {
        return given().post("/test/notes/" + aggregate + "/" + position + (fail ? "?fail=true" : ""))
                .then()
                .statusCode(fail ? 500 : 200)
                .extract()
                .path("eventId");
    }

    private List<ConsumerRecord<String, String>> recordsOf(String aggregatePrefix, int expectedDistinct) {
        return TopicReader.read(
                Topics.REFERRALS,
                r -> r.key() != null && r.key().startsWith(aggregatePrefix),
                rs -> distinctIds(rs).size() >= expectedDistinct,
                Duration.ofSeconds(60));
    }

    private Set<String> distinctIds(List<ConsumerRecord<String, String>> records) {
        Set<String> ids = new LinkedHashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            ids.add(eventId(r));
        }
        return ids;
    }

    private String eventId(ConsumerRecord<String, String> r) {
        try {
            return mapper.readTree(r.value()).get("id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A row the broker refuses for good (here one larger than any record the producer may send, written
     * behind the outbox's own size check as a row from an older version or a broker with a lower limit
     * would be) is set aside, and the rows behind it go out; the outbox itself refuses to write an event
     * over its limit.
     */
    @Test
    void aRowTheBrokerRefusesForGoodIsSetAsideAndTheRowsBehindItGoOut() throws Exception {
        String agg = "poison-" + UUID.randomUUID();
        UUID poisonId = UUID.randomUUID();
        String huge = "{\"specversion\":\"1.0\",\"id\":\"" + poisonId
                + "\",\"type\":\"relais.test.note\",\"data\":{\"pad\":\"" + "x".repeat(1_600_000) + "\"}}";
        try (var c = dataSource.getConnection();
                var ps = c.prepareStatement("insert into relais_outbox (event_id, topic, aggregate_id, "
                        + "event_type, payload) values (?, ?, ?, 'relais.test.note', cast(? as jsonb))")) {
            ps.setObject(1, poisonId);
            ps.setString(2, Topics.REFERRALS);
            ps.setString(3, agg);
            ps.setString(4, huge);
            ps.executeUpdate();
        }
        String behind = write(agg, 1, false);
        List<ConsumerRecord<String, String>> records = recordsOf(agg, 1);
        assertEquals(List.of(behind), records.stream().map(this::eventId).toList());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> BlocksTestSupport.count(
                                dataSource,
                                "select count(*) from relais_outbox_parked where event_id = '" + poisonId
                                        + "' and error like '%RecordTooLargeException'")
                        == 1);
        assertEquals(
                0,
                BlocksTestSupport.count(
                        dataSource, "select count(*) from relais_outbox where event_id = '" + poisonId + "'"));
        assertTrue(metrics.counter("relais.outbox.parked").count() >= 1);

        CloudEvent tooBig = CloudEvent.of(
                "/test",
                "relais.test.note",
                agg,
                "agency",
                mapper.createObjectNode().put("pad", "y".repeat(config.maxEventBytes())));
        Throwable refused = org.junit.jupiter.api.Assertions.assertThrows(
                Throwable.class,
                () -> VertxContextSupport.subscribeAndAwait(() ->
                        Panache.withTransaction(() -> outbox.append(Topics.REFERRALS, tooBig, "tester", List.of()))));
        assertTrue(
                refused instanceof org.relais.blocks.problem.ProblemException p && p.problem().status == 413,
                refused.toString());
    }

    @Test
    void aCommittedEventIsPublishedOnceAndARolledBackOneNever() {
        String agg = "once-" + UUID.randomUUID();
        String committed = write(agg, 1, false);
        write(agg, 2, true); // rolled back: its note and its event
        String later = write(agg, 3, false);
        List<ConsumerRecord<String, String>> records = recordsOf(agg, 2);
        List<String> ids = records.stream().map(this::eventId).toList();
        assertEquals(List.of(committed, later), ids, "exactly the committed events, once each, in commit order");
        JsonNode event = readValue(records.get(0));
        assertEquals("1.0", event.get("specversion").asText());
        assertEquals(agg, records.get(0).key());
        assertEquals(
                "application/cloudevents+json; charset=UTF-8",
                new String(records.get(0).headers().lastHeader("content-type").value()));
        assertEquals(
                0,
                BlocksTestSupport.count(
                        dataSource,
                        "select count(*) from test_notes where aggregate_id = '" + agg + "' and position = 2"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> BlocksTestSupport.count(
                                dataSource,
                                "select count(*) from relais_outbox where aggregate_id = '" + agg
                                        + "' and published_at is null")
                        == 0);
    }

    @Test
    void eventsWrittenWhileKafkaIsCutArePublishedWhenItComesBack() {
        String agg = "cut-" + UUID.randomUUID();
        EmbeddedInfra.kafkaProxy().cut();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            written.add(write(agg, i, false)); // writes are accepted while Kafka is away
        }
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> BlocksTestSupport.count(
                                dataSource,
                                "select count(*) from relais_outbox where aggregate_id = '" + agg
                                        + "' and published_at is null")
                        == 5);
        given().port(org.relais.testkit.Management.port())
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("relais_outbox_pending"));
        try {
            EmbeddedInfra.kafkaProxy().restore();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        List<ConsumerRecord<String, String>> records = recordsOf(agg, 5);
        assertEquals(written, new ArrayList<>(distinctIds(records)));
    }

    @Test
    void twoRelaysKeepEachAggregatesCommitOrderAcrossAFailover() throws Exception {
        second = new OutboxRelay(dataSource, kafka, config, new SimpleMeterRegistry(), jdbcUrl, "postgres", "postgres");
        second.start();
        String run = "order-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        int aggregates = 50;
        int perAggregate = 20;
        Map<String, List<String>> committed = new HashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicBoolean failedOver = new AtomicBoolean();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int a = 0; a < aggregates; a++) {
                String agg = run + a;
                List<String> ids = new ArrayList<>();
                committed.put(agg, ids);
                futures.add(pool.submit(() -> {
                    for (int p = 0; p < perAggregate; p++) {
                        ids.add(write(agg, p, false));
                        if (p == perAggregate / 2 && failedOver.compareAndSet(false, true)) {
                            relay.stop(); // the active relay goes away mid-stream; the standby takes over
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        await().atMost(Duration.ofSeconds(30)).until(second::isLeader);
        List<ConsumerRecord<String, String>> records = recordsOf(run, aggregates * perAggregate);
        Map<String, List<String>> onTopic = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            String id = eventId(r);
            if (seen.add(id)) { // a consumer de-duplicates by id
                onTopic.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(id);
            }
        }
        assertEquals(aggregates * perAggregate, seen.size());
        for (Map.Entry<String, List<String>> e : committed.entrySet()) {
            assertEquals(e.getValue(), onTopic.get(e.getKey()), "order of " + e.getKey());
        }
    }

    @Test
    void aRelayFailingBetweenSendAndMarkRepublishesAndTheConsumerAppliesOnce() {
        String agg = "crash-" + UUID.randomUUID();
        AtomicBoolean crashed = new AtomicBoolean();
        RelayTestAccess.setAfterSendHook(relay, () -> {
            if (crashed.compareAndSet(false, true)) {
                throw new IllegalStateException("relay dies after the broker acknowledged");
            }
        });
        String eventId = write(agg, 1, false);
        List<ConsumerRecord<String, String>> records = TopicReader.read(
                Topics.REFERRALS, r -> agg.equals(r.key()), rs -> rs.size() >= 2, Duration.ofSeconds(30));
        assertTrue(crashed.get());
        assertEquals(
                List.of(eventId, eventId),
                records.stream().map(this::eventId).toList(),
                "sent, not marked, sent again");
        for (ConsumerRecord<String, String> r : records) {
            given().post("/plumbing/inbox/crash-consumer/" + eventId(r)).then().statusCode(200);
        }
        assertEquals(
                1,
                BlocksTestSupport.count(
                        dataSource, "select count(*) from test_effects where event_id = '" + eventId + "'"));
    }

    private JsonNode readValue(ConsumerRecord<String, String> r) {
        try {
            return mapper.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
