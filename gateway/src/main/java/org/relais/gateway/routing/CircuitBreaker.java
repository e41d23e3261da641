package org.relais.gateway.routing;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One backend's circuit breaker. After {@code threshold} consecutive failures (no connection, or no
 * answer within the timeout) the circuit opens: requests are refused at once (503 with Retry-After)
 * instead of each waiting for the timeout and piling up on a service that is down. After
 * {@code openFor} one trial request goes through (half-open); its success closes the circuit, its
 * failure opens it again.
 */
final class CircuitBreaker {

    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long openForMillis;
    private final LongSupplier clock;
    private State state = State.CLOSED;
    private int failures;
    private long openedAt;
    private boolean trialInFlight;

    CircuitBreaker(int threshold, Duration openFor, LongSupplier clockMillis) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        this.threshold = threshold;
        this.openForMillis = openFor.toMillis();
        this.clock = clockMillis;
    }

    /** 0 when the request may go to the backend; otherwise how many milliseconds until it may be tried again. */
    synchronized long admit() {
        if (state == State.CLOSED) {
            return 0;
        }
        long now = clock.getAsLong();
        if (state == State.OPEN) {
            long left = openedAt + openForMillis - now;
            if (left > 0) {
                return left;
            }
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (trialInFlight) {
            return Math.max(1, openForMillis / 2);
        }
        trialInFlight = true;
        return 0;
    }

    synchronized void success() {
        state = State.CLOSED;
        failures = 0;
        trialInFlight = false;
    }

    synchronized void failure() {
        if (state == State.HALF_OPEN) {
            open();
            return;
        }
        failures++;
        if (state == State.CLOSED && failures >= threshold) {
            open();
        }
    }

    synchronized State state() {
        return state;
    }

    private void open() {
        state = State.OPEN;
        openedAt = clock.getAsLong();
        trialInFlight = false;
    }
}
