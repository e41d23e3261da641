package org.relais.blocks.paging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A list query paged by keyset (API guide section 1): the list's own filters, then {@code updatedSince} and the
 * position after the cursor on (time, id), ordered by them. Built once per list, in the same way everywhere:
 * <pre>
 * KeysetQuery q = KeysetQuery.on("updatedAt", "id").where("receivingAgencyId = :agency", "agency", id).page(page);
 * Referral.find(q.query(), q.params()).range(0, q.lastRow()).list()  // limit + 1 rows: the extra one says another page exists
 * </pre>
 * Then {@link Page#of} or {@link Page#withViews} with {@code new Cursor(row.time, row.id)}.
 */
public final class KeysetQuery {

    private final String time;
    private final String id;
    private final String prefix;
    private final List<String> where = new ArrayList<>();
    private final Map<String, Object> params = new HashMap<>();
    private int lastRow;

    private KeysetQuery(String prefix, String time, String id) {
        this.prefix = prefix;
        this.time = time;
        this.id = id;
    }

    /** A list ordered by {@code time} then {@code id} (entity field names). */
    public static KeysetQuery on(String time, String id) {
        return new KeysetQuery("", time, id);
    }

    /** The same, for a query that starts with its own {@code from ... where} (e.g. {@code "from Notification n where "}). */
    public static KeysetQuery on(String from, String time, String id) {
        return new KeysetQuery(from, time, id);
    }

    /** A filter without parameters. */
    public KeysetQuery where(String clause) {
        where.add(clause);
        return this;
    }

    /** A filter with one named parameter. */
    public KeysetQuery where(String clause, String name, Object value) {
        where.add(clause);
        params.put(name, value);
        return this;
    }

    /** A filter with several named parameters. */
    public KeysetQuery where(String clause, Map<String, ?> values) {
        where.add(clause);
        params.putAll(values);
        return this;
    }

    /**
     * The page asked for: rows changed at or after {@code updatedSince}, after the cursor's position. A cursor's id is
     * read as a UUID (a list keyed by slugs, such as agencies, uses {@link #pageBySlug}).
     */
    public KeysetQuery page(PageRequest page) {
        return page(page, true);
    }

    /** {@link #page} for a list whose ids are text (agency slugs). */
    public KeysetQuery pageBySlug(PageRequest page) {
        return page(page, false);
    }

    private KeysetQuery page(PageRequest page, boolean uuids) {
        if (page.updatedSince() != null) {
            where("%s >= :since".formatted(time), "since", page.updatedSince());
        }
        if (page.cursor() != null) {
            where("(%s, %s) > (:after, :afterId)".formatted(time, id));
            params.put("after", page.cursor().after());
            params.put(
                    "afterId", uuids ? page.cursor().afterUuid() : page.cursor().afterId());
        }
        lastRow = page.limit();
        return this;
    }

    /** The query: filters, keyset position, order. */
    public String query() {
        return prefix + String.join(" and ", where) + " order by %s, %s".formatted(time, id);
    }

    public Map<String, Object> params() {
        return params;
    }

    /** The last row index to fetch from 0 (inclusive): the page's limit, so limit + 1 rows. */
    public int lastRow() {
        return lastRow;
    }
}
