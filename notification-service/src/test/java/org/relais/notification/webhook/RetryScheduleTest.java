package org.relais.notification.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    @Test
    void theProductionScheduleKeepsTryingForMoreThan24HoursEvenWithTheShortestJitter() {
        Duration first = Duration.ofSeconds(10);
        Duration longest = Duration.ofHours(2);
        int maxAttempts = 26; // the default of relais.webhooks.retry.max-attempts
        Duration total = Duration.ZERO;
        for (int attempt = 1; attempt < maxAttempts; attempt++) {
            total = total.plus(RetrySchedule.delayAfter(attempt, first, longest, 0.8));
        }
        assertTrue(total.compareTo(Duration.ofHours(24)) > 0, "only " + total);
    }

    @Test
    void delaysGrowExponentiallyUpToTheCap() {
        assertEquals(
                Duration.ofSeconds(10), RetrySchedule.delayAfter(1, Duration.ofSeconds(10), Duration.ofHours(2), 1.0));
        assertEquals(
                Duration.ofSeconds(20), RetrySchedule.delayAfter(2, Duration.ofSeconds(10), Duration.ofHours(2), 1.0));
        assertEquals(
                Duration.ofSeconds(80), RetrySchedule.delayAfter(4, Duration.ofSeconds(10), Duration.ofHours(2), 1.0));
        assertEquals(
                Duration.ofHours(2), RetrySchedule.delayAfter(40, Duration.ofSeconds(10), Duration.ofHours(2), 1.0));
    }

    @Test
    void signaturesFollowStandardWebhooks() {
        // computed independently: base64(HMAC-SHA256(key, "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\":
        // 2432232314}"))
        String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assertEquals(
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                WebhookSigner.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"));
        assertTrue(WebhookSigner.newSecret().startsWith("whsec_"));
    }
}
