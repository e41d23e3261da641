package org.relais.blocks.audit;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The verdict on one service's chain, or on the stretch of it after {@code verifiedFrom} (an entry whose
 * hash was anchored and checked earlier): {@code entries} how many entries were recomputed,
 * {@code firstBrokenSeq} the first sequence number where the stored chain stops being what was sealed
 * (absent when valid); {@code sealedUpTo} the last sealed seq reached; {@code unsealed} and
 * {@code sealingLagSeconds} how far sealing lags behind the request path.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChainVerification(
        String service,
        long entries,
        String head,
        long sealedUpTo,
        boolean valid,
        Long firstBrokenSeq,
        String reason,
        long unsealed,
        double sealingLagSeconds,
        long verifiedFrom) {

    public ChainVerification(
            String service,
            long entries,
            String head,
            long sealedUpTo,
            boolean valid,
            Long firstBrokenSeq,
            String reason,
            long unsealed,
            double sealingLagSeconds) {
        this(service, entries, head, sealedUpTo, valid, firstBrokenSeq, reason, unsealed, sealingLagSeconds, 0);
    }
}
