package org.relais.notification.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * A new delivery goes out when it is stored, not at the dispatcher's next tick: here the tick comes
 * once an hour, so only the database's signal (NOTIFY on insert into webhook_deliveries) can send it.
 */
@QuarkusTest
@TestProfile(WebhookWakeIT.HourlyTick.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class WebhookWakeIT {

    public static class HourlyTick implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("relais.webhooks.dispatch-every", "1h");
        }
    }

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String NGO = "woken-" + RUN;
    private static final String POLICE = "sender-" + RUN;

    @Inject
    AgencyDirectory directory;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void aStoredDeliveryIsSentWithoutWaitingForTheTick() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true}")));
        String admin = TestTokens.serviceAccount(NGO, "ngo-system", "agency-admin", "caseworker");
        try (Receiver receiver = new Receiver()) {
            WebhookIT.register(admin, receiver.url(), "relais.referral.sent");
            for (int i = 0; i < 3; i++) {
                CloudEvent event = WebhookIT.sent(mapper, POLICE, NGO);
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received.size() >= expected);
                assertEquals(
                        "msg_" + event.id(), receiver.received.get(i).headers().get("webhook-id"));
            }
        }
    }
}
