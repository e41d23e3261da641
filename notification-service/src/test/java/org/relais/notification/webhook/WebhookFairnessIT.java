package org.relais.notification.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/** Each agency has a webhook quota, and one agency's backlog towards a dead receiver does not hold up another's deliveries. */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class WebhookFairnessIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String BACKLOGGED = "backlogged-" + RUN;
    private static final String PROMPT = "prompt-" + RUN;
    private static final String QUOTA = "quota-" + RUN;
    private static final String POLICE = "sender-" + RUN;

    @Inject
    AgencyDirectory directory;

    @Inject
    AgroalDataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @BeforeEach
    void agencies() throws Exception {
        for (String id : List.of(BACKLOGGED, PROMPT, QUOTA, POLICE)) {
            directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + id + "\",\"active\":true}")));
        }
    }

    @Test
    void anAgencyRegistersAtMostItsQuotaOfWebhooks() {
        String admin = TestTokens.serviceAccount(QUOTA, "quota-system", "agency-admin");
        String last = null;
        for (int i = 0; i < 20; i++) {
            last = (String) WebhookIT.register(admin, "http://127.0.0.1:9/hook/" + i, "relais.referral.sent")
                    .get("id");
        }
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"http://127.0.0.1:9/hook/20\", \"eventTypes\": [\"relais.referral.sent\"]}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(422)
                .body("limit", equalTo(20))
                .body("detail", org.hamcrest.Matchers.containsString("20 webhooks"));
        given().auth()
                .oauth2(admin)
                .when()
                .delete("/api/v1/webhooks/" + last)
                .then()
                .statusCode(204);
        WebhookIT.register(admin, "http://127.0.0.1:9/hook/20", "relais.referral.sent");
    }

    @Test
    void aBacklogTowardsAHangingReceiverDoesNotDelayAnotherAgency() throws Exception {
        try (Receiver hanging = new Receiver();
                Receiver prompt = new Receiver()) {
            hanging.mode = Receiver.Mode.HANG;
            String backloggedAdmin = TestTokens.serviceAccount(BACKLOGGED, "backlogged-system", "agency-admin");
            String hook = (String) WebhookIT.register(backloggedAdmin, hanging.url(), "relais.referral.sent")
                    .get("id");
            WebhookIT.register(
                    TestTokens.serviceAccount(PROMPT, "prompt-system", "agency-admin"),
                    prompt.url(),
                    "relais.referral.sent");
            try {
                // thousands of deliveries due for the first agency, older than anything the second will get
                try (Connection c = dataSource.getConnection();
                        PreparedStatement ps = c.prepareStatement(
                                "insert into webhook_deliveries (id, webhook_id, event_id, message_id, event_type, payload, status, next_attempt_at, "
                                        + "created_at) select gen_random_uuid(), ?, gen_random_uuid(), 'msg_backlog_' || g, 'relais.referral.sent', "
                                        + "'{\"id\":\"backlog\",\"type\":\"relais.referral.sent\",\"subject\":\"backlog\"}', 'PENDING', "
                                        + "now() - interval '1 minute', now() from generate_series(1, 6000) g")) {
                    ps.setObject(1, UUID.fromString(hook));
                    ps.executeUpdate();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> !hanging.received.isEmpty());
                long sent = System.currentTimeMillis();
                WebhookIT.sent(mapper, POLICE, PROMPT);
                await().atMost(Duration.ofSeconds(30)).until(() -> !prompt.received.isEmpty());
                long took = prompt.received.get(0).at() - sent;
                assertTrue(
                        took < 3_000, "the prompt agency's delivery waited " + took + " ms behind the other's backlog");
                // the backlogged agency never has more than its room in flight towards its dead receiver
                assertTrue(
                        hanging.received.size() <= 20, hanging.received.size() + " requests to the hanging receiver");
            } finally {
                given().auth()
                        .oauth2(backloggedAdmin)
                        .contentType(ContentType.JSON)
                        .body("{\"paused\": true}")
                        .when()
                        .patch("/api/v1/webhooks/" + hook)
                        .then()
                        .statusCode(200);
                try (Connection c = dataSource.getConnection();
                        PreparedStatement ps = c.prepareStatement(
                                "update webhook_deliveries set status = 'FAILED' where webhook_id = ? and status = 'PENDING'")) {
                    ps.setObject(1, UUID.fromString(hook));
                    ps.executeUpdate();
                }
            }
        }
    }
}
