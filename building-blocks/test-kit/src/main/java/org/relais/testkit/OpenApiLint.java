package org.relais.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.ExecutionContext;
import com.networknt.schema.Format;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lint every Relais OpenAPI document passes, so that partners' tools accept it: the error-level
 * rules of Spectral's {@code oas} ruleset for OpenAPI 3.0, and a few of its warnings that partners'
 * generators trip on, all treated as errors.
 *
 * <ul>
 * <li>{@code oas3-schema}: an OpenAPI 3.0.x document that swagger-parser reads without a message;</li>
 * <li>{@code oas3-valid-media-example}, {@code oas3-valid-schema-example}: every {@code example},
 *     {@code examples.*.value} and {@code default} is valid against its schema (JSON Schema draft 4 with
 *     OpenAPI's {@code nullable}, formats checked as Spectral's validator checks them: a {@code uri} is
 *     an absolute, ASCII-only RFC 3986 URI);</li>
 * <li>{@code operation-operationId}, {@code operation-operationId-unique}, {@code operation-description}
 *     (a summary alone is not enough), {@code operation-success-response}, {@code operation-parameters},
 *     {@code operation-tag-defined}, {@code oas3-operation-security-defined};</li>
 * <li>{@code path-params} (every template parameter declared, every declared one in the template and
 *     required, no two equivalent paths), {@code path-keys-no-trailing-slash}, {@code path-not-include-query},
 *     {@code path-declarations-must-exist};</li>
 * <li>{@code oas3-unused-component}, {@code no-$ref-siblings}, {@code array-items}, {@code typed-enum},
 *     {@code duplicated-entry-in-enum}, {@code openapi-tags-uniqueness}, {@code oas3-server-variables},
 *     {@code oas3-examples-value-or-externalValue}.</li>
 * </ul>
 *
 * A finding names the rule and the place in the document as Spectral prints it
 * ({@code paths./api/v1/x.get.responses.404.content.application/problem+json.example}).
 */
public final class OpenApiLint {

    /** One defect: the Spectral rule it breaks, where in the document, and what is wrong. */
    public record Finding(String rule, String path, String message) {
        @Override
        public String toString() {
            return rule + " at " + path + ": " + message;
        }
    }

