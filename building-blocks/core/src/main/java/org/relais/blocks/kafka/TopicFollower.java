package org.relais.blocks.kafka;

import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads a (compacted) topic from its beginning without a consumer group, so every instance sees every
 * record, and keeps following it; tells once it has caught up with the end the topic had when it started.
 * Reconnects when the broker goes away.
 */
public final class TopicFollower {

    private final RelaisKafka kafka;
    private final String topic;
    private final Consumer<ConsumerRecord<String, String>> onRecord;
    private final Runnable onCaughtUp;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, String> consumer;

    private TopicFollower(
            RelaisKafka kafka, String topic, Consumer<ConsumerRecord<String, String>> onRecord, Runnable onCaughtUp) {
        this.kafka = kafka;
        this.topic = topic;
        this.onRecord = onRecord;
        this.onCaughtUp = onCaughtUp;
    }

    /** Starts following on a daemon thread of its own. {@code onCaughtUp} also runs while the topic does not exist yet. */
    public static TopicFollower start(
            RelaisKafka kafka, String topic, Consumer<ConsumerRecord<String, String>> onRecord, Runnable onCaughtUp) {
        TopicFollower f = new TopicFollower(kafka, topic, onRecord, onCaughtUp);
        Thread t = new Thread(f::run, "follow-" + topic);
        t.setDaemon(true);
        t.start();
        return f;
    }

    public void stop() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, String> c = kafka.consumer("follow-" + topic)) {
                consumer = c;
                List<PartitionInfo> partitions = c.partitionsFor(topic, Duration.ofSeconds(10));
                if (partitions == null || partitions.isEmpty()) {
                    onCaughtUp.run(); // nothing was ever published: what we have is current
                    pause(1000);
                    continue;
                }
                List<TopicPartition> tps = partitions.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                c.assign(tps);
                c.seekToBeginning(tps);
                Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(10));
                boolean caughtUp = false;
                while (running) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                        onRecord.accept(r);
                    }
                    if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                        caughtUp = true;
                        onCaughtUp.run();
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                Log.warnf(
                        "following %s interrupted (%s); reconnecting",
                        topic, e.getClass().getSimpleName());
                pause(2000);
            }
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
