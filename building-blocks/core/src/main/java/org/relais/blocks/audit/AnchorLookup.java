package org.relais.blocks.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;

/**
 * Finds a chain's newest anchor on {@code relais.audit-anchors} itself, not in any database. The topic is
 * compacted by service, so the newest anchor of every chain stays on it for good; it is read backwards from
 * the end, a window at a time, so the lookup holds one window whatever the topic's length.
 */
public final class AnchorLookup {

    /** What the topic says about a chain: its newest anchor, if it ever had one. */
    public record Found(Optional<AuditAnchor> anchor) {}

    private static final int WINDOW = 500;

    private AnchorLookup() {}

    /** The newest anchor of {@code service}; throws if the topic cannot be read within {@code timeout}. */
    public static Found latest(RelaisKafka kafka, ObjectMapper mapper, String service, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> c = kafka.consumer("audit-anchor-lookup")) {
            List<PartitionInfo> partitions = c.partitionsFor(Topics.AUDIT_ANCHORS, timeout);
            if (partitions == null || partitions.isEmpty()) {
                return new Found(Optional.empty());
            }
            AuditAnchor best = null;
            for (PartitionInfo p : partitions) {
                TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                Map<TopicPartition, Long> begin = c.beginningOffsets(List.of(tp), timeout);
                Map<TopicPartition, Long> end = c.endOffsets(List.of(tp), timeout);
                c.assign(List.of(tp));
                long hi = end.get(tp);
                long lo0 = begin.get(tp);
                AuditAnchor found = null;
                while (found == null && hi > lo0) {
                    long lo = Math.max(lo0, hi - WINDOW);
                    c.seek(tp, lo);
                    while (c.position(tp) < hi) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("relais.audit-anchors not read in time");
                        }
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                            if (r.offset() < hi && service.equals(r.key()) && r.value() != null) {
                                AuditAnchor a = read(mapper, r.value());
                                // several instances may anchor: the highest seq in the window is the newest head
                                if (a != null
                                        && service.equals(a.service())
                                        && (found == null || a.seq() > found.seq())) {
                                    found = a;
                                }
                            }
                        }
                    }
                    hi = lo;
                }
                if (found != null && (best == null || found.seq() > best.seq())) {
                    best = found;
                }
            }
            return new Found(Optional.ofNullable(best));
        }
    }

    private static AuditAnchor read(ObjectMapper mapper, String json) {
        try {
            return mapper.readValue(json, AuditAnchor.class);
        } catch (Exception e) {
            return null;
        }
    }
}
