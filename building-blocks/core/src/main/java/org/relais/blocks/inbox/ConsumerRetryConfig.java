package org.relais.blocks.inbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How consumers retry an event whose effect failed. */
@ConfigMapping(prefix = "relais.consumers.retry")
public interface ConsumerRetryConfig {

    /** First wait after a failure; doubles up to {@link #maxBackoff()}. */
    @WithDefault("200ms")
    Duration initialBackoff();

    /** Longest wait between attempts while a transient fault lasts (retried for as long as it lasts). */
    @WithDefault("15s")
    Duration maxBackoff();

    /** Attempts for a failure that is not a known passing fault before the event goes to the dead-letter topic. */
    @WithDefault("5")
    int attemptsBeforeDeadLetter();
}
