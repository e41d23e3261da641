package org.relais.blocks.paging;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.relais.blocks.problem.ProblemException;

/** The list parameters of API guide section 1, validated: {@code limit} 1..200 (default 50), {@code cursor}, {@code updatedSince}. */
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

    /** Instants a query may name: far outside, the driver turns them into infinity or PostgreSQL refuses them. */
    public static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");

    public static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

    public static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant parsed;
        try {
            parsed = Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(
                    "Query parameter '" + name + "' must be an ISO-8601 instant such as 2026-11-23T10:15:30Z");
        }
        if (parsed.isBefore(EARLIEST) || parsed.isAfter(LATEST)) {
            throw ProblemException.badRequest("Query parameter '" + name + "' must be an instant from 1900 to 2200");
        }
        return parsed;
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
