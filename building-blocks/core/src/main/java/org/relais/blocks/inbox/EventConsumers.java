package org.relais.blocks.inbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.kafka.KafkaConfig;
import org.relais.blocks.kafka.RelaisKafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Consumes CloudEvents from Kafka in a consumer group, applying each event through the {@link Inbox} (its
 * id recorded in the same transaction as its effect, so redeliveries take effect once), committing
 * offsets only after the effects committed. An event that cannot be read, or whose handler keeps
 * failing, goes to the dead-letter topic {@code <topic>.dlt} with the failure's class, never its message.
 * Exposes the consumer lag as {@code relais.consumer.lag}.
 */
@ApplicationScoped
public class EventConsumers {

    private final KafkaConfig config;
    private final RelaisKafka kafka;
    private final Inbox inbox;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final String service;
    private final List<Worker> workers = new CopyOnWriteArrayList<>();

    private final String instance;

    public EventConsumers(KafkaConfig config, RelaisKafka kafka, Inbox inbox, ObjectMapper mapper, MeterRegistry metrics,
                          @ConfigProperty(name = "quarkus.application.name") String service,
                          @ConfigProperty(name = "relais.instance-id") java.util.Optional<String> instanceId) {
        this.instance = instanceId.orElseGet(() -> String.valueOf(ProcessHandle.current().pid()));
        this.config = config;
        this.kafka = kafka;
        this.inbox = inbox;
        this.mapper = mapper;
        this.metrics = metrics;
        this.service = service;
    }

    /**
     * Starts a consumer named {@code name} (its group is {@code <service>.<name>}) on the topics; the
     * handler runs in a reactive transaction on a Vert.x context and is skipped for event types it does not take.
     */
    public void start(String name, List<String> topics, Set<String> eventTypes, Function<CloudEvent, Uni<?>> handler) {
        Worker w = new Worker(name, topics, eventTypes, handler);
        workers.add(w);
        Thread t = new Thread(w, "consumer-" + name);
        t.setDaemon(true);
        t.start();
    }

    void stop(@Observes ShutdownEvent event) {
        workers.forEach(Worker::stop);
    }

    private final class Worker implements Runnable {
        private final String name;
        private final List<String> topics;
        private final Set<String> eventTypes;
        private final Function<CloudEvent, Uni<?>> handler;
        private final AtomicLong lag = new AtomicLong();
        private final io.micrometer.core.instrument.Counter batched;
        private volatile boolean running = true;
        private volatile KafkaConsumer<String, String> consumer;

        Worker(String name, List<String> topics, Set<String> eventTypes, Function<CloudEvent, Uni<?>> handler) {
            this.name = name;
            this.topics = topics;
            this.eventTypes = eventTypes;
            this.handler = handler;
            Gauge.builder("relais.consumer.lag", lag, AtomicLong::get).tag("consumer", name)
                    .description("Events on the topic this consumer has not applied yet").register(metrics);
            this.batched = io.micrometer.core.instrument.Counter.builder("relais.consumer.batched").tag("consumer", name)
                    .description("Events applied together with others of the same poll, in one transaction").register(metrics);
        }

        void stop() {
            running = false;
            KafkaConsumer<String, String> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }

