package org.relais.blocks.audit;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a service's sealed chain: consecutive {@code seq} from 1, each {@code prevHash} the previous
 * {@code hash}, each {@code hash} recomputed. A chain can be edited and rehashed consistently from some
 * point, or cut short, by whoever holds the database; the anchors kept elsewhere catch both.
 */
public final class AuditVerifier {

    private AuditVerifier() {
    }

    /**
     * @param entries the stored chain in the order the database returns it by seq
     * @param anchors heads published earlier (any order)
     */
    public static ChainVerification verify(String service, List<AuditEntry> entries, List<AuditAnchor> anchors,
                                           long unsealed, double sealingLagSeconds) {
        String prev = AuditEntry.GENESIS;
        long expectedSeq = 1;
        Long broken = null;
        String reason = null;
        for (AuditEntry e : entries) {
            if (e.seq() != expectedSeq) {
                broken = Math.min(e.seq(), expectedSeq);
                reason = e.seq() > expectedSeq ? "entry " + expectedSeq + " is missing" : "entries are out of order";
                break;
            }
            if (!prev.equals(e.prevHash())) {
                broken = e.seq();
                reason = "prevHash does not match the previous entry";
                break;
            }
            if (!e.computeHash().equals(e.hash())) {
                broken = e.seq();
                reason = "hash does not match the entry";
                break;
            }
            prev = e.hash();
            expectedSeq++;
        }
        long sealedUpTo = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).seq();
        if (broken == null) {
            Map<Long, String> bySeq = new TreeMap<>();
            entries.forEach(e -> bySeq.put(e.seq(), e.hash()));
            for (AuditAnchor a : anchors.stream().sorted(Comparator.comparingLong(AuditAnchor::seq)).toList()) {
                String stored = bySeq.get(a.seq());
                if (stored == null) {
                    broken = a.seq();
                    reason = "the chain ends before anchored entry " + a.seq() + " (truncated)";
                    break;
                }
                if (!stored.equals(a.hash())) {
                    broken = firstDivergence(entries, a);
                    reason = "the chain differs from the head anchored at " + a.seq() + " (rewritten)";
                    break;
                }
            }
        }
        String head = entries.isEmpty() ? AuditEntry.GENESIS : entries.get(entries.size() - 1).hash();
        return new ChainVerification(service, entries.size(), head, sealedUpTo, broken == null, broken, reason,
                unsealed, sealingLagSeconds);
    }

    /** A rewrite is only known to lie at or before the anchor it contradicts; the earliest anchored seq is the best bound. */
    private static long firstDivergence(List<AuditEntry> entries, AuditAnchor contradicted) {
        return contradicted.seq();
    }
}
