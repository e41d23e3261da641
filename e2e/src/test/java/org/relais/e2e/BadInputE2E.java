package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Hostile and malformed requests for every operation of the merged OpenAPI document, through the
 * gateway with tokens that hold the operation's permission: invalid JSON, the wrong content type, an
 * empty body, each field of the wrong type, far too long, or outside its enum, unknown and malformed
 * ids, garbage query parameters. Every answer is a 4xx problem document; none is a 5xx.
 */
@Order(5)
class BadInputE2E {

    private final RelaisSystem system = RelaisSystem.get();
    private static final String HUGE = "x".repeat(100_000);

    @Test
    void everyOperationAnswersMalformedRequestsWithA4xxProblem() {
        String json = given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .when()
                .get("/api/v1/openapi")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        OpenAPI api = new OpenAPIV3Parser().readContents(json, null, null).getOpenAPI();
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("agencies", system.passwordToken("platform-admin"));
        tokens.put("audit", system.passwordToken("platform-auditor"));
        tokens.put("webhooks", system.clientToken("ngo-system"));
        tokens.put("default", system.passwordToken("ngo-supervisor"));

        List<String> failures = new ArrayList<>();
        int sent = 0;
        for (Map.Entry<String, PathItem> p : api.getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> o :
                    p.getValue().readOperationsMap().entrySet()) {
                String path = p.getKey();
                if (path.endsWith("/stream") || path.equals("/api/v1/openapi")) {
                    continue; // a live stream and the public document take no input to get wrong
                }
                String method = o.getKey().name();
                Operation op = o.getValue();
                String token = tokens.getOrDefault(path.split("/")[3], tokens.get("default"));
                List<Variant> variants = variants(api, path, op);
                for (Variant v : variants) {
                    sent++;
                    RequestSpecification request = given().baseUri("http://127.0.0.1")
                            .port(RelaisSystem.GATEWAY)
                            .auth()
                            .oauth2(token)
                            .urlEncodingEnabled(false);
                    v.query.forEach(request::queryParam);
                    if (v.body != null) {
                        request.contentType(v.contentType).body(v.body);
                    }
                    Response r;
                    try {
                        r = request.when().request(method, v.path);
                    } catch (Exception e) {
                        failures.add(method + " " + v.path + " [" + v.what + "]: "
                                + e.getClass().getSimpleName());
                        continue;
                    }
                    int status = r.statusCode();
                    String type = r.contentType() == null ? "" : r.contentType();
                    // 414 comes from the HTTP codec before any application code: a bare 4xx, documented in the README
                    boolean ok = status >= 400 && status < 500 && type.startsWith("application/problem+json")
                            || status == 414 && v.what.equals("URI too long")
                            || status < 400 && v.mayPass;
                    if (!ok) {
                        failures.add(method + " " + v.path + " [" + v.what + "] -> " + status + " " + type);
                    }
                }
            }
        }
        System.out.println("BadInputE2E: " + sent + " malformed requests sent");
        assertTrue(sent > 200, "the document yields malformed requests for every operation: " + sent);
        assertEquals(List.of(), failures);
    }

    private record Variant(
            String what, String path, Map<String, String> query, String contentType, String body, boolean mayPass) {}

    private static List<Variant> variants(OpenAPI api, String template, Operation op) {
        List<Variant> out = new ArrayList<>();
        String unknown = template.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
        String malformed = template.replaceAll("\\{[^}]+}", "not%20an%20id%27%3B--");
        String valid = unknown;
        boolean hasPathParams = template.contains("{");
        if (hasPathParams) {
            out.add(new Variant(
                    "unknown id",
                    unknown,
                    Map.of(),
                    "application/json",
                    op.getRequestBody() == null ? null : "{}",
                    false));
            out.add(new Variant(
                    "malformed id",
                    malformed,
                    Map.of(),
                    "application/json",
                    op.getRequestBody() == null ? null : "{}",
                    false));
        }
        if (op.getParameters() != null) {
            for (Parameter p : op.getParameters()) {
                if ("query".equals(p.getIn())) {
                    // garbage in a query parameter: refused, or ignored when the parameter is free text
                    out.add(new Variant(
                            "query " + p.getName() + " garbage",
                            valid,
                            Map.of(p.getName(), "%00%FF%27not-valid"),
                            "application/json",
                            null,
                            !hasPathParams));
                    out.add(new Variant(
                            "query " + p.getName() + " huge",
                            valid,
                            Map.of(p.getName(), "9".repeat(3000)),
                            "application/json",
                            null,
                            !hasPathParams));
                }
            }
        }
        // longer than the HTTP server's request line: refused by the HTTP layer itself with 414
        out.add(new Variant(
                "URI too long", valid + "?q=" + "z".repeat(5_000), Map.of(), "application/json", null, false));
        if (op.getRequestBody() == null) {
            return out;
        }
        out.add(new Variant("invalid JSON", valid, Map.of(), "application/json", "{\"a\": [1, 2", false));
        out.add(new Variant("wrong content type", valid, Map.of(), "text/plain", "hello", false));
        out.add(new Variant("XML", valid, Map.of(), "application/xml", "<a>1</a>", false));
        out.add(new Variant("a JSON array", valid, Map.of(), "application/json", "[1, 2, 3]", false));
        out.add(new Variant("a JSON string", valid, Map.of(), "application/json", "\"text\"", false));
        Schema<?> schema = bodySchema(api, op);
        if (schema == null || schema.getProperties() == null) {
            return out;
        }
        for (Map.Entry<String, Schema> f : schema.getProperties().entrySet()) {
            String name = f.getKey();
            Schema<?> field = resolve(api, f.getValue());
            boolean isString = field != null && "string".equals(field.getType());
            out.add(new Variant(
                    name + " wrong type",
                    valid,
                    Map.of(),
                    "application/json",
                    "{\"" + name + "\": " + (isString ? "{\"nested\": [true]}" : "\"not-the-right-type\"") + "}",
                    false));
            out.add(new Variant(
                    name + " huge",
                    valid,
                    Map.of(),
                    "application/json",
                    "{\"" + name + "\": \"" + HUGE + "\"}",
                    false));
            if (field != null && field.getEnum() != null) {
                out.add(new Variant(
                        name + " outside its enum",
                        valid,
                        Map.of(),
                        "application/json",
                        "{\"" + name + "\": \"NOT_A_VALUE\"}",
                        false));
            }
        }
        return out;
    }

    @SuppressWarnings("rawtypes")
    private static Schema bodySchema(OpenAPI api, Operation op) {
        var content = op.getRequestBody().getContent();
        if (content == null || content.get("application/json") == null) {
            return null;
        }
        return resolve(api, content.get("application/json").getSchema());
    }

    @SuppressWarnings("rawtypes")
    private static Schema resolve(OpenAPI api, Schema s) {
        if (s == null) {
            return null;
        }
        if (s.get$ref() != null) {
            String name = s.get$ref().substring(s.get$ref().lastIndexOf('/') + 1);
            return api.getComponents().getSchemas().get(name);
        }
        if (s.getAllOf() != null && s.getAllOf().size() == 1) {
            return resolve(api, (Schema) s.getAllOf().get(0));
        }
        return s;
    }
}
