package org.relais.e2e;

import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.relais.testkit.OpenApiLint;

/**
 * The merged OpenAPI document the gateway publishes, as the launched system serves it, passes the lint
 * partners' tools apply (the rules of Spectral's oas ruleset, see {@link OpenApiLint}): every example
 * valid against its schema, every operation described, unique operation ids, no unused component.
 */
@Order(2)
class MergedApiLintE2E {

    private final RelaisSystem system = RelaisSystem.get();

    @Test
    void theMergedDocumentPassesTheLint() {
        // a 503 says a service's description is momentarily unavailable and to retry: a client retries
        String json = org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(60))
                .until(
                        () -> given().baseUri("http://127.0.0.1")
                                .port(RelaisSystem.GATEWAY)
                                .when()
                                .get("/api/v1/openapi"),
                        r -> r.statusCode() == 200)
                .asString();
        OpenApiLint.assertValid("the gateway's /api/v1/openapi", json);
    }
}
