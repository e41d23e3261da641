package org.relais.blocks.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The events of topic {@code relais.referrals} (API guide section 8), produced by the referral-service, keyed by
 * referral id: each type, and the one payload every type carries ({@link Data}). Consumers: the case-service (opens a
 * case on {@link #ACCEPTED}, erases on {@link #CONSENT_WITHDRAWN}), the notification-service (inbox, e-mail, webhooks).
 */
public final class ReferralEvents {

    public static final String TOPIC = Topics.REFERRALS;

    /** A referral reached its receiving agency (created, or made by a redirect). */
    public static final String SENT = "relais.referral.sent";

    public static final String ACKNOWLEDGED = "relais.referral.acknowledged";
    /** {@code assignee} when one was named. */
    public static final String ACCEPTED = "relais.referral.accepted";
    /** {@code reasonCode}. */
    public static final String DECLINED = "relais.referral.declined";
    /** {@code redirectedToId} (the new referral) and {@code toAgencyId}; a {@link #SENT} of the new referral follows. */
    public static final String REDIRECTED = "relais.referral.redirected";

    public static final String STARTED = "relais.referral.started";
    public static final String HELD = "relais.referral.held";
    /** {@code outcome}: from the receiver's action or from the closure of the case it opened. */
    public static final String COMPLETED = "relais.referral.completed";
    /** {@code outcome} and {@code reasonCode}. */
    public static final String FAILED = "relais.referral.failed";
    /** The referral was withdrawn (by its sender, or because its consent ended): {@code reasonCode}. */
    public static final String WITHDRAWN = "relais.referral.withdrawn";
    /**
     * Her consent ended and her data was erased: {@code reasonCode} ({@code CONSENT_WITHDRAWN} or {@code CONSENT_EXPIRED}, also
     * when the end came from the erasure of the case it was made from) and, when the end reached it through a redirect or
     * an onward referral, {@code cascadedFromId}.
     */
    public static final String CONSENT_WITHDRAWN = "relais.referral.consent-withdrawn";
    /** A deadline passed: {@code deadline} ({@code ACKNOWLEDGE} or {@code DECIDE}) and {@code deadlineAt}. */
    public static final String OVERDUE = "relais.referral.overdue";

    public static final Set<String> TYPES = Set.of(
            SENT,
            ACKNOWLEDGED,
            ACCEPTED,
            DECLINED,
            REDIRECTED,
            STARTED,
            HELD,
            COMPLETED,
            FAILED,
            WITHDRAWN,
            CONSENT_WITHDRAWN,
            OVERDUE);

    private ReferralEvents() {}

    /** The coded incident facts (never survivor data). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Incident(
            List<String> forms, LocalDate occurredOn, String ageBand, Boolean childrenPresent, List<String> needs) {}

    /**
     * The data of every referral event: the referral's coded state, then the fields only some types carry (null, and
     * absent from the JSON, elsewhere). Never survivor data.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Data(
            UUID referralId,
            String reference,
            String status,
            String priority,
            List<String> services,
            UUID survivorId,
            String sendingAgencyId,
            String receivingAgencyId,
            String originAgencyId,
            Incident incident,
            UUID redirectedFromId,
            UUID caseId,
            UUID receivingCaseId,
            String outcome,
            Instant acknowledgeBy,
            Instant decideBy,
            String reasonCode,
            String assignee,
            UUID redirectedToId,
            String toAgencyId,
            UUID cascadedFromId,
            String deadline,
            Instant deadlineAt) {

        /** The referral's state, without any type's own fields. */
        public static Data of(
                UUID referralId,
                String reference,
                String status,
                String priority,
                List<String> services,
                UUID survivorId,
                String sendingAgencyId,
                String receivingAgencyId,
                String originAgencyId,
                Incident incident,
                UUID redirectedFromId,
                UUID caseId,
                UUID receivingCaseId,
                String outcome,
                Instant acknowledgeBy,
                Instant decideBy) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    outcome,
                    acknowledgeBy,
                    decideBy,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        public Data withReasonCode(String code) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    outcome,
                    acknowledgeBy,
                    decideBy,
                    code,
                    assignee,
                    redirectedToId,
                    toAgencyId,
                    cascadedFromId,
                    deadline,
                    deadlineAt);
        }

        public Data withAssignee(String username) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    outcome,
                    acknowledgeBy,
                    decideBy,
                    reasonCode,
                    username,
                    redirectedToId,
                    toAgencyId,
                    cascadedFromId,
                    deadline,
                    deadlineAt);
        }

        public Data withOutcome(String code) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    code,
                    acknowledgeBy,
                    decideBy,
                    reasonCode,
                    assignee,
                    redirectedToId,
                    toAgencyId,
                    cascadedFromId,
                    deadline,
                    deadlineAt);
        }

        public Data withRedirect(UUID onwardId, String agencyId) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    outcome,
                    acknowledgeBy,
                    decideBy,
                    reasonCode,
                    assignee,
                    onwardId,
                    agencyId,
                    cascadedFromId,
                    deadline,
                    deadlineAt);
        }

        public Data withCascadedFrom(UUID id) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    outcome,
                    acknowledgeBy,
                    decideBy,
                    reasonCode,
                    assignee,
                    redirectedToId,
                    toAgencyId,
                    id,
                    deadline,
                    deadlineAt);
        }

        public Data withDeadline(String which, Instant at) {
            return new Data(
                    referralId,
                    reference,
                    status,
                    priority,
                    services,
                    survivorId,
                    sendingAgencyId,
                    receivingAgencyId,
                    originAgencyId,
                    incident,
                    redirectedFromId,
                    caseId,
                    receivingCaseId,
                    outcome,
                    acknowledgeBy,
                    decideBy,
                    reasonCode,
                    assignee,
                    redirectedToId,
                    toAgencyId,
                    cascadedFromId,
                    which,
                    at);
        }
    }

    /** The data of a referral event. */
    public static Data data(CloudEvent event) {
        return EventData.read(event, Data.class);
    }
}
