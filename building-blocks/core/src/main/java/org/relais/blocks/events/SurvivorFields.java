package org.relais.blocks.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names API guide section 1 gives survivor data ({@code subject}, {@code reason}, free-text
 * {@code note}, {@code summary}, {@code description}, {@code externalReference}). Events never carry
 * them; a component that passes events on to the outside (webhooks) removes them anyway, so a
 * producer's mistake cannot reach a partner system.
 */
public final class SurvivorFields {

    public static final Set<String> NAMES =
            Set.of("subject", "reason", "note", "notes", "summary", "description", "externalReference");

    private SurvivorFields() {}

    /** Removes every survivor field, at any depth, from {@code node}; returns the names removed (never their values). */
    public static Set<String> strip(JsonNode node) {
        Set<String> removed = new TreeSet<>();
        strip(node, removed);
        return removed;
    }

    private static void strip(JsonNode node, Set<String> removed) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (NAMES.contains(field.getKey())) {
                    removed.add(field.getKey());
                    it.remove();
                } else {
                    strip(field.getValue(), removed);
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(child -> strip(child, removed));
        }
    }
}
