package org.relais.notification.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed webhook delivery is tried again: exponential backoff from {@code first-delay}, capped at
 * {@code longest-delay}, with ±20 % jitter; after {@code max-attempts} the delivery is FAILED. The
 * production values keep trying for more than 24 hours (a unit test holds that).
 */
@ConfigMapping(prefix = "relais.webhooks.retry")
public interface RetrySchedule {

    @WithDefault("10s")
    Duration firstDelay();

    @WithDefault("2h")
    Duration longestDelay();

    @WithDefault("26")
    int maxAttempts();

    static Duration delayAfter(int attempt, Duration first, Duration longest, double jitter) {
        long base = first.toMillis() << Math.min(attempt - 1, 30);
        long capped = Math.min(base < 0 ? Long.MAX_VALUE : base, longest.toMillis());
        return Duration.ofMillis(Math.max(1, Math.round(capped * jitter)));
    }

    default Duration delayAfter(int attempt) {
        return delayAfter(
                attempt,
                firstDelay(),
                longestDelay(),
                0.8 + ThreadLocalRandom.current().nextDouble() * 0.4);
    }
}
