package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

/** A service takes bodies up to the gateway's limit (1 MiB) and no more. */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class BodyLimitIT {

    @Test
    void aBodyUpToTheGatewaysLimitIsTakenAndOneOverIs413() {
        String under = "\"" + "x".repeat(1_048_576 - 2) + "\"";
        given().contentType(ContentType.JSON)
                .body(under)
                .when()
                .post("/edges/body")
                .then()
                .statusCode(200)
                .body("length", equalTo(1_048_576));
        String over = "\"" + "x".repeat(1_048_576) + "\"";
        given().contentType(ContentType.JSON)
                .body(over)
                .when()
                .post("/edges/body")
                .then()
                .statusCode(413);
    }
}
