package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.ProblemException;
import org.relais.cases.risk.RiskLevel;
import org.relais.cases.risk.RiskScoring;

/**
 * A case: the receiving agency's work with the survivor. The aggregate owns its state machine: each change
 * ({@link #openFromReferral}, {@link #openWalkIn}, {@link #receiveDetails}, {@link #assign}, {@link #assess},
 * {@link #addAction}, {@link #completeAction}, {@link #close}, {@link #erase}) checks its rule, throws the API's
 * problem when it does not hold, changes the state and answers what happened ({@link CaseChange}); the caller
 * writes the timeline and the event. Survivor data only as ciphertext ({@code *Ct}) under its data key.
 */
@Entity
@Table(name = "cases")
public class CaseFile extends PanacheEntityBase {

    public static final String TABLE = "cases";

    @Id
    public UUID id;

    public String reference;

    @Enumerated(EnumType.STRING)
    public CaseStatus status;

    @Column(name = "owning_agency_id")
    public String owningAgencyId;

    @Column(name = "referral_id")
    public UUID referralId;

    @Column(name = "survivor_id")
    public UUID survivorId;

    @Enumerated(EnumType.STRING)
    public Priority priority;

    @Convert(converter = ServicesColumn.class)
    public List<String> services;

    public String assignee;

    @Enumerated(EnumType.STRING)
    @Column(name = "risk_level")
    public RiskLevel riskLevel;

    @Column(name = "high_risk_emitted")
    public boolean highRiskEmitted;

    public String consent;

    @Column(name = "consent_expires_at")
    public Instant consentExpiresAt;

    @Column(name = "data_key_id")
    public UUID dataKeyId;

    @Column(name = "subject_ct")
    public String subjectCt;

    @Column(name = "details_pending")
    public boolean detailsPending;

    @Column(name = "data_erased_at")
    public Instant dataErasedAt;

    public String outcome;

    @Column(name = "summary_ct")
    public String summaryCt;

    @Column(name = "opened_at")
    public Instant openedAt;

    @Column(name = "closed_at")
    public Instant closedAt;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Version
    public long version;

    public boolean open() {
        return status == CaseStatus.OPEN;
    }

    /**
     * Whether the survivor's consent no longer holds at {@code now}: her data erased (withdrawn or expired and
     * recorded), or past its {@code expiresAt} even before the job or the referral's withdrawal reached it.
     */
    public boolean consentLapsed(Instant now) {
        return dataErasedAt != null || (consentExpiresAt != null && !consentExpiresAt.isAfter(now));
    }

    /** The ids the audit trail finds this case under: the case's, and the referral's it was opened from. */
    public List<String> relatedIds() {
        return referralId == null ? List.of(id.toString()) : List.of(id.toString(), referralId.toString());
    }

    /** The case's coded state as every case event carries it. */
    public CaseEvents.Data eventState() {
        return CaseEvents.Data.of(
                id,
                reference,
                owningAgencyId,
                referralId,
                survivorId,
                status.name(),
                priority.name(),
                services,
                assignee,
                riskLevel == null ? null : riskLevel.name());
    }

    // ---- opening: a new case, once ------------------------------------------------------------------------------

    /** Opens this new case for an accepted referral, its survivor details still to come from the referral-service. */
    public CaseChange openFromReferral(
            UUID referralId,
            String agencyId,
            UUID survivorId,
            Priority priority,
            List<String> services,
            String assignee,
            Instant now) {
        CaseStatus from = requireNew();
        this.referralId = referralId;
        this.detailsPending = true;
        opened(agencyId, survivorId, priority, services, assignee, now);
        return change(
                from,
                CaseEvents.OPENED,
                UnaryOperator.identity(),
                "opened",
                Map.of("referralId", referralId.toString()));
    }

    /** Opens this new case for a survivor who came to the agency directly, with the consent she gave there. */
    public CaseChange openWalkIn(
            String agencyId,
            UUID survivorId,
            Priority priority,
            List<String> services,
            String assignee,
            String consent,
            Instant consentExpiresAt,
            Instant now) {
        CaseStatus from = requireNew();
        this.consent = consent;
        this.consentExpiresAt = consentExpiresAt;
        opened(agencyId, survivorId, priority, services, assignee, now);
        return change(from, CaseEvents.OPENED, UnaryOperator.identity(), "opened", Map.of("walkIn", true));
    }

    private CaseStatus requireNew() {
        if (status != null) {
            throw ProblemException.illegalTransition("open", status.name());
        }
        return null;
    }

