package org.relais.notification.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class WebhookIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    static final String NGO = "hooked-" + RUN;
    static final String POLICE = "sender-" + RUN;

    @Inject
    AgencyDirectory directory;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final String admin = TestTokens.serviceAccount(NGO, "ngo-system", "agency-admin", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(
                mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true,\"webhookAllowedHosts\":[\"10.9.0.0/16\"]}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true}")));
    }

    private Map<String, Object> registerFull(String url, String type) {
        return register(admin, url, type);
    }

    /** Registers a webhook as {@code admin}'s agency; the answer includes the secret, shown this once. */
    static Map<String, Object> register(String admin, String url, String type) {
        return given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"" + url + "\", \"eventTypes\": [\"" + type + "\"]}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(201)
                .body("secret", startsWith("whsec_"))
                .extract()
                .jsonPath()
                .getMap("");
    }

    private CloudEvent sent() throws Exception {
        return sent(mapper, POLICE, NGO);
    }

    /** A referral-service event on the referrals topic: {@code from} sent a referral to {@code to}. */
    static CloudEvent sent(ObjectMapper mapper, String from, String to) throws Exception {
        String referralId = Uuids.v7().toString();
        CloudEvent e = CloudEvent.of(
                "/referral-service",
                "relais.referral.sent",
                referralId,
                from,
                mapper.createObjectNode()
                        .put("referralId", referralId)
                        .put("sendingAgencyId", from)
                        .put("receivingAgencyId", to)
                        .put("priority", "ROUTINE"));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(Topics.REFERRALS, referralId, e.toJson(mapper)))
                    .get();
        }
        return e;
    }

    /** Standard Webhooks verification written here, independently of the service's signer. */
    static boolean verifies(String secret, Receiver.Received r) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String expected = "v1,"
                + Base64.getEncoder()
                        .encodeToString(mac.doFinal((r.headers().get("webhook-id") + "."
                                        + r.headers().get("webhook-timestamp") + "." + r.body())
                                .getBytes(StandardCharsets.UTF_8)));
        for (String sig : r.headers().get("webhook-signature").split(" ")) {
            if (sig.equals(expected)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aDeliveryIsSignedWithTheSecretShownOnce() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Map<String, Object> hook = registerFull(receiver.url(), "relais.referral.sent");
            given().auth()
                    .oauth2(admin)
                    .when()
                    .get("/api/v1/webhooks")
                    .then()
                    .statusCode(200)
                    .body("find { it.id == '" + hook.get("id") + "' }.secret", nullValue());
            CloudEvent event = sent();
            await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.received.isEmpty());
            Receiver.Received r = receiver.received.get(0);
            assertEquals("msg_" + event.id(), r.headers().get("webhook-id"));
            assertTrue(verifies((String) hook.get("secret"), r));
            assertEquals(event.id(), mapper.readTree(r.body()).get("id").asText());
            assertEquals(
                    "relais.referral.sent",
                    mapper.readTree(r.body()).get("type").asText());
            // the audit trail learns that the partner system was told: one delivered event under the referral
            var delivered = org.relais.testkit.TopicReader.read(
                    Topics.NOTIFICATIONS,
                    rec -> event.subject().equals(rec.key()) && rec.value().contains("relais.notification.delivered"),
                    l -> !l.isEmpty(),
                    Duration.ofSeconds(30));
            assertEquals(1, delivered.size());
            var data = mapper.readTree(delivered.get(0).value()).get("data");
            assertEquals("WEBHOOK", data.get("channel").asText());
            assertEquals(hook.get("id"), data.get("webhookId").asText());
            assertEquals("msg_" + event.id(), data.get("webhookMessageId").asText());
            assertEquals(NGO, data.get("agencyId").asText());
        }
    }

    @Test
    void retriesKeepOneWebhookIdUntilTheReceiverAnswers() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.failuresLeft.set(2);
            Map<String, Object> hook = registerFull(receiver.url(), "relais.referral.sent");
            CloudEvent event = sent();
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received.size() >= 3);
            assertTrue(receiver.received.stream()
                    .allMatch(r -> r.headers().get("webhook-id").equals("msg_" + event.id())));
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> given().auth()
                            .oauth2(admin)
                            .when()
                            .get("/api/v1/webhooks/" + hook.get("id") + "/deliveries")
                            .then()
                            .statusCode(200)
                            .body("[0].status", equalTo("DELIVERED"))
                            .body("[0].attempts", equalTo(3))
                            .body("[0].log.statusCode", equalTo(List.of(500, 500, 204))));
        }
    }

    @Test
    void aReceiverThatKeepsFailingEndsFailedWithEveryAttemptLoggedAndCanBeRetried() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.mode = Receiver.Mode.FAIL;
            Map<String, Object> hook = registerFull(receiver.url(), "relais.referral.sent");
            sent();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().auth()
                            .oauth2(admin)
                            .when()
                            .get("/api/v1/webhooks/" + hook.get("id") + "/deliveries")
                            .then()
                            .body("[0].status", equalTo("FAILED"))
                            .body("[0].log.size()", equalTo(4)));
            var failed = org.relais.testkit.TopicReader.read(
                    Topics.NOTIFICATIONS,
                    rec -> rec.value().contains("relais.notification.failed")
                            && rec.value().contains((String) hook.get("id")),
                    l -> !l.isEmpty(),
                    Duration.ofSeconds(30));
            assertEquals(
                    "HTTP 500",
                    mapper.readTree(failed.get(0).value())
                            .path("data")
                            .path("error")
                            .asText());
            String delivery = given().auth()
                    .oauth2(admin)
                    .when()
                    .get("/api/v1/webhooks/" + hook.get("id") + "/deliveries")
                    .then()
                    .extract()
                    .path("[0].id");
            receiver.mode = Receiver.Mode.OK;
            given().auth()
                    .oauth2(admin)
                    .when()
                    .post("/api/v1/webhooks/" + hook.get("id") + "/deliveries/" + delivery + "/retry")
                    .then()
                    .statusCode(204);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().auth()
                            .oauth2(admin)
                            .when()
                            .get("/api/v1/webhooks/" + hook.get("id") + "/deliveries")
                            .then()
                            .body("[0].status", equalTo("DELIVERED")));
        }
    }

    @Test
    void aHangingReceiverDoesNotDelayAHealthyOne() throws Exception {
        try (Receiver hanging = new Receiver();
                Receiver healthy = new Receiver()) {
            hanging.mode = Receiver.Mode.HANG;
            registerFull(hanging.url(), "relais.referral.sent");
            registerFull(healthy.url(), "relais.referral.sent");
            long start = System.currentTimeMillis();
            sent();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !healthy.received.isEmpty() && !hanging.received.isEmpty());
            assertTrue(
                    healthy.received.get(0).at() - hanging.received.get(0).at() < 1500,
                    "the healthy receiver was not held up by the hanging one");
            assertTrue(healthy.received.get(0).at() - start < 20_000);
        }
    }

    @Test
    void aPausedWebhookReceivesNothingUntilResumedAndRotationSignsWithBothSecrets() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Map<String, Object> hook = registerFull(receiver.url(), "relais.referral.sent");
            String id = (String) hook.get("id");
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("{\"paused\": true}")
                    .when()
                    .patch("/api/v1/webhooks/" + id)
                    .then()
                    .statusCode(200)
                    .body("paused", equalTo(true));
            sent();
            await().pollDelay(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> true);
            assertEquals(0, receiver.received.size());
            String newSecret = given().auth()
                    .oauth2(admin)
                    .when()
                    .post("/api/v1/webhooks/" + id + "/rotate-secret")
                    .then()
                    .statusCode(200)
                    .body("secret", startsWith("whsec_"))
                    .body("previousSecretValidUntil", org.hamcrest.Matchers.notNullValue())
                    .extract()
                    .path("secret");
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("{\"paused\": false}")
                    .when()
                    .patch("/api/v1/webhooks/" + id)
                    .then()
                    .statusCode(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.received.isEmpty());
            Receiver.Received r = receiver.received.get(0);
            assertTrue(verifies((String) hook.get("secret"), r), "the old secret still verifies");
            assertTrue(verifies(newSecret, r), "the new secret verifies");
        }
    }

    @Test
    void targetsOutsideTheAllowedOnesAndOtherAgenciesAreRefused() throws Exception {
        for (String url :
                List.of("http://192.168.1.20/hook", "ftp://example.org/x", "not a url", "http://public.example/hook")) {
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("{\"url\": \"" + url + "\", \"eventTypes\": [\"relais.referral.sent\"]}")
                    .when()
                    .post("/api/v1/webhooks")
                    .then()
                    .statusCode(422)
                    .body("errors.field", hasItem("/url"));
        }
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"http://127.0.0.1:9/hook\", \"eventTypes\": [\"relais.referral.teleported\"]}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/eventTypes/0"));
        try (Receiver receiver = new Receiver()) {
            String id = (String)
                    registerFull(receiver.url(), "relais.referral.sent").get("id");
            String other = TestTokens.serviceAccount(POLICE, "police-system", "agency-admin");
            given().auth()
                    .oauth2(other)
                    .when()
                    .get("/api/v1/webhooks/" + id + "/deliveries")
                    .then()
                    .statusCode(404);
            given().auth()
                    .oauth2(other)
                    .when()
                    .delete("/api/v1/webhooks/" + id)
                    .then()
                    .statusCode(404);
            given().auth()
                    .oauth2(other)
                    .contentType(ContentType.JSON)
                    .body("{\"paused\": true}")
                    .when()
                    .patch("/api/v1/webhooks/" + id)
                    .then()
                    .statusCode(404);
            given().auth()
                    .oauth2(other)
                    .when()
                    .post("/api/v1/webhooks/" + id + "/rotate-secret")
                    .then()
                    .statusCode(404);
            given().auth()
                    .oauth2(TestTokens.user(NGO, "cw", "caseworker"))
                    .when()
                    .get("/api/v1/webhooks")
                    .then()
                    .statusCode(403);
            given().auth()
                    .oauth2(admin)
                    .when()
                    .delete("/api/v1/webhooks/" + id)
                    .then()
                    .statusCode(204);
            given().auth()
                    .oauth2(admin)
                    .when()
                    .get("/api/v1/webhooks/" + id + "/deliveries")
                    .then()
                    .statusCode(404);
        }
    }
}
