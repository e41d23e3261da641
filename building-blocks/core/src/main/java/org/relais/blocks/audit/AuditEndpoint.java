package org.relais.blocks.audit;

import io.quarkus.security.PermissionsAllowed;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.Permission;

/**
 * Every service's audit chain, for the gateway (its own {@code internal} client) and platform auditors:
 * the sealed entries about some records, and what verification of the chain needs. The gateway merges
 * these into {@code /api/v1/audit/*}; this is the documented exception to "no synchronous calls".
 */
@Path("/internal/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit (internal)", description = "A service's own audit chain, read by the gateway")
public class AuditEndpoint {

    /** What the gateway needs to verify a chain against the heads it anchored. */
    public record VerifyData(ChainVerification chain, Map<Long, String> hashesAt) {}

    private final AuditCheck check;
    private final AuditStore store;
    private final AuditLog log;

    public AuditEndpoint(AuditCheck check, AuditStore store, AuditLog log) {
        this.check = check;
        this.store = store;
        this.log = log;
    }

    @GET
    @Path("/entries")
    @Blocking
    @PermissionsAllowed(Permission.AUDIT_READ_ALL_CODE)
    @Operation(
            operationId = "internalAuditEntries",
            summary = "Sealed entries about any of the given records after afterSeq, in seq order")
    public List<AuditEntry> entries(
            @QueryParam("relatedId") List<String> relatedIds,
            @QueryParam("agencyId") String agencyId,
            @QueryParam("afterSeq") Long afterSeq,
            @QueryParam("limit") Integer limit)
            throws SQLException {
        if (relatedIds == null || relatedIds.isEmpty() || relatedIds.size() > 20) {
            throw ProblemException.badRequest("Give 1 to 20 relatedId parameters");
        }
        return store.about(
                relatedIds,
                agencyId,
                afterSeq == null ? 0 : Math.max(0, afterSeq),
                limit == null ? 1000 : Math.max(1, Math.min(limit, 5000)));
    }

    @GET
    @Path("/links")
    @Blocking
    @PermissionsAllowed(Permission.AUDIT_READ_ALL_CODE)
    @Operation(
            operationId = "internalAuditLinks",
            summary = "The other records the entries about a record name (a case: its referral)")
    public List<String> links(@QueryParam("id") String id) throws SQLException {
        if (id == null || id.isBlank()) {
            throw ProblemException.badRequest("Give the id parameter");
        }
        return store.linked(id);
    }

    @GET
    @Path("/verify")
    @Blocking
    @PermissionsAllowed(Permission.AUDIT_READ_ALL_CODE)
    @Operation(
            operationId = "internalAuditVerify",
            summary =
                    "The chain (after fromSeq, whose anchored hash is fromHash; up to toSeq) checked in itself, and its hashes at the anchored seqs")
    public VerifyData verify(
            @QueryParam("anchorSeq") List<Long> anchorSeqs,
            @QueryParam("fromSeq") Long fromSeq,
            @QueryParam("fromHash") String fromHash,
            @QueryParam("toSeq") Long toSeq)
            throws SQLException {
        if (anchorSeqs != null && anchorSeqs.size() > 1000) {
            throw ProblemException.badRequest("Give at most 1000 anchorSeq parameters");
        }
        long from = fromSeq == null ? 0 : Math.max(0, fromSeq);
        return check.verify(
                log.service(), from, fromHash, toSeq, Map.of(), anchorSeqs == null ? List.of() : anchorSeqs);
    }
}
