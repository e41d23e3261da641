package org.relais.blocks.audit;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Verifies this service's chain, or the stretch of it after an entry already verified against an anchor,
 * reading it in batches of {@code relais.audit.verify-batch-size} rows: memory stays bounded whatever the
 * chain's length. The caller brings the anchors, kept outside this database.
 */
@ApplicationScoped
public class AuditCheck {

    private final AuditStore store;
    private final int batchSize;

    public AuditCheck(
            AuditStore store,
            @ConfigProperty(name = "relais.audit.verify-batch-size", defaultValue = "1000") int batchSize) {
        this.store = store;
        this.batchSize = batchSize;
    }

    /**
     * @param fromSeq  0 to start at genesis, or an entry whose hash was anchored: the walk starts after it
     * @param fromHash the hash anchored for {@code fromSeq}
     * @param toSeq    the last entry to walk, or null for the head
     * @param anchors  seq to anchored hash, checked on the way
     * @param wanted   seqs whose stored hashes to answer
     */
    public AuditEndpoint.VerifyData verify(
            String service,
            long fromSeq,
            String fromHash,
            Long toSeq,
            Map<Long, String> anchors,
            Collection<Long> wanted)
            throws SQLException {
        return verify(service, fromSeq, fromHash, toSeq, anchors, wanted, batchSize);
    }

    public AuditEndpoint.VerifyData verify(
            String service,
            long fromSeq,
            String fromHash,
            Long toSeq,
            Map<Long, String> anchors,
            Collection<Long> wanted,
            int batch)
            throws SQLException {
        AuditVerifier.Walk walk =
                new AuditVerifier.Walk(fromSeq, fromSeq == 0 ? AuditEntry.GENESIS : fromHash, anchors, wanted);
        Map<Long, String> hashes = new java.util.TreeMap<>();
        if (fromSeq > 0) {
            Optional<String> stored = store.hashAt(fromSeq);
            stored.ifPresent(h -> hashes.put(fromSeq, h));
            if (stored.isEmpty()) {
                walk.brokenAt(fromSeq, "the chain ends before anchored entry " + fromSeq + " (truncated)");
            } else if (fromHash != null && !fromHash.equals(stored.get())) {
                walk.brokenAt(fromSeq, "entry " + fromSeq + " differs from its anchored head (rewritten)");
            }
        }
        if (walk.valid()) {
            store.stream(fromSeq, toSeq, batch, walk::accept);
        }
        double[] lag = store.sealingLag();
        ChainVerification verdict = walk.finish(service, (long) lag[0], lag[1]);
        hashes.putAll(walk.hashesAt());
        return new AuditEndpoint.VerifyData(verdict, hashes);
    }
}
