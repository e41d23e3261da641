package org.relais.testkit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What every Relais service offers operators and clients before any domain: health that reports the
 * database and Kafka, Prometheus metrics, its OpenAPI document, its migrated schema, and problem
 * documents for requests it cannot serve. Each service's test class extends this.
 */
public abstract class ServiceBasicsContract {

    @Test
    public void livenessAndReadinessReportTheDatabaseAndKafka() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(containsString("PostgreSQL"))
                .body(containsString("Kafka"))
                .body(containsString("agency-directory"));
    }

    @Test
    public void metricsAreServedForPrometheus() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("relais_outbox_pending"))
                .body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    public void theOpenApiDocumentIsServed() {
        given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body("openapi", startsWith("3."));
    }

    @Test
    public void theSchemaIsMigratedWithThePlatformTables() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
            for (String table : List.of("relais_outbox", "relais_inbox", "relais_audit", "relais_idempotency", "relais_data_keys")) {
                try (ResultSet rs = s.executeQuery("select count(*) from " + table)) {
                    rs.next();
                }
            }
            try (ResultSet rs = s.executeQuery("select count(*) from flyway_schema_history where version = '1000' and success")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
        }
    }

    @Test
    public void requestsItCannotServeGetProblemDocuments() {
        given().when().get("/api/v1/no-such-resource").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("https://relais.dev/problems/not-found"))
                .body("status", equalTo(404))
                .body("traceId", org.hamcrest.Matchers.notNullValue());
        given().header("Authorization", "Bearer not-a-token").when().get("/api/v1/no-such-resource").then()
                .statusCode(org.hamcrest.Matchers.either(equalTo(401)).or(equalTo(404)))
                .contentType("application/problem+json");
    }
}