    private static final Set<String> METHODS =
            Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final List<String> COMPONENT_TYPES =
            List.of("schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links", "callbacks");
    private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]*)}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonSchemaFactory SCHEMAS = schemaFactory();
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .preloadJsonSchema(false)
            .build();

    private final String text;
    private final JsonNode doc;
    private final List<Finding> findings = new ArrayList<>();
    private final Set<String> refs = new HashSet<>();
    private ObjectNode convertedComponents;
    private int validations;

    private OpenApiLint(String text, JsonNode doc) {
        this.text = text;
        this.doc = doc;
    }

    /** Every defect of the document (JSON or YAML); empty when it passes. */
    public static List<Finding> lint(String document) {
        JsonNode doc;
        try {
            doc = (document.stripLeading().startsWith("{") ? JSON : YAML).readTree(document);
        } catch (IOException e) {
            return List.of(new Finding("oas3-schema", "$", "not a JSON or YAML document: " + e.getMessage()));
        }
        if (doc == null || !doc.isObject()) {
            return List.of(new Finding("oas3-schema", "$", "not an OpenAPI document (no object at the top)"));
        }
        OpenApiLint lint = new OpenApiLint(document, doc);
        lint.run();
        return List.copyOf(lint.findings);
    }

    /** Fails, listing every finding, unless the document passes. */
    public static void assertValid(String name, String document) {
        List<Finding> found = lint(document);
        if (!found.isEmpty()) {
            StringBuilder b = new StringBuilder(name)
                    .append(" fails the OpenAPI lint with ")
                    .append(found.size())
                    .append(found.size() == 1 ? " error:" : " errors:");
            found.forEach(f -> b.append("\n  ").append(f));
            throw new AssertionError(b.toString());
        }
    }

    /** The JSON document at {@code uri} (a service's {@code /q/openapi?format=json}, the gateway's merged one). */
    public static String fetch(URI uri) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(30))
                                    .header("Accept", "application/json")
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("the OpenAPI document at " + uri + " answered " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the OpenAPI document at " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------

    private void run() {
        structure();
        collectRefs(doc);
        refSiblings(doc, "$");
        tags();
        servers(doc.path("servers"), "servers");
        paths();
        components();
    }

    private void add(String rule, String path, String message) {
        findings.add(new Finding(rule, path, message));
    }

    private static String at(String path, String key) {
        return "$".equals(path) ? key : path + "." + key;
    }

    /** oas3-schema: the version, and swagger-parser's reading of the whole document. */
    private void structure() {
        String version = doc.path("openapi").asText("");
        if (!version.matches("3\\.0\\.\\d(-.+)?")) {
            add("oas3-schema", "openapi", "must be an OpenAPI 3.0.x version, not '" + version + "'");
        }
        if (!doc.path("info").path("title").isTextual()
                || !doc.path("info").path("version").isTextual()) {
            add("oas3-schema", "info", "must have a title and a version");
        }
        if (!doc.path("paths").isObject()) {
            add("oas3-schema", "paths", "is required and must be an object");
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(false);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);
        if (result.getMessages() != null) {
            result.getMessages().forEach(m -> add("oas3-schema", "$", m));
        }
        if (result.getOpenAPI() == null) {
            add("oas3-schema", "$", "swagger-parser cannot read the document");
        }
    }

    private void collectRefs(JsonNode node) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                refs.add(ref.asText());
            }
            node.elements().forEachRemaining(this::collectRefs);
        } else if (node.isArray()) {
            node.elements().forEachRemaining(this::collectRefs);
        }
    }

    /** no-$ref-siblings: OpenAPI 3.0 ignores whatever stands beside a $ref, so nothing may. */
    private void refSiblings(JsonNode node, String path) {
        if (node.isObject()) {
            if (node.path("$ref").isTextual() && node.size() > 1) {
                List<String> others = new ArrayList<>();
                node.fieldNames().forEachRemaining(f -> {
                    if (!"$ref".equals(f)) {
                        others.add(f);
                    }
                });
                add("no-$ref-siblings", path, "$ref must stand alone (OpenAPI 3.0 ignores " + others + " beside it)");
            }
            node.properties().forEach(e -> refSiblings(e.getValue(), at(path, e.getKey())));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                refSiblings(node.get(i), at(path, String.valueOf(i)));
            }
        }
    }

    /** openapi-tags-uniqueness. */
    private Set<String> tags() {
        Set<String> names = new HashSet<>();
        JsonNode tags = doc.path("tags");
        for (int i = 0; i < tags.size(); i++) {
            String name = tags.get(i).path("name").asText();
            if (!names.add(name)) {
                add("openapi-tags-uniqueness", "tags." + i, "the tag '" + name + "' is declared twice");
            }
        }
        return names;
    }

    /** oas3-server-variables: every {variable} of a server URL is declared with a default, every one declared is used. */
    private void servers(JsonNode servers, String path) {
        for (int i = 0; i < servers.size(); i++) {
            JsonNode server = servers.get(i);
            String where = path + "." + i;
            Set<String> used = new HashSet<>();
            Matcher m = TEMPLATE.matcher(server.path("url").asText(""));
            while (m.find()) {
                used.add(m.group(1));
                JsonNode variable = server.path("variables").path(m.group(1));
                if (variable.isMissingNode()) {
                    add("oas3-server-variables", where + ".url", "the variable {" + m.group(1) + "} is not declared");
                } else if (!variable.has("default")) {
                    add("oas3-server-variables", where + ".variables." + m.group(1), "has no default");
                }
            }
            server.path("variables").fieldNames().forEachRemaining(v -> {
                if (!used.contains(v)) {
                    add("oas3-server-variables", where + ".variables." + v, "is not used in the URL");
                }
            });
        }
    }

    // ---------------------------------------------------------------- paths and operations

    private void paths() {
        Set<String> tagNames = new HashSet<>();
        doc.path("tags").forEach(t -> tagNames.add(t.path("name").asText()));
        Set<String> schemes = new HashSet<>();
        doc.path("components").path("securitySchemes").fieldNames().forEachRemaining(schemes::add);
        security(doc.path("security"), "security", schemes);

        Map<String, String> operationIds = new HashMap<>();
        Map<String, String> normalized = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it =
                doc.path("paths").properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> p = it.next();
            String template = p.getKey();
            String where = "paths." + template;
            JsonNode item = p.getValue();
            if (template.length() > 1 && template.endsWith("/")) {
                add("path-keys-no-trailing-slash", where, "a path must not end with a slash");
            }
            if (template.contains("?")) {
                add("path-not-include-query", where, "a path must not include a query string");
            }
            if (template.contains("{}")) {
                add("path-declarations-must-exist", where, "a path parameter must have a name");
            }
            // path-params: names in the template, unique, and no equivalent path
            List<String> names = new ArrayList<>();
            Matcher m = TEMPLATE.matcher(template);
            while (m.find()) {
                if (names.contains(m.group(1))) {
                    add("path-params", where, "the template uses {" + m.group(1) + "} twice");
                }
                names.add(m.group(1));
            }
            String shape = TEMPLATE.matcher(template).replaceAll("{}");
            String earlier = normalized.putIfAbsent(shape, template);
            if (earlier != null) {
                add("path-params", where, "is equivalent to the path " + earlier);
            }
            Map<String, JsonNode> itemParams = parameters(item.path("parameters"), where + ".parameters", false);
            servers(item.path("servers"), where + ".servers");
            for (Iterator<Map.Entry<String, JsonNode>> ops = item.properties().iterator(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> o = ops.next();
                if (!METHODS.contains(o.getKey())) {
                    continue;
                }
                operation(
                        template,
                        names,
                        itemParams,
                        o.getKey(),
                        o.getValue(),
                        where + "." + o.getKey(),
                        operationIds,
                        tagNames,
                        schemes);
            }
        }
    }

    private void operation(
            String template,
            List<String> names,
            Map<String, JsonNode> itemParams,
            String method,
            JsonNode op,
            String where,
            Map<String, String> operationIds,
            Set<String> tagNames,
            Set<String> schemes) {
        String id = op.path("operationId").asText("");
        if (id.isBlank()) {
            add("operation-operationId", where, "an operation must have an operationId");
        } else {
            String earlier = operationIds.putIfAbsent(id, where);
            if (earlier != null) {
                add(
                        "operation-operationId-unique",
                        where + ".operationId",
                        "'" + id + "' is also the operationId of " + earlier);
            }
        }
        if (op.path("description").asText("").isBlank()) {
            add("operation-description", where, "an operation must have a description (a summary is not enough)");
        }
        JsonNode tags = op.path("tags");
        for (int i = 0; i < tags.size(); i++) {
            if (!tagNames.contains(tags.get(i).asText())) {
                add(
                        "operation-tag-defined",
                        where + ".tags." + i,
                        "the tag '" + tags.get(i).asText() + "' is not declared in the global tags");
            }
        }
        security(op.path("security"), where + ".security", schemes);
        servers(op.path("servers"), where + ".servers");

        Map<String, JsonNode> all = new LinkedHashMap<>(itemParams);
        all.putAll(parameters(op.path("parameters"), where + ".parameters", true));
        Set<String> declaredInPath = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : all.entrySet()) {
            JsonNode p = e.getValue();
            if (!"path".equals(p.path("in").asText())) {
                continue;
            }
            String name = p.path("name").asText();
            declaredInPath.add(name);
            if (!names.contains(name)) {
                add("path-params", where, "the path parameter '" + name + "' is not in the path " + template);
            }
            if (!p.path("required").asBoolean(false)) {
                add("path-params", where, "the path parameter '" + name + "' must be required: true");
            }
        }
        for (String name : names) {
            if (!declaredInPath.contains(name)) {
                add("path-params", where, "the operation does not declare the path parameter '" + name + "'");
            }
        }

        JsonNode body = op.path("requestBody");
        if (body.isObject() && !body.has("$ref")) {
            content(body.path("content"), where + ".requestBody.content", Direction.REQUEST);
        }
        JsonNode responses = op.path("responses");
        boolean success = false;
        for (Iterator<String> codes = responses.fieldNames(); codes.hasNext(); ) {
            String code = codes.next();
            if (code.startsWith("2") || code.startsWith("3")) {
                success = true;
            }
        }
        if (!success) {
            add(
                    "operation-success-response",
                    where + ".responses",
                    "an operation must define at least one 2xx or 3xx response");
        }
        responses.properties().forEach(r -> response(r.getValue(), where + ".responses." + r.getKey()));
    }

    /**
     * The parameters of a path item or an operation by {@code in:name}, $refs resolved; reports duplicates
     * (operation-parameters) and checks the examples of those written here.
     */
    private Map<String, JsonNode> parameters(JsonNode list, String where, boolean ofOperation) {
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            if (p.has("$ref")) {
                p = resolve(p.path("$ref").asText());
                if (p == null) {
                    continue;
                }
            } else {
                parameter(p, where + "." + i);
            }
            String key = p.path("in").asText() + ":" + p.path("name").asText();
            if (byKey.put(key, p) != null && ofOperation) {
                add("operation-parameters", where + "." + i, "the parameter " + key + " is declared twice");
            }
        }
        return byKey;
    }

    private void security(JsonNode requirements, String where, Set<String> schemes) {
        for (int i = 0; i < requirements.size(); i++) {
            int index = i;
            requirements.get(i).fieldNames().forEachRemaining(name -> {
                if (!schemes.contains(name)) {
                    add(
                            "oas3-operation-security-defined",
                            where + "." + index,
                            "the security scheme '" + name + "' is not in components.securitySchemes");
                }
            });
        }
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            return null;
        }
        JsonNode node = doc.at(ref.substring(1));
        return node.isMissingNode() ? null : node;
    }

    // ---------------------------------------------------------------- components

    private void components() {
        JsonNode components = doc.path("components");
        components.path("schemas").properties().forEach(s -> schema(s.getValue(), "components.schemas." + s.getKey()));
        components.path("parameters").properties().forEach(p -> {
            if (!p.getValue().has("$ref")) {
                parameter(p.getValue(), "components.parameters." + p.getKey());
            }
        });
        components.path("requestBodies").properties().forEach(b -> {
            if (!b.getValue().has("$ref")) {
                content(
                        b.getValue().path("content"),
                        "components.requestBodies." + b.getKey() + ".content",
                        Direction.REQUEST);
            }
        });
        components
                .path("responses")
                .properties()
                .forEach(r -> response(r.getValue(), "components.responses." + r.getKey()));
        components.path("headers").properties().forEach(h -> {
            if (!h.getValue().has("$ref")) {
                parameter(h.getValue(), "components.headers." + h.getKey());
            }
        });
        components
                .path("examples")
                .properties()
                .forEach(e -> exampleObject(e.getValue(), "components.examples." + e.getKey()));
        // oas3-unused-component
        for (String type : COMPONENT_TYPES) {
            components.path(type).fieldNames().forEachRemaining(name -> {
                String ref =
                        "#/components/" + type + "/" + name.replace("~", "~0").replace("/", "~1");
                if (!refs.contains(ref)) {
                    add("oas3-unused-component", "components." + type + "." + name, "is never referenced");
                }
            });
        }
    }

    private void response(JsonNode response, String where) {
        if (response.has("$ref")) {
            return;
        }
        content(response.path("content"), where + ".content", Direction.RESPONSE);
        response.path("headers").properties().forEach(h -> {
            if (!h.getValue().has("$ref")) {
                parameter(h.getValue(), where + ".headers." + h.getKey());
            }
        });
    }

    /** A parameter or header object: its schema and examples, or its content. */
    private void parameter(JsonNode p, String where) {
        if (p.has("schema")) {
            schema(p.path("schema"), where + ".schema");
            examples(p, p.path("schema"), where, Direction.NONE);
        }
        content(p.path("content"), where + ".content", Direction.NONE);
    }

    private void content(JsonNode content, String where, Direction direction) {
        content.properties().forEach(m -> {
            JsonNode media = m.getValue();
            String at = where + "." + m.getKey();
            if (media.has("schema")) {
                schema(media.path("schema"), at + ".schema");
                examples(media, media.path("schema"), at, direction);
            }
        });
    }

    /** oas3-valid-media-example for a media type, parameter or header object. */
    private void examples(JsonNode holder, JsonNode schema, String where, Direction direction) {
        if (holder.has("example")) {
            validate("oas3-valid-media-example", holder.get("example"), schema, where + ".example", direction);
        }
        holder.path("examples").properties().forEach(e -> {
            JsonNode example = e.getValue();
            String at = where + ".examples." + e.getKey();
            if (example.has("$ref")) {
                return;
            }
            exampleObject(example, at);
            if (example.has("value")) {
                validate("oas3-valid-media-example", example.get("value"), schema, at + ".value", direction);
            }
        });
    }

    /** oas3-examples-value-or-externalValue. */
    private void exampleObject(JsonNode example, String where) {
        if (example.has("$ref")) {
            return;
        }
        if (example.has("value") == example.has("externalValue")) {
            add("oas3-examples-value-or-externalValue", where, "an example must have either value or externalValue");
        }
    }

    /**
     * A schema object and those inside it: array-items, typed-enum, duplicated-entry-in-enum and
     * oas3-valid-schema-example for its own {@code example} and {@code default}.
     */
    private void schema(JsonNode schema, String where) {
        if (!schema.isObject() || schema.has("$ref")) {
            return;
        }
        String type = schema.path("type").asText("");
        if ("array".equals(type) && !schema.has("items")) {
            add("array-items", where, "a schema of type array must have items");
        }
        JsonNode values = schema.path("enum");
        if (values.isArray()) {
            Set<JsonNode> seen = new HashSet<>();
            for (int i = 0; i < values.size(); i++) {
                JsonNode v = values.get(i);
                if (!seen.add(v)) {
                    add("duplicated-entry-in-enum", where + ".enum." + i, "the value " + v + " is listed twice");
                }
                if (!type.isEmpty() && !hasType(v, type, schema.path("nullable").asBoolean(false))) {
                    add("typed-enum", where + ".enum." + i, "the value " + v + " is not of type " + type);
                }
            }
        }
        for (String field : List.of("example", "default")) {
            if (schema.has(field)) {
                validate("oas3-valid-schema-example", schema.get(field), schema, where + "." + field, Direction.NONE);
            }
        }
        schema.path("properties").properties().forEach(p -> schema(p.getValue(), where + ".properties." + p.getKey()));
        schema(schema.path("items"), where + ".items");
        schema(schema.path("additionalProperties"), where + ".additionalProperties");
        schema(schema.path("not"), where + ".not");
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode list = schema.path(combinator);
            for (int i = 0; i < list.size(); i++) {
                schema(list.get(i), where + "." + combinator + "." + i);
            }
        }
    }

    private static boolean hasType(JsonNode v, String type, boolean nullable) {
        if (v.isNull()) {
            return nullable;
        }
        return switch (type) {
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "array" -> v.isArray();
            case "object" -> v.isObject();
            default -> true;
        };
    }

    // ---------------------------------------------------------------- examples against schemas

    private enum Direction {
        REQUEST,
        RESPONSE,
        NONE
    }

    private void validate(String rule, JsonNode value, JsonNode schema, String where, Direction direction) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        JsonNode converted = toJsonSchema(schema, direction);
        root.putArray("allOf").add(converted);
        root.set("components", convertedComponents());
        Set<ValidationMessage> errors;
        try {
            JsonSchema compiled =
                    SCHEMAS.getSchema(URI.create("urn:relais:openapi-lint:" + (++validations)), root, CONFIG);
            errors = compiled.validate(value);
        } catch (RuntimeException e) {
            add(rule, where, "the schema cannot be used to check it: " + e.getMessage());
            return;
        }
        for (ValidationMessage error : errors) {
            add(rule, where, error.getMessage());
        }
    }

    /** The document's component schemas as JSON Schema, kept under the same path so their $refs resolve. */
    private ObjectNode convertedComponents() {
        if (convertedComponents == null) {
            ObjectNode schemas = JsonNodeFactory.instance.objectNode();
            doc.path("components")
                    .path("schemas")
                    .properties()
                    .forEach(s -> schemas.set(s.getKey(), toJsonSchema(s.getValue(), Direction.NONE)));
            convertedComponents = JsonNodeFactory.instance.objectNode();
            convertedComponents.set("schemas", schemas);
        }
        return convertedComponents;
    }

    /**
     * An OpenAPI 3.0 schema as JSON Schema draft 4: {@code nullable} admits null (in {@code enum} too),
     * OpenAPI's own keywords dropped; for a request's example {@code readOnly} properties, for a
     * response's {@code writeOnly} ones, are not required (as Spectral relaxes them).
     */
    private static JsonNode toJsonSchema(JsonNode schema, Direction direction) {
        if (!schema.isObject()) {
            return schema.deepCopy();
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        boolean nullable = schema.path("nullable").asBoolean(false);
        Set<String> relaxed = new HashSet<>();
        schema.path("properties").properties().forEach(p -> {
            if ((direction == Direction.REQUEST && p.getValue().path("readOnly").asBoolean(false))
                    || (direction == Direction.RESPONSE
                            && p.getValue().path("writeOnly").asBoolean(false))) {
                relaxed.add(p.getKey());
            }
        });
        schema.properties().forEach(e -> {
            String key = e.getKey();
            JsonNode v = e.getValue();
            switch (key) {
                case "nullable",
                        "discriminator",
                        "xml",
                        "externalDocs",
                        "example",
                        "deprecated",
                        "readOnly",
                        "writeOnly" -> {}
                case "type" -> {
                    if (nullable && v.isTextual()) {
                        out.putArray("type").add(v.asText()).add("null");
                    } else {
                        out.set(key, v.deepCopy());
                    }
                }
                case "enum" -> {
                    ArrayNode values = v.deepCopy();
                    boolean hasNull = false;
                    for (JsonNode x : values) {
                        hasNull |= x.isNull();
                    }
                    if (nullable && !hasNull) {
                        values.addNull();
                    }
                    out.set(key, values);
                }
                case "required" -> {
                    ArrayNode required = out.putArray(key);
                    v.forEach(r -> {
                        if (!relaxed.contains(r.asText())) {
                            required.add(r);
                        }
                    });
                    if (required.isEmpty()) {
                        out.remove(key);
                    }
                }
                case "properties" -> {
                    ObjectNode props = out.putObject(key);
                    v.properties().forEach(p -> props.set(p.getKey(), toJsonSchema(p.getValue(), direction)));
                }
                case "items", "not", "additionalProperties" -> out.set(key, toJsonSchema(v, direction));
                case "allOf", "anyOf", "oneOf" -> {
                    ArrayNode list = out.putArray(key);
                    v.forEach(s -> list.add(toJsonSchema(s, direction)));
                }
                default -> out.set(key, v.deepCopy());
            }
        });
        return out;
    }

    private static JsonSchemaFactory schemaFactory() {
        JsonMetaSchema meta = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                .format(new StrictUri())
                .format(new IntegerFormat("int32", Integer.MIN_VALUE, Integer.MAX_VALUE))
                .format(new IntegerFormat("int64", Long.MIN_VALUE, Long.MAX_VALUE))
                .format(new Base64Format())
                .build();
        return JsonSchemaFactory.getInstance(
                SpecVersion.VersionFlag.V4, b -> b.metaSchema(meta).defaultMetaSchemaIri(meta.getIri()));
    }

    /**
     * {@code uri} as partners' validators read it (Spectral's ajv-formats among them): an absolute
     * RFC 3986 URI of ASCII characters only. Java's own URI parser accepts non-ASCII characters, so it
     * is not enough on its own.
     */
    static final class StrictUri implements Format {
        private static final Pattern URI_CHARS =
                Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@/?#\\[\\]]|%[0-9A-Fa-f]{2})*");

        @Override
        public String getName() {
            return "uri";
        }

        @Override
        public boolean matches(ExecutionContext context, String value) {
            if (!URI_CHARS.matcher(value).matches()) {
                return false;
            }
            try {
                return new URI(value).isAbsolute();
            } catch (URISyntaxException e) {
                return false;
            }
        }
    }

    /** {@code int32} and {@code int64}: an integer within the range. */
    static final class IntegerFormat implements Format {
        private final String name;
        private final long min;
        private final long max;

        IntegerFormat(String name, long min, long max) {
            this.name = name;
            this.min = min;
            this.max = max;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean matches(
                ExecutionContext context, com.networknt.schema.ValidationContext validationContext, JsonNode value) {
            if (!value.isNumber()) {
                return true; // format applies to numbers only; the type says the rest
            }
            if (!value.isIntegralNumber() && value.asDouble() != Math.rint(value.asDouble())) {
                return false;
            }
            java.math.BigInteger v = value.bigIntegerValue();
            return v.compareTo(java.math.BigInteger.valueOf(min)) >= 0
                    && v.compareTo(java.math.BigInteger.valueOf(max)) <= 0;
        }
    }

    /** {@code byte}: base64. */
    static final class Base64Format implements Format {
        @Override
        public String getName() {
            return "byte";
        }

        @Override
        public boolean matches(ExecutionContext context, String value) {
            try {
                Base64.getDecoder().decode(value);
                return value.length() % 4 == 0;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
