package org.relais.notification.events;

import static org.relais.blocks.events.ReferralEvents.ACCEPTED;
import static org.relais.blocks.events.ReferralEvents.ACKNOWLEDGED;
import static org.relais.blocks.events.ReferralEvents.COMPLETED;
import static org.relais.blocks.events.ReferralEvents.CONSENT_WITHDRAWN;
import static org.relais.blocks.events.ReferralEvents.DECLINED;
import static org.relais.blocks.events.ReferralEvents.FAILED;
import static org.relais.blocks.events.ReferralEvents.OVERDUE;
import static org.relais.blocks.events.ReferralEvents.REDIRECTED;
import static org.relais.blocks.events.ReferralEvents.SENT;
import static org.relais.blocks.events.ReferralEvents.WITHDRAWN;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.ReferralEvents;
import org.relais.notification.notices.NotificationService;
import org.relais.notification.notices.Recipients;
import org.relais.notification.webhook.WebhookService;

/**
 * What this service does with the events of {@code relais.referrals}: the agencies party to a referral are told of
 * what needs them ({@link #NOTIFIED}: in their notification list, and by duty e-mail when urgent; who is told of
 * which is {@link Recipients}), and their partner systems get every referral event they subscribed to by webhook.
 * Both read the event's typed data; only the webhook body is the event as it came.
 */
@ApplicationScoped
public class ReferralEventHandlers {

    /** The referral events someone is told of: not {@code started} nor {@code held}, which change nothing for the others. */
    public static final Set<String> NOTIFIED = Set.of(
            SENT,
            ACKNOWLEDGED,
            ACCEPTED,
            DECLINED,
            REDIRECTED,
            COMPLETED,
            FAILED,
            WITHDRAWN,
            CONSENT_WITHDRAWN,
            OVERDUE);

    private final NotificationService notifications;
    private final WebhookService webhooks;

    public ReferralEventHandlers(NotificationService notifications, WebhookService webhooks) {
        this.notifications = notifications;
        this.webhooks = webhooks;
    }

    /** Notifications for the event's recipients. */
    public Uni<Void> notify(CloudEvent event) {
        return notifications.ingest(event, Recipients.of(event.type(), ReferralEvents.data(event)));
    }

    /** Deliveries to the webhooks of the sender, the receiver and the origin of a redirected referral. */
    public Uni<Void> deliver(CloudEvent event) {
        ReferralEvents.Data d = ReferralEvents.data(event);
        return webhooks.fanOut(event, Parties.of(d.sendingAgencyId(), d.receivingAgencyId(), d.originAgencyId()));
    }
}
