package org.relais.referral.directory;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.relais.referral.Priority;

/** A directory entry as written by {@code POST /api/v1/agencies} and {@code PUT /api/v1/agencies/{id}}. */
@Schema(name = "AgencyInput", description = "An agency's directory entry; no survivor data.")
public record AgencyInput(
        @Schema(description = "Slug; required on create, taken from the path on update", example = "ngo-casa-ecoute")
        @Size(max = 64)
        @Pattern(regexp = "[a-z0-9]+(-[a-z0-9]+)*", message = "must be a lowercase slug")
        String id,

        @NotBlank @Size(max = 200) String name,
        @NotNull AgencyType type,
        @NotBlank @Size(max = 100) String region,
        @NotBlank @Size(max = 64) String timeZone,
        @NotEmpty @Size(max = 20) List<@NotNull ServiceType> services,

        @Size(max = 20)
        List<@NotNull @Pattern(regexp = "[a-z]{2,3}", message = "must be an ISO 639 code") String> languages,

        @Schema(
                description = "ISO-8601 duration per priority, wall-clock",
                example = "{\"EMERGENCY\":\"PT1H\",\"URGENT\":\"PT4H\",\"ROUTINE\":\"P2D\"}")
        Map<Priority, @NotBlank String> acknowledgeWithin,

        Capacity capacity,
        @Email @Size(max = 254) String dutyEmail,

        @Pattern(regexp = "fr|ar|en", message = "must be fr, ar or en")
        String notificationLanguage,

        @Schema(description = "The subset of permissions the agency's members may use; absent means no restriction")
        @Size(max = 20)
        List<@NotBlank String> permissions,

        @Schema(description = "Hosts or CIDRs the agency's webhooks may target besides public https addresses")
        @Size(max = 50)
        List<@NotBlank @Size(max = 255) String> webhookAllowedHosts,

        Boolean active) {}
