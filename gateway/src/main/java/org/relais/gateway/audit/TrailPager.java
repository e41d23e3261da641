package org.relais.gateway.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.relais.blocks.audit.AuditEntry;

/**
 * One page of a trail merged from every service's chain. Each service is read after its own last seq,
 * {@code limit} entries at most, and the page takes the earliest entries of all in time order; the cursor
 * keeps each service's position, so nothing is skipped or repeated however many entries a service holds
 * and however late an entry is sealed (it comes after the service's position, on a later page).
 */
final class TrailPager {

    /** A service's sealed entries about {@code ids} after {@code afterSeq} in seq order; empty when it did not answer. */
    interface Source {
        Optional<List<AuditEntry>> after(String service, List<String> ids, long afterSeq, int limit);
    }

    record Status(String service, boolean answered) {}

    record Page(List<AuditEntry> items, TrailCursor next, boolean complete, List<Status> statuses) {}

    private static final Comparator<AuditEntry> TIME_ORDER = Comparator.comparing(AuditEntry::at)
            .thenComparing(AuditEntry::service)
            .thenComparingLong(AuditEntry::seq);

    private TrailPager() {}

    /**
     * Where a walk through the trail of {@code id} starts. A case's entries name the referral it was opened
     * from, but the referral's entries from before the case existed name only the referral: a trail by case
     * asks for both ({@code links}: the ids the case-service's entries about the case name; empty when it
     * did not answer, which the walk then reports as incomplete).
     */
    static TrailCursor start(
            String id,
            boolean isCase,
            String linkingService,
            java.util.function.Supplier<Optional<List<String>>> links) {
        List<String> ids = new ArrayList<>(List.of(id));
        Map<String, TrailCursor.Position> positions = new LinkedHashMap<>();
        if (isCase) {
            Optional<List<String>> linked = links.get();
            if (linked.isEmpty()) {
                positions.put(linkingService, new TrailCursor.Position(0, true));
            } else {
                linked.get().stream()
                        .filter(l -> l != null && !ids.contains(l))
                        .limit(19)
                        .forEach(ids::add);
            }
        }
        return new TrailCursor(id, List.copyOf(ids), positions);
    }

    static Page page(List<String> services, TrailCursor cursor, int limit, Source source) {
        Map<String, Deque<AuditEntry>> buffers = new LinkedHashMap<>();
        Map<String, Boolean> mayHaveMore = new LinkedHashMap<>();
        Map<String, TrailCursor.Position> positions = new LinkedHashMap<>();
        List<Status> statuses = new ArrayList<>();
        boolean complete = true;
        for (String service : services) {
            TrailCursor.Position at = cursor.at(service);
            Optional<List<AuditEntry>> answer = source.after(service, cursor.ids(), at.lastSeq(), limit);
            statuses.add(new Status(service, answer.isPresent()));
            boolean missed = at.missed() || answer.isEmpty();
            complete &= !missed;
            positions.put(service, new TrailCursor.Position(at.lastSeq(), missed));
            // a service is asked for what follows its position; whatever else it sends is not this page's
            List<AuditEntry> fresh = answer.orElse(List.of()).stream()
                    .filter(e -> e.seq() > at.lastSeq())
                    .sorted(Comparator.comparingLong(AuditEntry::seq))
                    .toList();
            buffers.put(service, new ArrayDeque<>(fresh));
            mayHaveMore.put(service, fresh.size() >= limit);
        }
        List<AuditEntry> items = new ArrayList<>();
        while (items.size() < limit) {
            String from = null;
            for (Map.Entry<String, Deque<AuditEntry>> b : buffers.entrySet()) {
                if (!b.getValue().isEmpty()
                        && (from == null
                                || TIME_ORDER.compare(
                                                b.getValue().peekFirst(),
                                                buffers.get(from).peekFirst())
                                        < 0)) {
                    from = b.getKey();
                }
            }
            if (from == null) {
                break;
            }
            AuditEntry e = buffers.get(from).pollFirst();
            items.add(e);
            positions.put(
                    from, new TrailCursor.Position(e.seq(), positions.get(from).missed()));
        }
        boolean more =
                buffers.entrySet().stream().anyMatch(b -> !b.getValue().isEmpty() || mayHaveMore.get(b.getKey()));
        TrailCursor next = more ? new TrailCursor(cursor.subject(), cursor.ids(), positions) : null;
        return new Page(items, next, complete, statuses);
    }
}
