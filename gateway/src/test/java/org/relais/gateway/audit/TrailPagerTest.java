package org.relais.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.problem.ProblemException;

class TrailPagerTest {

    private static final String REF = "0193a0c2-0000-7000-8000-000000000001";
    private static final String CASE = "0193a0c2-0000-7000-8000-0000000000c1";
    private static final List<String> SERVICES =
            List.of("referral-service", "case-service", "notification-service", "gateway");
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    /** Chains held in memory, answering as AuditEndpoint does: after a seq, at most limit, about any of the ids. */
    private static final class Chains implements TrailPager.Source {
        final Map<String, List<AuditEntry>> chains = new LinkedHashMap<>();
        final Set<String> down = new HashSet<>();

        void add(String service, long atMillis, String entity, String... related) {
            List<AuditEntry> chain = chains.computeIfAbsent(service, k -> new ArrayList<>());
            chain.add(new AuditEntry(
                    chain.size() + 1,
                    service,
                    T0.plusMillis(atMillis),
                    "t",
                    "a",
                    "u",
                    entity,
                    null,
                    null,
                    List.of(related)));
        }

        @Override
        public Optional<List<AuditEntry>> after(String service, List<String> ids, long afterSeq, int limit) {
            if (down.contains(service)) {
                return Optional.empty();
            }
            return Optional.of(chains.getOrDefault(service, List.of()).stream()
                    .filter(e -> e.seq() > afterSeq)
                    .filter(e -> e.relatedIds().stream().anyMatch(ids::contains))
                    .limit(limit)
                    .toList());
        }
    }

    private static List<AuditEntry> walk(Chains chains, TrailCursor start, int limit, List<TrailPager.Page> pages) {
        List<AuditEntry> all = new ArrayList<>();
        TrailCursor at = start;
        while (at != null) {
            TrailPager.Page p =
                    TrailPager.page(SERVICES, TrailCursor.decode(at.encode(), start.subject()), limit, chains);
            pages.add(p);
            List<AuditEntry> sorted = new ArrayList<>(p.items());
            sorted.sort(Comparator.comparing(AuditEntry::at));
            assertEquals(sorted, p.items(), "each page in time order");
            all.addAll(p.items());
            at = p.next();
        }
        return all;
    }

    @Test
    void everyEntryOfEveryServiceComesOnceHoweverManyAServiceHolds() {
        Chains chains = new Chains();
        for (int i = 0; i < 2_500; i++) {
            chains.add("referral-service", i * 10L, REF, REF); // far more than any one answer holds
            if (i % 7 == 0) {
                chains.add("case-service", i * 10L + 5, CASE, CASE, REF);
            }
            if (i % 3 == 0) {
                chains.add("referral-service", i * 10L + 1, "other", "other"); // another record's, never shown
            }
        }
        chains.add("gateway", 3, REF, REF);
        List<TrailPager.Page> pages = new ArrayList<>();
        List<AuditEntry> all = walk(chains, TrailPager.start(REF, false, "case-service", Optional::empty), 200, pages);
        assertEquals(2_500 + 358 + 1, all.size());
        assertEquals(all.size(), new HashSet<>(all).size(), "nothing twice");
        assertTrue(pages.stream().allMatch(TrailPager.Page::complete));
        List<AuditEntry> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(AuditEntry::at));
        assertEquals(sorted, all, "the whole trail in time order across pages");
    }

    @Test
    void anEntrySealedLateComesOnALaterPageInsteadOfShiftingOthersOut() {
        Chains chains = new Chains();
        for (int i = 0; i < 30; i++) {
            chains.add("referral-service", i * 10L, REF, REF);
        }
        TrailPager.Page first =
                TrailPager.page(SERVICES, TrailPager.start(REF, false, "case-service", Optional::empty), 10, chains);
        assertEquals(10, first.items().size());
        // a read made before the last entry shown is sealed only now: it gets the next seq
        chains.add("referral-service", 5, REF, REF);
        List<AuditEntry> rest = new ArrayList<>();
        for (TrailCursor at = first.next(); at != null; ) {
            TrailPager.Page p = TrailPager.page(SERVICES, at, 10, chains);
            rest.addAll(p.items());
            at = p.next();
        }
        assertEquals(21, rest.size(), "the 20 not yet shown and the late one");
        assertTrue(rest.stream().anyMatch(e -> e.seq() == 31));
        assertTrue(rest.stream().noneMatch(first.items()::contains));
    }

    @Test
    void aServiceThatDoesNotAnswerMakesTheWalkIncompleteAndItsEntriesComeWhenItAnswers() {
        Chains chains = new Chains();
        for (int i = 0; i < 5; i++) {
            chains.add("referral-service", i * 10L, REF, REF);
            chains.add("case-service", i * 10L + 1, CASE, CASE, REF);
        }
        chains.down.add("case-service");
        TrailPager.Page first =
                TrailPager.page(SERVICES, TrailPager.start(REF, false, "case-service", Optional::empty), 3, chains);
        assertFalse(first.complete());
        assertFalse(first.statuses().stream()
                .filter(s -> s.service().equals("case-service"))
                .findFirst()
                .orElseThrow()
                .answered());
        chains.down.clear();
        List<AuditEntry> rest = new ArrayList<>();
        boolean anyComplete = false;
        for (TrailCursor at = first.next(); at != null; ) {
            TrailPager.Page p = TrailPager.page(SERVICES, at, 3, chains);
            anyComplete |= p.complete();
            rest.addAll(p.items());
            at = p.next();
        }
        assertFalse(anyComplete, "the walk stays marked incomplete: its order was broken");
        assertEquals(
                5, rest.stream().filter(e -> e.service().equals("case-service")).count(), "nothing of it lost");
    }

    @Test
    void aTrailByCaseHoldsTheReferralsEntriesFromBeforeTheCaseExisted() {
        Chains chains = new Chains();
        chains.add("referral-service", 0, REF, REF); // sent, before any case
        chains.add("referral-service", 10, REF, REF); // read by the receiver
        chains.add("case-service", 20, CASE, CASE, REF); // case opened from it
        chains.add("referral-service", 30, REF, REF, CASE); // accepted, now naming the case
        chains.add("gateway", 40, REF, REF); // someone refused on the referral
        TrailCursor start = TrailPager.start(CASE, true, "case-service", () -> Optional.of(List.of(REF)));
        assertEquals(List.of(CASE, REF), start.ids());
        List<AuditEntry> all = walk(chains, start, 50, new ArrayList<>());
        assertEquals(5, all.size());
        assertEquals(
                List.of(0L, 10L, 20L, 30L, 40L),
                all.stream().map(e -> e.at().toEpochMilli() - T0.toEpochMilli()).toList());

        TrailCursor unresolved = TrailPager.start(CASE, true, "case-service", Optional::empty);
        TrailPager.Page p = TrailPager.page(SERVICES, unresolved, 50, chains);
        assertFalse(p.complete(), "without the case-service the referral cannot be found: said, not hidden");
    }

    @Test
    void aCursorServesOnlyTheTrailItCameFrom() {
        TrailCursor c = TrailPager.start(REF, false, "case-service", Optional::empty);
        assertEquals(c, TrailCursor.decode(c.encode(), REF));
        assertThrows(ProblemException.class, () -> TrailCursor.decode(c.encode(), CASE));
        assertThrows(ProblemException.class, () -> TrailCursor.decode("not-a-cursor", REF));
        assertNull(TrailPager.page(SERVICES, c, 10, new Chains()).next());
    }
}
