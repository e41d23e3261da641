package org.relais.gateway.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.oidc.client.OidcClientException;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestResponse;
import org.relais.blocks.audit.AnchorLookup;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.audit.AuditCheck;
import org.relais.blocks.audit.AuditEndpoint;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.audit.AuditStore;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;
import org.relais.blocks.security.PermissionPolicy;
import org.relais.gateway.routing.GatewayConfig;

/**
 * The audit trail and its verification across every service (API guide section 7): the gateway asks each
 * service for its sealed entries with its own {@code internal} client ({@link ServiceAuditApi}), merges them
 * in time order a page at a time (each service read after its own position, kept in the cursor), and checks
 * each chain against heads anchored outside it: the services' against the heads the gateway keeps, its own
 * against the newest head on Kafka. Verification walks on from the newest anchor already verified, in
 * bounded batches.
 */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit", description = "Every event and every read of survivor data, tamper-evident")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(responseCode = "403", description = "Neither audit:read-agency nor audit:read-all")
public class AuditResource {

    /** {@code answered}: whether the service answered for this page. */
    public record ServiceStatus(String service, boolean answered) {}

    /**
     * {@code complete} is false when a service did not answer, for this page or an earlier one of the same
     * walk (its entries may then be missing or come out of time order); {@code nextCursor} is absent once
     * every service that answered has handed out all it holds.
     */
    public record Trail(List<AuditEntry> items, String nextCursor, boolean complete, List<ServiceStatus> services) {}

    /**
     * {@code verifiedFrom}: the anchored entry this verification walked on from (0: genesis);
     * {@code recomputed}: how many entries it recomputed.
     */
    public record ServiceVerdict(
            String service,
            long entries,
            String head,
            long sealedUpTo,
            boolean valid,
            Long firstBrokenSeq,
            String reason,
            long unsealed,
            long verifiedFrom,
            long recomputed) {}

    public record Verdict(boolean valid, List<ServiceVerdict> services) {}

    /** Anchors sent to a service per verification call: each call walks the stretch up to the last of them. */
    private static final int ANCHORS_PER_CALL = 200;

    private static final String GATEWAY = "gateway";
    private static final String CASE_SERVICE = "case-service";

    private final Map<String, URI> services = new LinkedHashMap<>();
    private final Callers callers;
    private final PermissionPolicy policy;
    private final ServiceAuditApi audit;
    private final AnchorKeeper anchors;
    private final AuditStore store;
    private final AuditCheck check;
    private final VerifiedMarks marks;
    private final RelaisKafka kafka;
    private final ObjectMapper mapper;

    public AuditResource(
            GatewayConfig config,
            Callers callers,
            PermissionPolicy policy,
            @RestClient ServiceAuditApi audit,
            AnchorKeeper anchors,
            ObjectMapper mapper,
            AuditStore store,
            AuditCheck check,
            VerifiedMarks marks,
            RelaisKafka kafka) {
        this.store = store;
        this.check = check;
        this.marks = marks;
        this.kafka = kafka;
        services.put("referral-service", URI.create(config.referralUrl()));
        services.put(CASE_SERVICE, URI.create(config.caseUrl()));
        services.put("notification-service", URI.create(config.notificationUrl()));
        services.put(GATEWAY, null); // the gateway's own chain (refused requests), read in-process
        this.callers = callers;
        this.policy = policy;
        this.audit = audit;
        this.anchors = anchors;
        this.mapper = mapper;
    }

