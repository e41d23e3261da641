package org.relais.referral.directory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.relais.referral.Priority;

/** An agency as the API shows it and as the {@code relais.agencies} topic carries it: no survivor data. */
@Schema(name = "Agency")
public record AgencyView(
        String id,
        String name,
        AgencyType type,
        String region,
        String timeZone,
        List<ServiceType> services,
        List<String> languages,
        Map<Priority, String> acknowledgeWithin,
        Capacity capacity,
        String capacityNote,
        Instant capacityUpdatedAt,
        String dutyEmail,
        String notificationLanguage,
        List<String> permissions,
        List<String> webhookAllowedHosts,
        boolean active,
        Instant createdAt,
        Instant updatedAt,
        long version) {}
