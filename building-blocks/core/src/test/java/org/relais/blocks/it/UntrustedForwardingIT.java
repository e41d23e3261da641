package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

/** With the gateway elsewhere (RELAIS_TRUSTED_PROXIES), the same headers from this host are a client's claim, ignored. */
@QuarkusTest
@TestProfile(UntrustedForwardingIT.GatewayElsewhere.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class UntrustedForwardingIT {

    public static class GatewayElsewhere implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("RELAIS_TRUSTED_PROXIES", "192.0.2.10,192.0.2.128/25");
        }
    }

    @Test
    void forwardingHeadersFromAnAddressNotTrustedAreIgnored() {
        given().header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-For", "198.51.100.7")
                .header("Forwarded", "for=198.51.100.7;proto=https;host=evil.example")
                .when()
                .get("/edges/origin")
                .then()
                .statusCode(200)
                .body("baseUri", startsWith("http://"))
                .body("baseUri", not(containsString("evil.example")))
                .body("scheme", equalTo("http"))
                .body("remote", equalTo("127.0.0.1"));
    }
}
