package org.relais.testkit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * What every Relais service offers operators and clients before any domain: health that reports the
 * database and Kafka and Prometheus metrics (both on the management port only), its OpenAPI document, its
 * migrated schema, and problem documents for requests it cannot serve. Each service's test class extends this.
 */
public abstract class ServiceBasicsContract {

    @Test
    public void livenessAndReadinessReportTheDatabaseAndKafka() {
        given().port(Management.port())
                .when()
                .get("/q/health/live")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"));
        given().port(Management.port())
                .when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body(containsString("PostgreSQL"))
                .body(containsString("Kafka"))
                .body(containsString("agency-directory"));
    }

    @Test
    public void metricsAreServedForPrometheus() {
        given().port(Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("relais_outbox_pending"))
                .body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    public void healthAndMetricsAnswerOnlyOnTheManagementPort() {
        // what an operator's probe or Prometheus reads is not offered to the clients of the public port
        org.junit.jupiter.api.Assertions.assertNotEquals(io.restassured.RestAssured.port, Management.port());
        for (String path : List.of("/q/health/ready", "/q/health/live", "/q/health", "/q/metrics")) {
            given().port(Management.port()).when().get(path).then().statusCode(200);
            given().when().get(path).then().statusCode(404);
        }
    }

    @Test
    public void theOpenApiDocumentDescribesEveryOperationAndItsProblems() {
        io.restassured.path.json.JsonPath doc = given().queryParam("format", "json")
                .when()
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body("openapi", startsWith("3."))
                .extract()
                .jsonPath();
        java.util.Map<String, java.util.Map<String, java.util.Map<String, Object>>> paths = doc.getMap("paths");
        java.util.List<String> defects = new java.util.ArrayList<>();
        int operations = 0;
        for (var path : paths.entrySet()) {
            for (var op : path.getValue().entrySet()) {
                if (!List.of("get", "post", "put", "patch", "delete").contains(op.getKey())) {
                    continue;
                }
                operations++;
                String where = op.getKey().toUpperCase() + " " + path.getKey();
                java.util.Map<String, Object> o = op.getValue();
                for (String field : List.of("operationId", "summary", "tags", "security")) {
                    if (o.get(field) == null) {
                        defects.add(where + " has no " + field);
                    }
                }
                @SuppressWarnings("unchecked")
                java.util.Map<String, java.util.Map<String, Object>> responses =
                        (java.util.Map<String, java.util.Map<String, Object>>) o.get("responses");
                if (responses.keySet().stream().noneMatch(code -> code.startsWith("2"))) {
                    defects.add(where + " documents no success response");
                }
                boolean isPublic = o.get("security") instanceof List<?> l && l.isEmpty();
                for (String code : isPublic ? List.of("404") : List.of("401", "403", "404")) {
                    if (!responses.containsKey(code)) {
                        defects.add(where + " does not document " + code);
                    } else if (!String.valueOf(responses.get(code).get("content"))
                            .contains("application/problem+json")) {
                        defects.add(where + "'s " + code + " is not a problem document");
                    }
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(operations > 0, "the document lists no operation");
        assertEquals(List.of(), defects);
    }

    @Test
    public void theSchemaIsMigratedWithThePlatformTables() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                Statement s = c.createStatement()) {
            for (String table : List.of(
                    "relais_outbox", "relais_inbox", "relais_audit", "relais_idempotency", "relais_data_keys")) {
                try (ResultSet rs = s.executeQuery("select count(*) from " + table)) {
                    rs.next();
                }
            }
            try (ResultSet rs =
                    s.executeQuery("select count(*) from flyway_schema_history where version = '1000' and success")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
        }
    }

    @Test
    public void requestsItCannotServeGetProblemDocuments() {
        given().when()
                .get("/api/v1/no-such-resource")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("https://relais.dev/problems/not-found"))
                .body("status", equalTo(404))
                .body("traceId", org.hamcrest.Matchers.notNullValue());
        given().header("Authorization", "Bearer not-a-token")
                .when()
                .get("/api/v1/no-such-resource")
                .then()
                .statusCode(org.hamcrest.Matchers.either(equalTo(401)).or(equalTo(404)))
                .contentType("application/problem+json");
    }
}
