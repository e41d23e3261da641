package org.relais.notification.webhook;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

public final class WebhookViews {

    private WebhookViews() {}

    @Schema(name = "CreateWebhook")
    public record Create(
            @NotBlank @Size(max = 2000) String url,
            @NotEmpty @Size(max = 30) List<@NotBlank String> eventTypes,
            @Size(max = 500) String description) {}

    @Schema(name = "PatchWebhook")
    public record Patch(
            @Size(max = 30) List<@NotBlank String> eventTypes,
            @Size(max = 500) String description,
            Boolean paused) {}

    @Schema(name = "Webhook", description = "The secret appears only when created or rotated")
    public record View(
            UUID id,
            String agencyId,
            String url,
            List<String> eventTypes,
            String description,
            boolean paused,
            String secret,
            Instant previousSecretValidUntil,
            Instant createdAt,
            Instant updatedAt,
            long version) {}

    @Schema(name = "WebhookAttempt")
    public record Attempt(Instant at, Integer statusCode, int latencyMs, String error) {}

    @Schema(name = "WebhookDelivery")
    public record Delivery(
            UUID id,
            String webhookId,
            UUID eventId,
            String eventType,
            String status,
            int attempts,
            Instant nextAttemptAt,
            Integer lastStatusCode,
            Instant createdAt,
            Instant deliveredAt,
            List<Attempt> log) {}
}
