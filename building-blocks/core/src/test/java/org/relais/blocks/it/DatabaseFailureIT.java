package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

/** A database that is busy past its timeouts answers 503 with Retry-After, never a 500. */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class DatabaseFailureIT {

    @Inject
    AgroalDataSource ds;

    @Test
    void aLockHeldPastTheLockTimeoutIs503WithRetryAfter() throws Exception {
        given().when().get("/edges/db/locked").then().statusCode(200);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("lock table test_effects in access exclusive mode");
                given().when()
                        .get("/edges/db/locked")
                        .then()
                        .statusCode(503)
                        .contentType("application/problem+json")
                        .header("Retry-After", equalTo("5"))
                        .body("type", equalTo("https://relais.dev/problems/unavailable"))
                        .body("status", equalTo(503))
                        .body(not(containsString("lock timeout")))
                        .body(not(containsString("test_effects")));
            } finally {
                c.rollback();
            }
        }
        given().when().get("/edges/db/locked").then().statusCode(200);
    }

    @Test
    void aStatementCancelledByTheStatementTimeoutIs503() {
        given().when()
                .get("/edges/db/slow")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", equalTo("5"))
                .body("type", equalTo("https://relais.dev/problems/unavailable"))
                .body(not(containsString("pg_sleep")));
    }
}
