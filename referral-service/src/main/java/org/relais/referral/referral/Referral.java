package org.relais.referral.referral;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.relais.blocks.problem.ProblemException;
import org.relais.referral.Priority;
import org.relais.referral.directory.ServiceType;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The referral aggregate. It owns its state machine: {@link #apply} checks the transition, moves the
 * status, clears the overdue flag when the referral moves on, and returns the history entry to keep.
 * Survivor data is held only as ciphertext ({@code *Ct}) under the referral's data key.
 */
@Entity
@Table(name = "referrals")
public class Referral extends PanacheEntityBase {

    public static final String TABLE = "referrals";

    @Id
    public UUID id;
    public String reference;
    @Enumerated(EnumType.STRING)
    public ReferralStatus status;
    @Column(name = "survivor_id")
    public UUID survivorId;
    @Column(name = "sending_agency_id")
    public String sendingAgencyId;
    @Column(name = "receiving_agency_id")
    public String receivingAgencyId;
    @Column(name = "origin_agency_id")
    public String originAgencyId;
    @Enumerated(EnumType.STRING)
    public Priority priority;
    public String services;
    public String incident;
    public String consent;
    @Column(name = "consent_expires_at")
    public Instant consentExpiresAt;
    @Column(name = "data_key_id")
    public UUID dataKeyId;
    @Column(name = "subject_ct")
    public String subjectCt;
    @Column(name = "reason_ct")
    public String reasonCt;
    @Column(name = "external_reference_ct")
    public String externalReferenceCt;
    @Column(name = "data_erased_at")
    public Instant dataErasedAt;
    @Column(name = "acknowledge_by")
    public Instant acknowledgeBy;
    @Column(name = "decide_by")
    public Instant decideBy;
    public boolean overdue;
    @Column(name = "overdue_at")
    public Instant overdueAt;
    @Column(name = "acknowledge_overdue_emitted")
    public boolean acknowledgeOverdueEmitted;
    @Column(name = "decide_overdue_emitted")
    public boolean decideOverdueEmitted;
    @Column(name = "redirected_from_id")
    public UUID redirectedFromId;
    @Column(name = "redirected_to_id")
    public UUID redirectedToId;
    @Column(name = "case_id")
    public UUID caseId;
    @Column(name = "receiving_case_id")
    public UUID receivingCaseId;
    public String assignee;
    public String outcome;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Version
    public long version;

    public ReferralAction.Caller callerOf(String agencyId) {
        if (agencyId == null) {
            return ReferralAction.Caller.OTHER;
        }
        if (agencyId.equals(sendingAgencyId)) {
            return ReferralAction.Caller.SENDER;
        }
        if (agencyId.equals(receivingAgencyId)) {
            return ReferralAction.Caller.RECEIVER;
        }
        return ReferralAction.Caller.OTHER;
    }

    /** The origin agency of a redirected referral sees its status and outcome, not its survivor data. */
    public boolean isOrigin(String agencyId) {
        return agencyId != null && agencyId.equals(originAgencyId) && callerOf(agencyId) == ReferralAction.Caller.OTHER;
    }

    /** Applies the action for the caller, or throws the contract's problem; answers the previous status. */
    public ReferralStatus apply(ReferralAction action, ReferralAction.Caller caller, Instant now) {
        switch (action.check(status, caller)) {
            case NOT_FOUND -> throw ProblemException.notFound("Referral");
            case FORBIDDEN -> throw ProblemException.forbidden("Only the " + (action == ReferralAction.WITHDRAW ? "sending"
                    : "receiving") + " agency may " + action.path() + " this referral");
            case ILLEGAL -> throw ProblemException.illegalTransition(action.path(), status.name());
            case ALLOWED -> { }
        }
        if ((action == ReferralAction.COMPLETE || action == ReferralAction.FAIL) && receivingCaseId != null) {
            // once the receiver's case exists, the referral follows the case's closure
            throw ProblemException.illegalTransition(action.path() + " (the case's closure decides)", status.name());
        }
        ReferralStatus previous = status;
        status = action.target(status);
        if (status != previous) {
            overdue = false;
        }
        updatedAt = now;
        return previous;
    }

    /** Follows the receiver's case: a no-op (answering false) when the referral is already terminal. */
    public boolean closeFromCase(String caseOutcome, Instant now) {
        if (status.terminal()) {
            return false;
        }
        status = "LOST_CONTACT".equals(caseOutcome) ? ReferralStatus.FAILED : ReferralStatus.COMPLETED;
        outcome = caseOutcome;
        overdue = false;
        updatedAt = now;
        return true;
    }

    public List<ServiceType> serviceList() {
        return Arrays.stream(services.split(",")).filter(s -> !s.isBlank()).map(ServiceType::valueOf).toList();
    }

    public static String services(List<ServiceType> list) {
        return "," + list.stream().distinct().map(Enum::name).collect(Collectors.joining(",")) + ",";
    }

    public boolean erased() {
        return dataErasedAt != null;
    }

    /**
     * Whether the survivor's consent no longer holds at {@code now}: withdrawn (her data erased), or past its
     * {@code expiresAt} even if the job that records the expiry has not got to it yet.
     */
    public boolean consentLapsed(Instant now) {
        return erased() || (consentExpiresAt != null && !consentExpiresAt.isAfter(now));
    }
}
