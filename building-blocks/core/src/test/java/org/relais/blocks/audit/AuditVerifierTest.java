package org.relais.blocks.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditVerifierTest {

    private static List<AuditEntry> chain(int n) {
        List<AuditEntry> out = new ArrayList<>();
        String prev = AuditEntry.GENESIS;
        for (int i = 1; i <= n; i++) {
            AuditEntry e = new AuditEntry(
                            0,
                            "case-service",
                            Instant.parse("2026-11-23T10:00:00Z").plusSeconds(i),
                            i % 3 == 0 ? AuditEntry.READ_TYPE : "relais.case.opened",
                            "ngo-casa-ecoute",
                            "ngo-caseworker",
                            "case-" + i,
                            null,
                            null)
                    .sealed(i, prev);
            out.add(e);
            prev = e.hash();
        }
        return out;
    }

    private static List<AuditEntry> rehashFrom(List<AuditEntry> entries, int fromSeq, String newActor) {
        List<AuditEntry> out = new ArrayList<>(entries.subList(0, fromSeq - 1));
        String prev =
                fromSeq == 1 ? AuditEntry.GENESIS : out.get(out.size() - 1).hash();
        for (AuditEntry e : entries.subList(fromSeq - 1, entries.size())) {
            AuditEntry rewritten = new AuditEntry(
                            0,
                            e.service(),
                            e.at(),
                            e.type(),
                            e.agencyId(),
                            e.seq() == fromSeq ? newActor : e.actor(),
                            e.entityId(),
                            null,
                            null)
                    .sealed(e.seq(), prev);
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
        entries.set(
                6,
                new AuditEntry(
                        e.seq(),
                        e.service(),
                        e.at(),
                        e.type(),
                        "police-casa-anfa",
                        e.actor(),
                        e.entityId(),
                        e.prevHash(),
                        e.hash()));
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
            renumbered.add(new AuditEntry(
                    i + 1,
                    e.service(),
                    e.at(),
                    e.type(),
                    e.agencyId(),
                    e.actor(),
                    e.entityId(),
                    e.prevHash(),
                    e.hash()));
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

    @Test
    void theHashOfAVersion2EntryCoversItsRelatedIdsAsASortedSet() {
        AuditEntry e = new AuditEntry(
                        0,
                        "referral-service",
                        Instant.parse("2026-11-23T10:00:00Z"),
                        "relais.referral.sent",
                        "police-casa-anfa",
                        "police-caseworker",
                        "r-1",
                        null,
                        null,
                        List.of("r-1", "c-9"))
                .sealed(1, AuditEntry.GENESIS);
        assertEquals(List.of("c-9", "r-1"), e.relatedIds(), "sorted as served");
        assertEquals(
                "{\"actor\":\"police-caseworker\",\"agencyId\":\"police-casa-anfa\",\"at\":\"2026-11-23T10:00:00Z\","
                        + "\"entityId\":\"r-1\",\"prevHash\":\"" + AuditEntry.GENESIS
                        + "\",\"relatedIds\":[\"c-9\",\"r-1\"],"
                        + "\"seq\":1,\"service\":\"referral-service\",\"type\":\"relais.referral.sent\"}",
                e.canonicalJson());
        assertEquals(
                e.hash(), e.withRelatedIds(List.of("c-9", "r-1")).computeHash(), "the order stored does not matter");
        assertFalse(e.hash().equals(e.withRelatedIds(List.of("r-1")).computeHash()), "an id taken away does");
        assertFalse(
                e.hash().equals(e.withRelatedIds(List.of("r-1", "c-9", "c-9")).computeHash()),
                "so does one added twice");
        assertFalse(e.hash().equals(e.withRelatedIds(null).computeHash()), "and passing it off as version 1");
        // a version-1 entry (sealed before V1002) keeps the hash it was sealed with
        AuditEntry v1 = new AuditEntry(
                        0, "referral-service", e.at(), e.type(), e.agencyId(), e.actor(), e.entityId(), null, null)
                .sealed(1, AuditEntry.GENESIS);
        assertEquals(1, v1.hashVersion());
        assertFalse(v1.canonicalJson().contains("relatedIds"));
    }

    @Test
    void aMixedChainVerifiesAndAnEditedRelatedIdIsFound() {
        List<AuditEntry> entries = new ArrayList<>(chain(4));
        String prev = entries.get(3).hash();
        for (int i = 5; i <= 8; i++) {
            AuditEntry e = new AuditEntry(
                            0,
                            "case-service",
                            Instant.parse("2026-11-23T11:00:00Z").plusSeconds(i),
                            "relais.case.opened",
                            "ngo-casa-ecoute",
                            "ngo-caseworker",
                            "case-" + i,
                            null,
                            null,
                            List.of("case-" + i, "ref-" + i))
                    .sealed(i, prev);
            entries.add(e);
            prev = e.hash();
        }
        assertTrue(verify(entries, List.of(anchorAt(entries, 8))).valid());
        AuditEntry e = entries.get(5);
        entries.set(5, e.withRelatedIds(List.of("case-6")));
        ChainVerification v = verify(entries, List.of(anchorAt(chain(4), 4)));
        assertFalse(v.valid());
        assertEquals(6L, v.firstBrokenSeq());
    }

    @Test
    void aWalkStartsAfterAnAnchoredEntryAndHoldsOnlyItsState() {
        // entries made one at a time and dropped: the walk keeps the last hash, not the chain
        int n = 300_000;
        String prev = AuditEntry.GENESIS;
        AuditVerifier.Walk walk = null;
        long startAt = 100_000;
        for (int i = 1; i <= n; i++) {
            AuditEntry e = new AuditEntry(
                            0,
                            "gateway",
                            Instant.parse("2026-11-23T10:00:00Z").plusMillis(i),
                            "relais.access.denied.no-token",
                            null,
                            null,
                            null,
                            null,
                            null,
                            List.of())
                    .sealed(i, prev);
            if (i == startAt) {
                walk = new AuditVerifier.Walk(i, e.hash(), Map.of(), List.of());
            } else if (walk != null) {
                assertTrue(walk.accept(e));
            }
            prev = e.hash();
        }
        ChainVerification v = walk.finish("gateway", 0, 0);
        assertTrue(v.valid());
        assertEquals(n - startAt, v.entries());
        assertEquals(n, v.sealedUpTo());
        assertEquals(startAt, v.verifiedFrom());
        // an anchor beyond what the walk reached: the chain was cut
        AuditVerifier.Walk cut = new AuditVerifier.Walk(0, AuditEntry.GENESIS, Map.of(12L, "f".repeat(64)), List.of());
        chain(10).forEach(cut::accept);
        ChainVerification c = cut.finish("case-service", 0, 0);
        assertFalse(c.valid());
        assertEquals(12L, c.firstBrokenSeq());
    }
}