    @GET
    @Path("/trail")
    @Blocking
    @Authenticated
    @Operation(
            operationId = "auditTrail",
            summary = "Every event and read of survivor data about a referral or a case, in time order",
            description =
                    "A trail by caseId also holds the entries of the referral the case was opened from, those from before "
                            + "the case existed included. Pages follow nextCursor until it is absent; complete is false when a service "
                            + "did not answer.")
    @APIResponse(responseCode = "200", description = "The merged trail")
    @APIResponse(
            responseCode = "503",
            description = "A service did not answer (ask with partial=true for what is available)")
    public Trail trail(
            @QueryParam("referralId") String referralId,
            @QueryParam("caseId") String caseId,
            @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit,
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
        TrailCursor at = cursor == null || cursor.isBlank() ? null : TrailCursor.decode(cursor, id);
        if (at == null) {
            at = TrailPager.start(id, caseId != null, CASE_SERVICE, () -> links(id));
        }
        String agencyId = all ? null : caller.agencyId();
        TrailPager.Page p = TrailPager.page(
                List.copyOf(services.keySet()),
                at,
                page.limit(),
                (service, ids, afterSeq, max) -> entries(service, ids, agencyId, afterSeq, max));
        if (p.statuses().stream().anyMatch(st -> !st.answered()) && !"true".equals(partial)) {
            throw ProblemException.unavailable("A service did not answer; ask with partial=true for what is available");
        }
        return new Trail(
                List.copyOf(p.items()),
                p.next() == null ? null : p.next().encode(),
                p.complete(),
                p.statuses().stream()
                        .map(st -> new ServiceStatus(st.service(), st.answered()))
                        .toList());
    }

