package org.relais.blocks.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CloudEventTest {

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void structuredModeCarriesTheContractAttributes() throws Exception {
        CloudEvent e = CloudEvent.of(
                        "/referral-service",
                        "relais.referral.sent",
                        "r-1",
                        "police-casa-anfa",
                        mapper.createObjectNode().put("receivingAgencyId", "ngo-casa-ecoute"))
                .withTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        JsonNode json = mapper.readTree(e.toJson(mapper));
        assertEquals("1.0", json.get("specversion").asText());
        assertEquals("relais.referral.sent", json.get("type").asText());
        assertEquals("/referral-service", json.get("source").asText());
        assertEquals("r-1", json.get("subject").asText());
        assertEquals("application/json", json.get("datacontenttype").asText());
        assertEquals("police-casa-anfa", json.get("agencyid").asText());
        assertEquals(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                json.get("traceparent").asText());
        assertTrue(json.get("time").asText().endsWith("Z"));
        assertEquals(7, UUID.fromString(json.get("id").asText()).version());
        assertEquals(e, CloudEvent.fromJson(mapper, e.toJson(mapper)));
    }

    @Test
    void idsAreTimeOrderedAndUnique() {
        UUID a = Uuids.v7();
        UUID b = Uuids.v7();
        assertTrue(a.getMostSignificantBits() >>> 16 <= b.getMostSignificantBits() >>> 16);
        assertTrue(!a.equals(b));
        assertEquals(2, a.variant());
    }

    @Test
    void malformedEventsAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> CloudEvent.fromJson(
                        mapper, "{\"specversion\":\"0.3\",\"id\":\"x\",\"source\":\"/s\",\"type\":\"relais.x\"}"));
        assertThrows(
                IllegalArgumentException.class,
                () -> CloudEvent.fromJson(mapper, "{\"specversion\":\"1.0\",\"source\":\"/s\",\"type\":\"relais.x\"}"));
        assertThrows(IllegalArgumentException.class, () -> CloudEvent.fromJson(mapper, "not json"));
    }
}
