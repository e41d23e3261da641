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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.faults.TransientFaults;
import org.relais.blocks.kafka.KafkaConfig;
import org.relais.blocks.kafka.RelaisKafka;

/**
 * Consumes CloudEvents from Kafka in a consumer group, applying each event through the {@link Inbox} (its
 * id recorded in the same transaction as its effect, so redeliveries take effect once), committing
 * offsets only up to the last event handled. A transient fault (database, Kafka or a dependency away, a
 * lock or statement timeout) is retried for as long as it lasts without committing and without letting
 * later events overtake; only an event that can never apply (unreadable, or failing on something that is
 * not a passing fault, several times) goes to the dead-letter topic {@code <topic>.dlt} with the failure's
 * class, never its message. {@link DeadLetterReplay} puts dead letters back after a fix.
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
    private final ConsumerRetryConfig retry;

    public EventConsumers(
            KafkaConfig config,
            RelaisKafka kafka,
            Inbox inbox,
            ObjectMapper mapper,
            MeterRegistry metrics,
            @ConfigProperty(name = "quarkus.application.name") String service,
            @ConfigProperty(name = "relais.instance-id") java.util.Optional<String> instanceId,
            ConsumerRetryConfig retry) {
        this.retry = retry;
        this.instance = instanceId.orElseGet(
                () -> String.valueOf(ProcessHandle.current().pid()));
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
        private final io.micrometer.core.instrument.Counter retriedTransient;
        private volatile boolean running = true;
        private volatile boolean waiting;
        private volatile boolean revoked;
        private volatile KafkaConsumer<String, String> consumer;

        Worker(String name, List<String> topics, Set<String> eventTypes, Function<CloudEvent, Uni<?>> handler) {
            this.name = name;
            this.topics = topics;
            this.eventTypes = eventTypes;
            this.handler = handler;
            Gauge.builder("relais.consumer.lag", lag, AtomicLong::get)
                    .tag("consumer", name)
                    .description("Events on the topic this consumer has not applied yet")
                    .register(metrics);
            this.batched = io.micrometer.core.instrument.Counter.builder("relais.consumer.batched")
                    .tag("consumer", name)
                    .description("Events applied together with others of the same poll, in one transaction")
                    .register(metrics);
            this.retriedTransient = io.micrometer.core.instrument.Counter.builder("relais.consumer.transient.retries")
                    .tag("consumer", name)
                    .description("Attempts to apply an event that failed on a passing fault and were retried")
                    .register(metrics);
        }

        /** Thrown to leave a poll's records unfinished: they are read again from the committed offsets. */
        private static final class Interrupted extends RuntimeException {
            Interrupted() {
                super(null, null, false, false);
            }
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
                // a poll's events are applied in one transaction: bounded, so a slow batch holds few events back
                p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 25);
                p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
                    consumer = c;
                    revoked = false;
                    c.subscribe(topics, new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            if (!partitions.isEmpty()) {
                                revoked = true;
                            }
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            if (waiting) {
                                // a rebalance while an event waits for a fault to pass: the new partitions wait too
                                c.pause(partitions);
                            }
                        }
                    });
                    long lastLag = 0;
                    while (running) {
                        ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(500));
                        revoked = false;
                        Map<TopicPartition, OffsetAndMetadata> handled = processAll(c, records);
                        if (!handled.isEmpty()) {
                            // not waited for: the inbox makes a redelivery harmless, so an offset committed late (or
                            // lost with a crash) costs a duplicate that is recognised, never a lost or double effect
                            c.commitAsync(handled, (offsets, failure) -> {
                                if (failure != null) {
                                    Log.debugf(
                                            "consumer %s: offsets not committed yet (%s)",
                                            name, failure.getClass().getSimpleName());
                                }
                            });
                        }
                        if (!allHandled(records, handled)) {
                            // stopped or lost the partitions midway: what was not applied is read again from the
                            // committed offsets, by this instance after a reconnect or by the partitions' new owner
                            throw new Interrupted();
                        }
                        if (System.currentTimeMillis() - lastLag > 5000) {
                            lastLag = System.currentTimeMillis();
                            updateLag(c);
                        }
                    }
                } catch (WakeupException e) {
                    return;
                } catch (Interrupted e) {
                    if (running) {
                        Log.infof("consumer %s gave up its partitions midway; rejoining", name);
                    }
                } catch (RuntimeException e) {
                    Log.warnf(
                            "consumer %s interrupted (%s); reconnecting",
                            name, e.getClass().getSimpleName());
                    sleep(2000);
                }
            }
        }

        private static boolean allHandled(
                ConsumerRecords<String, String> records, Map<TopicPartition, OffsetAndMetadata> handled) {
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<String, String>> rs = records.records(tp);
                OffsetAndMetadata done = handled.get(tp);
                if (done == null || done.offset() <= rs.get(rs.size() - 1).offset()) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The events of one poll, in order: together in one transaction (each recorded in the inbox with
         * its effect, as one by one), which spares a commit and a thread hand-over per event when the
         * consumer has fallen behind; if anything in it fails, nothing of it stays and each event is
         * applied on its own, exactly as a single event is. Answers, per partition, the offset after the
         * last record handled (applied, not for this consumer, or dead-lettered): only that is committed.
         */
        private Map<TopicPartition, OffsetAndMetadata> processAll(
                KafkaConsumer<String, String> c, ConsumerRecords<String, String> records) {
            Map<TopicPartition, OffsetAndMetadata> handled = new HashMap<>();
            List<ConsumerRecord<String, String>> all = new ArrayList<>();
            records.forEach(all::add);
            List<CloudEvent> events = new ArrayList<>(all.size()); // null: not for this consumer, or unreadable
            List<Boolean> unreadable = new ArrayList<>(all.size());
            List<CloudEvent> taken = new ArrayList<>();
            for (ConsumerRecord<String, String> r : all) {
                CloudEvent event = null;
                boolean bad = false;
                try {
                    event = CloudEvent.fromJson(mapper, r.value());
                } catch (RuntimeException e) {
                    bad = true; // it can never apply: dead-lettered in its turn below
                }
                CloudEvent kept = event != null && eventTypes.contains(event.type()) ? event : null;
                events.add(kept);
                unreadable.add(bad);
                if (kept != null) {
                    taken.add(kept);
                }
            }
            if (taken.size() > 1 && !unreadable.contains(Boolean.TRUE) && applyTogether(taken)) {
                all.forEach(r -> done(handled, r));
                return handled;
            }
            for (int i = 0; i < all.size(); i++) {
                ConsumerRecord<String, String> r = all.get(i);
                CloudEvent event = events.get(i);
                if (unreadable.get(i)) {
                    deadLetter(r, new IllegalArgumentException("not a CloudEvent"));
                } else if (event != null && !process(c, r, event)) {
                    return handled; // stopping, or the partitions went to another instance
                }
                done(handled, r);
            }
            return handled;
        }

        private static void done(Map<TopicPartition, OffsetAndMetadata> handled, ConsumerRecord<String, String> r) {
            handled.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }

        private boolean applyTogether(List<CloudEvent> events) {
            try {
                VertxContextSupport.subscribeAndAwait(
                        () -> inbox.applyAllOnce(name, events, CloudEvent::uuid, handler));
                batched.increment(events.size());
                return true;
            } catch (Throwable e) {
                Log.debugf(
                        "consumer %s: a batch of %d failed (%s); applying its events one by one",
                        name, events.size(), e.getClass().getSimpleName());
                return false;
            }
        }

        /**
         * Applies one event. A transient fault (see {@link TransientFaults}) is retried with backoff for as
         * long as it lasts, the consumer's partitions paused meanwhile so that nothing behind the event, of
         * its key or another, overtakes it, and the group kept alive by polling. Any other failure is retried
         * a few times (it may be a race) and then the event goes to the dead-letter topic. Answers false if
         * the event was neither applied nor dead-lettered (the consumer stops or lost its partitions).
         */
        private boolean process(KafkaConsumer<String, String> c, ConsumerRecord<String, String> r, CloudEvent event) {
            Throwable last = null;
            int permanentAttempts = 0;
            long backoff = retry.initialBackoff().toMillis();
            for (int attempt = 1; running; attempt++) {
                try {
                    VertxContextSupport.subscribeAndAwait(
                            () -> inbox.applyOnce(name, event.uuid(), () -> handler.apply(event)));
                    if (attempt > 1) {
                        Log.infof(
                                "consumer %s: event %s (%s) applied on attempt %d",
                                name, event.id(), event.type(), attempt);
                    }
                    return true;
                } catch (Throwable e) {
                    last = e;
                    boolean passes = TransientFaults.isTransient(e);
                    if (!passes && ++permanentAttempts >= retry.attemptsBeforeDeadLetter()) {
                        break;
                    }
                    if (passes) {
                        retriedTransient.increment();
                    }
                    Log.warnf(
                            "consumer %s: event %s (%s) failed on attempt %d (%s, %s); retrying in %d ms",
                            name,
                            event.id(),
                            event.type(),
                            attempt,
                            e.getClass().getSimpleName(),
                            passes ? "transient" : "not known to pass",
                            backoff);
                    if (!waitKeepingTheGroup(c, backoff, new TopicPartition(r.topic(), r.partition()))) {
                        return false;
                    }
                    backoff = Math.min(backoff * 2, retry.maxBackoff().toMillis());
                }
            }
            if (!running) {
                return false;
            }
            deadLetter(r, last);
            return true;
        }

        /**
         * Waits, polling with every partition paused; answers false if the event's partition went to another
         * member meanwhile. (A rebalance that gives it back, as an eager one does, is no reason to give up: the
         * consumer goes on, and what it reads again its inbox applies once. Giving up on every revocation made
         * replicas waiting out the same outage take turns rejoining and revoking each other.)
         */
        private boolean waitKeepingTheGroup(KafkaConsumer<String, String> c, long millis, TopicPartition partition) {
            waiting = true;
            try {
                c.pause(c.assignment());
                long until = System.currentTimeMillis() + millis;
                do {
                    ConsumerRecords<String, String> stray =
                            c.poll(Duration.ofMillis(Math.max(1, Math.min(500, until - System.currentTimeMillis()))));
                    for (TopicPartition tp : stray.partitions()) {
                        // assigned and fetched in the same poll before the listener paused them: read them again later
                        c.seek(tp, stray.records(tp).get(0).offset());
                        c.pause(List.of(tp));
                    }
                    if (revoked) {
                        if (!c.assignment().contains(partition)) {
                            return false;
                        }
                        revoked = false;
                    }
                } while (running && System.currentTimeMillis() < until);
                return running;
            } catch (WakeupException e) {
                running = false;
                return false;
            } finally {
                waiting = false;
                try {
                    c.resume(c.paused());
                } catch (RuntimeException e) {
                    // closing
                }
            }
        }

        private void deadLetter(ConsumerRecord<String, String> r, Throwable cause) {
            ProducerRecord<String, String> dlt = new ProducerRecord<>(r.topic() + ".dlt", r.key(), r.value());
            dlt.headers().add(new RecordHeader("relais-consumer", name.getBytes(StandardCharsets.UTF_8)));
            dlt.headers()
                    .add(new RecordHeader(
                            "relais-error",
                            (cause == null ? "unknown" : cause.getClass().getName()).getBytes(StandardCharsets.UTF_8)));
            dlt.headers()
                    .add(new RecordHeader(
                            "relais-origin",
                            (r.topic() + "/" + r.partition() + "/" + r.offset()).getBytes(StandardCharsets.UTF_8)));
            try {
                kafka.producer().send(dlt).get(30, TimeUnit.SECONDS);
                Log.errorf(
                        "consumer %s: %s/%d/%d moved to %s.dlt", name, r.topic(), r.partition(), r.offset(), r.topic());
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
