package org.relais.blocks.time;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The one clock of a service: what "now" is for deadlines, expiries, jobs and the times records carry, in microseconds
 * as PostgreSQL keeps them. Tests may set it ({@link #set}, {@link #advance}) and must {@link #reset} it after.
 */
@ApplicationScoped
public class RelaisClock {

    private volatile Clock clock = Clock.systemUTC();

    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** Tests: time stands at {@code instant} until set again or reset. */
    public void set(Instant instant) {
        clock = Clock.fixed(instant, java.time.ZoneOffset.UTC);
    }

    /** Tests: time runs on, {@code by} ahead of the system's. */
    public void advance(Duration by) {
        clock = Clock.offset(clock, by);
    }

    /** Back to the system's time. */
    public void reset() {
        clock = Clock.systemUTC();
    }
}
