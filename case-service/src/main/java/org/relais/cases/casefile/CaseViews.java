package org.relais.cases.casefile;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.relais.cases.risk.RiskLevel;

/** Request bodies and views of cases (API guide section 5). */
public final class CaseViews {

    private CaseViews() {}

    public enum ActionType {
        APPOINTMENT,
        SHELTER_PLACEMENT,
        MEDICAL_EXAM,
        LEGAL_AID,
        PROTECTION_ORDER,
        FOLLOW_UP_CALL,
        OTHER
    }

    public enum Outcome {
        SERVICES_DELIVERED,
        SURVIVOR_DECLINED,
        LOST_CONTACT,
        TRANSFERRED,
        OTHER
    }

    /** The services of the agency directory (API guide section 3). */
    public enum ServiceType {
        SHELTER,
        MEDICAL_CARE,
        FORENSIC_EXAM,
        PSYCHOSOCIAL_SUPPORT,
        LEGAL_AID,
        PROTECTION_ORDER,
        INVESTIGATION,
        ECONOMIC_SUPPORT,
        CHILD_PROTECTION
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

    @Schema(name = "CaseSubject", description = "Survivor data, within the consent's scope")
    public record Subject(
            @Size(max = 200) String fullName,

            @jakarta.validation.constraints.Min(1900) @jakarta.validation.constraints.Max(2100)
            Integer birthYear,

            @Size(max = 10)
            List<
                            @NotNull
                            @jakarta.validation.constraints.Pattern(
                                    regexp = "[a-z]{2,3}",
                                    message = "must be an ISO 639 code")
                            String>
                    languages,

            @Size(max = 4) Map<@Size(max = 20) String, Object> safeContact) {}

    @Schema(name = "CaseConsent")
    public record Consent(
            @NotNull Boolean granted,
            @Size(max = 3) List<@NotNull ConsentScope> scope,
            ConsentMethod method,
            @org.relais.blocks.validation.SensibleTime Instant recordedAt,
            @Size(max = 100) String recordedBy,
            Boolean allowOnwardReferral,
            @org.relais.blocks.validation.SensibleTime Instant expiresAt) {}

    @Schema(name = "CreateCase", description = "A walk-in: the survivor came to the agency directly")
    public record CreateCase(
            @Valid Subject subject,
            @NotNull @Valid Consent consent,
            @Size(max = 10) Map<@Size(max = 40) String, Object> incident,
            @NotNull Priority priority,
            @NotEmpty @Size(max = 9) List<@NotNull ServiceType> services,
            UUID survivorId) {}

    public record Assign(@NotBlank @Size(max = 100) String assignee) {}

    public record NewAssessment(
            @NotNull @Size(max = 24) Map<@Size(max = 8) String, Boolean> answers, RiskLevel professionalJudgement) {}

    public record NewAction(
            @NotNull ActionType type,

            @NotNull @org.relais.blocks.validation.SensibleTime
            Instant dueAt,

            @NotBlank @Size(max = 5000) String description) {}

    public record Close(
            @NotNull Outcome outcome,
            @NotBlank @Size(max = 10_000) String summary) {}

    @Schema(name = "CaseAction")
    public record ActionView(
            UUID id,
            ActionType type,
            Instant dueAt,
            String description,
            Instant completedAt,
            String completedBy,
            boolean overdue) {}

    @Schema(name = "RiskAssessment")
    public record AssessmentView(
            UUID id,
            int score,
            RiskLevel level,
            RiskLevel professionalJudgement,
            Instant assessedAt,
            String assessedBy) {}

    @Schema(name = "Case")
    public record CaseView(
            UUID id,
            String reference,
            @Schema(enumeration = {"OPEN", "CLOSED"}) String status,
            String owningAgencyId,
            UUID referralId,
            UUID survivorId,
            Priority priority,
            List<String> services,
            String assignee,
            RiskLevel riskLevel,
            Subject subject,
            boolean detailsPending,
            List<ActionView> actions,
            Outcome outcome,
            String summary,
            Instant dataErasedAt,
            Instant openedAt,
            Instant closedAt,
            Instant createdAt,
            Instant updatedAt,
            long version) {}

    @Schema(name = "TimelineEntry")
    public record TimelineView(Instant at, String type, String by, Map<String, Object> changed) {}
}
