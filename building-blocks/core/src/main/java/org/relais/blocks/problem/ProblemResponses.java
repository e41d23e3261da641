package org.relais.blocks.problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Makes every service's OpenAPI document say what its errors look like: each operation lists the
 * problem responses any Relais endpoint can give (401, 403, 404, 429, 503, and 400/415/422 where it
 * takes input, 412/428 where it takes {@code If-Match}, 304 where it honours {@code If-None-Match}),
 * each with the {@code application/problem+json} {@link Problem} schema and an example. Responses a
 * resource documents itself keep their descriptions and gain the schema. Each example is a problem the
 * service really gives for that status (its stable {@code type} URI, its title), so it is valid against
 * the schema. An operation without a description gets one: its summary and the protocol it honours
 * ({@code If-Match}, {@code If-None-Match}, {@code Idempotency-Key}, paging). Schemas nothing refers to any
 * more (their uses were inlined as nullable) are dropped. Registered for every service by
 * {@code mp.openapi.filter} in the building blocks' defaults.
 */
public final class ProblemResponses implements OASFilter {

    static final String SCHEMA = "Problem";
    static final String REF = "#/components/schemas/" + SCHEMA;

    private static final Map<String, String> ALWAYS = ordered(
            "401", "No access token, or one that is expired, malformed or not signed by the realm",
            "403", "The caller's role or agency lacks the permission",
            "404", "No such resource, or not visible to the caller's agency",
            "429", "Too many requests from this client (see Retry-After)",
            "503", "A dependency (database, token issuer) is unavailable; retry later");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        if (components.getSchemas() != null) {
            java.util.Set<Schema> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            components.getSchemas().values().forEach(x -> optionalMeansNullable(x, components.getSchemas(), done));
        }
        components.addSchema(SCHEMA, problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (PathItem item : openAPI.getPaths().getPathItems().values()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> e :
                    item.getOperations().entrySet()) {
                document(e.getKey(), e.getValue(), item.getParameters());
                describe(e.getValue(), item.getParameters());
            }
        }
        dropUnreferencedSchemas(openAPI);
    }

    /**
     * An operation's description, when its resource wrote none: the summary, then what the operation
     * honours, as docs/api-guide.md says it (partners' linters require a description beside the summary).
     */
    private static void describe(Operation op, List<Parameter> pathParams) {
        if (op.getDescription() != null && !op.getDescription().isBlank()) {
            return;
        }
        StringBuilder d = new StringBuilder();
        if (op.getSummary() != null && !op.getSummary().isBlank()) {
            d.append(op.getSummary().strip());
            if (!d.toString().endsWith(".")) {
                d.append('.');
            }
        }
        if (op.getSecurity() != null && op.getSecurity().isEmpty()) {
            d.append(" Public: no access token is needed.");
        }
        if (hasParameter(op, pathParams, Parameter.In.QUERY, "cursor")) {
            d.append(
                    " A page at a time: pass back the nextCursor you got as cursor; a null nextCursor is the last page.");
        }
        if (hasParameter(op, pathParams, Parameter.In.HEADER, "If-None-Match")) {
            d.append(" Honours If-None-Match: 304 while the ETag you send is current.");
        }
        if (hasParameter(op, pathParams, Parameter.In.HEADER, "If-Match")) {
            d.append(" Honours If-Match: a version other than the current one is 412, naming currentVersion.");
        }
        if (hasParameter(op, pathParams, Parameter.In.HEADER, "Idempotency-Key")) {
            d.append(
                    " Honours Idempotency-Key: the same key within 24 hours replays the first answer and does nothing new.");
        }
        String text = d.toString().strip();
        op.setDescription(text.isEmpty() ? "See the responses." : text);
    }

    /** Removes the component schemas no operation reaches, directly or through other schemas. */
    private static void dropUnreferencedSchemas(OpenAPI openAPI) {
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        if (schemas == null || schemas.isEmpty()) {
            return;
        }
        java.util.Set<String> reached = new java.util.HashSet<>();
        java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.function.Consumer<Object> walk = new java.util.function.Consumer<>() {
            @Override
            public void accept(Object node) {
                if (node == null || !seen.add(node)) {
                    return;
                }
                if (node instanceof Schema schema) {
                    String ref = schema.getRef();
                    if (ref != null && ref.startsWith("#/components/schemas/")) {
                        String name = ref.substring("#/components/schemas/".length());
                        if (reached.add(name)) {
                            accept(schemas.get(name));
                        }
                    }
                    schema.getAll().values().forEach(this);
                } else if (node instanceof java.util.Collection<?> list) {
                    list.forEach(this);
                } else if (node instanceof Map<?, ?> map) {
                    map.values().forEach(this);
                } else if (node instanceof Content content) {
                    accept(content.getMediaTypes());
                } else if (node instanceof MediaType media) {
                    accept(media.getSchema());
                } else if (node instanceof Parameter parameter) {
                    accept(parameter.getSchema());
                    accept(parameter.getContent());
                } else if (node instanceof APIResponse response) {
                    accept(response.getContent());
                    if (response.getHeaders() != null) {
                        response.getHeaders().values().forEach(h -> {
                            accept(h.getSchema());
                            accept(h.getContent());
                        });
                    }
                } else if (node instanceof org.eclipse.microprofile.openapi.models.parameters.RequestBody body) {
                    accept(body.getContent());
                }
            }
        };
        for (PathItem item : openAPI.getPaths().getPathItems().values()) {
            walk.accept(item.getParameters());
            for (Operation op : item.getOperations().values()) {
                walk.accept(op.getParameters());
                walk.accept(op.getRequestBody());
                if (op.getResponses() != null) {
                    walk.accept(op.getResponses().getAPIResponses());
                }
            }
        }
        Components components = openAPI.getComponents();
        walk.accept(components.getParameters());
        walk.accept(components.getRequestBodies());
        walk.accept(components.getResponses());
        if (components.getHeaders() != null) {
            components.getHeaders().values().forEach(h -> {
                walk.accept(h.getSchema());
                walk.accept(h.getContent());
            });
        }
        for (String name : new java.util.ArrayList<>(schemas.keySet())) {
            if (!reached.contains(name)) {
                components.removeSchema(name);
            }
        }
    }

    private static void document(PathItem.HttpMethod method, Operation op, List<Parameter> pathParams) {
        if (op.getResponses() == null) {
            op.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = op.getResponses();
        Map<String, String> codes = new LinkedHashMap<>(ALWAYS);
        if (op.getSecurity() != null && op.getSecurity().isEmpty()) {
            codes.remove("401"); // a public operation (security: [])
            codes.remove("403");
        }
        boolean takesInput = op.getRequestBody() != null || hasParameter(op, pathParams, Parameter.In.QUERY, null);
        if (takesInput) {
            codes.put("400", "A malformed request: invalid JSON, a parameter of the wrong type");
            codes.put(
                    "422", "The request is well formed but invalid; errors[].field is the JSON Pointer of each field");
        }
        if (op.getRequestBody() != null) {
            codes.put("413", "The request body is larger than the limit");
            codes.put("415", "The body is not application/json");
        }
        if (hasParameter(op, pathParams, Parameter.In.HEADER, "If-Match")) {
            codes.put("412", "If-Match does not match the current version (currentVersion in the problem)");
            codes.put("428", "This change requires If-Match");
        }
        for (Map.Entry<String, String> c : codes.entrySet()) {
            APIResponse r = responses.getAPIResponse(c.getKey());
            if (r == null) {
                r = OASFactory.createAPIResponse().description(c.getValue());
                responses.addAPIResponse(c.getKey(), r);
            }
        }
        if (method == PathItem.HttpMethod.GET
                && hasParameter(op, pathParams, Parameter.In.HEADER, "If-None-Match")
                && responses.getAPIResponse("304") == null) {
            responses.addAPIResponse(
                    "304",
                    OASFactory.createAPIResponse().description("Not modified since the ETag given in If-None-Match"));
        }
        for (Map.Entry<String, APIResponse> r : responses.getAPIResponses().entrySet()) {
            if (r.getKey().startsWith("4") || r.getKey().startsWith("5")) {
                r.getValue()
                        .setContent(problemContent(
                                Integer.parseInt(r.getKey()), r.getValue().getDescription()));
            }
        }
    }

    /**
     * Relais writes absent optional values as JSON {@code null} (the API guide shows {@code "caseId": null}),
     * so every property a schema does not require is nullable; a {@code $ref} is wrapped in
     * {@code allOf} because OpenAPI 3.0 ignores siblings of {@code $ref}.
     */
    private static void optionalMeansNullable(Schema schema, Map<String, Schema> all, java.util.Set<Schema> done) {
        if (schema.getProperties() == null || !done.add(schema)) {
            return;
        }
        List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
        for (Map.Entry<String, Schema> p : new LinkedHashMap<>(schema.getProperties()).entrySet()) {
            if (required.contains(p.getKey())) {
                continue;
            }
            Schema property = p.getValue();
            if (property.getRef() != null) {
                Schema target =
                        all.get(property.getRef().substring(property.getRef().lastIndexOf('/') + 1));
                if (target == null || target.getType() == null) {
                    continue;
                }
                if (target.getType().contains(Schema.SchemaType.OBJECT)) {
                    // a shallow copy of the finished target: its properties still point at the named schemas
                    optionalMeansNullable(target, all, done);
                    property = OASFactory.createSchema()
                            .type(new java.util.ArrayList<>(target.getType()))
                            .description(target.getDescription())
                            .properties(target.getProperties())
                            .required(target.getRequired());
                } else {
                    // a string, enum or format: inline it, since a nullable $ref cannot be said in 3.0
                    Schema inline = OASFactory.createSchema()
                            .type(new java.util.ArrayList<>(target.getType()))
                            .format(target.getFormat())
                            .description(target.getDescription());
                    if (target.getEnumeration() != null) {
                        java.util.List<Object> values = new java.util.ArrayList<>(target.getEnumeration());
                        values.add(null);
                        inline.setEnumeration(values);
                    }
                    property = inline;
                }
                schema.addProperty(p.getKey(), property);
            }
            if (property.getType() != null && !property.getType().contains(Schema.SchemaType.NULL)) {
                property.addType(Schema.SchemaType.NULL);
            }
        }
    }

    private static boolean hasParameter(Operation op, List<Parameter> pathParams, Parameter.In in, String name) {
        for (List<Parameter> list : new List[] {op.getParameters(), pathParams}) {
            if (list == null) {
                continue;
            }
            for (Parameter p : list) {
                if (p.getIn() == in && (name == null || name.equalsIgnoreCase(p.getName()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The problem type a service gives for a status (docs/api-guide.md, section 1.3). */
    static ProblemType typeFor(int status, String description) {
        return switch (status) {
            case 401 -> ProblemType.UNAUTHORIZED;
            case 403 -> ProblemType.FORBIDDEN;
            case 404 -> ProblemType.NOT_FOUND;
            case 409 ->
                description != null
                                && description
                                        .toLowerCase(java.util.Locale.ROOT)
                                        .contains("idempotency")
                        ? ProblemType.IDEMPOTENCY_CONFLICT
                        : ProblemType.ILLEGAL_TRANSITION;
            case 412, 428 -> ProblemType.PRECONDITION_FAILED;
            case 422 -> ProblemType.VALIDATION;
            case 429 -> ProblemType.RATE_LIMITED;
            case 502, 503, 504 -> ProblemType.UNAVAILABLE;
            default -> status >= 500 ? ProblemType.INTERNAL : ProblemType.MALFORMED_REQUEST;
        };
    }

    private static Content problemContent(int status, String description) {
        ProblemType type = typeFor(status, description);
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", Problem.TYPE_BASE + type.slug());
        example.put("title", type.title());
        example.put("status", status);
        if (description != null && !description.isBlank()) {
            example.put("detail", description);
        }
        example.put("instance", "urn:relais:request:0f9c2d4e8a7b4c11");
        if (status == 412) {
            example.put("currentVersion", 7);
        }
        MediaType media = OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref(REF))
                .example(example);
        return OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, media);
    }

    private static Schema problemSchema() {
        Schema str = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        Schema fieldError = OASFactory.createSchema()
                .addType(Schema.SchemaType.OBJECT)
                .addProperty(
                        "field",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .description(
                                        "JSON Pointer (RFC 6901) of the invalid field in the request body, or the parameter name"))
                .addProperty("message", str)
                .required(List.of("field", "message"));
        return OASFactory.createSchema()
                .addType(Schema.SchemaType.OBJECT)
                .description(
                        "An RFC 9457 problem document. Its texts are the service's own: no problem echoes request content.")
                .addProperty(
                        "type",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .format("uri"))
                .addProperty("title", str)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", str)
                .addProperty(
                        "instance",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .description("urn:relais:request:<request id>, the id in X-Request-Id and the logs"))
                .addProperty("traceId", str)
                .addProperty(
                        "errors",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.ARRAY)
                                .items(fieldError))
                .addProperty(
                        "currentStatus",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .description("On 409 for an illegal transition: the status the resource is in"))
                .addProperty(
                        "currentVersion",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.INTEGER)
                                .description("On 412: the current version (the ETag's value)"))
                .addProperty(
                        "alternatives",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.ARRAY)
                                .description("On capacity-full: agencies offering the services in the same region")
                                .items(OASFactory.createSchema()
                                        .addType(Schema.SchemaType.OBJECT)
                                        .addProperty(
                                                "id", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                                        .addProperty(
                                                "name",
                                                OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                                        .addProperty(
                                                "capacity",
                                                OASFactory.createSchema()
                                                        .addType(Schema.SchemaType.STRING)
                                                        .enumeration(List.of("AVAILABLE", "LIMITED", "FULL")))))
                .additionalPropertiesBoolean(Boolean.TRUE)
                .required(List.of("type", "title", "status"));
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }
}
