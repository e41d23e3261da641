package org.relais.blocks.problem;

/** One invalid field: {@code field} is a JSON Pointer into the request body ({@code /subject/safeContact/method}). */
public record FieldError(String field, String message) {

    /** A JSON Pointer from path segments, escaping {@code ~} and {@code /} as RFC 6901 says. */
    public static String pointer(Iterable<?> segments) {
        StringBuilder b = new StringBuilder();
        for (Object segment : segments) {
            b.append('/').append(String.valueOf(segment).replace("~", "~0").replace("/", "~1"));
        }
        return b.toString();
    }
}
