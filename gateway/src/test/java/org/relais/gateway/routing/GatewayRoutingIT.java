package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class GatewayRoutingIT {

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    private final String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
        directory.apply(AgencyRecord.of(
                mapper.readTree("{\"id\":\"police-casa-anfa\",\"active\":true,\"permissions\":[\"directory:read\"]}")));
    }

    @Test
    void eachRouteReachesItsServiceWithTheForwardingHeaders() {
        given().auth()
                .oauth2(caseworker)
                .header("X-Request-Id", "req-123")
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .when()
                .get("/api/v1/referrals?direction=received&limit=5")
                .then()
                .statusCode(200)
                .header("X-Request-Id", equalTo("req-123"))
                .header("ETag", equalTo("\"7\""))
                .body("service", equalTo("referral"))
                .body("uri", equalTo("/api/v1/referrals?direction=received&limit=5"))
                .body("headers.authorization", equalTo("Bearer " + caseworker))
                .body("headers.x-request-id", equalTo("req-123"))
                .body("headers.traceparent", equalTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
                .body("headers.x-forwarded-for", notNullValue())
                .body("headers.x-forwarded-proto", equalTo("http"))
                .body("headers.x-forwarded-host", notNullValue());
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(200)
                .body("service", equalTo("referral"));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/abc")
                .then()
                .statusCode(200)
                .body("service", equalTo("case"))
                .body("headers.traceparent", matchesPattern("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
    }

    @Test
    void aVerifiedTokenIsReusedUntilItExpiresThenRefused() {
        String token = TestTokens.expiringIn(
                java.time.Duration.ofSeconds(5), "ngo-casa-ecoute", "ngo-caseworker", "caseworker");
        double hitsBefore = verifiedTokens("hit");
        for (int i = 0; i < 5; i++) {
            given().auth().oauth2(token).when().get("/api/v1/agencies").then().statusCode(200);
        }
        org.junit.jupiter.api.Assertions.assertTrue(
                verifiedTokens("hit") - hitsBefore >= 4,
                () -> "the token's signature was checked once, then its identity reused: "
                        + given().port(org.relais.testkit.Management.port())
                                .when()
                                .get("/q/metrics")
                                .asString()
                                .lines()
                                .filter(l -> l.contains("verified"))
                                .toList());
        // the same token with its signature altered is another token: verified, and refused
        String[] parts = token.split("\\.");
        char c = parts[2].charAt(10);
        String tampered = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10) + (c == 'A' ? 'B' : 'A')
                + parts[2].substring(11);
        given().auth().oauth2(tampered).when().get("/api/v1/agencies").then().statusCode(401);
        // once expired, the remembered identity is not used
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(15))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> given().auth()
                                .oauth2(token)
                                .when()
                                .get("/api/v1/agencies")
                                .statusCode()
                        == 401);
        given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/agencies")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
    }

    private static double verifiedTokens(String result) {
        String metrics = given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return metrics.lines()
                .filter(l -> l.startsWith("relais_security_verified_tokens_total")
                        && l.contains("result=\"" + result + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void requestBodiesAreStreamedThrough() {
        String big = "{\"reason\":\"" + "x".repeat(200_000) + "\"}";
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body(big)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("method", equalTo("POST"))
                .body("bodyLength", equalTo(big.length()));
    }

    @Test
    void theRoutePermissionIsCheckedBeforeAnyServiceSeesTheRequest() {
        given().when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().auth().oauth2("garbage").when().get("/api/v1/referrals").then().statusCode(401);
        given().auth()
                .oauth2(TestTokens.expired("ngo-casa-ecoute", "x", "caseworker"))
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(401);
        // a referrer may not respond to referrals; an auditor may not read them
        given().auth()
                .oauth2(TestTokens.user("ngo-casa-ecoute", "r", "referrer"))
                .when()
                .post("/api/v1/referrals/x/accept")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(TestTokens.user("ngo-casa-ecoute", "a", "auditor"))
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(403);
        // platform users only reach the directory
        String platform = TestTokens.platformUser("platform-admin", "platform-admin");
        given().auth().oauth2(platform).when().get("/api/v1/agencies").then().statusCode(200);
        given().auth().oauth2(platform).when().get("/api/v1/cases").then().statusCode(403);
        // an agency narrowed to the directory
        given().auth()
                .oauth2(TestTokens.user("police-casa-anfa", "p", "caseworker"))
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/nothing-here")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("relais_gateway_denials_total"));
    }

    @Test
    void aBurstOverTheLimitIs429WithRetryAfterAndOversizedBodiesAre413() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"limited-agency\",\"active\":true}")));
        String token = TestTokens.user("limited-agency", "busy-client", "caseworker");
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 10; i++) {
            var r = given().auth().oauth2(token).when().get("/api/v1/referrals");
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.header("Retry-After");
                r.then()
                        .contentType("application/problem+json")
                        .body("type", equalTo("https://relais.dev/problems/rate-limited"));
            }
        }
        assertTrue(limited >= 5, "a burst of 10 over a limit of 2 per second is mostly refused: " + limited);
        assertTrue(Integer.parseInt(retryAfter) >= 1);
        // another client of the same agency has its own bucket
        given().auth()
                .oauth2(TestTokens.user("limited-agency", "other-client", "caseworker"))
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"x\":\"" + "y".repeat(1_100_000) + "\"}")
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(413)
                .contentType("application/problem+json");
    }

    @Test
    void theMergedApiDocumentAndItsBrowserArePublic() {
        given().when()
                .get("/api/v1/openapi")
                .then()
                .statusCode(200)
                .body("openapi", org.hamcrest.Matchers.startsWith("3."))
                .body("paths.'/api/v1/referrals'.get.operationId", equalTo("list-referral"))
                .body("paths.'/api/v1/cases'", notNullValue())
                .body("paths.'/api/v1/notifications'", notNullValue())
                .body("paths.'/api/v1/audit/trail'.get.operationId", equalTo("auditTrail"))
                .body("paths.'/internal/v1/audit/entries'", org.hamcrest.Matchers.nullValue())
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"));
        given().when().get("/api/v1/docs/").then().statusCode(200).body(containsString("swagger"));
    }

    @Test
    void aServiceThatIsDownIs503AndOneThatHangsIs504() {
        long start = System.nanoTime();
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/hang")
                .then()
                .statusCode(504)
                .contentType("application/problem+json")
                .body("type", equalTo("https://relais.dev/problems/unavailable"));
        assertTrue(
                Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10,
                "answered within the timeout, not the backend's 30 s");
    }

    @Test
    void aLiveStreamStaysOpenPastTheTimeout() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(io.restassured.RestAssured.baseURI + ":"
                        + io.restassured.RestAssured.port + "/api/v1/notifications/stream"))
                .header("Authorization", "Bearer " + caseworker)
                .header("Accept", "text/event-stream")
                .build();
        HttpResponse<java.io.InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        List<String> data = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
        }
        assertEquals(List.of("first", "second"), data);
    }
}
