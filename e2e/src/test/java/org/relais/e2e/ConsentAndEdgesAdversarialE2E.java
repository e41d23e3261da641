package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The survivor's consent and the protocol's edges, tried as an attacker or a careless partner would,
 * across the real services: a withdrawal follows her data from the police's referral into the NGO's case,
 * the referral the NGO made from that case and the shelter's case; an expired consent shows nothing;
 * another agency's case or survivor cannot be named; an internal service's token does not open the public
 * door; a chunked body over the limit is refused; a conditional read is one an ordinary client can read.
 */
@Order(9)
class ConsentAndEdgesAdversarialE2E {

    private static final String CANARY = "CANARY-Adversarial-Nadia-0612345678";

    private final RelaisSystem system = RelaisSystem.get();

    private RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    private static String referral(String to, String expiresAt, String extra) {
        return """
                {"receivingAgencyId": "%s", "services": ["PSYCHOSOCIAL_SUPPORT"], "priority": "ROUTINE",
                 "subject": {"fullName": "%s"},
                 "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL", "recordedAt": "2026-11-23T09:00:00Z",
                             "recordedBy": "caseworker", "allowOnwardReferral": true, "expiresAt": %s}%s}
                """.formatted(to, CANARY, expiresAt == null ? "null" : "\"" + expiresAt + "\"", extra);
    }

    private String acceptedWithCase(String senderToken, String receiverToken, String to, String extra) {
        String id = as(senderToken)
                .contentType(ContentType.JSON)
                .body(referral(to, null, extra))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(receiverToken)
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .post("/api/v1/referrals/" + id + "/accept")
                .then()
                .statusCode(200);
        return id;
    }

