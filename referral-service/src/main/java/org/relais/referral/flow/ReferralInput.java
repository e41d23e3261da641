package org.relais.referral.flow;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.relais.referral.Priority;
import org.relais.referral.directory.ServiceType;

/** The request bodies and value types of referrals (API guide section 4). */
public final class ReferralInput {

    private ReferralInput() {}

    public enum ContactMethod {
        PHONE,
        SMS,
        EMAIL,
        IN_PERSON,
        TRUSTED_PERSON
    }

    public enum ConsentScope {
        IDENTITY,
        CONTACT,
        NARRATIVE
    }

    public enum ConsentMethod {
        VERBAL,
        WRITTEN,
        ELECTRONIC
    }

    public enum IncidentForm {
        PHYSICAL,
        SEXUAL,
        PSYCHOLOGICAL,
        ECONOMIC
    }

    public enum Need {
        INTERPRETER,
        DISABILITY_ACCESS,
        CHILDCARE,
        URGENT_MEDICAL,
        SAFE_HOUSING
    }

    @Schema(name = "SafeContact", description = "Survivor data (scope CONTACT)")
    public record SafeContact(
            @NotNull ContactMethod method,
            @NotBlank @Size(max = 200) String value,
            @Size(max = 100) String safeTimes,
            Boolean noContact) {}

    @Schema(
            name = "Subject",
            description = "Survivor data: fullName, birthYear, languages (scope IDENTITY), safeContact (scope CONTACT)")
    public record Subject(
            @Size(max = 200) String fullName,
            @Min(1900) @Max(2100) Integer birthYear,

            @Size(max = 10)
            List<@NotNull @Pattern(regexp = "[a-z]{2,3}", message = "must be an ISO 639 code") String> languages,

            @Valid SafeContact safeContact) {}

    @Schema(name = "Incident", description = "Coded, non-identifying facts")
    public record Incident(
            @Size(max = 4) List<@NotNull IncidentForm> forms,
            @org.relais.blocks.validation.SensibleTime LocalDate occurredOn,

            @Pattern(regexp = "\\d{1,2}-\\d{1,2}|\\d{1,2}\\+", message = "must be a band such as 25-34 or 65+")
            String ageBand,

            Boolean childrenPresent,
            @Size(max = 5) List<@NotNull Need> needs) {}

    @Schema(name = "Consent")
    public record Consent(
            @NotNull Boolean granted,
            @Size(max = 3) List<@NotNull ConsentScope> scope,
            ConsentMethod method,
            @org.relais.blocks.validation.SensibleTime Instant recordedAt,
            @Size(max = 100) String recordedBy,
            Boolean allowOnwardReferral,
            @org.relais.blocks.validation.SensibleTime Instant expiresAt) {}

    @Schema(name = "CreateReferral")
    public record CreateReferral(
            @NotBlank @Size(max = 64) String receivingAgencyId,
            @NotEmpty @Size(max = 9) List<@NotNull ServiceType> services,
            @NotNull Priority priority,
            @Size(max = 10_000) String reason,
            @Valid Subject subject,
            @Valid Incident incident,
            @NotNull @Valid Consent consent,
            UUID survivorId,
            UUID caseId,
            @Size(max = 100) String externalReference) {}

    /** The body of {@code POST /api/v1/referrals/{id}/{action}}: which fields apply depends on the action. */
    @Schema(name = "ReferralActionBody")
    public record ActionBody(
            @Size(max = 100) String assignee,
            @Size(max = 5_000) String note,
            @Size(max = 40) String reasonCode,
            @Size(max = 40) String outcome,
            @Size(max = 64) String toAgencyId,
            @Size(max = 100) String recordedBy,
            @Size(max = 40) String method) {
        public static final ActionBody EMPTY = new ActionBody(null, null, null, null, null, null, null);
    }
}
