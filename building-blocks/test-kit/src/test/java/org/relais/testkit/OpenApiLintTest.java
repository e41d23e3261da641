package org.relais.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The lint passes a clean document and names the rule of each deliberate defect. */
class OpenApiLintTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A small document shaped like the services': one operation, its problem response, one referenced schema. */
    private static final String CLEAN = """
            {
              "openapi": "3.0.3",
              "info": {"title": "Test", "version": "1.0"},
              "servers": [{"url": "/"}],
              "tags": [{"name": "Agencies"}],
              "security": [{"bearer": []}],
              "paths": {
                "/api/v1/agencies/{id}": {
                  "get": {
                    "operationId": "getAgency",
                    "summary": "An agency",
                    "description": "The agency's directory entry.",
                    "tags": ["Agencies"],
                    "parameters": [
                      {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "example": "ngo-casa-ecoute"},
                      {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "default": 50, "maximum": 200}}
                    ],
                    "responses": {
                      "200": {"description": "The agency", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Agency"},
                        "example": {"id": "ngo-casa-ecoute", "capacity": "FULL", "note": null}}}},
                      "404": {"description": "No such agency", "content": {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"},
                        "example": {"type": "https://relais.dev/problems/not-found", "title": "Not found", "status": 404}}}}
                    }
                  }
                }
              },
              "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "schemas": {
                  "Agency": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string", "example": "ngo-casa-ecoute"},
                    "capacity": {"type": "string", "enum": ["AVAILABLE", "LIMITED", "FULL"]},
                    "note": {"type": "string", "nullable": true},
                    "tags": {"type": "array", "items": {"type": "string"}}}},
                  "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string", "format": "uri"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"}}}
                }
              }
            }
            """;

    @Test
    void aCleanDocumentPasses() {
        assertEquals(List.of(), OpenApiLint.lint(CLEAN));
        OpenApiLint.assertValid("the clean document", CLEAN);
    }

    @Test
    void aProblemExampleWhoseTypeIsNotAUriFailsTheBuild() {
        // the defect partners' linters found: an ellipsis in the example's type URI
        String broken = edit(d -> ((ObjectNode) d.at(
                        "/paths/~1api~1v1~1agencies~1{id}/get/responses/404/content/application~1problem+json/example"))
                .put("type", "https://relais.dev/problems/…"));
        List<OpenApiLint.Finding> found = OpenApiLint.lint(broken);
        assertEquals(1, found.size(), found.toString());
        assertEquals("oas3-valid-media-example", found.get(0).rule());
        assertEquals(
                "paths./api/v1/agencies/{id}.get.responses.404.content.application/problem+json.example",
                found.get(0).path());
        AssertionError error =
                assertThrows(AssertionError.class, () -> OpenApiLint.assertValid("the broken document", broken));
        assertTrue(error.getMessage().contains("oas3-valid-media-example"), error.getMessage());
    }

    @Test
    void anExampleMissingARequiredFieldOrOfTheWrongTypeFails() {
        assertRule(
                "oas3-valid-media-example",
                d -> ((ObjectNode)
                                d.at(
                                        "/paths/~1api~1v1~1agencies~1{id}/get/responses/404/content/application~1problem+json/example"))
                        .remove("status"));
        assertRule(
                "oas3-valid-media-example",
                d -> ((ObjectNode) d.at(
                                "/paths/~1api~1v1~1agencies~1{id}/get/responses/200/content/application~1json/example"))
                        .put("capacity", "NONE"));
        assertRule(
                "oas3-valid-media-example",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get/parameters/0")).put("example", 12));
    }

    @Test
    void aSchemaExampleOrDefaultAgainstItsSchemaFails() {
        assertRule(
                "oas3-valid-schema-example",
                d -> ((ObjectNode) d.at("/components/schemas/Agency/properties/id")).put("example", 7));
        assertRule(
                "oas3-valid-schema-example",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get/parameters/1/schema"))
                        .put("default", 500));
        assertRule(
                "oas3-valid-schema-example",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get/parameters/1/schema"))
                        .put("default", 3_000_000_000L));
    }

    @Test
    void operationRulesAreEnforced() {
        assertRule(
                "operation-description",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get")).remove("description"));
        assertRule(
                "operation-operationId",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get")).remove("operationId"));
        assertRule("operation-operationId-unique", d -> {
            ObjectNode copy = ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get")).deepCopy();
            ((ObjectNode) d.at("/paths")).putObject("/api/v1/agencies").set("get", copy.without("parameters"));
        });
        assertRule(
                "operation-tag-defined",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get"))
                        .putArray("tags")
                        .add("Nowhere"));
        assertRule(
                "oas3-operation-security-defined",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get"))
                        .putArray("security")
                        .addObject()
                        .putArray("oauth"));
        assertRule(
                "operation-success-response",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get/responses")).remove("200"));
    }

    @Test
    void pathParametersMustBeDeclaredAndUsed() {
        assertRule(
                "path-params",
                d -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                                d.at("/paths/~1api~1v1~1agencies~1{id}/get/parameters"))
                        .remove(0));
        assertRule(
                "path-params",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get/parameters/0")).put("required", false));
        assertRule(
                "path-params",
                d -> ((ObjectNode) d.at("/paths")).set("/api/v1/agencies/{agencyId}", JSON.createObjectNode()));
    }

    @Test
    void unusedComponentsRefSiblingsAndEnumsAreFound() {
        assertRule(
                "oas3-unused-component",
                d -> ((ObjectNode) d.at("/components/schemas"))
                        .putObject("Orphan")
                        .put("type", "string"));
        assertRule(
                "no-$ref-siblings",
                d -> ((ObjectNode) d.at(
                                "/paths/~1api~1v1~1agencies~1{id}/get/responses/200/content/application~1json/schema"))
                        .put("description", "beside a $ref"));
        assertRule(
                "typed-enum",
                d -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                                d.at("/components/schemas/Agency/properties/capacity/enum"))
                        .add(3));
        assertRule(
                "duplicated-entry-in-enum",
                d -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                                d.at("/components/schemas/Agency/properties/capacity/enum"))
                        .add("FULL"));
        assertRule(
                "array-items", d -> ((ObjectNode) d.at("/components/schemas/Agency/properties/tags")).remove("items"));
    }

    @Test
    void aStructuralErrorIsReported() {
        assertRule("oas3-schema", d -> d.put("openapi", "2.0"));
        assertRule(
                "oas3-schema",
                d -> ((ObjectNode) d.at("/paths/~1api~1v1~1agencies~1{id}/get/responses/200")).remove("description"));
    }

    private static void assertRule(String rule, Consumer<ObjectNode> defect) {
        List<OpenApiLint.Finding> found = OpenApiLint.lint(edit(defect));
        assertTrue(found.stream().anyMatch(f -> f.rule().equals(rule)), "expected " + rule + " in " + found);
    }

    private static String edit(Consumer<ObjectNode> defect) {
        try {
            ObjectNode doc = (ObjectNode) JSON.readTree(CLEAN);
            defect.accept(doc);
            return JSON.writeValueAsString(doc);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
