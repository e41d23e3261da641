package org.relais.blocks.directory;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What every component needs of an agency's directory entry, taken from the full non-PII record
 * published on the compacted {@code relais.agencies} topic. {@code permissions} null means no restriction.
 */
public record AgencyRecord(String id, boolean active, Set<String> permissions, JsonNode record) {

    public static AgencyRecord of(JsonNode record) {
        String id = record.path("id").asText(null);
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("an agency record needs an id");
        }
        Set<String> permissions = null;
        JsonNode p = record.get("permissions");
        if (p != null && p.isArray()) {
            permissions = new LinkedHashSet<>();
            for (JsonNode n : p) {
                permissions.add(n.asText());
            }
            permissions = Set.copyOf(permissions);
        }
        return new AgencyRecord(id, record.path("active").asBoolean(true), permissions, record);
    }

    public String text(String field) {
        return record.path(field).asText(null);
    }
}