    private String caseOf(String token, String referralId) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> as(token)
                                .when()
                                .get("/api/v1/referrals/" + referralId)
                                .then()
                                .extract()
                                .<String>path("receivingCaseId"),
                        java.util.Objects::nonNull);
    }

    @Test
    void aWithdrawalFollowsHerDataIntoEveryCaseAndEveryReferralMadeFromIt() {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String shelter = system.passwordToken("shelter-caseworker");
        String first = acceptedWithCase(police, ngo, "ngo-casa-ecoute", "");
        String ngoCase = caseOf(ngo, first);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(ngo).when()
                        .get("/api/v1/cases/" + ngoCase)
                        .then()
                        .statusCode(200)
                        .body("subject.fullName", equalTo(CANARY)));
        // the NGO refers her onward from its case; the shelter accepts and opens its own case
        String survivor = as(ngo).when()
                .get("/api/v1/referrals/" + first)
                .then()
                .extract()
                .path("survivorId");
        String onward = as(ngo).contentType(ContentType.JSON)
                .body(referral("shelter-rabat-amal", null, ", \"caseId\": \"" + ngoCase + "\""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .body("survivorId", equalTo(survivor))
                .extract()
                .path("id");
        as(shelter)
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .post("/api/v1/referrals/" + onward + "/accept")
                .then()
                .statusCode(200);
        String shelterCase = caseOf(shelter, onward);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(shelter)
                        .when()
                        .get("/api/v1/cases/" + shelterCase)
                        .then()
                        .body("subject.fullName", equalTo(CANARY)));

        as(police)
                .contentType(ContentType.JSON)
                .body("{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}")
                .when()
                .post("/api/v1/referrals/" + first + "/withdraw-consent")
                .then()
                .statusCode(200);
        // the onward referral at once (same transaction); the cases as soon as the case-service reads the events
        as(shelter)
                .when()
                .get("/api/v1/referrals/" + onward)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("status", equalTo("WITHDRAWN"))
                .body(not(containsString(CANARY)));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            as(ngo).when()
                    .get("/api/v1/cases/" + ngoCase)
                    .then()
                    .statusCode(200)
                    .body("dataErasedAt", notNullValue())
                    .body(not(containsString(CANARY)));
            as(shelter)
                    .when()
                    .get("/api/v1/cases/" + shelterCase)
                    .then()
                    .statusCode(200)
                    .body("dataErasedAt", notNullValue())
                    .body(not(containsString(CANARY)));
        });
        // and a new referral from the erased case carries none of her data
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> as(ngo).contentType(ContentType.JSON)
                        .body(referral("legal-aid-rabat", null, ", \"caseId\": \"" + ngoCase + "\""))
                        .when()
                        .post("/api/v1/referrals")
                        .then()
                        .statusCode(422)
                        .body("errors[0].field", equalTo("/subject")));
    }

    @Test
    void anExpiredConsentShowsNothingThroughTheGatewayAtOnce() {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        Instant expiresAt = Instant.now().plusSeconds(4);
        String id = as(police)
                .contentType(ContentType.JSON)
                .body(referral("ngo-casa-ecoute", expiresAt.toString(), ""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(ngo).when().get("/api/v1/referrals/" + id).then().body("subject.fullName", equalTo(CANARY));
        await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(expiresAt.plusMillis(300)));
        for (String token : new String[] {ngo, police}) {
            as(token)
                    .when()
                    .get("/api/v1/referrals/" + id)
                    .then()
                    .statusCode(200)
                    .body("subject", nullValue())
                    .body(not(containsString(CANARY)));
        }
        as(ngo).contentType(ContentType.JSON)
                .body("{\"toAgencyId\": \"shelter-rabat-amal\"}")
                .when()
                .post("/api/v1/referrals/" + id + "/redirect")
                .then()
                .statusCode(409)
                .body(not(containsString(CANARY)));
    }

    @Test
    void anotherAgencysCaseOrSurvivorCannotBeNamed() {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String legal = system.passwordToken("legalaid-caseworker");
        String id = acceptedWithCase(police, ngo, "ngo-casa-ecoute", "");
        String ngoCase = caseOf(ngo, id);
        String survivor =
                as(ngo).when().get("/api/v1/referrals/" + id).then().extract().path("survivorId");
        as(legal)
                .contentType(ContentType.JSON)
                .body(referral("ngo-casa-ecoute", null, ", \"caseId\": \"" + ngoCase + "\""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/caseId"));
        as(legal)
                .contentType(ContentType.JSON)
                .body(referral("ngo-casa-ecoute", null, ", \"survivorId\": \"" + survivor + "\""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/survivorId"))
                .body(not(containsString(survivor)));
        as(legal)
                .contentType(ContentType.JSON)
                .body(referral("ngo-casa-ecoute", null, ", \"survivorId\": \"" + UUID.randomUUID() + "\""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422);
    }

    @Test
    void anInternalServiceTokenDoesNotOpenThePublicDoor() {
        String police = system.passwordToken("police-caseworker");
        String id = as(police)
                .contentType(ContentType.JSON)
                .body(referral("ngo-casa-ecoute", null, ""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String internal = system.clientToken("relais-case-service");
        for (String path :
                new String[] {"/api/v1/referrals/" + id, "/api/v1/cases", "/api/v1/audit/trail?referralId=" + id}) {
            as(internal)
                    .when()
                    .get(path)
                    .then()
                    .statusCode(403)
                    .contentType(containsString("application/problem+json"))
                    .body(not(containsString(CANARY)));
        }
        as(internal)
                .contentType(ContentType.JSON)
                .body("{\"recordedBy\": \"x\", \"method\": \"VERBAL\"}")
                .when()
                .post("/api/v1/referrals/" + id + "/withdraw-consent")
                .then()
                .statusCode(403);
        as(police).when().get("/api/v1/referrals/" + id).then().body("dataErasedAt", nullValue());
    }

    @Test
    void aChunkedBodyOverTheLimitIsRefusedAtTheDoor() throws Exception {
        String police = system.passwordToken("police-caseworker");
        byte[] big = ("{\"receivingAgencyId\": \"ngo-casa-ecoute\", \"reason\": \"" + "x".repeat(2 * 1024 * 1024)
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + RelaisSystem.GATEWAY + "/api/v1/referrals"))
                                .header("Authorization", "Bearer " + police)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(big))) // no length: chunked
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode());
        assertTrue(
                r.headers().firstValue("content-type").orElse("").startsWith("application/problem+json"),
                r.headers().toString());
    }

    @Test
    void aConditionalReadThroughTheGatewayIsOneAnOrdinaryClientReads() throws Exception {
        String police = system.passwordToken("police-caseworker");
        String id = as(police)
                .contentType(ContentType.JSON)
                .body(referral("ngo-casa-ecoute", null, ""))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        Response first = as(police).when().get("/api/v1/referrals/" + id);
        String etag = first.then().statusCode(200).extract().header("ETag");
        // Python's standard client is strict about framing: a 304 with a body or chunked framing breaks it
        String script = String.join(
                "\n",
                "import http.client, sys",
                "c = http.client.HTTPConnection('127.0.0.1', " + RelaisSystem.GATEWAY + ", timeout=10)",
                "for _ in range(2):",
                "    c.request('GET', '/api/v1/referrals/" + id + "', headers={'Authorization': 'Bearer " + police
                        + "', 'If-None-Match': '" + etag.replace("'", "\\'") + "'})",
                "    r = c.getresponse(); body = r.read()",
                "    names = [k.lower() for k, _ in r.getheaders()]",
                "    print(r.status, len(body), names.count('x-request-id'), 'transfer-encoding' in names)");
        Process p = new ProcessBuilder("python3", "-c", script)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("304 0 1 False\n304 0 1 False", out, "two 304s on one kept-alive connection, each read cleanly");
    }
}
