package org.relais.referral.flow;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.relais.referral.Priority;
import org.relais.referral.directory.ServiceType;

/**
 * A referral as its reader may see it: {@code subject}, {@code reason} and {@code externalReference}
 * only for the two parties and only within the consent's scope; the origin agency of a redirected
 * referral sees status and outcome without them.
 */
@Schema(name = "Referral")
public record ReferralView(
        UUID id,
        String reference,
        ReferralStatus status,
        UUID survivorId,
        String sendingAgencyId,
        String receivingAgencyId,
        Priority priority,
        List<ServiceType> services,
        ReferralInput.Incident incident,
        ConsentView consent,
        ReferralInput.Subject subject,
        String reason,
        String externalReference,
        Instant acknowledgeBy,
        Instant decideBy,
        boolean overdue,
        Instant overdueAt,
        UUID redirectedFromId,
        UUID redirectedToId,
        String originAgencyId,
        UUID caseId,
        UUID receivingCaseId,
        String assignee,
        String outcome,
        Instant dataErasedAt,
        Instant createdAt,
        Instant updatedAt,
        long version) {

    @Schema(name = "ConsentRecord")
    public record ConsentView(
            boolean granted,
            List<ReferralInput.ConsentScope> scope,
            ReferralInput.ConsentMethod method,
            Instant recordedAt,
            String recordedBy,
            boolean allowOnwardReferral,
            Instant expiresAt,
            Instant withdrawnAt,
            String withdrawnBy) {}

    @Schema(name = "ReferralHistoryEntry")
    public record HistoryEntry(
            String action,
            ReferralStatus from,
            ReferralStatus to,
            String byAgencyId,
            String byUser,
            Instant at,
            String reasonCode,
            String note) {}
}
