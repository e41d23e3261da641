package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

/** An instant a database cannot hold, in a list query, is the client's mistake: 400 naming the parameter. */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class QueryInstantIT {

    @Test
    void instantsFrom1900To2200AreTakenToTheDatabase() {
        for (String ok : new String[] {"1900-01-01T00:00:00Z", "2026-11-23T10:15:30Z", "2200-01-01T00:00:00Z"}) {
            given().queryParam("updatedSince", ok)
                    .when()
                    .get("/edges/since")
                    .then()
                    .statusCode(200);
        }
    }

    @Test
    void instantsOutside1900To2200Are400NamingTheParameter() {
        for (String bad : new String[] {
            "+1000000-01-01T00:00:00Z",
            "-1000000-01-01T00:00:00Z",
            "+294277-01-01T00:00:00Z",
            "1899-12-31T23:59:59Z",
            "2200-01-01T00:00:01Z",
            "-999999999-01-01T00:00:00Z",
            "+999999999-12-31T23:59:59Z"
        }) {
            given().queryParam("updatedSince", bad)
                    .when()
                    .get("/edges/since")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://relais.dev/problems/malformed-request"))
                    .body("detail", containsString("'updatedSince'"));
        }
    }
}
