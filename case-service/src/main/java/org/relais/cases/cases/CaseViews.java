package org.relais.cases.cases;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Request bodies and views of cases (CONTRACT section 5). */
public final class CaseViews {

    private CaseViews() {
    }

    public enum ActionType { APPOINTMENT, SHELTER_PLACEMENT, MEDICAL_EXAM, LEGAL_AID, PROTECTION_ORDER, FOLLOW_UP_CALL, OTHER }

    public enum Outcome { SERVICES_DELIVERED, SURVIVOR_DECLINED, LOST_CONTACT, TRANSFERRED, OTHER }

    public enum Level { STANDARD, MEDIUM, HIGH }

    public enum Priority { ROUTINE, URGENT, EMERGENCY }

    @Schema(name = "CaseSubject", description = "Survivor data, within the consent's scope")
    public record Subject(@Size(max = 200) String fullName, Integer birthYear, List<String> languages, Map<String, Object> safeContact) {
    }

    @Schema(name = "CaseConsent")
    public record Consent(@NotNull Boolean granted, List<String> scope, String method, Instant recordedAt, String recordedBy,
                          Boolean allowOnwardReferral, Instant expiresAt) {
    }

    @Schema(name = "CreateCase", description = "A walk-in: the survivor came to the agency directly")
    public record CreateCase(@Valid Subject subject, @NotNull @Valid Consent consent, Map<String, Object> incident,
                             @NotNull Priority priority, @NotEmpty List<@NotBlank String> services, UUID survivorId) {
    }

    public record Assign(@NotBlank @Size(max = 100) String assignee) {
    }

    public record NewAssessment(@NotNull Map<String, Boolean> answers, Level professionalJudgement) {
    }

    public record NewAction(@NotNull ActionType type, @NotNull Instant dueAt, @NotBlank @Size(max = 5000) String description) {
    }

    public record Close(@NotNull Outcome outcome, @NotBlank @Size(max = 10_000) String summary) {
    }

    @Schema(name = "CaseAction")
    public record ActionView(UUID id, ActionType type, Instant dueAt, String description, Instant completedAt,
                             String completedBy, boolean overdue) {
    }

    @Schema(name = "RiskAssessment")
    public record AssessmentView(UUID id, int score, Level level, Level professionalJudgement, Instant assessedAt,
                                 String assessedBy) {
    }

    @Schema(name = "Case")
    public record CaseView(UUID id, String reference,
                           @Schema(enumeration = {"OPEN", "CLOSED"}) String status, String owningAgencyId, UUID referralId, UUID survivorId,
                           Priority priority, List<String> services, String assignee, Level riskLevel, Subject subject,
                           boolean detailsPending, List<ActionView> actions, Outcome outcome, String summary,
                           Instant dataErasedAt, Instant openedAt, Instant closedAt, Instant createdAt, Instant updatedAt,
                           long version) {
    }

    @Schema(name = "TimelineEntry")
    public record TimelineView(Instant at, String type, String by, Map<String, Object> changed) {
    }
}
