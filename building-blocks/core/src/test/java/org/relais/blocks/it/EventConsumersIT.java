package org.relais.blocks.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.inbox.DeadLetterReplay;
import org.relais.blocks.inbox.EventConsumers;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TopicReader;

/**
 * A consumer that has fallen behind applies what one poll brought in one transaction; the effects are
 * those of applying the events one by one: each once, a redelivered one once, and a poison event among
 * them costs only itself (the batch gives way to one-by-one, and the poison goes to the dead-letter topic).
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class EventConsumersIT {

    @Inject
    EventConsumers consumers;

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry metrics;

    @Inject
    AgroalDataSource dataSource;

    private long effects(String eventId) {
        return BlocksTestSupport.count(
                dataSource, "select count(*) from test_effects where event_id = '" + eventId + "'");
    }

    @Test
    void aBacklogIsAppliedInBatchesWithTheEffectsOfOneByOne() throws Exception {
        String topic = "batch-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedInfra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(topic + ".dlt", 1, (short) 1)))
                    .all()
                    .get();
        }
        // a backlog on the topic before the consumer starts, so its first poll brings many events at once
        List<CloudEvent> backlog = events(20, -1);
        publish(topic, backlog, backlog.get(3)); // the fourth one redelivered
        String consumer = "batch-" + topic;
        consumers.start(consumer, List.of(topic), Set.of("relais.test.happened"), event -> {
            if (event.dataObject().path("poison").asBoolean()) {
                return Uni.createFrom().failure(new IllegalStateException("this event cannot be applied"));
            }
            return Panache.getSession()
                    .chain(s -> s.createNativeQuery("insert into test_effects (event_id) values (?1)")
                            .setParameter(1, event.uuid())
                            .executeUpdate());
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> backlog.stream().allMatch(e -> effects(e.id()) >= 1));
        for (CloudEvent e : backlog) {
            assertEquals(1, effects(e.id()), "effects of " + e.subject());
        }
        assertTrue(
                metrics.counter("relais.consumer.batched", "consumer", consumer).count() > 0,
                "the backlog was applied in batches");

        // a poison event among others: it alone is refused and dead-lettered, the others take effect once
        List<CloudEvent> more = events(20, 7);
        CloudEvent poison = more.get(7);
        publish(topic, more, null);
        var dead = TopicReader.read(topic + ".dlt", r -> true, l -> !l.isEmpty(), Duration.ofSeconds(60));
        assertEquals(poison.id(), mapper.readTree(dead.get(0).value()).get("id").asText());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> more.stream().filter(e -> e != poison).allMatch(e -> effects(e.id()) >= 1));
        for (CloudEvent e : more) {
            assertEquals(e == poison ? 0 : 1, effects(e.id()), "effects of " + e.subject());
        }
    }

    /**
     * The database goes away for longer than any fixed retry budget (16 s; the consumer used to give up
     * after ~11 s and dead-letter the event, losing its effect): the event waits, nothing behind it
     * overtakes it, and once the database is back every effect happens once, in order, none dead-lettered.
     * Then an event that can never apply is dead-lettered, and the replay command puts it back after a fix.
     */
    @Test
    void aTransientFaultIsRetriedAsLongAsItLastsInOrderAndADeadLetterCanBeReplayed() throws Exception {
        String topic = "fault-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedInfra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(topic + ".dlt", 1, (short) 1)))
                    .all()
                    .get();
        }
        AtomicBoolean databaseAway = new AtomicBoolean(true);
        AtomicBoolean fixed = new AtomicBoolean(false);
        String consumer = "fault-" + topic;
        consumers.start(consumer, List.of(topic), Set.of("relais.test.happened"), event -> {
            if (databaseAway.get()) {
                return Uni.createFrom()
                        .failure(new org.hibernate.HibernateException(
                                "could not execute statement",
                                new PgException(
                                        "terminating connection due to administrator command",
                                        "FATAL",
                                        "57P01",
                                        null)));
            }
            if (event.dataObject().path("poison").asBoolean() && !fixed.get()) {
                return Uni.createFrom().failure(new IllegalStateException("this event cannot be applied"));
            }
            return Panache.getSession()
                    .chain(s -> s.createNativeQuery("insert into test_effects (event_id) values (?1)")
                            .setParameter(1, event.uuid())
                            .executeUpdate());
        });
        String key = "agg-" + UUID.randomUUID();
        List<CloudEvent> inOrder = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inOrder.add(CloudEvent.of(
                    "/test",
                    "relais.test.happened",
                    key,
                    "agency",
                    mapper.createObjectNode().put("n", i)));
        }
        inOrder.addAll(events(2, -1)); // other keys, behind them on the partition
        publish(topic, inOrder.subList(0, 1), null);
        long faultStarted = System.currentTimeMillis();
        publish(topic, inOrder.subList(1, inOrder.size()), null);
        await().pollDelay(Duration.ofSeconds(16)).atMost(Duration.ofSeconds(20)).until(() -> true);
        for (CloudEvent e : inOrder) {
            assertEquals(0, effects(e.id()), "nothing applied while the database is away");
        }
        assertTrue(
                metrics.counter("relais.consumer.transient.retries", "consumer", consumer)
                                .count()
                        >= 6,
                "retried through the fault (more attempts than the old budget of five)");
        databaseAway.set(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> inOrder.stream().allMatch(e -> effects(e.id()) >= 1));
        assertTrue(System.currentTimeMillis() - faultStarted >= 16_000);
        List<String> applied = new ArrayList<>();
        try (var c = dataSource.getConnection();
                var st = c.createStatement();
                var rs = st.executeQuery("select event_id from test_effects order by id")) {
            while (rs.next()) {
                applied.add(rs.getString(1));
            }
        }
        List<String> expected = inOrder.stream().map(CloudEvent::id).toList();
        assertEquals(
                expected, applied.stream().filter(expected::contains).toList(), "applied once each, in topic order");

        // an event that can never apply goes to the dead-letter topic alone; after the fix, the replay applies it once
        CloudEvent poison = events(1, 0).get(0);
        CloudEvent after = events(1, -1).get(0);
        publish(topic, List.of(poison, after), null);
        var dead = TopicReader.read(topic + ".dlt", r -> true, l -> !l.isEmpty(), Duration.ofSeconds(60));
        assertEquals(1, dead.size(), "only the poison event is dead-lettered, not the ones the fault held up");
        assertEquals(poison.id(), mapper.readTree(dead.get(0).value()).get("id").asText());
        await().atMost(Duration.ofSeconds(30)).until(() -> effects(after.id()) == 1);
        assertEquals(0, effects(poison.id()));
        fixed.set(true);
        DeadLetterReplay.Result replayed = DeadLetterReplay.replay(
                EmbeddedInfra.kafkaBootstrapServers(), topic + ".dlt", consumer, false, Duration.ofSeconds(3));
        assertEquals(1, replayed.replayed());
        await().atMost(Duration.ofSeconds(30)).until(() -> effects(poison.id()) == 1);
        // a replay of one consumer commits nothing (the others' dead letters stay): run again, it replays the same
        // event, which the consumer's inbox applies once; a replay of every consumer commits, and a second finds
        // nothing
        assertEquals(
                1,
                DeadLetterReplay.replay(
                                EmbeddedInfra.kafkaBootstrapServers(),
                                topic + ".dlt",
                                consumer,
                                false,
                                Duration.ofSeconds(2))
                        .replayed());
        assertEquals(
                1,
                DeadLetterReplay.replay(
                                EmbeddedInfra.kafkaBootstrapServers(),
                                topic + ".dlt",
                                null,
                                false,
                                Duration.ofSeconds(2))
                        .replayed());
        assertEquals(
                0,
                DeadLetterReplay.replay(
                                EmbeddedInfra.kafkaBootstrapServers(),
                                topic + ".dlt",
                                null,
                                false,
                                Duration.ofSeconds(2))
                        .replayed(),
                "a second replay finds nothing new");
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertEquals(1, effects(poison.id()), "replayed three times, applied once");
        assertEquals(1, effects(after.id()));
    }

    private List<CloudEvent> events(int n, int poisonAt) {
        List<CloudEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(CloudEvent.of(
                    "/test",
                    "relais.test.happened",
                    "agg-" + UUID.randomUUID(),
                    "agency",
                    mapper.createObjectNode().put("poison", i == poisonAt)));
        }
        return out;
    }

    private void publish(String topic, List<CloudEvent> events, CloudEvent again) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName(),
                "linger.ms",
                "50"))) {
            for (CloudEvent e : events) {
                p.send(new ProducerRecord<>(topic, e.subject(), e.toJson(mapper)));
            }
            if (again != null) {
                p.send(new ProducerRecord<>(topic, again.subject(), again.toJson(mapper)));
            }
            p.flush();
        }
    }
}
