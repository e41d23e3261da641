package org.relais.notification.events;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.notification.notices.NotificationService;
import org.relais.notification.notices.Recipients;
import org.relais.notification.webhook.WebhookService;

/**
 * What this service does with the events of {@code relais.cases}: the owning agency is told of a case opened for it
 * and of a high risk ({@link #NOTIFIED}; who is told is {@link Recipients}), and its partner systems get every case
 * event they subscribed to by webhook. Both read the event's typed data; only the webhook body is the event as it came.
 */
@ApplicationScoped
public class CaseEventHandlers {

    /** The case events someone is told of. */
    public static final Set<String> NOTIFIED = Set.of(CaseEvents.HIGH_RISK, CaseEvents.OPENED);

    private final NotificationService notifications;
    private final WebhookService webhooks;

    public CaseEventHandlers(NotificationService notifications, WebhookService webhooks) {
        this.notifications = notifications;
        this.webhooks = webhooks;
    }

    /** Notifications for the event's recipients. */
    public Uni<Void> notify(CloudEvent event) {
        return notifications.ingest(event, Recipients.of(event.type(), CaseEvents.data(event)));
    }

    /** Deliveries to the webhooks of the owning agency. */
    public Uni<Void> deliver(CloudEvent event) {
        return webhooks.fanOut(event, Parties.of(CaseEvents.data(event).owningAgencyId()));
    }
}
