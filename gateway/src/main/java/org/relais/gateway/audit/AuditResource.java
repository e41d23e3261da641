package org.relais.gateway.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;
import org.relais.blocks.security.PermissionPolicy;
import org.relais.gateway.routing.GatewayConfig;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The audit trail and its verification across every service (CONTRACT section 7): the gateway asks each
 * service for its sealed entries with its own {@code internal} client, merges them in time order, and
 * checks each chain against the heads it anchored itself.
 */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit", description = "Every event and every read of survivor data, tamper-evident")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(responseCode = "403", description = "Neither audit:read-agency nor audit:read-all")
public class AuditResource {

    public record ServiceStatus(String service, boolean answered) {
    }

    public record Trail(List<AuditEntry> items, String nextCursor, boolean complete, List<ServiceStatus> services) {
    }

    public record ServiceVerdict(String service, long entries, String head, long sealedUpTo, boolean valid, Long firstBrokenSeq,
                                 String reason, long unsealed) {
    }

    public record Verdict(boolean valid, List<ServiceVerdict> services) {
    }

    private final Map<String, URI> services = new LinkedHashMap<>();
    private final Callers callers;
    private final PermissionPolicy policy;
    private final OidcClient oidc;
    private final AnchorKeeper anchors;
    private final org.relais.blocks.audit.AuditStore store;
    private static final String GATEWAY = "gateway";
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public AuditResource(GatewayConfig config, Callers callers, PermissionPolicy policy, OidcClient oidc, AnchorKeeper anchors,
                         ObjectMapper mapper, org.relais.blocks.audit.AuditStore store) {
        this.store = store;
        services.put("referral-service", URI.create(config.referralUrl()));
        services.put("case-service", URI.create(config.caseUrl()));
        services.put("notification-service", URI.create(config.notificationUrl()));
        services.put(GATEWAY, null); // the gateway's own chain (refused requests), read in-process
        this.callers = callers;
        this.policy = policy;
        this.oidc = oidc;
        this.anchors = anchors;
        this.mapper = mapper;
    }

    @GET
    @Path("/trail")
    @Blocking
    @Authenticated
    @Operation(operationId = "auditTrail", summary = "Every event and read of survivor data about a referral or a case, in time order")
    @APIResponse(responseCode = "200", description = "The merged trail")
    @APIResponse(responseCode = "503", description = "A service did not answer (ask with partial=true for what is available)")
    public Trail trail(@QueryParam("referralId") String referralId, @QueryParam("caseId") String caseId,
                       @QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
                       @QueryParam("partial") String partial) {
        CallerContext caller = callers.current();
        boolean all = policy.allows(caller, Permission.AUDIT_READ_ALL);
        if (!all && !policy.allows(caller, Permission.AUDIT_READ_AGENCY)) {
            throw ProblemException.forbidden("Reading the audit trail needs audit:read-agency or audit:read-all");
        }
        if ((referralId == null) == (caseId == null)) {
            throw ProblemException.badRequest("Give exactly one of referralId and caseId");
        }
        String id = referralId != null ? referralId : caseId;
        try {
            UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("referralId and caseId are UUIDs");
        }
        PageRequest page = PageRequest.of(limit, null, null);
        int offset = offset(cursor);
        String token = token();
        List<AuditEntry> merged = new ArrayList<>();
        List<ServiceStatus> statuses = new ArrayList<>();
        for (Map.Entry<String, URI> s : services.entrySet()) {
            String query = "relatedId=" + enc(id) + (all ? "" : "&agencyId=" + enc(caller.agencyId()));
            JsonNode body = s.getValue() == null
                    ? ownEntries(id, all ? null : caller.agencyId())
                    : call(s.getValue(), "/internal/v1/audit/entries?" + query, token);
            statuses.add(new ServiceStatus(s.getKey(), body != null));
            if (body != null) {
                merged.addAll(mapper.convertValue(body, new TypeReference<List<AuditEntry>>() { }));
            }
        }
        boolean complete = statuses.stream().allMatch(ServiceStatus::answered);
        if (!complete && !"true".equals(partial)) {
            throw ProblemException.unavailable("A service did not answer; ask with partial=true for what is available");
        }
        merged.sort(Comparator.comparing(AuditEntry::at).thenComparing(AuditEntry::service).thenComparingLong(AuditEntry::seq));
        List<AuditEntry> items = merged.subList(Math.min(offset, merged.size()), Math.min(offset + page.limit(), merged.size()));
        String next = offset + page.limit() < merged.size() ? cursorAt(offset + page.limit()) : null;
        return new Trail(List.copyOf(items), next, complete, statuses);
    }

