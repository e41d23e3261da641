package org.relais.cases.casefile;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.CanaryScan;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.OpenApiResponses;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * The case-service's canary check: a canary in every survivor field of a case (subject, action
 * descriptions, the closing summary), with DEBUG and Hibernate parameter logging on, also inside
 * invalid requests and while Kafka is unreachable, comes back only in the owning agency's responses.
 */
@QuarkusTest
@ExtendWith(OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "cases"))
@QuarkusTestResource(ReferralServiceStub.class)
class CaseCanaryIT {

    static final String CANARY = "CANARY-Fatima-Zahra-Alaoui-0698765432";
    private static final String NGO = "ngo-canary";

    @Inject
    AgencyDirectory directory;

    private final String caseworker = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    private final String supervisor = TestTokens.user(NGO, "ngo-supervisor", "supervisor");
    private final List<Response> problems = new ArrayList<>();

    private static String walkIn(String scope) {
        return """
                {"subject": {"fullName": "%s", "birthYear": 1988, "languages": ["ar"],
                             "safeContact": {"method": "PHONE", "value": "%s", "safeTimes": "%s"}},
                 "consent": {"granted": true, "scope": %s, "method": "WRITTEN", "recordedBy": "ngo-caseworker",
                             "recordedAt": "2026-11-23T09:00:00Z"},
                 "priority": "URGENT", "services": ["SHELTER"]}
                """.formatted(CANARY, CANARY, CANARY, scope);
    }

    private void problem(Response r, int status) {
        r.then().statusCode(status).contentType("application/problem+json");
        problems.add(r);
    }

    @Test
    void theCanaryComesBackOnlyToTheOwningAgency() throws Exception {
        directory.apply(AgencyRecord.of(new ObjectMapper().readTree("{\"id\":\"" + NGO + "\",\"active\":true}")));
        directory.apply(AgencyRecord.of(new ObjectMapper().readTree("{\"id\":\"police-canary\",\"active\":true}")));
        String all = "[\"IDENTITY\", \"CONTACT\", \"NARRATIVE\"]";
        String id = given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body(walkIn(all))
                .when()
                .post("/api/v1/cases")
                .then()
                .statusCode(201)
                .body(containsString(CANARY))
                .extract()
                .path("id");
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"type\": \"FOLLOW_UP_CALL\", \"dueAt\": \""
                        + Instant.now().plusSeconds(86400) + "\", \"description\": \"" + CANARY + "\"}")
                .when()
                .post("/api/v1/cases/" + id + "/actions")
                .then()
                .statusCode(201);
        String answers = IntStream.rangeClosed(1, 24)
                .mapToObj(i -> "\"q" + i + "\": " + (i <= 15))
                .collect(Collectors.joining(", ", "{", "}"));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"answers\": " + answers + "}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(201);

        // invalid requests carrying it
        problem(
                given().auth()
                        .oauth2(caseworker)
                        .contentType(ContentType.JSON)
                        .body(walkIn(all).replace("\"birthYear\": 1988", "\"birthYear\": \"" + CANARY + "\""))
                        .when()
                        .post("/api/v1/cases"),
                400);
        problem(
                given().auth()
                        .oauth2(caseworker)
                        .contentType(ContentType.JSON)
                        .body(walkIn(all).replace("\"URGENT\"", "\"" + CANARY + "\""))
                        .when()
                        .post("/api/v1/cases"),
                400);
        problem(
                given().auth()
                        .oauth2(caseworker)
                        .contentType(ContentType.JSON)
                        .body(walkIn("[\"IDENTITY\"]"))
                        .when()
                        .post("/api/v1/cases"),
                422);
        problem(
                given().auth()
                        .oauth2(caseworker)
                        .contentType(ContentType.JSON)
                        .body(walkIn(all)
                                .replace(
                                        "\"fullName\": \"" + CANARY + "\"",
                                        "\"fullName\": \"" + CANARY.repeat(20) + "\""))
                        .when()
                        .post("/api/v1/cases"),
                422);
        problem(
                given().auth()
                        .oauth2(caseworker)
                        .contentType(ContentType.JSON)
                        .body("{\"type\": \"" + CANARY + "\", \"dueAt\": \"tomorrow\", \"description\": \"" + CANARY
                                + "\"}")
                        .when()
                        .post("/api/v1/cases/" + id + "/actions"),
                400);
        problem(
                given().auth()
                        .oauth2(supervisor)
                        .contentType(ContentType.JSON)
                        .body("{\"assignee\": \"" + CANARY + "\"}")
                        .when()
                        .post("/api/v1/cases/" + id + "/assign"),
                422);
        problem(
                given().auth()
                        .oauth2(TestTokens.user("police-canary", "p", "supervisor"))
                        .contentType(ContentType.JSON)
                        .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"" + CANARY + "\"}")
                        .when()
                        .post("/api/v1/cases/" + id + "/close"),
                404);
        problem(
                given().auth()
                        .oauth2(caseworker)
                        .contentType(ContentType.TEXT)
                        .body(CANARY)
                        .when()
                        .post("/api/v1/cases"),
                415);

        // Kafka unreachable while the case is closed with a summary: kept, and published later
        EmbeddedInfra.kafkaProxy().cut();
        try {
            given().auth()
                    .oauth2(caseworker)
                    .contentType(ContentType.JSON)
                    .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"" + CANARY + "\"}")
                    .when()
                    .post("/api/v1/cases/" + id + "/close")
                    .then()
                    .statusCode(200)
                    .body(containsString(CANARY));
        } finally {
            EmbeddedInfra.kafkaProxy().restore();
        }
        String jdbc = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> count(jdbc, "select count(*) from relais_outbox where published_at is null") == 0);

        for (Response r : problems) {
            assertFalse(r.asString().contains(CANARY), "a problem document echoes survivor data: " + r.asString());
        }
        CanaryScan.assertNowhere(jdbc, Path.of("target/case-service-test.log"), CANARY);
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select subject_ct, summary_ct from cases where id = '" + id + "'")) {
            assertTrue(rs.next());
            assertTrue(
                    rs.getString(1).startsWith("v1:") && rs.getString(2).startsWith("v1:"),
                    "survivor columns are ciphertext");
        }
    }

    private static long count(String jdbc, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
