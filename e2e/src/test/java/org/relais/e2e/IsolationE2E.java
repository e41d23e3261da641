package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Proven properties over the launched system: bad tokens get 401 at the gateway and at every
 * service's own port; no other demo agency (users and service accounts) can reach another's referral,
 * case, notification or webhook (404, or 403 where its role lacks the permission); a suspended agency
 * is refused at the gateway and at each service's own port.
 */
@Order(6)
class IsolationE2E {

    private final RelaisSystem system = RelaisSystem.get();
    private final ObjectMapper mapper = new ObjectMapper();
    private static final Map<Integer, String> PROTECTED = Map.of(
            8080, "/api/v1/referrals", 8081, "/api/v1/referrals", 8082, "/api/v1/cases", 8083, "/api/v1/notifications");

    private static RequestSpecification at(int port, String token) {
        return given().baseUri("http://127.0.0.1").port(port).auth().oauth2(token);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void badTokensAre401AtTheGatewayAndAtEachService() throws Exception {
        String real = system.passwordToken("ngo-caseworker");
        String[] parts = real.split("\\.");
        ObjectNode claims = (ObjectNode) mapper.readTree(Base64.getUrlDecoder().decode(parts[1]));
        claims.put("agency", "police-casa-anfa");
        String tampered = parts[0] + "." + b64(mapper.writeValueAsBytes(claims)) + "." + parts[2];
        String unsigned =
                b64("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair other = generator.generateKeyPair();
        String header = b64(("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\""
                        + mapper.readTree(Base64.getUrlDecoder().decode(parts[0]))
                                .path("kid")
                                .asText() + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(other.getPrivate());
        rsa.update((header + "." + parts[1]).getBytes(StandardCharsets.UTF_8));
        String otherKey = header + "." + parts[1] + "." + b64(rsa.sign());
        ObjectNode foreign = claims.deepCopy();
        foreign.put("iss", "http://127.0.0.1:8180/realms/master");
        rsa.initSign(other.getPrivate());
        String foreignBody = b64(mapper.writeValueAsBytes(foreign));
        rsa.update((header + "." + foreignBody).getBytes(StandardCharsets.UTF_8));
        String otherRealm = header + "." + foreignBody + "." + b64(rsa.sign());

        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("tampered", tampered);
        bad.put("unsigned (alg none)", unsigned);
        bad.put("signed by another key", otherKey);
        bad.put("another realm", otherRealm);
        bad.put("garbage", "not.a.token");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Integer, String> target : PROTECTED.entrySet()) {
            at(target.getKey(), real).when().get(target.getValue()).then().statusCode(200);
            for (Map.Entry<String, String> token : bad.entrySet()) {
                Response r = at(target.getKey(), token.getValue()).when().get(target.getValue());
                if (r.statusCode() != 401 || !String.valueOf(r.contentType()).startsWith("application/problem+json")) {
                    wrong.add(token.getKey() + " on port " + target.getKey() + " -> " + r.statusCode());
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void anExpiredRealmTokenIs401AtTheGatewayAndAtEachService() throws Exception {
        // the local Keycloak's bootstrap admin (deploy/local/run.sh) gives the mobile client 5-second tokens for a
        // moment
        String admin = given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.KEYCLOAK)
                .contentType("application/x-www-form-urlencoded")
                .formParam("grant_type", "password")
                .formParam("client_id", "admin-cli")
                .formParam("username", "admin")
                .formParam("password", "admin")
                .when()
                .post("/realms/master/protocol/openid-connect/token")
                .then()
                .statusCode(200)
                .extract()
                .path("access_token");
        String clients = "/admin/realms/relais/clients";
        String uuid = given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.KEYCLOAK)
                .auth()
                .oauth2(admin)
                .queryParam("clientId", "relais-mobile")
                .when()
                .get(clients)
                .then()
                .statusCode(200)
                .extract()
                .path("[0].id");
        ObjectNode client = (ObjectNode) mapper.readTree(given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.KEYCLOAK)
                .auth()
                .oauth2(admin)
                .when()
                .get(clients + "/" + uuid)
                .then()
                .statusCode(200)
                .extract()
                .asString());
        ObjectNode shortLived = client.deepCopy();
        ObjectNode attributes = shortLived.has("attributes")
                ? (ObjectNode) shortLived.get("attributes")
                : shortLived.putObject("attributes");
        attributes.put("access.token.lifespan", "5");
        String expiring;
        try {
            given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.KEYCLOAK)
                    .auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body(mapper.writeValueAsString(shortLived))
                    .when()
                    .put(clients + "/" + uuid)
                    .then()
                    .statusCode(204);
            expiring = system.passwordToken("ngo-caseworker");
        } finally {
            // Keycloak merges client attributes on update, so the override is set back to the realm's lifespan
            // explicitly
            int realmLifespan = given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.KEYCLOAK)
                    .auth()
                    .oauth2(admin)
                    .when()
                    .get("/admin/realms/relais")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("accessTokenLifespan");
            ObjectNode restored = client.deepCopy();
            (restored.has("attributes") ? (ObjectNode) restored.get("attributes") : restored.putObject("attributes"))
                    .put("access.token.lifespan", Integer.toString(realmLifespan));
            given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.KEYCLOAK)
                    .auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body(mapper.writeValueAsString(restored))
                    .when()
                    .put(clients + "/" + uuid)
                    .then()
                    .statusCode(204);
        }
        long lifespan = mapper.readTree(Base64.getUrlDecoder()
                                .decode(system.passwordToken("ngo-caseworker").split("\\.")[1]))
                        .path("exp")
                        .asLong()
                - System.currentTimeMillis() / 1000;
        assertTrue(lifespan > 60, "tokens are long-lived again after the test: " + lifespan + " s");
        long exp = mapper.readTree(Base64.getUrlDecoder().decode(expiring.split("\\.")[1]))
                .path("exp")
                .asLong();
        assertTrue(exp - System.currentTimeMillis() / 1000 <= 10, "a short-lived token");
        // valid now; once past its expiry and the services' small clock skew allowance, refused everywhere
        for (Map.Entry<Integer, String> target : PROTECTED.entrySet()) {
            at(target.getKey(), expiring).when().get(target.getValue()).then().statusCode(200);
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> PROTECTED.entrySet().stream()
                        .allMatch(t -> at(t.getKey(), expiring)
                                        .when()
                                        .get(t.getValue())
                                        .statusCode()
                                == 401));
        for (Map.Entry<Integer, String> target : PROTECTED.entrySet()) {
            at(target.getKey(), expiring)
                    .when()
                    .get(target.getValue())
                    .then()
                    .statusCode(401)
                    .contentType("application/problem+json");
        }
    }

    @Test
    void noOtherAgencyReachesAnotherAgencysRecords() throws Exception {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String ngoSystem = system.clientToken("ngo-system");
        String referral = at(8080, police)
                .contentType(ContentType.JSON)
                .body("""
                {"receivingAgencyId": "ngo-casa-ecoute", "services": ["SHELTER"], "priority": "ROUTINE",
                 "subject": {"fullName": "Isolation Survivor"},
                 "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL",
                             "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker"}}
                """)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        at(8080, ngo)
                .contentType(ContentType.JSON)
                .body("{\"assignee\": \"ngo-caseworker\"}")
                .when()
                .post("/api/v1/referrals/" + referral + "/accept")
                .then()
                .statusCode(200);
        String caseId = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> at(8080, ngo)
                                .when()
                                .get("/api/v1/referrals/" + referral)
                                .then()
                                .extract()
                                .<String>path("receivingCaseId"),
                        id -> id != null);
        String notification = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> at(8080, ngo)
                                .queryParam("limit", 200)
                                .when()
                                .get("/api/v1/notifications")
                                .then()
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + referral + "' }.id"),
                        l -> !l.isEmpty())
                .get(0);
        String webhook = at(8080, ngoSystem)
                .contentType(ContentType.JSON)
                .body(
                        "{\"url\": \"http://127.0.0.1:9/never\", \"eventTypes\": [\"relais.referral.sent\"], \"description\": \"isolation\"}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");

        Map<String, String> outsiders = new LinkedHashMap<>();
        for (String user : List.of(
                "gendarmerie-caseworker",
                "prosecution-caseworker",
                "hospital-caseworker",
                "shelter-caseworker",
                "legalaid-caseworker",
                "police-supervisor",
                "police-admin")) {
            outsiders.put(user, system.passwordToken(user));
        }
        for (String client : List.of("police-system", "gendarmerie-system", "hospital-system")) {
            outsiders.put(client, system.clientToken(client));
        }
        String action = at(8080, ngo)
                .contentType(ContentType.JSON)
                .body("{\"type\": \"OTHER\", \"dueAt\": \"2030-01-01T00:00:00Z\", " + "\"description\": \"isolation\"}")
                .when()
                .post("/api/v1/cases/" + caseId + "/actions")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String answers = java.util.stream.IntStream.rangeClosed(1, 24)
                .mapToObj(i -> "\"q" + i + "\": false")
                .collect(java.util.stream.Collectors.joining(", ", "{\"answers\": {", "}}"));
        List<String[]> more = new ArrayList<>(List.of(
                new String[] {"POST", "/api/v1/cases/" + caseId + "/assign", "{\"assignee\": \"ngo-caseworker\"}"},
                new String[] {"POST", "/api/v1/cases/" + caseId + "/risk-assessments", answers},
                new String[] {
                    "POST",
                    "/api/v1/cases/" + caseId + "/actions",
                    "{\"type\": \"OTHER\", \"dueAt\": \"2030-01-01T00:00:00Z\", \"description\": \"x\"}"
                },
                new String[] {"POST", "/api/v1/cases/" + caseId + "/actions/" + action + "/complete"},
                new String[] {"GET", "/api/v1/agencies/ngo-casa-ecoute/members"},
                new String[] {"PUT", "/api/v1/agencies/ngo-casa-ecoute/capacity", "{\"capacity\": \"FULL\"}"},
                new String[] {"PATCH", "/api/v1/webhooks/" + webhook, "{\"paused\": true}"},
                new String[] {"POST", "/api/v1/webhooks/" + webhook + "/rotate-secret"},
                new String[] {
                    "POST", "/api/v1/webhooks/" + webhook + "/deliveries/" + java.util.UUID.randomUUID() + "/retry"
                }));
        for (String act : List.of(
                "acknowledge",
                "accept",
                "decline",
                "redirect",
                "start",
                "hold",
                "complete",
                "fail",
                "withdraw",
                "withdraw-consent")) {
            String body = switch (act) {
                case "decline" -> "{\"reasonCode\": \"NO_CAPACITY\"}";
                case "redirect" -> "{\"toAgencyId\": \"shelter-rabat-amal\"}";
                case "hold" -> "{\"reasonCode\": \"WAITLIST\"}";
                case "complete" -> "{\"outcome\": \"OTHER\"}";
                case "fail" -> "{\"reasonCode\": \"OTHER\"}";
                case "withdraw" -> "{\"reasonCode\": \"ERROR\"}";
                case "withdraw-consent" -> "{\"recordedBy\": \"someone\", \"method\": \"VERBAL\"}";
                default -> "{}";
            };
            more.add(new String[] {"POST", "/api/v1/referrals/" + referral + "/" + act, body});
        }
        List<String[]> calls = new ArrayList<>(more);
        calls.addAll(List.of(
                new String[] {"GET", "/api/v1/referrals/" + referral},
                new String[] {"GET", "/api/v1/referrals/" + referral + "/history"},
                new String[] {"POST", "/api/v1/referrals/" + referral + "/acknowledge"},
                new String[] {"GET", "/api/v1/cases/" + caseId},
                new String[] {"GET", "/api/v1/cases/" + caseId + "/timeline"},
                new String[] {
                    "POST", "/api/v1/cases/" + caseId + "/close", "{\"outcome\": \"OTHER\", \"summary\": \"outsider\"}"
                },
                new String[] {"POST", "/api/v1/notifications/" + notification + "/read"},
                new String[] {"GET", "/api/v1/webhooks/" + webhook + "/deliveries"},
                new String[] {"DELETE", "/api/v1/webhooks/" + webhook}));
        List<String> leaks = new ArrayList<>();
        for (Map.Entry<String, String> outsider : outsiders.entrySet()) {
            for (String[] call : calls) {
                boolean policeParty = outsider.getKey().startsWith("police") && call[1].contains("/referrals/");
                // the police sent the referral: as its sender they may act on it (withdraw, withdraw-consent); skipped
                if (policeParty) {
                    continue; // the police sent the referral: they are a party to it
                }
                // a valid body: the answer must be about the record, not about the request
                Response r = at(8080, outsider.getValue())
                        .contentType(ContentType.JSON)
                        .body(call.length > 2 ? call[2] : "{}")
                        .when()
                        .request(call[0], call[1]);
                if (r.statusCode() != 404 && r.statusCode() != 403) {
                    leaks.add(outsider.getKey() + " " + call[0] + " " + call[1] + " -> " + r.statusCode());
                }
            }
        }
        assertEquals(List.of(), leaks);
        at(8080, ngoSystem).when().delete("/api/v1/webhooks/" + webhook).then().statusCode(204);

        // an agency's auditor sees none of another agency's audit entries about the same referral
        String policeAuditTrail = at(8080, system.passwordToken("ngo-auditor"))
                .queryParam("referralId", referral)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        List<String> agencies =
                io.restassured.path.json.JsonPath.from(policeAuditTrail).getList("items.agencyId");
        assertTrue(
                !agencies.isEmpty() && agencies.stream().allMatch("ngo-casa-ecoute"::equals),
                "the NGO's auditor sees only the NGO's entries: " + agencies);
        String shelterReferral = at(8080, police)
                .contentType(ContentType.JSON)
                .body("""
                {"receivingAgencyId": "shelter-rabat-amal", "services": ["SHELTER"], "priority": "ROUTINE", "consent": {"granted": false}}
                """)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        at(8080, system.passwordToken("ngo-auditor"))
                .queryParam("referralId", shelterReferral)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(200)
                .body("items.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void aSuspendedAgencyIsRefusedAtTheGatewayAndAtEachService() throws Exception {
        String admin = system.passwordToken("platform-admin");
        String caseworker = system.passwordToken("legalaid-caseworker");
        for (Map.Entry<Integer, String> target : PROTECTED.entrySet()) {
            at(target.getKey(), caseworker).when().get(target.getValue()).then().statusCode(200);
        }
        ObjectNode agency = (ObjectNode) mapper.readTree(at(8080, admin)
                .when()
                .get("/api/v1/agencies/legal-aid-rabat")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        try {
            agency.put("active", false);
            at(8080, admin)
                    .contentType(ContentType.JSON)
                    .body(mapper.writeValueAsString(agency))
                    .when()
                    .put("/api/v1/agencies/legal-aid-rabat")
                    .then()
                    .statusCode(200);
            for (Map.Entry<Integer, String> target : PROTECTED.entrySet()) {
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> at(target.getKey(), caseworker)
                                        .when()
                                        .get(target.getValue())
                                        .statusCode()
                                == 403);
            }
        } finally {
            ObjectNode current = (ObjectNode) mapper.readTree(at(8080, admin)
                    .when()
                    .get("/api/v1/agencies/legal-aid-rabat")
                    .then()
                    .extract()
                    .asString());
            current.put("active", true);
            at(8080, admin)
                    .contentType(ContentType.JSON)
                    .body(mapper.writeValueAsString(current))
                    .when()
                    .put("/api/v1/agencies/legal-aid-rabat")
                    .then()
                    .statusCode(200);
        }
        for (Map.Entry<Integer, String> target : PROTECTED.entrySet()) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> at(target.getKey(), caseworker)
                                    .when()
                                    .get(target.getValue())
                                    .statusCode()
                            == 200);
        }
    }
}
