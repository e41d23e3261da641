package org.relais.notification.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/** Every POST of the service honours Idempotency-Key: a retry answers what the first request did, and does it once. */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class IdempotentPostsIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String NGO = "idem-" + RUN;
    private static final String POLICE = "sender-" + RUN;

    @Inject
    AgencyDirectory directory;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final String admin = TestTokens.serviceAccount(NGO, "idem-system", "agency-admin");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true}")));
    }

    private io.restassured.response.ValidatableResponse registerWithKey(String key, String url) {
        return given().auth()
                .oauth2(admin)
                .header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"" + url + "\", \"eventTypes\": [\"relais.referral.sent\"]}")
                .when()
                .post("/api/v1/webhooks")
                .then();
    }

    @Test
    void aRetriedRegistrationAnswersTheSameWebhookAndSecretOnce() {
        String key = "register-" + RUN;
        String url = "http://127.0.0.1:9/idem/" + RUN;
        Map<String, Object> first =
                registerWithKey(key, url).statusCode(201).extract().jsonPath().getMap("");
        Map<String, Object> again =
                registerWithKey(key, url).statusCode(201).extract().jsonPath().getMap("");
        assertEquals(first.get("id"), again.get("id"));
        assertEquals(first.get("secret"), again.get("secret"));
        given().auth()
                .oauth2(admin)
                .when()
                .get("/api/v1/webhooks")
                .then()
                .statusCode(200)
                .body("findAll { it.url == '" + url + "' }", hasSize(1));
        // the same key for another body is refused
        registerWithKey(key, url + "/other").statusCode(422);
    }

    @Test
    void aRetriedRotationAnswersTheSameSecretAndKeepsTheOneThePartnerStillUses() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Map<String, Object> hook = WebhookIT.register(admin, receiver.url(), "relais.referral.sent");
            String id = (String) hook.get("id");
            String original = (String) hook.get("secret");
            String key = "rotate-" + RUN;
            String rotated = given().auth()
                    .oauth2(admin)
                    .header("Idempotency-Key", key)
                    .when()
                    .post("/api/v1/webhooks/" + id + "/rotate-secret")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("secret");
            String retried = given().auth()
                    .oauth2(admin)
                    .header("Idempotency-Key", key)
                    .when()
                    .post("/api/v1/webhooks/" + id + "/rotate-secret")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("secret");
            assertEquals(rotated, retried, "the retry answers the secret the first rotation issued");
            assertNotEquals(original, rotated);
            CloudEvent event = WebhookIT.sent(mapper, POLICE, NGO);
            await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.received.isEmpty());
            Receiver.Received r = receiver.received.get(0);
            assertEquals("msg_" + event.id(), r.headers().get("webhook-id"));
            assertTrue(WebhookIT.verifies(original, r), "the secret the partner still uses signs during the overlap");
            assertTrue(WebhookIT.verifies(rotated, r));
            assertEquals(2, r.headers().get("webhook-signature").split(" ").length, "two secrets sign, not three");
        }
    }

    @Test
    void aDeliveredDeliveryCannotBeRetriedAndARetriedRetryQueuesOnce() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.mode = Receiver.Mode.FAIL;
            String id = (String) WebhookIT.register(admin, receiver.url(), "relais.referral.sent")
                    .get("id");
            WebhookIT.sent(mapper, POLICE, NGO);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().auth()
                            .oauth2(admin)
                            .when()
                            .get("/api/v1/webhooks/" + id + "/deliveries")
                            .then()
                            .body("[0].status", equalTo("FAILED")));
            String delivery = given().auth()
                    .oauth2(admin)
                    .when()
                    .get("/api/v1/webhooks/" + id + "/deliveries")
                    .then()
                    .extract()
                    .path("[0].id");
            receiver.mode = Receiver.Mode.OK;
            String path = "/api/v1/webhooks/" + id + "/deliveries/" + delivery + "/retry";
            given().auth()
                    .oauth2(admin)
                    .header("Idempotency-Key", "retry-" + RUN)
                    .when()
                    .post(path)
                    .then()
                    .statusCode(204);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().auth()
                            .oauth2(admin)
                            .when()
                            .get("/api/v1/webhooks/" + id + "/deliveries")
                            .then()
                            .body("[0].status", equalTo("DELIVERED")));
            // the same request again answers as the first did, and sends nothing more
            given().auth()
                    .oauth2(admin)
                    .header("Idempotency-Key", "retry-" + RUN)
                    .when()
                    .post(path)
                    .then()
                    .statusCode(204);
            // a new retry of what was delivered is a conflict
            given().auth()
                    .oauth2(admin)
                    .when()
                    .post(path)
                    .then()
                    .statusCode(409)
                    .contentType("application/problem+json")
                    .body("currentStatus", equalTo("DELIVERED"));
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> receiver.received.size() == 5);
        }
    }

    @Test
    void aRetriedReadAnswersTheSameAndAColleagueCannotReuseTheKey() throws Exception {
        CloudEvent event = WebhookIT.sent(mapper, POLICE, NGO);
        String reader = TestTokens.user(NGO, "idem-reader", "caseworker");
        String colleague = TestTokens.user(NGO, "idem-colleague", "caseworker");
        String referralId = event.dataObject().path("referralId").asText();
        String id = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> given().auth()
                                .oauth2(reader)
                                .queryParam("limit", 200)
                                .when()
                                .get("/api/v1/notifications")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + referralId + "' }.id"),
                        l -> l.size() == 1)
                .get(0);
        String key = "read-" + RUN;
        given().auth()
                .oauth2(reader)
                .header("Idempotency-Key", key)
                .when()
                .post("/api/v1/notifications/" + id + "/read")
                .then()
                .statusCode(204);
        given().auth()
                .oauth2(reader)
                .header("Idempotency-Key", key)
                .when()
                .post("/api/v1/notifications/" + id + "/read")
                .then()
                .statusCode(204);
        given().auth()
                .oauth2(colleague)
                .header("Idempotency-Key", key)
                .when()
                .post("/api/v1/notifications/" + id + "/read")
                .then()
                .statusCode(422);
        List<Object> readAt = given().auth()
                .oauth2(reader)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/notifications")
                .then()
                .extract()
                .jsonPath()
                .getList("items.findAll { it.id == '" + id + "' }.readAt");
        assertTrue(readAt.get(0) != null);
    }
}
