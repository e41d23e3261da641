package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Journey 2: the NGO's own case system registers a webhook with its service account and receives the
 * events that concern the NGO, signed, one webhook-id per event even when a delivery had to be retried.
 */
@Order(2)
class PartnerWebhookE2E {

    private final RelaisSystem system = RelaisSystem.get();
    private final ObjectMapper mapper = new ObjectMapper();

    record Received(String id, String timestamp, String signature, String body) {}

    @Test
    void thePartnerSystemReceivesSignedEventsOncePerWebhookId() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        AtomicInteger firstFailures = new AtomicInteger(1);
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 20);
        receiver.createContext("/relais-events", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(
                    ex.getRequestHeaders().getFirst("webhook-id"),
                    ex.getRequestHeaders().getFirst("webhook-timestamp"),
                    ex.getRequestHeaders().getFirst("webhook-signature"),
                    body));
            ex.sendResponseHeaders(firstFailures.getAndDecrement() > 0 ? 503 : 200, -1);
            ex.close();
        });
        receiver.start();
        try {
            String ngoSystem = system.clientToken("ngo-system");
            String secret = given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.GATEWAY)
                    .auth()
                    .oauth2(ngoSystem)
                    .contentType(ContentType.JSON)
                    .body(
                            "{\"url\": \"http://127.0.0.1:"
                                    + receiver.getAddress().getPort() + "/relais-events\", "
                                    + "\"eventTypes\": [\"relais.referral.sent\", \"relais.referral.withdrawn\"], \"description\": \"e2e\"}")
                    .when()
                    .post("/api/v1/webhooks")
                    .then()
                    .statusCode(201)
                    .body("secret", startsWith("whsec_"))
                    .extract()
                    .path("secret");

            String police = system.passwordToken("police-caseworker");
            String referralId = given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.GATEWAY)
                    .auth()
                    .oauth2(police)
                    .contentType(ContentType.JSON)
                    .body("""
                            {"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT"], "priority": "ROUTINE",
                             "consent": {"granted": false}}""")
                    .when()
                    .post("/api/v1/referrals")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("id");
            given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.GATEWAY)
                    .auth()
                    .oauth2(police)
                    .contentType(ContentType.JSON)
                    .body("{\"reasonCode\": \"ERROR\"}")
                    .when()
                    .post("/api/v1/referrals/" + referralId + "/withdraw")
                    .then()
                    .statusCode(200);

            // the first delivery is refused (503), so it comes again after its backoff: three receipts, two webhook-ids
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> received.stream()
                                    .filter(r -> r.body().contains(referralId))
                                    .count()
                            >= 3);
            List<Received> ours =
                    received.stream().filter(r -> r.body().contains(referralId)).toList();
            List<String> types =
                    ours.stream().map(r -> type(r.body())).distinct().toList();
            assertTrue(
                    types.containsAll(List.of("relais.referral.sent", "relais.referral.withdrawn")), types.toString());
            for (Received r : ours) {
                assertTrue(verifies(secret, r), "signature of " + r.id());
                assertEquals("msg_" + id(r.body()), r.id(), "one stable webhook-id per event");
            }
            assertEquals(
                    2, ours.stream().map(Received::id).distinct().count(), "a retried delivery keeps its webhook-id");
        } finally {
            receiver.stop(0);
        }
    }

    private String type(String body) {
        try {
            return mapper.readTree(body).get("type").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String id(String body) {
        try {
            return mapper.readTree(body).get("id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Standard Webhooks verification, written here independently of the service. */
    private static boolean verifies(String secret, Received r) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String expected = "v1,"
                + Base64.getEncoder()
                        .encodeToString(mac.doFinal(
                                (r.id() + "." + r.timestamp() + "." + r.body()).getBytes(StandardCharsets.UTF_8)));
        return List.of(r.signature().split(" ")).contains(expected);
    }
}
