package org.relais.blocks.audit;

import io.quarkus.security.PermissionsAllowed;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.Permission;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    public record VerifyData(ChainVerification chain, Map<Long, String> hashesAt) {
    }

    private final AuditStore store;
    private final AuditLog log;

    public AuditEndpoint(AuditStore store, AuditLog log) {
        this.store = store;
        this.log = log;
    }

    @GET
    @Path("/entries")
    @Blocking
    @PermissionsAllowed(Permission.AUDIT_READ_ALL_CODE)
    @Operation(operationId = "internalAuditEntries", summary = "Sealed entries about any of the given records, in seq order")
    public List<AuditEntry> entries(@QueryParam("relatedId") List<String> relatedIds, @QueryParam("agencyId") String agencyId,
                                    @QueryParam("limit") Integer limit) throws SQLException {
        if (relatedIds == null || relatedIds.isEmpty() || relatedIds.size() > 20) {
            throw ProblemException.badRequest("Give 1 to 20 relatedId parameters");
        }
        return store.about(relatedIds, agencyId, 0, limit == null ? 1000 : Math.min(limit, 5000));
    }

    @GET
    @Path("/verify")
    @Blocking
    @PermissionsAllowed(Permission.AUDIT_READ_ALL_CODE)
    @Operation(operationId = "internalAuditVerify", summary = "The chain checked in itself, and its hashes at the anchored seqs")
    public VerifyData verify(@QueryParam("anchorSeq") List<Long> anchorSeqs) throws SQLException {
        List<AuditEntry> chain = store.chain();
        double[] lag = store.sealingLag();
        ChainVerification verification = AuditVerifier.verify(log.service(), chain, List.of(), (long) lag[0], lag[1]);
        Map<Long, String> hashes = new TreeMap<>();
        if (anchorSeqs != null) {
            for (AuditEntry e : chain) {
                if (anchorSeqs.contains(e.seq())) {
                    hashes.put(e.seq(), e.hash());
                }
            }
        }
        return new VerifyData(verification, hashes);
    }
}
