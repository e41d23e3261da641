package org.relais.gateway.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.relais.blocks.problem.ProblemException;

/**
 * Where a walk through an audit trail stands: the record asked for, every id its entries are filed under
 * (a case's own and its referral's), and per service the last seq handed out and whether the service
 * ever failed to answer on the way. Opaque to clients: base64url of a small JSON document.
 */
record TrailCursor(String subject, List<String> ids, Map<String, Position> services) {

    record Position(long lastSeq, boolean missed) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = "t2";

    Position at(String service) {
        return services.getOrDefault(service, new Position(0, false));
    }

    String encode() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("v", VERSION);
        doc.put("of", subject);
        doc.put("ids", ids);
        Map<String, List<Object>> at = new LinkedHashMap<>();
        services.forEach((s, p) -> at.put(s, List.of(p.lastSeq(), p.missed() ? 1 : 0)));
        doc.put("at", at);
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(doc));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cursor a client sent back for a trail of {@code subject}; a 400 problem for anything else. */
    static TrailCursor decode(String cursor, String subject) {
        try {
            var doc = JSON.readTree(new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8));
            if (!VERSION.equals(doc.path("v").asText())
                    || !subject.equals(doc.path("of").asText())
                    || !doc.path("ids").isArray()
                    || doc.path("ids").size() < 1
                    || doc.path("ids").size() > 20
                    || !doc.path("at").isObject()) {
                throw new IllegalArgumentException();
            }
            List<String> ids = new java.util.ArrayList<>();
            doc.path("ids").forEach(n -> ids.add(n.asText()));
            if (!ids.contains(subject)) {
                throw new IllegalArgumentException();
            }
            Map<String, Position> at = new LinkedHashMap<>();
            var fields = doc.path("at").fields();
            while (fields.hasNext()) {
                var f = fields.next();
                if (!f.getValue().isArray()
                        || f.getValue().size() != 2
                        || !f.getValue().get(0).canConvertToLong()
                        || f.getValue().get(0).asLong() < 0) {
                    throw new IllegalArgumentException();
                }
                at.put(
                        f.getKey(),
                        new Position(
                                f.getValue().get(0).asLong(),
                                f.getValue().get(1).asInt() == 1));
            }
            return new TrailCursor(subject, List.copyOf(ids), at);
        } catch (Exception e) {
            throw ProblemException.badRequest("Query parameter 'cursor' is not a cursor returned by this list");
        }
    }
}