    @GET
    @Path("/verify")
    @Blocking
    @Authenticated
    @Operation(operationId = "auditVerify", summary = "Checks every service's chain against the heads anchored outside it")
    @APIResponse(responseCode = "200", description = "The verdict per service")
    @APIResponse(responseCode = "503", description = "A service did not answer")
    public Verdict verify() throws SQLException {
        CallerContext caller = callers.current();
        if (!policy.allows(caller, Permission.AUDIT_READ_ALL)) {
            throw ProblemException.forbidden("Verifying the chains needs audit:read-all");
        }
        String token = token();
        List<ServiceVerdict> verdicts = new ArrayList<>();
        for (Map.Entry<String, URI> s : services.entrySet()) {
            Map<Long, String> anchored = anchors.anchors(s.getKey());
            StringBuilder query = new StringBuilder("/internal/v1/audit/verify?");
            anchored.keySet().forEach(seq -> query.append("anchorSeq=").append(seq).append('&'));
            JsonNode body = s.getValue() == null ? ownVerify(anchored.keySet()) : call(s.getValue(), query.toString(), token);
            if (body == null) {
                throw ProblemException.unavailable(s.getKey() + " did not answer");
            }
            JsonNode chain = body.get("chain");
            boolean valid = chain.path("valid").asBoolean();
            Long broken = chain.hasNonNull("firstBrokenSeq") ? chain.get("firstBrokenSeq").asLong() : null;
            String reason = chain.path("reason").asText(null);
            long sealedUpTo = chain.path("sealedUpTo").asLong();
            if (valid) {
                for (Map.Entry<Long, String> a : anchored.entrySet()) {
                    JsonNode stored = body.path("hashesAt").get(Long.toString(a.getKey()));
                    if (stored == null) {
                        valid = false;
                        broken = a.getKey();
                        reason = "the chain ends before anchored entry " + a.getKey() + " (truncated)";
                        break;
                    }
                    if (!stored.asText().equals(a.getValue())) {
                        valid = false;
                        broken = a.getKey();
                        reason = "entry " + a.getKey() + " differs from its anchored head (rewritten)";
                        break;
                    }
                }
            }
            verdicts.add(new ServiceVerdict(s.getKey(), chain.path("entries").asLong(), chain.path("head").asText(), sealedUpTo, valid,
                    broken, reason, chain.path("unsealed").asLong()));
        }
        return new Verdict(verdicts.stream().allMatch(ServiceVerdict::valid), verdicts);
    }

    private JsonNode ownEntries(String id, String agencyId) {
        try {
            return mapper.valueToTree(store.about(List.of(id), agencyId, 0, 1000));
        } catch (SQLException e) {
            return null;
        }
    }

    private JsonNode ownVerify(java.util.Set<Long> anchorSeqs) {
        try {
            List<AuditEntry> chain = store.chain();
            double[] lag = store.sealingLag();
            var verification = org.relais.blocks.audit.AuditVerifier.verify(GATEWAY, chain, List.of(), (long) lag[0], lag[1]);
            Map<Long, String> hashes = new java.util.TreeMap<>();
            chain.stream().filter(e -> anchorSeqs.contains(e.seq())).forEach(e -> hashes.put(e.seq(), e.hash()));
            return mapper.valueToTree(new org.relais.blocks.audit.AuditEndpoint.VerifyData(verification, hashes));
        } catch (SQLException e) {
            return null;
        }
    }

    private JsonNode call(URI base, String pathAndQuery, String token) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? mapper.readTree(r.body()) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private String token() {
        try {
            return oidc.getTokens().await().atMost(Duration.ofSeconds(5)).getAccessToken();
        } catch (RuntimeException e) {
            throw ProblemException.unavailable("The gateway's own client cannot get a token");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String cursorAt(int offset) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("t1|" + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static int offset(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return 0;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (!raw.startsWith("t1|")) {
                throw new IllegalArgumentException();
            }
            return Math.max(0, Integer.parseInt(raw.substring(3)));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("Query parameter 'cursor' is not a cursor returned by this list");
        }
    }
}
