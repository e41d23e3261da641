package org.relais.blocks.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "relais.outbox")
public interface OutboxConfig {

    /** Whether this instance runs a relay (one of the instances holding it is active at a time). */
    @WithDefault("true")
    boolean relayEnabled();

    /** Rows claimed and sent per transaction. */
    @WithDefault("200")
    int batchSize();

    /** Fallback poll when no NOTIFY arrives; also how often a standby relay tries to take over. */
    @WithDefault("1s")
    Duration pollInterval();

    /** First backoff while Kafka is unreachable; doubles up to {@link #maxBackoff()}. */
    @WithDefault("500ms")
    Duration initialBackoff();

    @WithDefault("30s")
    Duration maxBackoff();

    /**
     * The largest event the outbox takes, in bytes of its JSON: a change whose event would be larger is
     * refused (413) before anything commits. Well under what the broker and the producer accept (1 MiB by
     * default), so that no event can be refused by Kafka for its size.
     */
    @WithDefault("262144")
    int maxEventBytes();
}
