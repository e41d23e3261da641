package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The README's first command, as a newcomer runs it: everything comes up, answers, and goes away again. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.Order(1000)
class LauncherE2E {

    private final RelaisSystem system = RelaisSystem.get();

    private static Set<String> roles(JsonNode claims) {
        Set<String> roles = new TreeSet<>();
        claims.path("realm_access").path("roles").forEach(r -> roles.add(r.asText()));
        return roles;
    }

    @Test
    @Order(1)
    void keycloakIssuesTheRealmsTokens() {
        JsonNode caseworker = system.claims(system.passwordToken("police-caseworker"));
        assertEquals(
                "http://127.0.0.1:8180/realms/relais", caseworker.get("iss").asText());
        assertTrue(caseworker.get("aud").toString().contains("relais-api"));
        assertEquals("police-casa-anfa", caseworker.get("agency").asText());
        assertEquals("police-caseworker", caseworker.get("preferred_username").asText());
        assertTrue(roles(caseworker).containsAll(Set.of("caseworker", "referrer")), "composite roles expanded");

        JsonNode officer = system.claims(system.passwordToken("police-officer"));
        assertEquals("police-casa-anfa", officer.get("agency").asText());
        assertTrue(roles(officer).contains("referrer"));
        assertFalse(roles(officer).contains("caseworker"));

        JsonNode account = system.claims(system.clientToken("police-system"));
        assertEquals("police-casa-anfa", account.get("agency").asText());
        assertEquals("police-system", account.get("azp").asText());
        assertTrue(account.get("aud").toString().contains("relais-api"));
        assertTrue(roles(account).containsAll(Set.of("caseworker", "agency-admin", "referrer")));

        JsonNode platform = system.claims(system.passwordToken("platform-admin"));
        assertTrue(platform.get("agency") == null || platform.get("agency").isNull(), "platform users have no agency");
        JsonNode internal = system.claims(system.clientToken("relais-case-service"));
        assertTrue(roles(internal).contains("internal"));
        assertTrue(internal.get("agency") == null || internal.get("agency").isNull());
    }

    @Test
    @Order(2)
    void everyComponentAnswersOnItsPort() throws Exception {
        Map<Integer, Integer> management = Map.of(
                RelaisSystem.GATEWAY,
                RelaisSystem.GATEWAY_MANAGEMENT,
                RelaisSystem.REFERRAL,
                RelaisSystem.REFERRAL_MANAGEMENT,
                RelaisSystem.CASE,
                RelaisSystem.CASE_MANAGEMENT,
                RelaisSystem.NOTIFICATION,
                RelaisSystem.NOTIFICATION_MANAGEMENT);
        for (var component : management.entrySet()) {
            given().baseUri("http://127.0.0.1")
                    .port(component.getValue())
                    .when()
                    .get("/q/health/ready")
                    .then()
                    .statusCode(200)
                    .body("status", equalTo("UP"));
            given().baseUri("http://127.0.0.1")
                    .port(component.getValue())
                    .when()
                    .get("/q/metrics")
                    .then()
                    .statusCode(200);
            // health and metrics are for operators: not on the public port, nor through the gateway
            given().baseUri("http://127.0.0.1")
                    .port(component.getKey())
                    .when()
                    .get("/q/health/ready")
                    .then()
                    .statusCode(404);
            given().baseUri("http://127.0.0.1")
                    .port(component.getKey())
                    .when()
                    .get("/q/metrics")
                    .then()
                    .statusCode(404);
        }
        given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.KEYCLOAK)
                .when()
                .get("/realms/relais/.well-known/openid-configuration")
                .then()
                .statusCode(200)
                .body("issuer", equalTo("http://127.0.0.1:8180/realms/relais"));
        given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.MAIL_API)
                .when()
                .get("/api/service/readiness")
                .then()
                .statusCode(200);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:15432/postgres", "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("select datname from pg_database")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            assertTrue(names.containsAll(List.of("referral", "cases", "notification", "gateway")), names.toString());
        }
        try (var admin =
                org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers", "127.0.0.1:9092"))) {
            Set<String> topics = admin.listTopics().names().get();
            assertTrue(
                    topics.containsAll(
                            Set.of("relais.referrals", "relais.cases", "relais.notifications", "relais.agencies")),
                    topics.toString());
        }
    }

    @Test
    @Order(3)
    void thePrintedCurlListsTheDemoAgenciesThroughTheGateway() {
        String output = system.launcherOutput();
        assertTrue(
                output.contains("curl -s -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/agencies"),
                output);
        String token = system.passwordToken("police-caseworker");
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .untilAsserted(() -> given().baseUri("http://127.0.0.1")
                        .port(RelaisSystem.GATEWAY)
                        .auth()
                        .oauth2(token)
                        .queryParam("limit", 200)
                        .when()
                        .get("/api/v1/agencies")
                        .then()
                        .statusCode(200)
                        .body(
                                "items.id",
                                hasItems(
                                        "police-casa-anfa",
                                        "gendarmerie-settat",
                                        "prosecution-casa",
                                        "hospital-casa-unit",
                                        "ngo-casa-ecoute",
                                        "shelter-rabat-amal",
                                        "legal-aid-rabat")));
        given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"));
    }

    @Test
    @Order(4)
    void theGatewayPublishesTheWholeApi() {
        given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .when()
                .get("/api/v1/openapi")
                .then()
                .statusCode(200)
                .body(
                        "paths.keySet()",
                        hasItems(
                                "/api/v1/agencies",
                                "/api/v1/referrals",
                                "/api/v1/referrals/{id}/{action}",
                                "/api/v1/cases",
                                "/api/v1/cases/{id}/risk-assessments",
                                "/api/v1/notifications",
                                "/api/v1/notifications/stream",
                                "/api/v1/webhooks",
                                "/api/v1/audit/trail",
                                "/api/v1/audit/verify"));
        given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .when()
                .get("/api/v1/docs/")
                .then()
                .statusCode(200);
    }

    @Test
    @Order(99)
    void stoppingTheLauncherClosesEveryPort() throws Exception {
        int exit = system.stop();
        assertTrue(exit == 0 || exit == 143 || exit == 130, "exit code " + exit);
        List<Integer> open =
                RelaisSystem.PORTS.stream().filter(RelaisSystem::portOpen).toList();
        assertEquals(List.of(), open, "ports still open after the launcher stopped");
        assertTrue(system.launcherOutput().contains("no Relais port is open"));
    }
}
