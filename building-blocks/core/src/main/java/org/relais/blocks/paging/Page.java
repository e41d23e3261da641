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
        boolean more = rows.size() > limit;
        List<R> shown = more ? rows.subList(0, limit) : rows;
        String next = more ? position.apply(shown.get(shown.size() - 1)).encode() : null;
        return new Page<>(shown.stream().map(view).toList(), next);
    }
}