    private void opened(
            String agencyId, UUID survivorId, Priority priority, List<String> services, String assignee, Instant now) {
        this.id = Uuids.v7();
        this.status = CaseStatus.OPEN;
        this.owningAgencyId = agencyId;
        this.survivorId = survivorId;
        this.priority = priority;
        this.services = services;
        this.assignee = assignee;
        this.openedAt = now;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /**
     * The referral's details arrived: her consent as the referral holds it, and whether survivor data came with them
     * (the caller keeps the subject under the case's data key). Publishes nothing.
     */
    public CaseChange receiveDetails(String consent, Instant consentExpiresAt, boolean survivorData, Instant now) {
        if (!detailsPending) {
            throw ProblemException.illegalTransition("receive details (none are pending)", status.name());
        }
        detailsPending = false;
        updatedAt = now;
        this.consent = consent;
        if (consentExpiresAt != null) {
            this.consentExpiresAt = consentExpiresAt;
        }
        return new CaseChange(status, status, null, null, "details-received", Map.of("survivorData", survivorData));
    }

    // ---- work: an open case --------------------------------------------------------------------------------------

    public CaseChange assign(String assignee, Instant now) {
        requireOpen("assign");
        this.assignee = assignee;
        updatedAt = now;
        return change(status, CaseEvents.ASSIGNED, UnaryOperator.identity(), "assigned", Map.of("assignee", assignee));
    }

    /**
     * Records an assessment's result as the case's risk level. The first time the case enters HIGH its priority
     * becomes EMERGENCY (raised, never lowered automatically) and a second change, the high-risk alarm, follows.
     */
    public List<CaseChange> assess(UUID assessmentId, RiskScoring.Result result, Instant now) {
        requireOpen("assess");
        RiskLevel previous = riskLevel;
        riskLevel = result.level();
        updatedAt = now;
        List<CaseChange> changes = new ArrayList<>();
        String level = result.level().name();
        changes.add(change(
                status,
                CaseEvents.RISK_ASSESSED,
                d -> d.withAssessment(result.score(), level, assessmentId),
                "risk-assessed",
                Map.of("score", result.score(), "level", level)));
        if (RiskScoring.entersHigh(previous, result.level()) && !highRiskEmitted) {
            highRiskEmitted = true;
            Priority before = priority;
            priority = Priority.EMERGENCY;
            changes.add(change(
                    status,
                    CaseEvents.HIGH_RISK,
                    d -> d.withLevel(RiskLevel.HIGH.name()),
                    "high-risk",
                    Map.of("priority", Priority.EMERGENCY.name(), "from", before.name())));
        }
        return changes;
    }

    /** Adds a step to the service plan: only while the case is open and her consent holds (its description is hers). */
    public CaseChange addAction(CaseAction action, Instant now) {
        requireOpen("add an action to");
        if (consentLapsed(now)) {
            throw ProblemException.invalid(
                    "/description",
                    "the survivor's consent was withdrawn or has expired: " + "no description can be kept");
        }
        action.caseId = id;
        updatedAt = now;
        return change(
                status,
                CaseEvents.ACTION_ADDED,
                d -> d.withAction(action.id, action.type, action.dueAt),
                "action-added",
                Map.of("actionId", action.id.toString(), "type", action.type, "dueAt", action.dueAt.toString()));
    }

    /** Marks a step of this case's plan done, once (a closed case's plan may still be completed). */
    public CaseChange completeAction(CaseAction action, String by, Instant now) {
        if (action == null || !action.caseId.equals(id)) {
            throw ProblemException.notFound("Action");
        }
        if (action.completedAt != null) {
            throw ProblemException.illegalTransition("complete", "COMPLETED");
        }
        action.completedAt = now;
        action.completedBy = by;
        updatedAt = now;
        return change(
                status,
                CaseEvents.ACTION_COMPLETED,
                d -> d.withAction(action.id, null, null),
                "action-completed",
                Map.of("actionId", action.id.toString()));
    }

    /** Closes the case with its outcome (the caller keeps the summary while her consent holds). */
    public CaseChange close(String outcome, Instant now) {
        CaseStatus from = requireOpen("close");
        status = CaseStatus.CLOSED;
        this.outcome = outcome;
        closedAt = now;
        updatedAt = now;
        return new CaseChange(
                from, status, CaseEvents.CLOSED, d -> d.withOutcome(outcome), "closed", Map.of("outcome", outcome));
    }

    // ---- erasure: once, open or closed -----------------------------------------------------------------------------

    /**
     * Her consent ended ({@code reason} {@code consent-withdrawn} or {@code consent-expired}): the case's survivor
     * fields are dropped and nothing pending is fetched any more; the caller destroys the data key and the action
     * descriptions. Once only.
     */
    public CaseChange erase(String reason, Instant now) {
        if (dataErasedAt != null) {
            throw ProblemException.illegalTransition("erase (her data is already erased)", status.name());
        }
        subjectCt = null;
        summaryCt = null;
        dataErasedAt = now;
        detailsPending = false;
        updatedAt = now;
        return change(
                status, CaseEvents.DATA_ERASED, d -> d.withReason(reason), "data-erased", Map.of("reason", reason));
    }

    private CaseStatus requireOpen(String what) {
        if (!open()) {
            throw ProblemException.illegalTransition(what, status.name());
        }
        return status;
    }

    private CaseChange change(
            CaseStatus from,
            String event,
            UnaryOperator<CaseEvents.Data> fields,
            String timeline,
            Map<String, Object> changed) {
        return new CaseChange(from, status, event, fields, timeline, changed);
    }
}
