package org.relais.notification.notices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StreamCursorTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));
    private final StreamCursor cursor = new StreamCursor(100, now::get);

    @Test
    void aLowerNumberCommittedAfterAHigherOneIsStillSentOnce() {
        assertTrue(cursor.take(102, now.get())); // 101's transaction (another instance) has not committed yet
        assertEquals(List.of(101L), cursor.gaps(), "the skipped number is asked for again");
        assertTrue(cursor.take(101, now.get()), "it is sent when it appears");
        assertFalse(cursor.take(101, now.get()), "once");
        assertFalse(cursor.take(102, now.get()));
        assertEquals(List.of(), cursor.gaps());
        assertEquals(102, cursor.highest());
    }

    @Test
    void gapsOlderThanTheSettleTimeAreGivenUp() {
        cursor.take(105, now.get());
        assertEquals(List.of(101L, 102L, 103L, 104L), cursor.gaps(), "other agencies' numbers look like gaps too");
        now.set(now.get().plus(StreamCursor.SETTLE).plusSeconds(1));
        assertEquals(List.of(), cursor.gaps(), "settled: every transaction of that time has ended");
        assertFalse(cursor.take(103, now.get()), "below the watermark: never sent late");
        assertTrue(cursor.take(106, now.get()));
    }

    @Test
    void nothingAtOrBelowTheStartIsSent() {
        assertFalse(cursor.take(100, now.get()));
        assertFalse(cursor.take(7, now.get()));
    }
}