    /** The ids the case-service's entries about a case name (the referral it was opened from). */
    private Optional<List<String>> links(String caseId) {
        JsonNode links = call(() -> audit.links(services.get(CASE_SERVICE), caseId));
        if (links == null || !links.isArray()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        links.forEach(l -> {
            if (l.isTextual()) {
                out.add(l.asText());
            }
        });
        return Optional.of(out);
    }

    private Optional<List<AuditEntry>> entries(
            String service, List<String> ids, String agencyId, long afterSeq, int limit) {
        URI base = services.get(service);
        if (base == null) {
            try {
                return Optional.of(store.about(ids, agencyId, afterSeq, limit));
            } catch (SQLException e) {
                return Optional.empty();
            }
        }
        JsonNode body = call(() -> audit.entries(base, afterSeq, limit, ids, agencyId));
        if (body == null || !body.isArray()) {
            return Optional.empty();
        }
        try {
            return Optional.of(mapper.convertValue(body, new TypeReference<List<AuditEntry>>() {}));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @GET
    @Path("/verify")
    @Blocking
    @Authenticated
    @Operation(
            operationId = "auditVerify",
            summary = "Checks every service's chain against the heads anchored outside it",
            description =
                    "Each chain is walked on from the newest anchored entry an earlier verification found intact, "
                            + "in bounded batches; full=true walks every chain from genesis.")
    @APIResponse(responseCode = "200", description = "The verdict per service")
    @APIResponse(responseCode = "503", description = "A service did not answer")
    public Verdict verify(@QueryParam("full") String full) throws SQLException {
        CallerContext caller = callers.current();
        if (!policy.allows(caller, Permission.AUDIT_READ_ALL)) {
            throw ProblemException.forbidden("Verifying the chains needs audit:read-all");
        }
        boolean fromGenesis = "true".equals(full);
        List<ServiceVerdict> verdicts = new ArrayList<>();
        for (Map.Entry<String, URI> s : services.entrySet()) {
            verdicts.add(
                    s.getValue() == null
                            ? verifyOwn(fromGenesis)
                            : verifyService(s.getKey(), s.getValue(), fromGenesis));
        }
        return new Verdict(verdicts.stream().allMatch(ServiceVerdict::valid), verdicts);
    }

    /**
     * A service's chain, stretch by stretch between the heads the gateway anchored: each call walks from one
     * anchored entry (whose stored hash must still be the anchored one) to the last anchor it is given.
     */
    private ServiceVerdict verifyService(String service, URI base, boolean fromGenesis) throws SQLException {
        Optional<VerifiedMarks.Mark> mark = fromGenesis ? Optional.empty() : marks.get(service);
        long from = mark.map(VerifiedMarks.Mark::seq).orElse(0L);
        String fromHash = mark.map(VerifiedMarks.Mark::hash).orElse(AuditEntry.GENESIS);
        long verifiedFrom = from;
        long recomputed = 0;
        while (true) {
            TreeMap<Long, String> batch = new TreeMap<>(anchors.anchorsAfter(service, from, ANCHORS_PER_CALL));
            Long toSeq = batch.isEmpty() ? null : batch.lastKey();
            List<Long> anchorSeqs = new ArrayList<>();
            if (from > 0) {
                anchorSeqs.add(from);
            }
            anchorSeqs.addAll(batch.keySet());
            long fromSeq = from;
            String fromAnchoredHash = fromHash;
            JsonNode body = call(() -> audit.verify(base, fromSeq, fromAnchoredHash, toSeq, anchorSeqs));
            if (body == null || !body.has("chain")) {
                throw ProblemException.unavailable(service + " did not answer");
            }
            JsonNode chain = body.get("chain");
            recomputed += chain.path("entries").asLong();
            boolean valid = chain.path("valid").asBoolean();
            Long broken = chain.hasNonNull("firstBrokenSeq")
                    ? chain.get("firstBrokenSeq").asLong()
                    : null;
            String reason = chain.path("reason").asText(null);
            TreeMap<Long, String> expected = new TreeMap<>(batch);
            if (from > 0) {
                expected.put(from, fromHash);
            }
            for (Map.Entry<Long, String> a :
                    valid ? expected.entrySet() : java.util.Set.<Map.Entry<Long, String>>of()) {
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
            long sealedUpTo = chain.path("sealedUpTo").asLong();
            if (!valid || toSeq == null) {
                return new ServiceVerdict(
                        service,
                        sealedUpTo,
                        chain.path("head").asText(),
                        sealedUpTo,
                        valid,
                        broken,
                        reason,
                        chain.path("unsealed").asLong(),
                        verifiedFrom,
                        recomputed);
            }
            from = toSeq;
            fromHash = batch.get(toSeq);
            marks.put(service, new VerifiedMarks.Mark(from, fromHash));
        }
    }

    /**
     * The gateway's own chain, against its newest anchor on Kafka: the only copy of its heads outside the
     * gateway's database. The sealer never anchors a chain that no longer holds its last anchor, so that
     * anchor stays the highest head the chain ever had.
     */
    private ServiceVerdict verifyOwn(boolean fromGenesis) throws SQLException {
        Optional<AuditAnchor> latest;
        try {
            latest = AnchorLookup.latest(kafka, mapper, GATEWAY, Duration.ofSeconds(10))
                    .anchor();
        } catch (RuntimeException e) {
            throw ProblemException.unavailable("The gateway's anchors on Kafka cannot be read");
        }
        Optional<VerifiedMarks.Mark> mark = fromGenesis ? Optional.empty() : marks.get(GATEWAY);
        if (mark.isPresent()
                && (latest.isEmpty() || mark.get().seq() > latest.get().seq())) {
            mark = Optional.empty(); // a mark no anchor on Kafka vouches for: walk from genesis
        }
        long from = mark.map(VerifiedMarks.Mark::seq).orElse(0L);
        String fromHash = mark.map(VerifiedMarks.Mark::hash).orElse(AuditEntry.GENESIS);
        Map<Long, String> anchored = new TreeMap<>();
        if (latest.isPresent()) {
            if (latest.get().seq() == from) {
                fromHash = latest.get().hash();
            } else {
                anchored.put(latest.get().seq(), latest.get().hash());
            }
        }
        AuditEndpoint.VerifyData data;
        try {
            data = check.verify(GATEWAY, from, fromHash, null, anchored, List.of());
        } catch (SQLException e) {
            throw ProblemException.unavailable("The gateway's chain cannot be read");
        }
        var chain = data.chain();
        if (chain.valid() && latest.isPresent()) {
            marks.put(
                    GATEWAY,
                    new VerifiedMarks.Mark(latest.get().seq(), latest.get().hash()));
        }
        return new ServiceVerdict(
                GATEWAY,
                chain.sealedUpTo(),
                chain.head(),
                chain.sealedUpTo(),
                chain.valid(),
                chain.firstBrokenSeq(),
                chain.reason(),
                chain.unsealed(),
                from,
                chain.entries());
    }

    /**
     * A service's answer, or null when it gave none fit to read (no connection, no answer in time, anything
     * but 200). Without a token of its own the gateway can ask no service: that is the whole request's 503.
     */
    private static JsonNode call(Supplier<RestResponse<JsonNode>> request) {
        try {
            RestResponse<JsonNode> r = request.get();
            return r.getStatus() == 200 ? r.getEntity() : null;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof OidcClientException) {
                    throw ProblemException.unavailable("The gateway's own client cannot get a token");
                }
            }
            return null;
        }
    }
}
