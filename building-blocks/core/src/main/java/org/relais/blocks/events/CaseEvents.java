package org.relais.blocks.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The events of topic {@code relais.cases} (API guide section 8), produced by the case-service, keyed by case id: each
 * type, and the one payload every type carries ({@link Data}). Consumers: the referral-service (links the case to its
 * referral on {@link #OPENED}, completes the referral on {@link #CLOSED}, follows {@link #DATA_ERASED} onward), the
 * notification-service (inbox, e-mail, webhooks).
 */
public final class CaseEvents {

    public static final String TOPIC = Topics.CASES;

    /** From an accepted referral ({@code referralId}) or a walk-in. */
    public static final String OPENED = "relais.case.opened";
    /** {@code assignee}. */
    public static final String ASSIGNED = "relais.case.assigned";
    /** {@code score}, {@code level}, {@code assessmentId}. */
    public static final String RISK_ASSESSED = "relais.case.risk-assessed";
    /** The case's risk first reached HIGH: {@code level}; its priority was raised to EMERGENCY. */
    public static final String HIGH_RISK = "relais.case.high-risk";
    /** {@code actionId}, {@code type}, {@code dueAt}. */
    public static final String ACTION_ADDED = "relais.case.action-added";
    /** {@code actionId}. */
    public static final String ACTION_COMPLETED = "relais.case.action-completed";
    /** {@code outcome}. */
    public static final String CLOSED = "relais.case.closed";
    /** Her data in the case was erased: {@code reason} (her consent ended, or the referral's did). */
    public static final String DATA_ERASED = "relais.case.data-erased";

    public static final Set<String> TYPES =
            Set.of(OPENED, ASSIGNED, RISK_ASSESSED, HIGH_RISK, ACTION_ADDED, ACTION_COMPLETED, CLOSED, DATA_ERASED);

    private CaseEvents() {}

    /**
     * The data of every case event: the case's coded state, then the fields only some types carry (null, and absent
     * from the JSON, elsewhere). Never survivor data.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Data(
            UUID caseId,
            String reference,
            String owningAgencyId,
            UUID referralId,
            UUID survivorId,
            String status,
            String priority,
            List<String> services,
            String assignee,
            String riskLevel,
            Integer score,
            String level,
            UUID assessmentId,
            UUID actionId,
            String type,
            Instant dueAt,
            String outcome,
            String reason) {

        /** The case's state, without any type's own fields. */
        public static Data of(
                UUID caseId,
                String reference,
                String owningAgencyId,
                UUID referralId,
                UUID survivorId,
                String status,
                String priority,
                List<String> services,
                String assignee,
                String riskLevel) {
            return new Data(
                    caseId,
                    reference,
                    owningAgencyId,
                    referralId,
                    survivorId,
                    status,
                    priority,
                    services,
                    assignee,
                    riskLevel,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        public Data withAssessment(int score, String level, UUID assessmentId) {
            return new Data(
                    caseId,
                    reference,
                    owningAgencyId,
                    referralId,
                    survivorId,
                    status,
                    priority,
                    services,
                    assignee,
                    riskLevel,
                    score,
                    level,
                    assessmentId,
                    actionId,
                    type,
                    dueAt,
                    outcome,
                    reason);
        }

        public Data withLevel(String level) {
            return new Data(
                    caseId,
                    reference,
                    owningAgencyId,
                    referralId,
                    survivorId,
                    status,
                    priority,
                    services,
                    assignee,
                    riskLevel,
                    score,
                    level,
                    assessmentId,
                    actionId,
                    type,
                    dueAt,
                    outcome,
                    reason);
        }

        public Data withAction(UUID actionId, String type, Instant dueAt) {
            return new Data(
                    caseId,
                    reference,
                    owningAgencyId,
                    referralId,
                    survivorId,
                    status,
                    priority,
                    services,
                    assignee,
                    riskLevel,
                    score,
                    level,
                    assessmentId,
                    actionId,
                    type,
                    dueAt,
                    outcome,
                    reason);
        }

        public Data withOutcome(String outcome) {
            return new Data(
                    caseId,
                    reference,
                    owningAgencyId,
                    referralId,
                    survivorId,
                    status,
                    priority,
                    services,
                    assignee,
                    riskLevel,
                    score,
                    level,
                    assessmentId,
                    actionId,
                    type,
                    dueAt,
                    outcome,
                    reason);
        }

        public Data withReason(String reason) {
            return new Data(
                    caseId,
                    reference,
                    owningAgencyId,
                    referralId,
                    survivorId,
                    status,
                    priority,
                    services,
                    assignee,
                    riskLevel,
                    score,
                    level,
                    assessmentId,
                    actionId,
                    type,
                    dueAt,
                    outcome,
                    reason);
        }
    }

    /** The data of a case event. */
    public static Data data(CloudEvent event) {
        return EventData.read(event, Data.class);
    }
}
