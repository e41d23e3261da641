package org.relais.blocks.audit;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditVerifierTest {

    private static List<AuditEntry> chain(int n) {
        List<AuditEntry> out = new ArrayList<>();
        String prev = AuditEntry.GENESIS;
        for (int i = 1; i <= n; i++) {
            AuditEntry e = new AuditEntry(0, "case-service", Instant.parse("2026-11-23T10:00:00Z").plusSeconds(i),
                    i % 3 == 0 ? AuditEntry.READ_TYPE : "relais.case.opened", "ngo-casa-ecoute", "ngo-caseworker",
                    "case-" + i, null, null).sealed(i, prev);
            out.add(e);
            prev = e.hash();
        }
        return out;
    }

    private static List<AuditEntry> rehashFrom(List<AuditEntry> entries, int fromSeq, String newActor) {
        List<AuditEntry> out = new ArrayList<>(entries.subList(0, fromSeq - 1));
        String prev = fromSeq == 1 ? AuditEntry.GENESIS : out.get(out.size() - 1).hash();
        for (AuditEntry e : entries.subList(fromSeq - 1, entries.size())) {
            AuditEntry rewritten = new AuditEntry(0, e.service(), e.at(), e.type(), e.agencyId(),
                    e.seq() == fromSeq ? newActor : e.actor(), e.entityId(), null, null).sealed(e.seq(), prev);
            out.add(rewritten);
            prev = rewritten.hash();
        }
        return out;
    }

    private static AuditAnchor anchorAt(List<AuditEntry> entries, int seq) {
        return new AuditAnchor("case-service", seq, entries.get(seq - 1).hash(), Instant.now());
    }

    private static ChainVerification verify(List<AuditEntry> entries, List<AuditAnchor> anchors) {
        return AuditVerifier.verify("case-service", entries, anchors, 0, 0);
    }

    @Test
    void anIntactChainIsValid() {
        List<AuditEntry> entries = chain(10);
        ChainVerification v = verify(entries, List.of(anchorAt(entries, 4), anchorAt(entries, 10)));
        assertTrue(v.valid());
        assertEquals(10, v.entries());
        assertEquals(10, v.sealedUpTo());
        assertEquals(entries.get(9).hash(), v.head());
    }

    @Test
    void anEditedEntryIsReportedAtItsSeq() {
        List<AuditEntry> entries = new ArrayList<>(chain(10));
        AuditEntry e = entries.get(6);
        entries.set(6, new AuditEntry(e.seq(), e.service(), e.at(), e.type(), "police-casa-anfa", e.actor(), e.entityId(),
                e.prevHash(), e.hash()));
        ChainVerification v = verify(entries, List.of());
        assertFalse(v.valid());
        assertEquals(7L, v.firstBrokenSeq());
    }

    @Test
    void aDeletedEntryIsReportedAtItsSeq() {
        List<AuditEntry> entries = new ArrayList<>(chain(10));
        entries.remove(4);
        ChainVerification v = verify(entries, List.of());
        assertFalse(v.valid());
        assertEquals(5L, v.firstBrokenSeq());
    }

    @Test
    void reorderedEntriesAreReported() {
        List<AuditEntry> entries = new ArrayList<>(chain(10));
        Collections.swap(entries, 2, 3);
        ChainVerification v = verify(entries, List.of());
        assertFalse(v.valid());
        assertEquals(3L, v.firstBrokenSeq());
    }

    @Test
    void entriesRenumberedAfterADeletionAreReported() {
        List<AuditEntry> entries = new ArrayList<>(chain(10));
        entries.remove(4);
        List<AuditEntry> renumbered = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            AuditEntry e = entries.get(i);
            renumbered.add(new AuditEntry(i + 1, e.service(), e.at(), e.type(), e.agencyId(), e.actor(), e.entityId(),
                    e.prevHash(), e.hash()));
        }
        ChainVerification v = verify(renumbered, List.of());
        assertFalse(v.valid());
        assertEquals(5L, v.firstBrokenSeq());
    }

    @Test
    void aTruncatedTailIsCaughtByTheAnchoredHead() {
        List<AuditEntry> entries = chain(10);
        List<AuditEntry> truncated = entries.subList(0, 7);
        assertTrue(verify(truncated, List.of()).valid(), "without an anchor a clean cut cannot be seen");
        ChainVerification v = verify(truncated, List.of(anchorAt(entries, 4), anchorAt(entries, 10)));
        assertFalse(v.valid());
        assertEquals(10L, v.firstBrokenSeq());
    }

    @Test
    void aChainRewrittenAndRehashedFromSomePointIsCaughtByTheAnchors() {
        List<AuditEntry> entries = chain(10);
        List<AuditEntry> rewritten = rehashFrom(entries, 6, "someone-else");
        assertTrue(verify(rewritten, List.of()).valid(), "a consistent rehash passes the chain check alone");
        ChainVerification v = verify(rewritten, List.of(anchorAt(entries, 4), anchorAt(entries, 8)));
        assertFalse(v.valid());
        assertEquals(8L, v.firstBrokenSeq());
        // an anchor before the rewrite still matches: the damage lies after seq 4
        assertTrue(verify(rewritten, List.of(anchorAt(entries, 4))).valid());
    }
}
