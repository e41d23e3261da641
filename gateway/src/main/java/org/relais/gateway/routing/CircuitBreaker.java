package org.relais.gateway.routing;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One backend's circuit breaker. After {@code threshold} consecutive failures of the backend itself (no
 * connection, no answer within the timeout once the request was fully sent, a 502/503/504 answer) the
 * circuit opens: requests are refused at once (503 with Retry-After) instead of each waiting for the
 * timeout and piling up on a service that is down. After {@code openFor} one trial request goes through
 * (half-open); the backend's answer to it closes the circuit, its failure opens it again.
 *
 * <p>Each admitted request reports once: {@link #success}, {@link #failure}, or {@link #abandoned} when
 * the exchange ended for a reason that says nothing about the backend (the client went away, sent too
 * much or too slowly). An abandoned trial only frees the trial slot: the next request is the trial.
 */
final class CircuitBreaker {

    enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    /** A request let through ({@code waitMillis == 0}), and whether it is the half-open circuit's trial; or a refusal. */
    record Admission(long waitMillis, boolean trial) {
        boolean admitted() {
            return waitMillis == 0;
        }
    }

    private static final Admission PASS = new Admission(0, false);
    private static final Admission TRIAL = new Admission(0, true);

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

    synchronized Admission admit() {
        if (state == State.CLOSED) {
            return PASS;
        }
        long now = clock.getAsLong();
        if (state == State.OPEN) {
            long left = openedAt + openForMillis - now;
            if (left > 0) {
                return new Admission(left, false);
            }
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (trialInFlight) {
            return new Admission(Math.max(1, openForMillis / 2), false);
        }
        trialInFlight = true;
        return TRIAL;
    }

    /** The backend answered: whatever the request, it is there. */
    synchronized void success(Admission admission) {
        state = State.CLOSED;
        failures = 0;
        trialInFlight = false;
    }

    synchronized void failure(Admission admission) {
        if (state == State.HALF_OPEN) {
            // the trial failed, or a request let through before the circuit opened did: either way it is still down
            open();
            return;
        }
        failures++;
        if (state == State.CLOSED && failures >= threshold) {
            open();
        }
    }

    /** The exchange ended without telling anything about the backend: neither a failure nor a success. */
    synchronized void abandoned(Admission admission) {
        if (admission.trial() && state == State.HALF_OPEN) {
            trialInFlight = false; // the next request is the trial
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
