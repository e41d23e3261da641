package org.relais.cases.events;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.inbox.EventConsumers;
import org.relais.cases.casefile.CaseErasure;
import org.relais.cases.casefile.CaseOpening;
import org.relais.cases.casefile.Priority;

/**
 * The referral events the case-service follows (topic {@code relais.referrals}, consumer group {@code referral-events}):
 * an accepted referral opens its case, a consent withdrawn (or expired) on a referral erases its case's survivor data.
 * Each event takes effect once, in the transaction that records it in the inbox ({@link EventConsumers}).
 */
@ApplicationScoped
public class ReferralEventHandlers {

    static final String CONSUMER = "referral-events";

    private final CaseOpening opening;
    private final CaseErasure erasure;
    private final EventConsumers consumers;

    public ReferralEventHandlers(CaseOpening opening, CaseErasure erasure, EventConsumers consumers) {
        this.opening = opening;
        this.erasure = erasure;
        this.consumers = consumers;
    }

    void start(@Observes StartupEvent event) {
        consumers.start(
                CONSUMER,
                List.of(ReferralEvents.TOPIC),
                Set.of(ReferralEvents.ACCEPTED, ReferralEvents.CONSENT_WITHDRAWN),
                this::handle);
    }

    Uni<?> handle(CloudEvent event) {
        return switch (event.type()) {
            case ReferralEvents.ACCEPTED -> accepted(event);
            case ReferralEvents.CONSENT_WITHDRAWN -> consentWithdrawn(event);
            default -> Uni.createFrom().voidItem();
        };
    }

    /** One case at the receiving agency, with the referral's priority, services and assignee. */
    private Uni<Void> accepted(CloudEvent event) {
        ReferralEvents.Data referral = ReferralEvents.data(event);
        if (referral.survivorId() == null) {
            throw new IllegalArgumentException("event " + event.id() + " (" + event.type() + ") names no survivorId");
        }
        UUID referralId = referral.referralId() != null ? referral.referralId() : UUID.fromString(event.subject());
        Priority priority = referral.priority() == null ? Priority.ROUTINE : Priority.valueOf(referral.priority());
        return opening.fromReferral(
                referralId,
                referral.receivingAgencyId(),
                referral.survivorId(),
                priority,
                referral.services(),
                referral.assignee(),
                event.agencyid());
    }

    private Uni<Void> consentWithdrawn(CloudEvent event) {
        return erasure.eraseForReferral(
                UUID.fromString(event.subject()), ReferralEvents.data(event).reasonCode());
    }
}
