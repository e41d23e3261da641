package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

@QuarkusTest
@TestProfile(DownBackendIT.NothingListens.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
class DownBackendIT {

    public static class NothingListens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String down = BackendStubs.downUrl();
            return Map.of(
                    "relais.gateway.referral-url",
                    down,
                    "relais.gateway.case-url",
                    down,
                    "relais.gateway.notification-url",
                    down,
                    "relais.gateway.circuit-failure-threshold",
                    "2",
                    "relais.gateway.circuit-open-for",
                    "60s",
                    "quarkus.oidc-client.auth-server-url",
                    down,
                    "quarkus.oidc-client.discovery-enabled",
                    "false",
                    "quarkus.oidc-client.token-path",
                    "/token",
                    "quarkus.oidc-client.credentials.secret",
                    "stub");
        }
    }

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    @Test
    void aServiceThatIsDownIs503WithRetryAfter() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
        given().auth()
                .oauth2(TestTokens.user("ngo-casa-ecoute", "c", "caseworker"))
                .when()
                .get("/api/v1/notifications")
                .then()
                .statusCode(503)
                .header("Retry-After", notNullValue())
                .contentType("application/problem+json")
                .body("status", equalTo(503));
        // the audit trail cannot be had either: 503, not a partial answer unless asked for
        given().auth()
                .oauth2(TestTokens.platformUser("platform-auditor", "platform-auditor"))
                .queryParam("referralId", "0193a0c2-0000-7000-8000-000000000001")
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(503)
                .contentType("application/problem+json");
    }

    @Test
    void afterRepeatedFailuresTheCircuitOpensAndRefusesAtOnce() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"police-casa-anfa\",\"active\":true}")));
        String token = TestTokens.user("police-casa-anfa", "p", "caseworker");
        for (int i = 0; i < 2; i++) {
            given().auth().oauth2(token).when().get("/api/v1/cases").then().statusCode(503);
        }
        // open: refused without trying the backend, and told how long to wait
        given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/cases")
                .then()
                .statusCode(503)
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-6][0-9]?"))
                .contentType("application/problem+json");
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("relais_gateway_circuit_open{backend=\"case\"} 1.0"))
                .body(containsString("relais_gateway_circuit_rejected_total{backend=\"case\"}"));
    }
}
