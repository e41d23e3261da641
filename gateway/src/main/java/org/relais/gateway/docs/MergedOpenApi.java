package org.relais.gateway.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.problem.ProblemException;
import org.relais.gateway.routing.GatewayConfig;

/**
 * One OpenAPI document for the whole API, as partners call it through the gateway: the three services'
 * documents and the gateway's own (audit), merged; the services' internal paths are left out.
 * Browsable at {@code /api/v1/docs}.
 */
@Path("/api/v1/openapi")
@Tag(name = "Docs", description = "The API described")
public class MergedOpenApi {

    private final List<URI> sources = new ArrayList<>();
    private final ObjectMapper mapper;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile JsonNode cached;
    private volatile long cachedAt;

    public MergedOpenApi(GatewayConfig config, ObjectMapper mapper) {
        this.mapper = mapper;
        sources.add(URI.create(config.referralUrl()));
        sources.add(URI.create(config.caseUrl()));
        sources.add(URI.create(config.notificationUrl()));
    }

    @GET
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "openApi",
            summary = "The merged OpenAPI document of the whole API",
            description = "The OpenAPI 3.0.3 document of every operation partners call through the gateway: the "
                    + "referral-service's, the case-service's and the notification-service's, and the gateway's audit trail. "
                    + "Public, so that tools can generate clients from it.")
    @org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(
            responseCode = "200",
            description = "The document (OpenAPI 3.0.3)")
    public JsonNode document(@jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        if (cached != null && System.currentTimeMillis() - cachedAt < 60_000) {
            return cached;
        }
        List<URI> all = new ArrayList<>(sources);
        all.add(URI.create("http://127.0.0.1:" + uri.getBaseUri().getPort()));
        List<JsonNode> documents = new ArrayList<>();
        for (URI source : all) {
            JsonNode doc = fetch(source);
            if (doc == null) {
                throw ProblemException.unavailable("A service's API description is not available; retry shortly");
            }
            documents.add(doc);
        }
        ObjectNode merged = merge(mapper, documents);
        cached = merged;
        cachedAt = System.currentTimeMillis();
        return merged;
    }

    /**
     * The services' documents as one: their public paths ({@code /api/v1/...}; the internal ones are left
     * out), the components those paths reach, directly or through other components (what only an internal
     * path used is left out too, so no component goes unused), and the tags they use, with their
     * descriptions. A path, component or tag two documents both have is taken from the first.
     */
    public static ObjectNode merge(ObjectMapper mapper, List<JsonNode> documents) {
        ObjectNode merged = mapper.createObjectNode();
        merged.put("openapi", "3.0.3");
        merged.putObject("info")
                .put("title", "Relais API")
                .put("version", "1.0")
                .put(
                        "description",
                        "Coordinated, traceable referrals between agencies that care for survivors of violence. "
                                + "Every call goes through the gateway with an access token of realm relais (audience relais-api).");
        merged.putArray("servers").addObject().put("url", "/");
        ObjectNode paths = merged.putObject("paths");
        Map<String, ObjectNode> components = new LinkedHashMap<>();
        for (String type : COMPONENT_TYPES) {
            components.put(type, mapper.createObjectNode());
        }
        Map<String, JsonNode> tags = new LinkedHashMap<>();
        for (JsonNode doc : documents) {
            doc.path("paths").properties().forEach(p -> {
                if (p.getKey().startsWith("/api/v1/") && !paths.has(p.getKey())) {
                    paths.set(p.getKey(), p.getValue());
                }
            });
            for (String type : COMPONENT_TYPES) {
                ObjectNode into = components.get(type);
                doc.path("components").path(type).properties().forEach(c -> {
                    if (!into.has(c.getKey())) {
                        into.set(c.getKey(), c.getValue());
                    }
                });
            }
            doc.path("tags").forEach(t -> tags.putIfAbsent(t.path("name").asText(), t));
        }

        // the components the public paths reach
        Set<String> reached = new LinkedHashSet<>();
        java.util.Deque<JsonNode> todo = new java.util.ArrayDeque<>();
        todo.add(paths);
        while (!todo.isEmpty()) {
            refs(todo.poll(), ref -> {
                if (ref.startsWith("#/components/") && reached.add(ref)) {
                    String[] parts = ref.substring("#/components/".length()).split("/", 2);
                    JsonNode target = parts.length < 2 || !components.containsKey(parts[0])
                            ? null
                            : components
                                    .get(parts[0])
                                    .get(parts[1].replace("~1", "/").replace("~0", "~"));
                    if (target != null) {
                        todo.add(target);
                    }
                }
            });
        }
        ObjectNode out = merged.putObject("components");
        for (String type : COMPONENT_TYPES) {
            ObjectNode kept = mapper.createObjectNode();
            components.get(type).properties().forEach(c -> {
                if (reached.contains("#/components/" + type + "/"
                        + c.getKey().replace("~", "~0").replace("/", "~1"))) {
                    kept.set(c.getKey(), c.getValue());
                }
            });
            if (!kept.isEmpty()) {
                out.set(type, kept);
            }
        }
        out.putObject("securitySchemes")
                .putObject("bearer")
                .put("type", "http")
                .put("scheme", "bearer")
                .put("bearerFormat", "JWT");

        Set<String> used = new LinkedHashSet<>();
        paths.forEach(item -> item.forEach(op -> op.path("tags").forEach(t -> used.add(t.asText()))));
        ArrayNode tagArray = merged.putArray("tags");
        for (String name : used) {
            JsonNode tag = tags.get(name);
            ObjectNode entry = tagArray.addObject().put("name", name);
            if (tag != null && tag.hasNonNull("description")) {
                entry.put("description", tag.get("description").asText());
            }
        }
        merged.putArray("security").addObject().putArray("bearer");
        return merged;
    }

    private static final List<String> COMPONENT_TYPES =
            List.of("schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links", "callbacks");

    /** Every {@code $ref} in a part of a document. */
    private static void refs(JsonNode node, java.util.function.Consumer<String> each) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                each.accept(ref.asText());
            }
        }
        if (node.isContainerNode()) {
            node.forEach(child -> refs(child, each));
        }
    }

    /** A source's document; three tries, so a slow moment of one service does not fail the whole document. */
    private JsonNode fetch(URI base) {
        String why = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(base.resolve("/q/openapi?format=json"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Accept", "application/json")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return mapper.readTree(r.body());
                }
                why = "HTTP " + r.statusCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (Exception e) {
                why = e.getClass().getSimpleName();
            }
        }
        io.quarkus.logging.Log.warnf("the API document of %s is not available (%s)", base, why);
        return null;
    }
}
