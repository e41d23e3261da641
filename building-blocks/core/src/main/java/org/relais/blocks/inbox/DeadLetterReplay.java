package org.relais.blocks.inbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Puts the events of a dead-letter topic back on the topic they came from, once the fault that sent them
 * there is fixed. Each event keeps its id and key, so every consumer that had already applied it skips it
 * (its inbox) and the one that could not applies it now. The replay reads the dead-letter topic in its own
 * consumer group and, when it replays every consumer's dead letters, commits what it republished: running
 * it twice replays only what arrived in between. With {@code --consumer} it commits nothing, so the other
 * consumers' dead letters stay for their own replay.
 * A replayed event comes after the events of its key that were applied meanwhile; the consumers' effects
 * are written to tolerate that (a transition that no longer applies is recorded as a no-op).
 *
 * <pre>
 * java -cp "referral-service/target/quarkus-app/lib/main/*" org.relais.blocks.inbox.DeadLetterReplay \
 *      --bootstrap 127.0.0.1:9092 --topic relais.cases.dlt [--consumer case-events] [--dry-run]
 * </pre>
 * (deploy/local/ctl.sh replay-dead-letters wraps it for the local run.)
 */
public final class DeadLetterReplay {

    /** What one replay did: records read, republished, and left alone (another consumer's, or --dry-run). */
    public record Result(int read, int replayed, int skipped) {}

    private DeadLetterReplay() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = "127.0.0.1:9092";
        String topic = null;
        String consumer = null;
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--topic" -> topic = args[++i];
                case "--consumer" -> consumer = args[++i];
                case "--dry-run" -> dryRun = true;
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (topic == null || !topic.endsWith(".dlt")) {
            System.err.println(
                    "usage: DeadLetterReplay --topic <topic>.dlt [--bootstrap host:port] [--consumer name] [--dry-run]");
            System.exit(2);
        }
        Result r = replay(bootstrap, topic, consumer, dryRun, Duration.ofSeconds(5));
        System.out.printf(
                "%s: %d read, %d replayed to %s, %d left alone%s%n",
                topic,
                r.read(),
                r.replayed(),
                topic.substring(0, topic.length() - 4),
                r.skipped(),
                dryRun ? " (dry run: nothing sent, nothing committed)" : "");
    }

    /**
     * Replays what the dead-letter topic holds beyond this replay group's committed offset, stopping once
     * nothing new arrived for {@code idle}. With {@code consumer}, only the records that consumer set aside.
     */
    public static Result replay(String bootstrap, String dltTopic, String consumer, boolean dryRun, Duration idle)
            throws Exception {
        String origin = dltTopic.substring(0, dltTopic.length() - ".dlt".length());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "relais.dead-letter-replay." + dltTopic);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        int read = 0;
        int replayed = 0;
        int skipped = 0;
        try (KafkaConsumer<String, String> in = new KafkaConsumer<>(c);
                KafkaProducer<String, String> out = new KafkaProducer<>(p)) {
            in.subscribe(List.of(dltTopic));
            long quietSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - quietSince < idle.toMillis()) {
                ConsumerRecords<String, String> records = in.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                quietSince = System.currentTimeMillis();
                for (ConsumerRecord<String, String> r : records) {
                    read++;
                    if (dryRun || (consumer != null && !consumer.equals(header(r, "relais-consumer")))) {
                        skipped++;
                        continue;
                    }
                    ProducerRecord<String, String> again = new ProducerRecord<>(origin, r.key(), r.value());
                    again.headers()
                            .add(new RecordHeader(
                                    "relais-replayed-from",
                                    (r.topic() + "/" + r.partition() + "/" + r.offset())
                                            .getBytes(StandardCharsets.UTF_8)));
                    out.send(again).get(30, TimeUnit.SECONDS);
                    replayed++;
                }
                if (!dryRun && consumer == null) {
                    // a replay of one consumer's dead letters commits nothing: the others' stay for their own replay
                    // (what it replays again next time, each consumer's inbox applies once)
                    in.commitSync();
                }
            }
        }
        return new Result(read, replayed, skipped);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
