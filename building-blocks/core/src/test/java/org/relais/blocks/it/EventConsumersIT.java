package org.relais.blocks.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.inbox.EventConsumers;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TopicReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        return BlocksTestSupport.count(dataSource, "select count(*) from test_effects where event_id = '" + eventId + "'");
    }

    @Test
    void aBacklogIsAppliedInBatchesWithTheEffectsOfOneByOne() throws Exception {
        String topic = "batch-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedInfra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(topic + ".dlt", 1, (short) 1))).all().get();
        }
        // a backlog on the topic before the consumer starts, so its first poll brings many events at once
        List<CloudEvent> backlog = events(20, -1);
        publish(topic, backlog, backlog.get(3)); // the fourth one redelivered
        String consumer = "batch-" + topic;
        consumers.start(consumer, List.of(topic), Set.of("relais.test.happened"), event -> {
            if (event.dataObject().path("poison").asBoolean()) {
                return Uni.createFrom().failure(new IllegalStateException("this event cannot be applied"));
            }
            return Panache.getSession().chain(s -> s.createNativeQuery("insert into test_effects (event_id) values (?1)")
                    .setParameter(1, event.uuid()).executeUpdate());
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> backlog.stream().allMatch(e -> effects(e.id()) >= 1));
        for (CloudEvent e : backlog) {
            assertEquals(1, effects(e.id()), "effects of " + e.subject());
        }
        assertTrue(metrics.counter("relais.consumer.batched", "consumer", consumer).count() > 0,
                "the backlog was applied in batches");

        // a poison event among others: it alone is refused and dead-lettered, the others take effect once
        List<CloudEvent> more = events(20, 7);
        CloudEvent poison = more.get(7);
        publish(topic, more, null);
        var dead = TopicReader.read(topic + ".dlt", r -> true, l -> !l.isEmpty(), Duration.ofSeconds(60));
        assertEquals(poison.id(), mapper.readTree(dead.get(0).value()).get("id").asText());
        await().atMost(Duration.ofSeconds(30)).until(() -> more.stream().filter(e -> e != poison)
                .allMatch(e -> effects(e.id()) >= 1));
        for (CloudEvent e : more) {
            assertEquals(e == poison ? 0 : 1, effects(e.id()), "effects of " + e.subject());
        }
    }

    private List<CloudEvent> events(int n, int poisonAt) {
        List<CloudEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(CloudEvent.of("/test", "relais.test.happened", "agg-" + UUID.randomUUID(), "agency",
                    mapper.createObjectNode().put("poison", i == poisonAt)));
        }
        return out;
    }

    private void publish(String topic, List<CloudEvent> events, CloudEvent again) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName(),
                "linger.ms", "50"))) {
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
