package org.relais.blocks.audit;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Checks a service's sealed chain: consecutive {@code seq}, each {@code prevHash} the previous
 * {@code hash}, each {@code hash} recomputed. A chain can be edited and rehashed consistently from some
 * point, or cut short, by whoever holds the database; the anchors kept elsewhere catch both.
 *
 * <p>A {@link Walk} takes the entries one at a time and keeps only the last hash, the anchors it was
 * given and the hashes asked for, so a chain of any length is checked in bounded memory; it may start
 * after an anchored entry (its seq and the hash anchored for it), not only at genesis.
 */
public final class AuditVerifier {

    private AuditVerifier() {}

    /**
     * @param entries the stored chain in the order the database returns it by seq
     * @param anchors heads published earlier (any order)
     */
    public static ChainVerification verify(
            String service,
            List<AuditEntry> entries,
            List<AuditAnchor> anchors,
            long unsealed,
            double sealingLagSeconds) {
        Map<Long, String> anchored = new TreeMap<>();
        anchors.stream()
                .sorted(Comparator.comparingLong(AuditAnchor::seq))
                .forEach(a -> anchored.putIfAbsent(a.seq(), a.hash()));
        Walk walk = new Walk(0, AuditEntry.GENESIS, anchored, List.of());
        for (AuditEntry e : entries) {
            if (!walk.accept(e)) {
                break;
            }
        }
        return walk.finish(service, unsealed, sealingLagSeconds);
    }

    /** One pass over a stretch of the chain, in seq order, after {@code fromSeq} whose hash is {@code fromHash}. */
    public static final class Walk {

        private final long fromSeq;
        private final NavigableMap<Long, String> anchors;
        private final java.util.Set<Long> wanted;
        private final Map<Long, String> hashesAt = new TreeMap<>();
        private String prev;
        private long expectedSeq;
        private long walked;
        private Long broken;
        private String reason;

        /**
         * @param anchors seq to anchored hash, checked as the walk passes them and, at the end, for being reached
         * @param wanted  seqs whose stored hashes the caller wants back (for anchors it checks itself)
         */
        public Walk(long fromSeq, String fromHash, Map<Long, String> anchors, Collection<Long> wanted) {
            this.fromSeq = fromSeq;
            this.prev = fromHash;
            this.expectedSeq = fromSeq + 1;
            this.anchors = new TreeMap<>(anchors);
            this.wanted = new java.util.HashSet<>(wanted);
        }

        /** Records that the walk could not start: the entry it starts after is missing or not the anchored one. */
        public void brokenAt(long seq, String why) {
            if (broken == null) {
                broken = seq;
                reason = why;
            }
        }

        /** Takes the next entry; answers false once the chain is known broken (the rest need not be read). */
        public boolean accept(AuditEntry e) {
            if (broken != null) {
                return false;
            }
            if (e.seq() != expectedSeq) {
                brokenAt(
                        Math.min(e.seq(), expectedSeq),
                        e.seq() > expectedSeq ? "entry " + expectedSeq + " is missing" : "entries are out of order");
                return false;
            }
            if (!prev.equals(e.prevHash())) {
                brokenAt(e.seq(), "prevHash does not match the previous entry");
                return false;
            }
            if (!e.computeHash().equals(e.hash())) {
                brokenAt(e.seq(), "hash does not match the entry");
                return false;
            }
            String anchored = anchors.get(e.seq());
            if (anchored != null && !anchored.equals(e.hash())) {
                brokenAt(e.seq(), "the chain differs from the head anchored at " + e.seq() + " (rewritten)");
                return false;
            }
            if (wanted.contains(e.seq())) {
                hashesAt.put(e.seq(), e.hash());
            }
            prev = e.hash();
            expectedSeq++;
            walked++;
            return true;
        }

        public boolean valid() {
            return broken == null;
        }

        /** The last seq the walk accepted ({@code fromSeq} if none). */
        public long lastSeq() {
            return expectedSeq - 1;
        }

        public Map<Long, String> hashesAt() {
            return hashesAt;
        }

        /** The verdict: an anchor the walk never reached means the chain was cut short. */
        public ChainVerification finish(String service, long unsealed, double sealingLagSeconds) {
            if (broken == null) {
                Map.Entry<Long, String> beyond = anchors.higherEntry(lastSeq());
                if (beyond != null) {
                    brokenAt(
                            beyond.getKey(),
                            "the chain ends before anchored entry " + beyond.getKey() + " (truncated)");
                }
            }
            return new ChainVerification(
                    service,
                    walked,
                    prev,
                    lastSeq(),
                    broken == null,
                    broken,
                    reason,
                    unsealed,
                    sealingLagSeconds,
                    fromSeq);
        }
    }
}
