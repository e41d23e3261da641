package org.relais.cases.casefile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import org.relais.blocks.audit.AuditLog;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.paging.Cursor;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.cases.casefile.CaseViews.ActionView;
import org.relais.cases.casefile.CaseViews.CaseView;
import org.relais.cases.risk.RiskQuestions;
import org.relais.cases.risk.RiskScoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Cases: opened once per accepted referral (or for a walk-in), worked (assignment, risk assessments,
 * service plan), closed (which closes the referral's loop), and erased when consent is withdrawn. Only
 * the owning agency sees a case; every response carrying survivor data is audited.
 */
@ApplicationScoped
public class CaseService {

    static final String SOURCE = "/case-service";

    private final FieldCipher cipher;
    private final Outbox outbox;
    private final AuditLog audit;
    private final ObjectMapper mapper;

    private final org.relais.blocks.idempotency.IdempotencyStore idempotency;

    public CaseService(FieldCipher cipher, Outbox outbox, AuditLog audit, ObjectMapper mapper,
                       org.relais.blocks.idempotency.IdempotencyStore idempotency) {
        this.idempotency = idempotency;
        this.cipher = cipher;
        this.outbox = outbox;
        this.audit = audit;
        this.mapper = mapper;
    }

    // ---- opening -------------------------------------------------------------------------------

    /** Inside the consumer's transaction: exactly one case per accepted referral, its details fetched later. */
    public Uni<Void> openFromReferral(CloudEvent accepted) {
        JsonNode d = accepted.data();
        UUID referralId = UUID.fromString(d.path("referralId").asText(accepted.subject()));
        return CaseFile.<CaseFile>find("referralId", referralId).firstResult().chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            Instant now = now();
            CaseFile c = new CaseFile();
            c.id = Uuids.v7();
            c.status = "OPEN";
            c.owningAgencyId = d.path("receivingAgencyId").asText();
            c.referralId = referralId;
            c.survivorId = UUID.fromString(d.path("survivorId").asText());
            c.priority = d.path("priority").asText("ROUTINE");
            c.services = mapper.valueToTree(d.path("services")).toString();
            c.assignee = d.hasNonNull("assignee") ? d.get("assignee").asText() : null;
            c.detailsPending = true;
            c.openedAt = now;
            c.createdAt = now;
            c.updatedAt = now;
            String by = accepted.agencyid();
            return reference(now).invoke(ref -> c.reference = ref)
                    .chain(() -> c.persist())
                    .chain(() -> timeline(c, "opened", by, Map.of("referralId", referralId.toString())))
                    .chain(() -> event(c, "relais.case.opened", "relais-case-service", Map.of()));
        });
    }

    /** Inside a transaction: the survivor details fetched from the referral-service land in the case. */
    public Uni<Void> completeDetails(UUID caseId, JsonNode referral) {
        return CaseFile.<CaseFile>findById(caseId, LockModeType.PESSIMISTIC_WRITE).chain(c -> {
            if (c == null || !c.detailsPending) {
                return Uni.createFrom().voidItem();
            }
            c.detailsPending = false;
            c.updatedAt = now();
            c.consent = referral.path("consent").toString();
            if (referral.hasNonNull("consent") && referral.get("consent").hasNonNull("expiresAt")) {
                c.consentExpiresAt = Instant.parse(referral.get("consent").get("expiresAt").asText());
            }
            JsonNode subject = referral.get("subject");
            if (referral.hasNonNull("dataErasedAt") || subject == null || subject.isNull()) {
                return timeline(c, "details-received", "relais-case-service", Map.of("survivorData", false));
            }
            return cipher.newDataKey().chain(key -> {
                c.dataKeyId = key.id();
                c.subjectCt = key.encrypt(CaseFile.TABLE, c.id, "subject", subject.toString());
                return timeline(c, "details-received", "relais-case-service", Map.of("survivorData", true));
            });
        });
    }

    /** Inside a transaction: a walk-in case, with the referral consent rules. */
    public Uni<CaseView> createWalkIn(CaseViews.CreateCase in, CallerContext caller) {
        List<FieldError> errors = new ArrayList<>();
        boolean granted = Boolean.TRUE.equals(in.consent().granted());
        List<String> scope = in.consent().scope() == null ? List.of() : in.consent().scope().stream().map(Enum::name).toList();
        if (in.subject() != null) {
            if (!granted) {
                errors.add(new FieldError("/subject", "must be absent without consent"));
            } else {
                if ((in.subject().fullName() != null || in.subject().birthYear() != null) && !scope.contains("IDENTITY")) {
                    errors.add(new FieldError("/subject/fullName", "is outside the consent scope (IDENTITY)"));
                }
                if (in.subject().safeContact() != null && !scope.contains("CONTACT")) {
                    errors.add(new FieldError("/subject/safeContact", "is outside the consent scope (CONTACT)"));
                }
            }
        }
        if (granted && (in.consent().recordedBy() == null || in.consent().method() == null)) {
            errors.add(new FieldError("/consent/recordedBy", "consent must say who recorded it and how"));
        }
        if (in.consent().expiresAt() != null && !in.consent().expiresAt().isAfter(Instant.now())) {
            errors.add(new FieldError("/consent/expiresAt", "must be in the future"));
        }
        if (in.consent().recordedAt() != null && in.consent().recordedAt().isAfter(Instant.now().plusSeconds(300))) {
            errors.add(new FieldError("/consent/recordedAt", "must not be in the future"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        // a survivor the client names must be one this agency already serves (a case it owns); else a new one
        Uni<Void> survivorChecked = in.survivorId() == null ? Uni.createFrom().voidItem()
                : CaseFile.count("survivorId = ?1 and owningAgencyId = ?2", in.survivorId(), caller.agencyId()).map(n -> {
                    if (n == 0) {
                        throw ProblemException.invalid("/survivorId", "is not a survivor of a case of this agency");
                    }
                    return null;
                });
        return survivorChecked.chain(() -> openWalkIn(in, caller));
    }

    private Uni<CaseView> openWalkIn(CaseViews.CreateCase in, CallerContext caller) {
        Instant now = now();
        CaseFile c = new CaseFile();
        c.id = Uuids.v7();
        c.status = "OPEN";
        c.owningAgencyId = caller.agencyId();
        c.survivorId = in.survivorId() != null ? in.survivorId() : Uuids.v7();
        c.priority = in.priority().name();
        c.services = mapper.valueToTree(in.services().stream().distinct().map(Enum::name).toList()).toString();
        c.assignee = caller.isServiceAccount() ? null : caller.username();
        c.consent = mapper.valueToTree(in.consent()).toString();
        c.consentExpiresAt = in.consent().expiresAt();
        c.openedAt = now;
        c.createdAt = now;
        c.updatedAt = now;
        Uni<DataKey> key = in.subject() == null ? cipher.dataKey(null) : cipher.newDataKey().invoke(k -> {
            c.dataKeyId = k.id();
            c.subjectCt = k.encrypt(CaseFile.TABLE, c.id, "subject", mapper.valueToTree(in.subject()).toString());
        });
        return key.chain(k -> reference(now).invoke(ref -> c.reference = ref)
                .chain(() -> c.persist())
                .chain(() -> timeline(c, "opened", caller.username(), Map.of("walkIn", true)))
                .chain(() -> event(c, "relais.case.opened", caller.username(), Map.of()))
                .chain(() -> view(c, caller)));
    }

    // ---- reads ---------------------------------------------------------------------------------

    /** The case if the caller's agency owns it (internal clients see every case); otherwise 404. */
    public Uni<CaseFile> owned(UUID id, CallerContext caller, boolean lock) {
        Uni<CaseFile> find = lock ? CaseFile.findById(id, LockModeType.PESSIMISTIC_WRITE) : CaseFile.findById(id);
        return find.map(c -> {
            if (c == null || !(caller.isInternal() || c.owningAgencyId.equals(caller.agencyId()))) {
                throw ProblemException.notFound("Case");
            }
            return c;
        });
    }

    /** Inside a transaction: the view, decrypting (and auditing) survivor data for the owning agency. */
    public Uni<CaseView> view(CaseFile c, CallerContext caller) {
        Uni<DataKey> key = c.dataKeyId == null || c.consentLapsed(Instant.now()) ? cipher.dataKey(null) : cipher.dataKey(c.dataKeyId);
        return key.chain(k -> CaseAction.<CaseAction>list("caseId = ?1 order by createdAt, id", c.id).chain(actions -> {
            Instant now = Instant.now();
            List<ActionView> views = new ArrayList<>();
            boolean survivorData = false;
            for (CaseAction a : actions) {
                String description = k.decrypt(CaseAction.TABLE, a.id, "description", a.descriptionCt).orElse(null);
                survivorData |= description != null;
                views.add(new ActionView(a.id, CaseViews.ActionType.valueOf(a.type), a.dueAt, description, a.completedAt,
                        a.completedBy, a.completedAt == null && a.dueAt.isBefore(now)));
            }
            CaseViews.Subject subject = k.decrypt(CaseFile.TABLE, c.id, "subject", c.subjectCt)
                    .map(s -> read(s, CaseViews.Subject.class)).orElse(null);
            String summary = k.decrypt(CaseFile.TABLE, c.id, "summary", c.summaryCt).orElse(null);
            survivorData |= subject != null || summary != null;
            CaseView view = new CaseView(c.id, c.reference, c.status, c.owningAgencyId, c.referralId, c.survivorId,
                    CaseViews.Priority.valueOf(c.priority), read(c.services, new TypeReference<List<String>>() { }), c.assignee,
                    c.riskLevel == null ? null : CaseViews.Level.valueOf(c.riskLevel), subject, c.detailsPending, views,
                    c.outcome == null ? null : CaseViews.Outcome.valueOf(c.outcome), summary, c.dataErasedAt, c.openedAt,
                    c.closedAt, c.createdAt, c.updatedAt, c.version);
            return survivorData ? audit.recordRead(caller.agencyId(), actor(caller), c.id.toString(), related(c)).replaceWith(view)
                    : Uni.createFrom().item(view);
        }));
    }

    public Uni<Page<CaseView>> list(String status, String assignee, PageRequest page, CallerContext caller) {
        Map<String, Object> params = new HashMap<>();
        List<String> where = new ArrayList<>();
        where.add("owningAgencyId = :agency");
        params.put("agency", caller.agencyId());
        if (status != null) {
            where.add("status = :status");
            params.put("status", status);
        }
        String who = assignee != null ? assignee
                : caller.roles().contains("supervisor") || caller.isServiceAccount() ? "any" : "mine-and-unassigned";
        switch (who) {
            case "any" -> { }
            case "me" -> {
                where.add("assignee = :me");
                params.put("me", caller.username());
            }
            case "unassigned" -> where.add("assignee is null");
            case "mine-and-unassigned" -> {
                where.add("(assignee = :me or assignee is null)");
                params.put("me", caller.username());
            }
            default -> {
                where.add("assignee = :who");
                params.put("who", who);
            }
        }
        if (page.updatedSince() != null) {
            where.add("updatedAt >= :since");
            params.put("since", page.updatedSince());
        }
        if (page.cursor() != null) {
            where.add("(updatedAt, id) > (:after, :afterId)");
            params.put("after", page.cursor().after());
            params.put("afterId", page.cursor().afterUuid());
        }
        String query = String.join(" and ", where) + " order by updatedAt, id";
        return Panache.withTransaction(() -> CaseFile.<CaseFile>find(query, params).range(0, page.limit()).list().chain(rows -> {
            Uni<List<CaseView>> views = Uni.createFrom().item(new ArrayList<>());
            for (CaseFile c : Page.shown(rows, page.limit())) {
                views = views.chain(list -> view(c, caller).map(v -> {
                    list.add(v);
                    return list;
                }));
            }
            return views.map(list -> Page.withViews(rows, page.limit(), c -> new Cursor(c.updatedAt, c.id), list));
        }));
    }

    public Uni<List<CaseViews.TimelineView>> timeline(UUID id, CallerContext caller) {
        return Panache.withSession(() -> owned(id, caller, false).chain(c -> TimelineEntry.<TimelineEntry>list(
                "caseId = ?1 order by at, id", c.id)).map(entries -> entries.stream().map(e -> new CaseViews.TimelineView(
                e.at, e.type, e.byUser, read(e.detail, new TypeReference<Map<String, Object>>() { }))).toList()));
    }

    // ---- work ----------------------------------------------------------------------------------

    public Uni<CaseView> assign(UUID id, String assignee, CallerContext caller) {
        return owned(id, caller, true).chain(c -> {
            requireOpen(c, "assign");
            c.assignee = assignee;
            c.updatedAt = now();
            return timeline(c, "assigned", actor(caller), Map.of("assignee", assignee))
                    .chain(() -> event(c, "relais.case.assigned", actor(caller), Map.of("assignee", assignee)))
                    .chain(() -> view(c, caller));
        });
    }

    /** One recorded assessment of a case the caller owns (what a repeated request is answered with). */
    public Uni<CaseViews.AssessmentView> assessment(UUID caseId, UUID assessmentId, CallerContext caller) {
        return owned(caseId, caller, false).chain(c -> RiskAssessment.<RiskAssessment>findById(assessmentId)).map(a -> {
            if (a == null || !a.caseId.equals(caseId)) {
                throw ProblemException.notFound("Risk assessment");
            }
            return new CaseViews.AssessmentView(a.id, a.score, CaseViews.Level.valueOf(a.level),
                    a.professionalJudgement == null ? null : CaseViews.Level.valueOf(a.professionalJudgement), a.assessedAt,
                    a.assessedBy);
        });
    }

    public Uni<CaseViews.AssessmentView> assess(UUID id, CaseViews.NewAssessment in, CallerContext caller) {
        List<FieldError> errors = new ArrayList<>();
        for (RiskQuestions.Question q : RiskQuestions.ALL) {
            if (!in.answers().containsKey(q.id())) {
                errors.add(new FieldError("/answers/" + q.id(), "is required (true, false or null for unknown)"));
            }
        }
        for (String key : in.answers().keySet()) {
            if (RiskQuestions.ALL.stream().noneMatch(q -> q.id().equals(key))) {
                errors.add(new FieldError("/answers/" + key, "is not a question of the assessment"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return owned(id, caller, true).chain(c -> {
            requireOpen(c, "assess");
            RiskScoring.Level previous = c.riskLevel == null ? null : RiskScoring.Level.valueOf(c.riskLevel);
            RiskScoring.Result result = RiskScoring.score(in.answers(), in.professionalJudgement() == null ? null
                    : RiskScoring.Level.valueOf(in.professionalJudgement().name()));
            Instant now = now();
            RiskAssessment a = new RiskAssessment();
            a.id = Uuids.v7();
            a.caseId = c.id;
            a.answers = mapper.valueToTree(new LinkedHashMap<>(in.answers())).toString();
            a.professionalJudgement = in.professionalJudgement() == null ? null : in.professionalJudgement().name();
            a.score = result.score();
            a.level = result.level().name();
            a.assessedAt = now;
            a.assessedBy = actor(caller);
            c.riskLevel = result.level().name();
            c.updatedAt = now;
            boolean alarm = RiskScoring.entersHigh(previous, result.level()) && !c.highRiskEmitted;
            Uni<Void> effects = a.persist().replaceWithVoid()
                    .chain(() -> timeline(c, "risk-assessed", actor(caller), Map.of("score", result.score(), "level", result.level().name())))
                    .chain(() -> event(c, "relais.case.risk-assessed", actor(caller), Map.of("score", result.score(),
                            "level", result.level().name(), "assessmentId", a.id.toString())));
            if (alarm) {
                c.highRiskEmitted = true;
                String before = c.priority;
                c.priority = "EMERGENCY"; // raised, never lowered automatically
                effects = effects.chain(() -> timeline(c, "high-risk", actor(caller), Map.of("priority", "EMERGENCY", "from", before)))
                        .chain(() -> event(c, "relais.case.high-risk", actor(caller), Map.of("level", "HIGH")));
            }
            return effects.replaceWith(new CaseViews.AssessmentView(a.id, result.score(), CaseViews.Level.valueOf(a.level),
                    in.professionalJudgement(), now, a.assessedBy));
        });
    }

    public Uni<ActionView> addAction(UUID id, CaseViews.NewAction in, CallerContext caller) {
        return owned(id, caller, true).chain(c -> {
            requireOpen(c, "add an action to");
            if (c.consentLapsed(Instant.now())) {
                throw ProblemException.invalid("/description", "the survivor's consent was withdrawn or has expired: "
                        + "no description can be kept");
            }
            Instant now = now();
            CaseAction a = new CaseAction();
            a.id = Uuids.v7();
            a.caseId = c.id;
            a.type = in.type().name();
            a.dueAt = in.dueAt();
            a.createdBy = actor(caller);
            a.createdAt = now;
            c.updatedAt = now;
            Uni<DataKey> key = c.dataKeyId != null ? cipher.dataKey(c.dataKeyId) : cipher.newDataKey().invoke(k -> c.dataKeyId = k.id());
            return key.chain(k -> {
                a.descriptionCt = k.encrypt(CaseAction.TABLE, a.id, "description", in.description());
                return a.persist()
                        .chain(() -> timeline(c, "action-added", actor(caller), Map.of("actionId", a.id.toString(), "type", a.type,
                                "dueAt", a.dueAt.toString())))
                        .chain(() -> event(c, "relais.case.action-added", actor(caller), Map.of("actionId", a.id.toString(),
                                "type", a.type, "dueAt", a.dueAt.toString())))
                        .chain(() -> audit.recordRead(caller.agencyId(), actor(caller), c.id.toString(), related(c)))
                        .replaceWith(new ActionView(a.id, in.type(), a.dueAt, in.description(), null, null, a.dueAt.isBefore(now)));
            });
        });
    }

    public Uni<CaseView> completeAction(UUID id, UUID actionId, CallerContext caller) {
        return owned(id, caller, true).chain(c -> CaseAction.<CaseAction>findById(actionId).chain(a -> {
            if (a == null || !a.caseId.equals(c.id)) {
                throw ProblemException.notFound("Action");
            }
            if (a.completedAt != null) {
                throw ProblemException.illegalTransition("complete", "COMPLETED");
            }
            Instant now = now();
            a.completedAt = now;
            a.completedBy = actor(caller);
            c.updatedAt = now;
            return timeline(c, "action-completed", actor(caller), Map.of("actionId", a.id.toString()))
                    .chain(() -> event(c, "relais.case.action-completed", actor(caller), Map.of("actionId", a.id.toString())))
                    .chain(() -> view(c, caller));
        }));
    }

    public Uni<CaseView> close(UUID id, CaseViews.Close in, CallerContext caller) {
        return owned(id, caller, true).chain(c -> {
            requireOpen(c, "close");
            Instant now = now();
            c.status = "CLOSED";
            c.outcome = in.outcome().name();
            c.closedAt = now;
            c.updatedAt = now;
            Uni<DataKey> key = c.consentLapsed(now) ? cipher.dataKey(null) : c.dataKeyId != null ? cipher.dataKey(c.dataKeyId)
                    : cipher.newDataKey().invoke(k -> c.dataKeyId = k.id());
            return key.chain(k -> {
                if (!k.destroyed()) {
                    c.summaryCt = k.encrypt(CaseFile.TABLE, c.id, "summary", in.summary());
                }
                return timeline(c, "closed", actor(caller), Map.of("outcome", c.outcome))
                        .chain(() -> event(c, "relais.case.closed", actor(caller), Map.of("outcome", c.outcome)))
                        .chain(() -> view(c, caller));
            });
        });
    }

    /** Inside the consumer's transaction: the survivor withdrew consent; the case's data key is destroyed. */
    public Uni<Void> eraseForReferral(UUID referralId, String reasonCode) {
        String why = "CONSENT_EXPIRED".equals(reasonCode) ? "consent-expired" : "consent-withdrawn";
        return CaseFile.<CaseFile>find("referralId", referralId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                .chain(c -> c == null || c.dataErasedAt != null ? Uni.createFrom().voidItem() : erase(c, why));
    }

    Uni<Void> erase(CaseFile c, String why) {
        Instant now = now();
        UUID keyId = c.dataKeyId;
        c.subjectCt = null;
        c.summaryCt = null;
        c.dataErasedAt = now;
        c.detailsPending = false;
        c.updatedAt = now;
        return (keyId == null ? Uni.createFrom().voidItem() : cipher.destroy(keyId))
                .chain(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                        "update case_actions set description_ct = null where case_id = ?1").setParameter(1, c.id).executeUpdate()))
                .chain(() -> CaseAction.<CaseAction>list("caseId", c.id))
                .chain(actions -> {
                    List<String> ids = new ArrayList<>();
                    ids.add(c.id.toString());
                    actions.forEach(a -> ids.add(a.id.toString()));
                    return idempotency.forgetRequestsOf(ids);
                })
                .chain(() -> timeline(c, "data-erased", "relais-case-service", Map.of("reason", why)))
                .chain(() -> event(c, "relais.case.data-erased", "relais-case-service", Map.of("reason", why)));
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static void requireOpen(CaseFile c, String what) {
        if (!c.open()) {
            throw ProblemException.illegalTransition(what, c.status);
        }
    }

    private Uni<String> reference(Instant now) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select nextval('case_reference_seq')", Long.class).getSingleResult())
                .map(n -> "CASE-" + now.atZone(java.time.ZoneOffset.UTC).getYear() + "-" + String.format("%06d", n));
    }

    private Uni<Void> timeline(CaseFile c, String type, String by, Map<String, Object> detail) {
        TimelineEntry e = new TimelineEntry();
        e.id = Uuids.v7();
        e.caseId = c.id;
        e.at = c.updatedAt;
        e.type = type;
        e.byUser = by;
        e.detail = mapper.valueToTree(detail).toString();
        return e.persist().replaceWithVoid();
    }

    private Uni<Void> event(CaseFile c, String type, String actor, Map<String, Object> extra) {
        ObjectNode data = mapper.createObjectNode();
        data.put("caseId", c.id.toString());
        data.put("reference", c.reference);
        data.put("owningAgencyId", c.owningAgencyId);
        if (c.referralId != null) {
            data.put("referralId", c.referralId.toString());
        }
        data.put("survivorId", c.survivorId.toString());
        data.put("status", c.status);
        data.put("priority", c.priority);
        data.set("services", readTree(c.services));
        if (c.assignee != null) {
            data.put("assignee", c.assignee);
        }
        if (c.riskLevel != null) {
            data.put("riskLevel", c.riskLevel);
        }
        extra.forEach((k, v) -> data.set(k, mapper.valueToTree(v)));
        CloudEvent e = CloudEvent.of(SOURCE, type, c.id.toString(), c.owningAgencyId, data);
        return outbox.append(Topics.CASES, e, actor, related(c));
    }

    static List<String> related(CaseFile c) {
        return c.referralId == null ? List.of(c.id.toString()) : List.of(c.id.toString(), c.referralId.toString());
    }

    static String actor(CallerContext caller) {
        return caller.username() != null ? caller.username() : caller.clientId();
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private JsonNode readTree(String json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String json, TypeReference<T> type) {
        try {
            return json == null ? null : mapper.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
