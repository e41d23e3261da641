package org.relais.notification.notices;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Where a live stream stands. Sequence numbers are taken when a notification is inserted but become
 * visible when its transaction commits, and two instances (or two consumers) commit in any order: a
 * notification with a lower number can appear after a higher one was sent. So the stream does not
 * simply resume after the highest number sent: it also asks for the numbers it skipped, until they
 * are older than {@link #SETTLE} (by then their transaction has committed or rolled back).
 */
final class StreamCursor {

    static final Duration SETTLE = Duration.ofSeconds(10);
    private static final int MAX_GAPS = 1000;

    private final Supplier<Instant> clock;
    /** Every number up to here was sent or will never be visible to this stream. */
    private long watermark;

    private long highest;
    /** Numbers sent above the watermark, with when they were created. */
    private final TreeMap<Long, Instant> sent = new TreeMap<>();

    StreamCursor(long start, Supplier<Instant> clock) {
        this.watermark = start;
        this.highest = start;
        this.clock = clock;
    }

    synchronized long highest() {
        return highest;
    }

    /** The numbers between the watermark and the highest sent that were not sent (oldest first, at most 1000). */
    synchronized List<Long> gaps() {
        settle();
        List<Long> gaps = new ArrayList<>();
        for (long s = watermark + 1; s < highest && gaps.size() < MAX_GAPS; s++) {
            if (!sent.containsKey(s)) {
                gaps.add(s);
            }
        }
        return gaps;
    }

    /** True when {@code seq} is to be sent now (it was not sent before). */
    synchronized boolean take(long seq, Instant createdAt) {
        if (seq <= watermark || sent.containsKey(seq)) {
            return false;
        }
        sent.put(seq, createdAt);
        highest = Math.max(highest, seq);
        settle();
        return true;
    }

    private void settle() {
        Instant horizon = clock.get().minus(SETTLE);
        while (!sent.isEmpty() && sent.firstEntry().getValue().isBefore(horizon)) {
            watermark = sent.pollFirstEntry().getKey();
        }
    }
}