        @Override
        public void run() {
            while (running) {
                Properties p = new Properties();
                p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
                p.put(ConsumerConfig.GROUP_ID_CONFIG, service + "." + name);
                // the instance in the client id: an operator (or a test) can tell the group's members apart
                p.put(ConsumerConfig.CLIENT_ID_CONFIG, service + "." + name + "." + instance);
                p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
                // topics are created by RelaisKafka.ensureTopics with their partitions, never by subscribing
                p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
                p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
                p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
                    consumer = c;
                    c.subscribe(topics);
                    long lastLag = 0;
                    while (running) {
                        ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(500));
                        processAll(records);
                        if (!records.isEmpty()) {
                            c.commitSync();
                        }
                        if (System.currentTimeMillis() - lastLag > 5000) {
                            lastLag = System.currentTimeMillis();
                            updateLag(c);
                        }
                    }
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    Log.warnf("consumer %s interrupted (%s); reconnecting", name, e.getClass().getSimpleName());
                    sleep(2000);
                }
            }
        }

        /**
         * The events of one poll, in order: together in one transaction (each recorded in the inbox with
         * its effect, as one by one), which spares a commit and a thread hand-over per event when the
         * consumer has fallen behind; if anything in it fails, nothing of it stays and each event is
         * applied on its own, with its retries and its dead letter, exactly as a single event is.
         */
        private void processAll(ConsumerRecords<String, String> records) {
            List<ConsumerRecord<String, String>> taken = new ArrayList<>();
            List<CloudEvent> events = new ArrayList<>();
            for (ConsumerRecord<String, String> r : records) {
                CloudEvent event;
                try {
                    event = CloudEvent.fromJson(mapper, r.value());
                } catch (RuntimeException e) {
                    deadLetter(r, e);
                    continue;
                }
                if (eventTypes.contains(event.type())) {
                    taken.add(r);
                    events.add(event);
                }
            }
            if (events.size() > 1 && applyTogether(events)) {
                return;
            }
            for (int i = 0; i < taken.size() && running; i++) {
                process(taken.get(i), events.get(i));
            }
        }

        private boolean applyTogether(List<CloudEvent> events) {
            try {
                VertxContextSupport.subscribeAndAwait(() -> inbox.applyAllOnce(name, events, CloudEvent::uuid, handler));
                batched.increment(events.size());
                return true;
            } catch (Throwable e) {
                Log.debugf("consumer %s: a batch of %d failed (%s); applying its events one by one", name, events.size(),
                        e.getClass().getSimpleName());
                return false;
            }
        }

        private void process(ConsumerRecord<String, String> r, CloudEvent event) {
            RuntimeException last = null;
            for (int attempt = 1; attempt <= 5 && running; attempt++) {
                try {
                    VertxContextSupport.subscribeAndAwait(() -> inbox.applyOnce(name, event.uuid(), () -> handler.apply(event)));
                    return;
                } catch (Throwable e) {
                    last = e instanceof RuntimeException re ? re : new IllegalStateException(e.getClass().getName());
                    Log.warnf("consumer %s: event %s (%s) failed on attempt %d: %s", name, event.id(), event.type(), attempt,
                            e.getClass().getSimpleName());
                    sleep(200L * attempt * attempt);
                }
            }
            if (running) {
                deadLetter(r, last);
            }
        }

        private void deadLetter(ConsumerRecord<String, String> r, Throwable cause) {
            ProducerRecord<String, String> dlt = new ProducerRecord<>(r.topic() + ".dlt", r.key(), r.value());
            dlt.headers().add(new RecordHeader("relais-consumer", name.getBytes(StandardCharsets.UTF_8)));
            dlt.headers().add(new RecordHeader("relais-error", (cause == null ? "unknown" : cause.getClass().getName())
                    .getBytes(StandardCharsets.UTF_8)));
            dlt.headers().add(new RecordHeader("relais-origin", (r.topic() + "/" + r.partition() + "/" + r.offset())
                    .getBytes(StandardCharsets.UTF_8)));
            try {
                kafka.producer().send(dlt).get(30, TimeUnit.SECONDS);
                Log.errorf("consumer %s: %s/%d/%d moved to %s.dlt", name, r.topic(), r.partition(), r.offset(), r.topic());
            } catch (Exception e) {
                // the offset is not committed past it: the record comes back after a restart
                throw new IllegalStateException("dead-letter topic unreachable", e);
            }
        }

        private void updateLag(KafkaConsumer<String, String> c) {
            try {
                Set<TopicPartition> assigned = c.assignment();
                Map<TopicPartition, Long> end = c.endOffsets(assigned, Duration.ofSeconds(2));
                long total = 0;
                for (TopicPartition tp : assigned) {
                    total += Math.max(0, end.getOrDefault(tp, 0L) - c.position(tp, Duration.ofSeconds(2)));
                }
                lag.set(total);
            } catch (RuntimeException e) {
                // keep the last value while the broker is away
            }
        }

        private void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }
}
