package org.relais.blocks.events;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * Turns the payload records of the event catalogue ({@link ReferralEvents}, {@link CaseEvents}, {@link AgencyEvents})
 * into an event's {@code data} and back, with one mapper: instants as ISO-8601 text, absent fields left out, fields a
 * newer producer added ignored by an older consumer.
 */
public final class EventData {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

    private EventData() {}

    /** The payload as an event's {@code data} object. */
    public static ObjectNode of(Object payload) {
        return MAPPER.valueToTree(payload);
    }

    /** The event's {@code data} read as the payload record of its topic; an event whose data does not fit is one that can never apply. */
    public static <T> T read(CloudEvent event, Class<T> type) {
        JsonNode data = event.data() == null ? MAPPER.createObjectNode() : event.data();
        try {
            return MAPPER.treeToValue(data, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("event " + event.id() + " (" + event.type() + ") has data that is not a "
                    + type.getSimpleName() + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
