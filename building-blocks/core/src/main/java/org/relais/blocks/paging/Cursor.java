package org.relais.blocks.paging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.relais.blocks.problem.ProblemException;

/**
 * A keyset position in a list ordered by ({@code updatedAt}, {@code id}): the last item a page held.
 * Opaque to clients; a cursor that was not made here is a 400.
 */
public record Cursor(Instant after, String afterId) {

    public Cursor(Instant after, java.util.UUID afterId) {
        this(after, afterId.toString());
    }

    private static final String VERSION = "c1";

    public String encode() {
        long micros = after.getEpochSecond() * 1_000_000L + after.getNano() / 1_000;
        String raw = VERSION + "|" + micros + "|" + afterId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** The position's id as a UUID, for lists keyed by UUIDs; any other id is a cursor not made here (400). */
    public java.util.UUID afterUuid() {
        try {
            return java.util.UUID.fromString(afterId);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("Query parameter 'cursor' is not a cursor returned by this list");
        }
    }

    private static String requireId(String id) {
        if (id.isBlank() || id.length() > 128) {
            throw new IllegalArgumentException();
        }
        return id;
    }

    public static Cursor decode(String value) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
            String[] parts = raw.split("\\|", 3);
            if (parts.length != 3 || !VERSION.equals(parts[0])) {
                throw new IllegalArgumentException();
            }
            long micros = Long.parseLong(parts[1]);
            return new Cursor(
                    Instant.ofEpochSecond(
                            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
                    requireId(parts[2]));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.badRequest("Query parameter 'cursor' is not a cursor returned by this list");
        }
    }
}
