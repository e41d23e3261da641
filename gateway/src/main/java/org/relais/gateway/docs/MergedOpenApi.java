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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.problem.ProblemException;
import org.relais.gateway.routing.GatewayConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
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
    @Operation(operationId = "openApi", summary = "The merged OpenAPI document of the whole API")
    @org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "200", description = "The document (OpenAPI 3.0.3)")
    public JsonNode document(@jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        if (cached != null && System.currentTimeMillis() - cachedAt < 60_000) {
            return cached;
        }
        ObjectNode merged = mapper.createObjectNode();
        merged.put("openapi", "3.0.3");
        merged.putObject("info").put("title", "Relais API").put("version", "1.0")
                .put("description", "Coordinated, traceable referrals between agencies that care for survivors of violence. "
                        + "Every call goes through the gateway with an access token of realm relais (audience relais-api).");
        merged.putArray("servers").addObject().put("url", "/");
        ObjectNode paths = merged.putObject("paths");
        ObjectNode schemas = merged.putObject("components").putObject("schemas");
        ((ObjectNode) merged.get("components")).putObject("securitySchemes").putObject("bearer")
                .put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT");
        Set<String> tags = new LinkedHashSet<>();
        List<URI> all = new ArrayList<>(sources);
        all.add(URI.create("http://127.0.0.1:" + uri.getBaseUri().getPort()));
        for (URI source : all) {
            JsonNode doc = fetch(source);
            if (doc == null) {
                throw ProblemException.unavailable("A service's API description is not available; retry shortly");
            }
            doc.path("paths").fields().forEachRemaining(p -> {
                if (p.getKey().startsWith("/api/v1/") && !paths.has(p.getKey())) {
                    paths.set(p.getKey(), p.getValue());
                }
            });
            doc.path("components").path("schemas").fields().forEachRemaining(s -> {
                if (!schemas.has(s.getKey())) {
                    schemas.set(s.getKey(), s.getValue());
                }
            });
            doc.path("tags").forEach(t -> tags.add(t.path("name").asText()));
        }
        ArrayNode tagArray = merged.putArray("tags");
        tags.forEach(t -> tagArray.addObject().put("name", t));
        merged.putArray("security").addObject().putArray("bearer");
        cached = merged;
        cachedAt = System.currentTimeMillis();
        return merged;
    }

    /** A source's document; three tries, so a slow moment of one service does not fail the whole document. */
    private JsonNode fetch(URI base) {
        String why = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/q/openapi?format=json"))
                        .timeout(Duration.ofSeconds(10)).header("Accept", "application/json").GET().build(),
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
