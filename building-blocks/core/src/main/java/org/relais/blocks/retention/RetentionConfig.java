package org.relais.blocks.retention;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long the plumbing keeps what it no longer needs (see {@link RetentionJob}). */
@ConfigMapping(prefix = "relais.retention")
public interface RetentionConfig {

    /** Whether this instance cleans (any number of instances may: the deletes are idempotent). */
    @WithDefault("true")
    boolean enabled();

    /** How often the cleaning runs. */
    @WithDefault("1h")
    Duration every();

    /** Published outbox rows: kept this long after publication, for an operator's look. */
    @WithDefault("7d")
    Duration outbox();

    /**
     * Inbox records (the de-duplication of consumed events). Must exceed the retention of the topics the
     * service consumes (Kafka's default is 7 days): an event older than its inbox record cannot come back.
     */
    @WithDefault("30d")
    Duration inbox();

    /** Idempotency records: a key answers for 24 hours; kept a day longer. */
    @WithDefault("2d")
    Duration idempotency();

    /** Rows deleted per statement, so that cleaning never holds long locks. */
    @WithDefault("5000")
    int batchSize();
}
