package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.Method;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/** Which tokens the public door takes. */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class TokenEdgesIT {

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
    }

    private record Call(Method method, String path) {}

    private static final List<Call> ROUTES = List.of(
            new Call(Method.GET, "/api/v1/agencies"),
            new Call(Method.GET, "/api/v1/agencies/ngo-casa-ecoute"),
            new Call(Method.GET, "/api/v1/referrals?direction=received"),
            new Call(Method.GET, "/api/v1/referrals/0193a0c2-0000-7000-8000-000000000001/history"),
            new Call(Method.POST, "/api/v1/referrals"),
            new Call(Method.GET, "/api/v1/cases"),
            new Call(Method.GET, "/api/v1/cases/0193a0c2-0000-7000-8000-000000000002"),
            new Call(Method.GET, "/api/v1/notifications"),
            new Call(Method.GET, "/api/v1/notifications/stream"),
            new Call(Method.GET, "/api/v1/webhooks"),
            new Call(Method.GET, "/api/v1/audit/trail?referralId=0193a0c2-0000-7000-8000-000000000001"),
            new Call(Method.GET, "/api/v1/audit/verify"));

    @Test
    void tokensOfTheInternalServiceClientsAreRefusedOnEveryRoute() {
        List<String> internal = List.of(
                TestTokens.serviceAccount(null, "relais-case-service", "internal"),
                TestTokens.serviceAccount(null, "relais-gateway", "internal"),
                // a service client's token without the role (a realm misconfigured) is still a service client's
                TestTokens.serviceAccount(null, "relais-referral-service", "platform-auditor"),
                // the role on another client: the role is what opens the internal endpoints
                TestTokens.serviceAccount(null, "some-tool", "internal"));
        for (String token : internal) {
            for (Call call : ROUTES) {
                given().auth()
                        .oauth2(token)
                        .contentType("application/json")
                        .body("{}")
                        .when()
                        .request(call.method(), call.path())
                        .then()
                        .statusCode(403)
                        .contentType("application/problem+json")
                        .body("type", equalTo("https://relais.dev/problems/forbidden"))
                        .body("detail", containsString("internal service clients"));
            }
        }
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .body(containsString("reason=\"internal_client\""));
        // an agency's own partner system goes through as before
        given().auth()
                .oauth2(TestTokens.serviceAccount("ngo-casa-ecoute", "ngo-system", "caseworker"))
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200);
    }

    @Test
    void aTokenWorksUntilItExpiresAndIsRefusedRightAfter() throws Exception {
        String token = TestTokens.expiringIn(Duration.ofSeconds(3), "ngo-casa-ecoute", "ngo-caseworker", "caseworker");
        long exp = mapper.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]))
                        .get("exp")
                        .asLong()
                * 1000;
        given().auth().oauth2(token).when().get("/api/v1/referrals").then().statusCode(200);
        given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200); // the verified-token cache's hit
        AtomicLong lastAccepted = new AtomicLong();
        await().atMost(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    long before = System.currentTimeMillis();
                    int status = given().auth()
                            .oauth2(token)
                            .when()
                            .get("/api/v1/referrals")
                            .statusCode();
                    if (status == 200) {
                        lastAccepted.set(before);
                    }
                    return status == 401;
                });
        long refusedAt = System.currentTimeMillis();
        assertTrue(
                lastAccepted.get() < exp,
                "never accepted once expired (last accepted " + (lastAccepted.get() - exp) + " ms after expiry)");
        assertTrue(
                refusedAt - exp < 1_000,
                "refused right after the expiry, not after a grace period: " + (refusedAt - exp) + " ms");
        given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
    }
}
