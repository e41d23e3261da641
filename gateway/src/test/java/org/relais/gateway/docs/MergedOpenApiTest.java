package org.relais.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.relais.testkit.OpenApiLint;

/**
 * The merge of the services' documents, shaped as they serve them (public and internal paths, the shared
 * Problem schema, components reached through other components, tags), passes the OpenAPI lint partners'
 * tools apply: nothing that only an internal path used is left behind unused.
 */
class MergedOpenApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String PROBLEM = """
            "Problem": {"type": "object", "required": ["type", "title", "status"], "additionalProperties": true, "properties": {
              "type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": "integer"},
              "detail": {"type": "string"}, "instance": {"type": "string"}}}
            """;

    private static String service(String name, String resource, String extraSchemas) {
        return """
                {
                  "openapi": "3.0.3",
                  "info": {"title": "Relais %1$s", "version": "1.0"},
                  "tags": [{"name": "%2$s", "description": "The %1$s's %3$s"},
                           {"name": "Audit (internal)", "description": "A service's own audit chain"}],
                  "paths": {
                    "/api/v1/%3$s/{id}": {
                      "get": {
                        "operationId": "get-%3$s", "summary": "One", "description": "One of the %3$s.",
                        "tags": ["%2$s"], "security": [{"bearer": []}],
                        "parameters": [{"$ref": "#/components/parameters/Id"}],
                        "responses": {
                          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/%2$s"}}}},
                          "404": {"description": "No such record", "content": {"application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"},
                            "example": {"type": "https://relais.dev/problems/not-found", "title": "Not found", "status": 404}}}}
                        }
                      }
                    },
                    "/internal/v1/audit/entries": {
                      "get": {
                        "operationId": "auditEntries-%1$s", "summary": "Entries", "description": "Entries.",
                        "tags": ["Audit (internal)"], "security": [{"bearer": []}],
                        "responses": {"200": {"description": "OK", "content": {"application/json": {
                          "schema": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}}}}}
                      }
                    }
                  },
                  "components": {
                    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                    "parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}},
                    "schemas": {
                      %4$s,
                      "%2$s": {"type": "object", "properties": {"id": {"type": "string"}, "status": {"$ref": "#/components/schemas/%2$sStatus"}}},
                      "%2$sStatus": {"type": "string", "enum": ["OPEN", "CLOSED"]},
                      "AuditEntry": {"type": "object", "properties": {"seq": {"type": "integer"}, "hash": {"$ref": "#/components/schemas/Hash"}}},
                      "Hash": {"type": "string"}%5$s
                    }
                  }
                }
                """.formatted(
                        name,
                        resource.substring(0, 1).toUpperCase() + resource.substring(1, resource.length() - 1),
                        resource,
                        PROBLEM,
                        extraSchemas);
    }

    private static ObjectNode merged() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        docs.add(JSON.readTree(service("referral-service", "referrals", "")));
        docs.add(JSON.readTree(service("case-service", "cases", ",\n\"Unused\": {\"type\": \"string\"}")));
        return MergedOpenApi.merge(JSON, docs);
    }

    @Test
    void theMergedDocumentPassesTheLint() throws Exception {
        OpenApiLint.assertValid("the merged document", JSON.writeValueAsString(merged()));
    }

    @Test
    void itKeepsThePublicPathsAndWhatTheyReachAndDropsTheRest() throws Exception {
        ObjectNode doc = merged();
        assertTrue(doc.path("paths").has("/api/v1/referrals/{id}"));
        assertTrue(doc.path("paths").has("/api/v1/cases/{id}"));
        assertFalse(doc.path("paths").has("/internal/v1/audit/entries"));
        JsonNode schemas = doc.path("components").path("schemas");
        for (String kept : List.of("Problem", "Referral", "ReferralStatus", "Case", "CaseStatus")) {
            assertTrue(schemas.has(kept), kept + " is reached from a public path");
        }
        for (String dropped : List.of("AuditEntry", "Hash", "Unused")) {
            assertFalse(schemas.has(dropped), dropped + " is reached from no public path");
        }
        assertTrue(doc.path("components").path("parameters").has("Id"), "a shared parameter component is kept");
        assertEquals(
                "The referral-service's referrals",
                doc.path("tags").get(0).path("description").asText());
        assertEquals(2, doc.path("tags").size(), "only the tags of the public operations: " + doc.path("tags"));
        assertEquals(
                "bearer",
                doc.path("components")
                        .path("securitySchemes")
                        .path("bearer")
                        .path("scheme")
                        .asText());
    }
}
