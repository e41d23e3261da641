package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;

/** The service's database is not there (nothing listens where the pool connects): 503 with Retry-After, not 500. */
@QuarkusTest
@TestProfile(DatabaseDownIT.NoDatabase.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class DatabaseDownIT {

    public static class NoDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // migrations still run over JDBC at start; the request path's reactive pool finds no server
            return Map.of(
                    "quarkus.datasource.reactive.url",
                    "postgresql://127.0.0.1:" + EmbeddedInfra.freePort() + "/blocks");
        }
    }

    @Test
    void aRefusedConnectionIs503WithRetryAfterAndNoInternals() {
        given().when()
                .get("/edges/db/ping")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", equalTo("5"))
                .body("type", equalTo("https://relais.dev/problems/unavailable"))
                .body("detail", equalTo("The service's database cannot serve this request right now; retry shortly"))
                .body(not(containsString("127.0.0.1")))
                .body(not(containsString("Connection refused")));
        // a write inside a transaction too
        given().when().post("/test/notes/agg-down/1").then().statusCode(503).header("Retry-After", equalTo("5"));
    }
}
