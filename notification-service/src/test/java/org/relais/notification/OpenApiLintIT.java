package org.relais.notification;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.relais.testkit.OpenApiLint;
import org.relais.testkit.RelaisTestResource;

/**
 * The notification-service's OpenAPI document passes the lint partners' tools apply (the rules of Spectral's oas
 * ruleset, see {@link OpenApiLint}): every example valid against its schema, every operation described,
 * no unused component. The document is kept in target/openapi.json to read when it fails.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class OpenApiLintIT {

    @TestHTTPResource("/q/openapi?format=json")
    URI document;

    @Test
    void theOpenApiDocumentPassesTheLint() throws Exception {
        String doc = OpenApiLint.fetch(document);
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("openapi.json"), doc);
        OpenApiLint.assertValid("the notification-service's /q/openapi (target/openapi.json)", doc);
    }
}
