package org.relais.referral.flow;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.hibernate.annotations.Formula;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.problem.ProblemException;
import org.relais.referral.Priority;
import org.relais.referral.directory.ServiceType;
import org.relais.referral.flow.ReferralAction.Caller;

/**
 * The referral aggregate. It owns its state machine: each transition ({@link #accept}, {@link #redirectTo},
 * {@link #endConsent}, {@link #closeFromCase}, ...) checks its rule for the caller (the API's 404, 403 or 409
 * otherwise), changes the state, and answers the {@link Transition} for the service to persist: the history entry
 * and the events. Survivor data is held only as ciphertext ({@code *Ct}) under the referral's data key.
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

    /**
     * The data key as stored when the row was read (wrapped by a master key; null once destroyed), read in the same
     * query as the row, so a read needs one round trip, not two. Only a read that loaded the row itself uses it
     * ({@link ReferralReads}); a change that may destroy the key within its transaction reads the key anew.
     */
    @Formula("(select k.wrapped_key from relais_data_keys k where k.id = data_key_id)")
    public byte[] wrappedDataKey;

    /** The id of the master key that wrapped {@link #wrappedDataKey}. */
    @Formula("(select k.master_key_id from relais_data_keys k where k.id = data_key_id)")
    public String dataKeyMasterKeyId;

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

    public Caller callerOf(String agencyId) {
        if (agencyId == null) {
            return Caller.OTHER;
        }
        if (agencyId.equals(sendingAgencyId)) {
            return Caller.SENDER;
        }
        if (agencyId.equals(receivingAgencyId)) {
            return Caller.RECEIVER;
        }
        return Caller.OTHER;
    }

    /** The origin agency of a redirected referral sees its status and outcome, not its survivor data. */
    public boolean isOrigin(String agencyId) {
        return agencyId != null && agencyId.equals(originAgencyId) && callerOf(agencyId) == Caller.OTHER;
    }

    // ---- the state machine: each transition checks its rule, changes the state and says what happened -------------

    /** The referral reaches its receiver (created, or made by a redirect): SENT, with the receiver's deadlines. */
    public Transition send(Duration acknowledgeWithin, Instant now) {
        status = ReferralStatus.SENT;
        createdAt = now;
        updatedAt = now;
        acknowledgeBy = now.plus(acknowledgeWithin);
        decideBy = now.plus(acknowledgeWithin.multipliedBy(2));
        return new Transition(
                "send", null, ReferralStatus.SENT, null, List.of(Transition.Event.of(ReferralEvents.SENT)));
    }

    public Transition acknowledge(Caller by, Instant now) {
        return move(ReferralAction.ACKNOWLEDGE, by, now, null, UnaryOperator.identity());
    }

    /** Accepted, by the named member of the receiving agency when there is one. */
    public Transition accept(Caller by, String assignee, Instant now) {
        Transition t = move(ReferralAction.ACCEPT, by, now, null, d -> d.withAssignee(assignee));
        this.assignee = assignee;
        return t;
    }

    public Transition decline(Caller by, String reasonCode, Instant now) {
        return move(ReferralAction.DECLINE, by, now, reasonCode, d -> d.withReasonCode(reasonCode));
    }

    /**
     * Redirected to another agency: the referral ends REDIRECTED and names the new one ({@code onwardId}, which the
     * caller makes with {@link #onward}).
     */
    public Transition redirectTo(Caller by, UUID onwardId, String toAgencyId, Instant now) {
        Transition t = move(ReferralAction.REDIRECT, by, now, null, d -> d.withRedirect(onwardId, toAgencyId));
        redirectedToId = onwardId;
        return t;
    }

    /** The referral a redirect makes: the same survivor, needs and consent, from this receiver to {@code toAgencyId}. */
    public Referral onward(UUID onwardId, String toAgencyId, String createdBy) {
        Referral onward = new Referral();
        onward.id = onwardId;
        onward.survivorId = survivorId;
        onward.sendingAgencyId = receivingAgencyId;
        onward.receivingAgencyId = toAgencyId;
        onward.originAgencyId = originAgencyId != null ? originAgencyId : sendingAgencyId;
        onward.redirectedFromId = id;
        onward.priority = priority;
        onward.services = services;
        onward.incident = incident;
        onward.consent = consent;
        onward.consentExpiresAt = consentExpiresAt;
        onward.createdBy = createdBy;
        return onward;
    }

    public Transition start(Caller by, Instant now) {
        return move(ReferralAction.START, by, now, null, UnaryOperator.identity());
    }

    public Transition hold(Caller by, String reasonCode, Instant now) {
        return move(ReferralAction.HOLD, by, now, reasonCode, d -> d.withReasonCode(reasonCode));
    }

    /** Completed by the receiver, with its outcome; once the receiver's case exists, only its closure completes it. */
    public Transition complete(Caller by, String outcome, Instant now) {
        Transition t = move(ReferralAction.COMPLETE, by, now, null, UnaryOperator.identity());
        this.outcome = outcome;
        return t;
    }

    /** Failed, the reason being its outcome; once the receiver's case exists, only its closure ends it. */
    public Transition fail(Caller by, String reasonCode, Instant now) {
        Transition t = move(ReferralAction.FAIL, by, now, reasonCode, d -> d.withReasonCode(reasonCode));
        outcome = reasonCode;
        return t;
    }

    public Transition withdraw(Caller by, String reasonCode, Instant now) {
        return move(ReferralAction.WITHDRAW, by, now, reasonCode, d -> d.withReasonCode(reasonCode));
    }

    /**
     * The survivor's consent ended ({@code reasonCode}: withdrawn or expired; {@code cascadedFrom}: the referral or
     * case it ended on first, if not this one): a live referral ends WITHDRAWN, a terminal one stays as it is; the
     * consent record says when and by whom; her data goes (the ciphertexts here, the data key by the caller). Empty
     * when her data was already erased: ending it again changes nothing and emits nothing.
     */
    public Optional<Transition> endConsent(
            Caller by, String reasonCode, String withdrawnBy, UUID cascadedFrom, Instant now) {
        if (erased()) {
            return Optional.empty();
        }
        Transition t = move(
                ReferralAction.WITHDRAW_CONSENT,
                by,
                now,
                reasonCode,
                d -> d.withReasonCode(reasonCode).withCascadedFrom(cascadedFrom));
        consent = ReferralCodec.withdrawn(consent, now, withdrawnBy);
        subjectCt = null;
        reasonCt = null;
        externalReferenceCt = null;
        dataErasedAt = now;
        if (!t.moved()) {
            return Optional.of(t);
        }
        return Optional.of(new Transition(
                t.action(),
                t.from(),
                t.to(),
                reasonCode,
                List.of(
                        t.events().get(0),
                        new Transition.Event(ReferralEvents.WITHDRAWN, d -> d.withReasonCode(reasonCode)))));
    }

    /** The receiver's case opened from this referral: the receiver now works it there. */
    public void linkCase(UUID caseId, Instant now) {
        receivingCaseId = caseId;
        updatedAt = now;
    }

    /**
     * Follows the closure of the receiver's case: COMPLETED, or FAILED when contact was lost, with the case's
     * outcome. A referral already terminal stays as it is (a history entry says so, no event).
     */
    public Transition closeFromCase(String caseOutcome, Instant now) {
        if (status.terminal()) {
            return new Transition("case-closed", status, status, "NO_OP", List.of());
        }
        ReferralStatus from = status;
        status = "LOST_CONTACT".equals(caseOutcome) ? ReferralStatus.FAILED : ReferralStatus.COMPLETED;
        outcome = caseOutcome;
        overdue = false;
        updatedAt = now;
        return new Transition(
                "case-closed",
                from,
                status,
                caseOutcome,
                List.of(new Transition.Event(
                        status == ReferralStatus.FAILED ? ReferralEvents.FAILED : ReferralEvents.COMPLETED,
                        d -> d.withOutcome(caseOutcome))));
    }

    /**
     * A deadline passed ({@code acknowledgeBy} while SENT, {@code decideBy} while ACKNOWLEDGED): flagged overdue, and
     * the event to publish, once per deadline. Empty when no deadline is missed or it was already told.
     */
    public Optional<Transition.Event> markOverdue(Instant now) {
        String deadline;
        Instant deadlineAt;
        if (status == ReferralStatus.SENT && !acknowledgeOverdueEmitted && !acknowledgeBy.isAfter(now)) {
            acknowledgeOverdueEmitted = true;
            deadline = "ACKNOWLEDGE";
            deadlineAt = acknowledgeBy;
        } else if (status == ReferralStatus.ACKNOWLEDGED && !decideOverdueEmitted && !decideBy.isAfter(now)) {
            decideOverdueEmitted = true;
            deadline = "DECIDE";
            deadlineAt = decideBy;
        } else {
            return Optional.empty();
        }
        overdue = true;
        overdueAt = now;
        updatedAt = now;
        return Optional.of(new Transition.Event(ReferralEvents.OVERDUE, d -> d.withDeadline(deadline, deadlineAt)));
    }

    /** Checks the action for the caller (or throws the API's problem), moves the status, clears overdue when it moved. */
    private Transition move(
            ReferralAction action,
            Caller by,
            Instant now,
            String reasonCode,
            UnaryOperator<ReferralEvents.Data> details) {
        switch (action.check(status, by)) {
            case NOT_FOUND -> throw ProblemException.notFound("Referral");
            case FORBIDDEN ->
                throw ProblemException.forbidden(
                        "Only the " + (action == ReferralAction.WITHDRAW ? "sending" : "receiving") + " agency may "
                                + action.path() + " this referral");
            case ILLEGAL -> throw ProblemException.illegalTransition(action.path(), status.name());
            case ALLOWED -> {}
        }
        if ((action == ReferralAction.COMPLETE || action == ReferralAction.FAIL) && receivingCaseId != null) {
            // once the receiver's case exists, the referral follows the case's closure
            throw ProblemException.illegalTransition(action.path() + " (the case's closure decides)", status.name());
        }
        ReferralStatus from = status;
        status = action.target(status);
        if (status != from) {
            overdue = false;
        }
        updatedAt = now;
        return new Transition(
                action.path(), from, status, reasonCode, List.of(new Transition.Event(action.eventType(), details)));
    }

    public List<ServiceType> serviceList() {
        return Arrays.stream(services.split(","))
                .filter(s -> !s.isBlank())
                .map(ServiceType::valueOf)
                .toList();
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
