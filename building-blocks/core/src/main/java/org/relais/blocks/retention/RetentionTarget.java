package org.relais.blocks.retention;

import java.time.Duration;

/**
 * A table of a service whose old rows the {@link RetentionJob} deletes: rows where {@code timeColumn} is
 * older than {@code keep} and {@code condition} holds (e.g. a delivery that reached a final state).
 */
public record RetentionTarget(String table, String keyColumn, String timeColumn, String condition, Duration keep) {

    public RetentionTarget {
        for (String name : new String[] {table, keyColumn, timeColumn}) {
            if (!name.matches("[a-z_][a-z0-9_]*")) {
                throw new IllegalArgumentException("not an identifier: " + name);
            }
        }
    }
}
