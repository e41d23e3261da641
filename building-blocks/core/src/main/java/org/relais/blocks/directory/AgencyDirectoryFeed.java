package org.relais.blocks.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds the {@link AgencyDirectory} of this instance from the compacted {@code relais.agencies}
 * topic, read from its beginning without a consumer group (every instance reads everything), and
 * keeps following it: a suspension reaches every component within a poll.
 */
@ApplicationScoped
public class AgencyDirectoryFeed {

    private final RelaisKafka kafka;
    private final AgencyDirectory directory;
    private final ObjectMapper mapper;
    private final boolean enabled;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean running;

    public AgencyDirectoryFeed(RelaisKafka kafka, AgencyDirectory directory, ObjectMapper mapper,
                               @ConfigProperty(name = "relais.directory.feed.enabled", defaultValue = "true") boolean enabled) {
        this.kafka = kafka;
        this.directory = directory;
        this.mapper = mapper;
        this.enabled = enabled;
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            directory.markCaughtUp();
            return;
        }
        running = true;
        Thread t = new Thread(this::run, "agency-directory-feed");
        t.setDaemon(true);
        t.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, String> c = kafka.consumer("agency-directory-feed")) {
                consumer = c;
                List<PartitionInfo> partitions = c.partitionsFor(Topics.AGENCIES, Duration.ofSeconds(10));
                if (partitions == null || partitions.isEmpty()) {
                    // nobody has published an agency yet: the directory is empty and current
                    directory.markCaughtUp();
                    Thread.sleep(1000);
                    continue;
                }
                List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                c.assign(tps);
                c.seekToBeginning(tps);
                Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(10));
                while (running) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                        apply(r);
                    }
                    if (!directory.caughtUp() && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                        directory.markCaughtUp();
                        Log.infof("agency directory loaded: %d agencies", directory.all().size());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.warnf("agency directory feed interrupted (%s); reconnecting", e.toString());
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void apply(ConsumerRecord<String, String> r) {
        if (r.value() == null) {
            directory.remove(r.key());
            return;
        }
        try {
            JsonNode node = mapper.readTree(r.value());
            // the record is a CloudEvent whose data is the full agency record
            JsonNode record = node.has("specversion") ? CloudEvent.fromJson(mapper, r.value()).data() : node;
            directory.apply(AgencyRecord.of(record));
        } catch (Exception e) {
            Log.warnf("agency directory: record at offset %d of %s ignored (%s)", r.offset(), r.topic(), e.getClass().getSimpleName());
        }
    }
}
