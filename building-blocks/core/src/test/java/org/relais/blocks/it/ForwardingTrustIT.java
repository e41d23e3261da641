package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

/** A service believes forwarding headers from the gateway on its own host (loopback). */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class ForwardingTrustIT {

    @Test
    void forwardingHeadersFromLoopbackAreBelieved() {
        given().header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "api.relais.example")
                .header("X-Forwarded-For", "198.51.100.7")
                .when()
                .get("/edges/origin")
                .then()
                .statusCode(200)
                .body("baseUri", equalTo("https://api.relais.example/"))
                .body("remote", equalTo("198.51.100.7"));
    }
}
