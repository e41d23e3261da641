package org.relais.referral.flow;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.relais.blocks.events.Topics;
import org.relais.testkit.CanaryScan;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.OpenApiResponses;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * A canary string in every survivor field, with DEBUG logging and Hibernate's SQL and parameter
 * logging on (test profile), sent in valid requests, inside invalid ones and while Kafka is down,
 * must come back only in the authorized API responses (no API takes survivor data in a URL, so the
 * canary travels in bodies): never in a problem document, a log line, a
 * Kafka topic (dead-letter topics included) or any table read as plain text.
 */
@QuarkusTest
@ExtendWith(OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
@QuarkusTestResource(org.relais.testkit.KeycloakAdminStub.class)
class SurvivorDataCanaryIT {

    static final String CANARY = "CANARY-Khadija-Bennani-0612345678";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String POLICE = "cpolice-" + RUN;
    private static final String NGO = "cngo-" + RUN;

    private final String police = TestTokens.user(POLICE, "police-caseworker", "caseworker");
    private final String ngo = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    private final List<Response> problems = new ArrayList<>();

    private String referral(String scope, String fullName, String contact) {
        return """
                {"receivingAgencyId": "%s", "services": ["PSYCHOSOCIAL_SUPPORT"], "priority": "URGENT",
                 "reason": "%s",
                 "subject": {"fullName": "%s", "birthYear": 1990, "languages": ["ar"],
                             "safeContact": {"method": "PHONE", "value": "%s", "safeTimes": "%s", "noContact": false}},
                 "incident": {"forms": ["PHYSICAL"], "occurredOn": "2026-11-20", "ageBand": "25-34", "childrenPresent": false},
                 "consent": {"granted": true, "scope": %s, "method": "VERBAL", "recordedAt": "2026-11-23T09:00:00Z",
                             "recordedBy": "police-caseworker", "allowOnwardReferral": true},
                 "externalReference": "%s"}
                """.formatted(NGO, CANARY, fullName, contact, CANARY, scope, CANARY);
    }

    private String valid() {
        return referral("[\"IDENTITY\", \"CONTACT\", \"NARRATIVE\"]", CANARY, CANARY);
    }

    private void problem(Response r, int status) {
        r.then().statusCode(status).contentType("application/problem+json");
        problems.add(r);
    }

    @Test
    void theCanaryComesBackOnlyInAuthorizedResponses() throws Exception {
        String admin = TestTokens.platformUser("platform-admin", "platform-admin");
        for (String[] a : new String[][] {{POLICE, "POLICE"}, {NGO, "NGO"}}) {
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("""
                    {"id": "%s", "name": "%s", "type": "%s", "region": "Rabat-Sale-Kenitra", "timeZone": "Africa/Casablanca",
                     "services": ["PSYCHOSOCIAL_SUPPORT"], "capacity": "AVAILABLE",
                     "acknowledgeWithin": {"EMERGENCY": "PT1H", "URGENT": "PT4H", "ROUTINE": "P2D"}}
                    """.formatted(a[0], a[0], a[1]))
                    .when()
                    .post("/api/v1/agencies")
                    .then()
                    .statusCode(201);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> given().auth()
                                .oauth2(police)
                                .contentType(ContentType.JSON)
                                .body(valid())
                                .when()
                                .post("/api/v1/referrals")
                                .statusCode()
                        == 201);

        // the authorized parties read it: the canary is really there to be found
        String key = UUID.randomUUID().toString();
        String id = given().auth()
                .oauth2(police)
                .header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body(valid())
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .body(containsString(CANARY))
                .extract()
                .path("id");
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(200)
                .body(containsString(CANARY));
        given().auth()
                .oauth2(ngo)
                .contentType(ContentType.JSON)
                .body("{\"note\": \"" + CANARY + "\"}")
                .when()
                .post("/api/v1/referrals/" + id + "/acknowledge")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id + "/history")
                .then()
                .statusCode(200)
                .body(containsString(CANARY));

        // invalid requests carrying it
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.JSON)
                        .body(valid().replace("\"birthYear\": 1990", "\"birthYear\": \"" + CANARY + "\""))
                        .when()
                        .post("/api/v1/referrals"),
                400);
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.JSON)
                        .body(valid().replace("\"priority\": \"URGENT\"", "\"priority\": \"" + CANARY + "\""))
                        .when()
                        .post("/api/v1/referrals"),
                400);
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.JSON)
                        .body(valid().substring(0, valid().indexOf(CANARY) + CANARY.length()))
                        .when()
                        .post("/api/v1/referrals"),
                400);
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.JSON)
                        .body(referral("[\"IDENTITY\", \"NARRATIVE\"]", CANARY, CANARY))
                        .when()
                        .post("/api/v1/referrals"),
                422);
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.JSON)
                        .body(referral("[\"IDENTITY\", \"CONTACT\", \"NARRATIVE\"]", CANARY.repeat(400), CANARY))
                        .when()
                        .post("/api/v1/referrals"),
                422);
        problem(
                given().auth()
                        .oauth2(police)
                        .header("Idempotency-Key", key)
                        .contentType(ContentType.JSON)
                        .body(valid().replace("\"URGENT\"", "\"ROUTINE\""))
                        .when()
                        .post("/api/v1/referrals"),
                422);
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.TEXT)
                        .body(CANARY)
                        .when()
                        .post("/api/v1/referrals"),
                415);
        problem(
                given().auth()
                        .oauth2(ngo)
                        .contentType(ContentType.JSON)
                        .body("{\"note\": \"" + CANARY + "\"}")
                        .when()
                        .post("/api/v1/referrals/" + id + "/no-such-action"),
                404);
        problem(
                given().auth()
                        .oauth2(ngo)
                        .contentType(ContentType.JSON)
                        .body("{\"note\": \"" + CANARY + "\"}")
                        .header("If-Match", "\"" + CANARY + "\"")
                        .when()
                        .post("/api/v1/referrals/" + id + "/accept"),
                412);
        problem(
                given().auth()
                        .oauth2(ngo)
                        .contentType(ContentType.JSON)
                        .body("{\"note\": 12, \"assignee\": \"" + CANARY + "\"}")
                        .when()
                        .post("/api/v1/referrals/" + id + "/accept"),
                422);
        problem(
                given().auth()
                        .oauth2(police)
                        .contentType(ContentType.JSON)
                        .body("{\"note\": \"" + CANARY + "\"}")
                        .when()
                        .post("/api/v1/referrals/" + id + "/accept"),
                403);

        // a forced failure: Kafka unreachable while referrals are written; they are kept and published later
        EmbeddedInfra.kafkaProxy().cut();
        String whileDown;
        try {
            whileDown = given().auth()
                    .oauth2(police)
                    .contentType(ContentType.JSON)
                    .body(valid())
                    .when()
                    .post("/api/v1/referrals")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("id");
        } finally {
            EmbeddedInfra.kafkaProxy().restore();
        }
        String jdbc = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> outboxEmpty(jdbc));
        assertFalse(
                org.relais.testkit.TopicReader.read(
                                Topics.REFERRALS,
                                r -> r.value().contains(whileDown),
                                l -> !l.isEmpty(),
                                Duration.ofSeconds(30))
                        .isEmpty(),
                "the referral written while Kafka was down is published");

        for (Response r : problems) {
            assertFalse(r.asString().contains(CANARY), "a problem document echoes survivor data: " + r.asString());
        }
        CanaryScan.assertNowhere(jdbc, Path.of("target/referral-service-test.log"), CANARY);
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select subject_ct, reason_ct from referrals where id = '" + id + "'")) {
            assertTrue(rs.next());
            assertTrue(
                    rs.getString(1).startsWith("v1:") && rs.getString(2).startsWith("v1:"),
                    "survivor columns are ciphertext");
        }
    }

    private static boolean outboxEmpty(String jdbc) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from relais_outbox where published_at is null")) {
            rs.next();
            return rs.getInt(1) == 0;
        }
    }
}
