package org.relais.blocks.audit;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values audit entries hold: objects with members
 * sorted by their UTF-16 code units, strings escaped as ECMAScript's JSON.stringify does, integers
 * and finite numbers in ECMAScript's shortest form, no whitespace.
 */
public final class CanonicalJson {

    private CanonicalJson() {}

    public static String of(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value);
        return b.toString();
    }

    private static void write(StringBuilder b, Object value) {
        if (value == null) {
            b.append("null");
        } else if (value instanceof String s) {
            string(b, s);
        } else if (value instanceof Boolean bool) {
            b.append(bool);
        } else if (value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte) {
            long n = ((Number) value).longValue();
            if (Math.abs(n) > 9007199254740991L) {
                throw new IllegalArgumentException("integers beyond 2^53 are not exact in JSON; send them as strings");
            }
            b.append(n);
        } else if (value instanceof Number n) {
            number(b, n.doubleValue());
        } else if (value instanceof Map<?, ?> map) {
            TreeMap<String, Object> sorted = new TreeMap<>(); // String.compareTo orders by UTF-16 code units
            map.forEach((k, v) -> sorted.put(String.valueOf(k), v));
            b.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                string(b, e.getKey());
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else if (value instanceof List<?> list) {
            b.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                write(b, list.get(i));
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException(
                    "not a JSON value: " + value.getClass().getName());
        }
    }

    private static void number(StringBuilder b, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("NaN and Infinity are not JSON");
        }
        if (d == 0) {
            b.append('0');
            return;
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e21) {
            b.append(new BigDecimal(d).toPlainString());
            return;
        }
        // ECMAScript Number.prototype.toString: shortest round-trip digits, exponent outside [1e-6, 1e21)
        String s = Double.toString(Math.abs(d));
        BigDecimal exact = new BigDecimal(s).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - exact.scale(); // value = 0.digits * 10^exponent
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent >= -5 && exponent <= 21) {
            if (exponent <= 0) {
                out.append("0.").append("0".repeat(-exponent)).append(digits);
            } else if (exponent >= digits.length()) {
                out.append(digits).append("0".repeat(exponent - digits.length()));
            } else {
                out.append(digits, 0, exponent).append('.').append(digits.substring(exponent));
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits.substring(1));
            }
            int e = exponent - 1;
            out.append('e').append(e > 0 ? "+" : "-").append(Math.abs(e));
        }
        b.append(out);
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
