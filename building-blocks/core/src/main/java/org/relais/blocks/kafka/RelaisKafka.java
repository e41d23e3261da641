package org.relais.blocks.kafka;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.relais.blocks.events.Topics;

/**
 * The platform's Kafka clients: one idempotent producer (acks=all, so per-partition order holds
 * across retries) shared by the outbox relay and the audit anchors, consumers on demand, and the
 * creation of the topics with their settings ({@code relais.agencies} compacted).
 */
@ApplicationScoped
public class RelaisKafka {

    private final KafkaConfig config;
    private volatile KafkaProducer<String, String> producer;

    public RelaisKafka(KafkaConfig config) {
        this.config = config;
    }

    public KafkaProducer<String, String> producer() {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    Properties p = new Properties();
                    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
                    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
                    p.put(ProducerConfig.ACKS_CONFIG, "all");
                    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
                    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
                    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int)
                            config.deliveryTimeout().toMillis());
                    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int)
                            config.requestTimeout().toMillis());
                    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int)
                            config.requestTimeout().toMillis());
                    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    producer = new KafkaProducer<>(p);
                }
            }
        }
        return producer;
    }

    /** A consumer without a group: callers assign partitions themselves. */
    public KafkaConsumer<String, String> consumer(String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Creates the platform's topics that do not exist yet; safe to call from every instance. */
    public void ensureTopics() throws InterruptedException, ExecutionException, TimeoutException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int)
                config.requestTimeout().toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int)
                config.requestTimeout().toMillis());
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of(Topics.REFERRALS, Topics.CASES, Topics.NOTIFICATIONS)) {
                topics.add(new NewTopic(t, config.partitions(), config.replicationFactor()));
                // where consumers park the events they cannot apply
                topics.add(new NewTopic(t + ".dlt", 1, config.replicationFactor()));
            }
            topics.add(new NewTopic(Topics.AGENCIES + ".dlt", 1, config.replicationFactor()));
            topics.add(new NewTopic(Topics.AGENCIES, config.partitions(), config.replicationFactor())
                    .configs(Map.of("cleanup.policy", "compact")));
            topics.add(new NewTopic(Topics.AUDIT_ANCHORS, 1, config.replicationFactor())
                    .configs(Map.of("cleanup.policy", "compact")));
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    void close(@Observes ShutdownEvent event) {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
