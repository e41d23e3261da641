package org.relais.blocks.paging;

import org.relais.blocks.problem.ProblemException;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The list parameters of CONTRACT section 1, validated: {@code limit} 1..200 (default 50), {@code cursor}, {@code updatedSince}. */
public record PageRequest(int limit, Cursor cursor, Instant updatedSince) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    public static PageRequest of(String limit, String cursor, String updatedSince) {
        int n = DEFAULT_LIMIT;
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                throw ProblemException.badRequest("Query parameter 'limit' must be an integer from 1 to " + MAX_LIMIT);
            }
            if (n < 1 || n > MAX_LIMIT) {
                throw ProblemException.badRequest("Query parameter 'limit' must be from 1 to " + MAX_LIMIT);
            }
        }
        Cursor c = cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor.trim());
        return new PageRequest(n, c, instant("updatedSince", updatedSince));
    }

    public static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("Query parameter '" + name + "' must be an ISO-8601 instant such as 2026-11-23T10:15:30Z");
        }
    }

    public static <E extends Enum<E>> E enumValue(String name, String value, Class<E> type) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("Query parameter '" + name + "' must be one of "
                    + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }
}
