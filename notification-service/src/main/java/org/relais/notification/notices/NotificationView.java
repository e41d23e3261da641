package org.relais.notification.notices;

import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "Notification", description = "Rendered in the reader's language; never survivor data")
public record NotificationView(
        UUID id,
        long seq,
        String type,
        @Schema(enumeration = {"AGENCY", "ROLE", "USER"}) String audience,
        String agencyId,
        UUID referralId,
        UUID caseId,
        String priority,
        String title,
        String body,
        Instant createdAt,
        Instant readAt) {}
