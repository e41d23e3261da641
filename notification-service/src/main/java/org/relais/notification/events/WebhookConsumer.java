package org.relais.notification.events;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.inbox.EventConsumers;
import org.relais.notification.webhook.WebhookService;

/**
 * The consumer {@code webhooks} (group {@code notification-service.webhooks}) over {@code relais.referrals} and
 * {@code relais.cases}: every event a webhook may subscribe to ({@link WebhookService#EVENT_TYPES}), each handed to
 * the handlers of its topic, which store a delivery per subscribed webhook. Its name and topics never change: the
 * group's committed offsets are where it resumes, and a new name would deliver every event again.
 */
@ApplicationScoped
public class WebhookConsumer {

    static final String NAME = "webhooks";
    static final List<String> TOPICS = List.of(ReferralEvents.TOPIC, CaseEvents.TOPIC);

    void start(
            @Observes StartupEvent event,
            EventConsumers consumers,
            ReferralEventHandlers referrals,
            CaseEventHandlers cases) {
        consumers.start(NAME, TOPICS, WebhookService.EVENT_TYPES, e -> handle(e, referrals, cases));
    }

    private static Uni<Void> handle(CloudEvent e, ReferralEventHandlers referrals, CaseEventHandlers cases) {
        if (ReferralEvents.TYPES.contains(e.type())) {
            return referrals.deliver(e);
        }
        return cases.deliver(e);
    }
}
