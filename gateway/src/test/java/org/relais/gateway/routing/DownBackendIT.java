package org.relais.gateway.routing;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
@TestProfile(DownBackendIT.NothingListens.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
class DownBackendIT {

    public static class NothingListens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("relais.gateway.referral-url", BackendStubs.downUrl(),
                    "relais.gateway.case-url", BackendStubs.downUrl(),
                    "relais.gateway.notification-url", BackendStubs.downUrl());
        }
    }

    @Inject
    AgencyDirectory directory;
    @Inject
    ObjectMapper mapper;

    @Test
    void aServiceThatIsDownIs503WithRetryAfter() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
        given().auth().oauth2(TestTokens.user("ngo-casa-ecoute", "c", "caseworker")).when().get("/api/v1/notifications")
                .then().statusCode(503).header("Retry-After", notNullValue())
                .contentType("application/problem+json").body("status", equalTo(503));
    }
}
