package org.relais.blocks.paging;

import java.util.List;
import java.util.function.Function;

/** A page of a list: {@code {"items": [...], "nextCursor": "..." | null}}. */
public record Page<T>(List<T> items, String nextCursor) {

    /**
     * Builds the page from up to {@code limit + 1} rows fetched in list order: the extra row only tells
     * that another page exists.
     */
    public static <R, T> Page<T> of(List<R> rows, int limit, Function<R, Cursor> position, Function<R, T> view) {
        return withViews(
                rows, limit, position, shown(rows, limit).stream().map(view).toList());
    }

    /** The rows a page shows: all but the extra one fetched to tell whether another page exists. */
    public static <R> List<R> shown(List<R> rows, int limit) {
        return rows.size() > limit ? rows.subList(0, limit) : rows;
    }

    /** The page of {@code views}, already made (perhaps asynchronously) from {@link #shown} of the same rows. */
    public static <R, T> Page<T> withViews(List<R> rows, int limit, Function<R, Cursor> position, List<T> views) {
        String next = rows.size() > limit ? position.apply(rows.get(limit - 1)).encode() : null;
        return new Page<>(views, next);
    }
}
