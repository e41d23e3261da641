package org.relais.blocks.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.blocks.kafka.TopicFollower;

/**
 * Rebuilds the {@link AgencyDirectory} of this instance from the compacted {@code relais.agencies}
 * topic, read from its beginning (every instance reads everything), and keeps following it: a
 * suspension reaches every component within a poll.
 */
@ApplicationScoped
public class AgencyDirectoryFeed {

    private final RelaisKafka kafka;
    private final AgencyDirectory directory;
    private final ObjectMapper mapper;
    private final boolean enabled;
    private volatile TopicFollower follower;

    public AgencyDirectoryFeed(
            RelaisKafka kafka,
            AgencyDirectory directory,
            ObjectMapper mapper,
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
        follower = TopicFollower.start(kafka, Topics.AGENCIES, this::apply, () -> {
            if (!directory.caughtUp()) {
                directory.markCaughtUp();
                Log.infof(
                        "agency directory loaded: %d agencies", directory.all().size());
            }
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        if (follower != null) {
            follower.stop();
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
            JsonNode record = node.has("specversion")
                    ? CloudEvent.fromJson(mapper, r.value()).data()
                    : node;
            directory.apply(AgencyRecord.of(record));
        } catch (Exception e) {
            Log.warnf(
                    "agency directory: record at offset %d of %s ignored (%s)",
                    r.offset(), r.topic(), e.getClass().getSimpleName());
        }
    }
}
