package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.Topics;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class ProblemIT {

    private static final String CANARY = "CANARY-Fatima-Zahra-0612345678";
    private static final String TYPE = "https://relais.dev/problems/";

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    private final String caseworker = TestTokens.user("agency-a", "a-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"agency-a\",\"active\":true}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"agency-suspended\",\"active\":false}")));
        directory.apply(AgencyRecord.of(mapper.readTree(
                "{\"id\":\"agency-narrow\",\"active\":true,\"permissions\":[\"directory:read\",\"referral:read\"]}")));
    }

    private static String valid() {
        return "{\"subject\":{\"fullName\":\"Amal\",\"birthYear\":1990,\"safeContact\":{\"method\":\"RED\",\"value\":\"x\"}},"
                + "\"colour\":\"GREEN\",\"tags\":[\"a\"]}";
    }

    @Test
    void aValidRequestPasses() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body(valid())
                .when()
                .post("/test/things")
                .then()
                .statusCode(200)
                .header("X-Request-Id", notNullValue())
                .body("colour", equalTo("GREEN"));
    }

    @Test
    void unparseableJsonIsA400ProblemThatDoesNotEchoTheBody() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"subject\": {\"fullName\": \"" + CANARY + "\",")
                .when()
                .post("/test/things")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo(TYPE + "malformed-request"))
                .body("status", equalTo(400))
                .body("instance", org.hamcrest.Matchers.startsWith("urn:relais:request:"))
                .body("traceId", notNullValue())
                .body(not(containsString(CANARY)));
    }

    @Test
    void aWrongJsonTypeNamesTheField() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"subject\":{\"fullName\":\"Amal\",\"birthYear\":\"" + CANARY + "\"},\"colour\":\"RED\"}")
                .when()
                .post("/test/things")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo(TYPE + "malformed-request"))
                .body("errors[0].field", equalTo("/subject/birthYear"))
                .body(not(containsString(CANARY)));
    }

    @Test
    void anUnknownEnumValueIsA400NamingTheField() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"subject\":{\"fullName\":\"Amal\"},\"colour\":\"" + CANARY + "\"}")
                .when()
                .post("/test/things")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("/colour"))
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("[1,2]")
                .when()
                .post("/test/things")
                .then()
                .statusCode(400)
                .body("type", equalTo(TYPE + "malformed-request"));
    }

    @Test
    void constraintViolationsAre422WithJsonPointers() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"subject\":{\"fullName\":\"" + CANARY
                        + "\",\"birthYear\":1800,\"safeContact\":{\"value\":\"x\"}},"
                        + "\"colour\":\"RED\",\"tags\":[\"ok\",\" \"]}")
                .when()
                .post("/test/things")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo(TYPE + "validation"))
                .body("errors.field", hasItem("/subject/fullName"))
                .body("errors.field", hasItem("/subject/birthYear"))
                .body("errors.field", hasItem("/subject/safeContact/method"))
                .body("errors.field", hasItem("/tags/1"))
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("")
                .when()
                .post("/test/things")
                .then()
                .statusCode(422)
                .body("type", equalTo(TYPE + "validation"));
    }

    @Test
    void aWrongContentTypeIs415AndAnUnknownPathIs404() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.TEXT)
                .body("hello")
                .when()
                .post("/test/things")
                .then()
                .statusCode(415)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/test/nothing-here")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo(TYPE + "not-found"));
        given().auth()
                .oauth2(caseworker)
                .when()
                .delete("/test/things")
                .then()
                .statusCode(405)
                .contentType("application/problem+json");
    }

    @Test
    void missingOrInvalidTokensAre401WithWwwAuthenticate() {
        given().when()
                .get("/test/things")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("type", equalTo(TYPE + "unauthorized"));
        for (String bad : new String[] {
            "not-a-jwt",
            TestTokens.expired("agency-a", "u", "caseworker"),
            caseworker.substring(0, caseworker.lastIndexOf('.')) + ".c2lnbmF0dXJl",
            unsignedToken()
        }) {
            given().auth()
                    .oauth2(bad)
                    .when()
                    .get("/test/things")
                    .then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer"));
        }
    }

    private String unsignedToken() {
        String header =
                java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
        String payload = caseworker.split("\\.")[1];
        return header + "." + payload + ".";
    }

    @Test
    void permissionsFollowRolesPlatformUsersAndTheAgencyDirectoryEntry() {
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/test/things")
                .then()
                .statusCode(200)
                .body("agency", equalTo("agency-a"))
                .body("roles", hasItem("referrer"));
        // auditors hold no referral permission
        given().auth()
                .oauth2(TestTokens.user("agency-a", "a-auditor", "auditor"))
                .when()
                .get("/test/things")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo(TYPE + "forbidden"));
        // platform users are admitted only to directory and audit:read-all routes, whatever their roles
        given().auth()
                .oauth2(TestTokens.platformUser("platform-x", "caseworker"))
                .when()
                .get("/test/things")
                .then()
                .statusCode(403);
        // the services' own clients (internal, no agency) may read referrals
        given().auth()
                .oauth2(TestTokens.serviceAccount(null, "relais-case-service", "internal"))
                .when()
                .get("/test/things")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(TestTokens.user("agency-suspended", "s", "caseworker"))
                .when()
                .get("/test/things")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.user("agency-unknown", "s", "caseworker"))
                .when()
                .get("/test/things")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.user("agency-narrow", "n", "caseworker"))
                .when()
                .get("/test/things")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(TestTokens.user("agency-narrow", "n", "caseworker"))
                .contentType(ContentType.JSON)
                .body(valid())
                .when()
                .post("/test/things")
                .then()
                .statusCode(403);
    }

    @Test
    void aSuspensionPublishedOnTheDirectoryTopicTakesEffect() throws Exception {
        String id = "agency-feed-" + System.nanoTime();
        Map<String, Object> base = Map.of("id", id, "active", true);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(Topics.AGENCIES, id, mapper.writeValueAsString(base)))
                    .get();
            String token = TestTokens.user(id, "f", "caseworker");
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .when()
                            .get("/test/things")
                            .then()
                            .statusCode(200));
            p.send(new ProducerRecord<>(
                            Topics.AGENCIES, id, mapper.writeValueAsString(Map.of("id", id, "active", false))))
                    .get();
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .when()
                            .get("/test/things")
                            .then()
                            .statusCode(403));
        }
    }

    @Test
    void badQueryParametersAre400AndProblemsNeverEchoInput() {
        given().auth()
                .oauth2(caseworker)
                .queryParam("limit", 500)
                .when()
                .get("/test/things")
                .then()
                .statusCode(400)
                .body("type", equalTo(TYPE + "malformed-request"));
        given().auth()
                .oauth2(caseworker)
                .queryParam("cursor", CANARY)
                .when()
                .get("/test/things")
                .then()
                .statusCode(400)
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(caseworker)
                .queryParam("updatedSince", CANARY)
                .when()
                .get("/test/things")
                .then()
                .statusCode(400)
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/test/things/" + CANARY)
                .then()
                .statusCode(404)
                .body(not(containsString(CANARY)));
    }

    @Test
    void theRequestIdIsEchoedAndHealthAndMetricsAreServed() {
        given().header("X-Request-Id", "client-chosen-id")
                .when()
                .get("/test/things")
                .then()
                .statusCode(401)
                .header("X-Request-Id", equalTo("client-chosen-id"));
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/health/live")
                .then()
                .statusCode(200);
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("relais_outbox_pending"));
    }
}
