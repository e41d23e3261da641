package org.relais.blocks.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * A CloudEvents 1.0 event in structured JSON mode (API guide section 8): the attributes, the
 * {@code agencyid} and {@code traceparent} extensions, and {@code data}, which never holds survivor data.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CloudEvent(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        String agencyid,
        String traceparent,
        JsonNode data) {

    public static final String SPEC_VERSION = "1.0";
    public static final String JSON = "application/json";

    public CloudEvent {
        if (!SPEC_VERSION.equals(specversion)) {
            throw new IllegalArgumentException("specversion must be 1.0");
        }
        requireText(id, "id");
        requireText(source, "source");
        requireText(type, "type");
        if (!type.startsWith("relais.")) {
            throw new IllegalArgumentException("type must be a relais.* event type");
        }
        if (data != null && !data.isObject()) {
            throw new IllegalArgumentException("data must be a JSON object");
        }
    }

    /** A new event with a fresh time-ordered id and the current time (microseconds, as PostgreSQL keeps it). */
    public static CloudEvent of(String source, String type, String subject, String agencyId, JsonNode data) {
        return new CloudEvent(
                SPEC_VERSION,
                Uuids.v7().toString(),
                source,
                type,
                subject,
                Instant.now().truncatedTo(ChronoUnit.MICROS),
                JSON,
                agencyId,
                null,
                data);
    }

    public CloudEvent withTraceparent(String value) {
        return new CloudEvent(specversion, id, source, type, subject, time, datacontenttype, agencyid, value, data);
    }

    public UUID uuid() {
        return UUID.fromString(id);
    }

    public String toJson(ObjectMapper mapper) {
        try {
            return mapper.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("event " + id + " cannot be serialised", e);
        }
    }

    public static CloudEvent fromJson(ObjectMapper mapper, String json) {
        try {
            return mapper.readValue(json, CloudEvent.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "not a structured-mode CloudEvent (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The {@code data} object, or an empty one. */
    public ObjectNode dataObject() {
        return data instanceof ObjectNode o ? o : new ObjectMapper().createObjectNode();
    }

    private static void requireText(String value, String name) {
        if (Objects.requireNonNullElse(value, "").isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
