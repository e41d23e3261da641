package org.relais.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10), now::get);

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            breaker.failure(breaker.admit());
        }
    }

    @Test
    void opensAfterTheThresholdOfConsecutiveFailuresOnly() {
        fail(2);
        breaker.success(breaker.admit()); // a success in between resets the count
        fail(2);
        assertEquals(0, breaker.admit().waitMillis());
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        fail(1);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(10_000, breaker.admit().waitMillis(), "refused with the time left until a trial");
        now.addAndGet(4_000);
        assertEquals(6_000, breaker.admit().waitMillis());
    }

    @Test
    void afterTheOpenPeriodOneTrialGoesThroughAndDecides() {
        fail(3);
        now.addAndGet(10_000);
        CircuitBreaker.Admission trial = breaker.admit();
        assertTrue(trial.admitted() && trial.trial(), "the trial");
        assertFalse(breaker.admit().admitted(), "no second request while the trial is out");
        breaker.failure(trial);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(), "a failed trial opens it again");
        assertEquals(10_000, breaker.admit().waitMillis());
        now.addAndGet(10_000);
        CircuitBreaker.Admission second = breaker.admit();
        assertTrue(second.admitted());
        breaker.success(second);
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertTrue(breaker.admit().admitted());
        assertTrue(breaker.admit().admitted());
    }

    @Test
    void abandonedExchangesNeitherCountNorClose() {
        for (int i = 0; i < 10; i++) {
            breaker.abandoned(breaker.admit()); // clients that went away, sent too much or too slowly
        }
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        fail(2);
        breaker.abandoned(breaker.admit());
        fail(1);
        assertEquals(
                CircuitBreaker.State.OPEN,
                breaker.state(),
                "an abandoned request between failures does not reset the count");
        now.addAndGet(10_000);
        CircuitBreaker.Admission trial = breaker.admit();
        assertTrue(trial.trial());
        breaker.abandoned(trial);
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state(), "an abandoned trial does not close the circuit");
        CircuitBreaker.Admission next = breaker.admit();
        assertTrue(next.admitted() && next.trial(), "the next request is the trial");
        breaker.failure(next);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    }
}
