package org.relais.gateway.routing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10), now::get);

    @Test
    void opensAfterTheThresholdOfConsecutiveFailuresOnly() {
        breaker.failure();
        breaker.failure();
        breaker.success();            // a success in between resets the count
        breaker.failure();
        breaker.failure();
        assertEquals(0, breaker.admit());
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        breaker.failure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(10_000, breaker.admit(), "refused with the time left until a trial");
        now.addAndGet(4_000);
        assertEquals(6_000, breaker.admit());
    }

    @Test
    void afterTheOpenPeriodOneTrialGoesThroughAndDecides() {
        for (int i = 0; i < 3; i++) {
            breaker.failure();
        }
        now.addAndGet(10_000);
        assertEquals(0, breaker.admit(), "the trial");
        assertTrue(breaker.admit() > 0, "no second request while the trial is out");
        breaker.failure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(), "a failed trial opens it again");
        assertEquals(10_000, breaker.admit());
        now.addAndGet(10_000);
        assertEquals(0, breaker.admit());
        breaker.success();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertEquals(0, breaker.admit());
        assertEquals(0, breaker.admit());
    }
}
