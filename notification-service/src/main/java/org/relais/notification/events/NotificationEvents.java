package org.relais.notification.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Set;
import java.util.UUID;
import org.relais.blocks.events.Topics;

/**
 * The events of topic {@code relais.notifications} (API guide section 8), produced by this service through its
 * outbox: the outcome of each push that has one, a duty e-mail sent or given up, a webhook delivered or given up
 * ({@link Data}). Their subject is the record the push was about, so the audit trail of a referral or case shows which
 * agency or partner system was told and when.
 */
public final class NotificationEvents {

    public static final String TOPIC = Topics.NOTIFICATIONS;

    public static final String DELIVERED = "relais.notification.delivered";
    /** Given up: the e-mail or webhook is not attempted again; {@code error} says why the last attempt failed. */
    public static final String FAILED = "relais.notification.failed";

    public static final Set<String> TYPES = Set.of(DELIVERED, FAILED);

    /** The service that produces them, as the events' {@code source}. */
    public static final String SOURCE = "/notification-service";

    private NotificationEvents() {}

    /**
     * The data of both types: the channel ({@code EMAIL} or {@code WEBHOOK}) and the fields of that channel (null, and
     * absent from the JSON, for the other). Never survivor data.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Data(
            String channel,
            String agencyId,
            UUID deliveryId,
            UUID notificationId,
            String notificationType,
            UUID webhookId,
            String webhookMessageId,
            String eventId,
            String eventType,
            Integer attempts,
            Integer statusCode,
            String error) {

        /** A duty e-mail of a notification; {@code error} when it was given up. */
        public static Data email(
                String agencyId, UUID deliveryId, UUID notificationId, String notificationType, String error) {
            return new Data(
                    "EMAIL",
                    agencyId,
                    deliveryId,
                    notificationId,
                    notificationType,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    error);
        }

        /** A webhook delivery of an event; {@code statusCode} when the receiver answered, {@code error} when it was given up. */
        public static Data webhook(
                String agencyId,
                UUID deliveryId,
                UUID webhookId,
                String webhookMessageId,
                String eventId,
                String eventType,
                int attempts,
                Integer statusCode,
                String error) {
            return new Data(
                    "WEBHOOK",
                    agencyId,
                    deliveryId,
                    null,
                    null,
                    webhookId,
                    webhookMessageId,
                    eventId,
                    eventType,
                    attempts,
                    statusCode,
                    error);
        }
    }
}
