package org.relais.notification.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.retention.RetentionTarget;

/**
 * The webhook tables the retention job cleans: attempts after {@code relais.retention.webhook-attempts}
 * (30 days), then deliveries that reached a final state after {@code relais.retention.webhook-deliveries}
 * (90 days) once none of their attempts is left. A pending delivery is never deleted. (Redelivered events
 * cannot revive a deleted delivery: the inbox keeps their ids, and the inbox is kept for 30 days.)
 */
@ApplicationScoped
public class WebhookRetention {

    @Produces
    @Singleton
    @Named("webhook-attempts")
    RetentionTarget attempts(
            @ConfigProperty(name = "relais.retention.webhook-attempts", defaultValue = "30d") Duration keep) {
        return new RetentionTarget("webhook_attempts", "id", "at", "true", keep);
    }

    @Produces
    @Singleton
    @Named("webhook-deliveries")
    RetentionTarget deliveries(
            @ConfigProperty(name = "relais.retention.webhook-deliveries", defaultValue = "90d") Duration keep) {
        return new RetentionTarget(
                "webhook_deliveries",
                "id",
                "created_at",
                "status <> 'PENDING' and not exists (select 1 from webhook_attempts a where a.delivery_id = webhook_deliveries.id)",
                keep);
    }
}
