package org.relais.cases.casefile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.relais.blocks.audit.AuditLog;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.paging.Cursor;
import org.relais.blocks.paging.KeysetQuery;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.cases.casefile.CaseViews.ActionView;
import org.relais.cases.casefile.CaseViews.CaseView;

/**
 * Reads of cases. Only the owning agency sees a case (internal clients see every case). Survivor data is decrypted
 * only while her consent holds, and every view that shows some is an audited read: a page of cases costs one
 * data-key query, one query of their actions and one audit insert, however many cases it shows.
 */
@ApplicationScoped
public class CaseReads {

    private final FieldCipher cipher;
    private final AuditLog audit;
    private final ObjectMapper mapper;
    private final RelaisClock clock;

    public CaseReads(FieldCipher cipher, AuditLog audit, ObjectMapper mapper, RelaisClock clock) {
        this.cipher = cipher;
        this.audit = audit;
        this.mapper = mapper;
        this.clock = clock;
    }

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

    /**
     * The case the caller's agency owns, as it is now: a read that changes nothing, so no transaction, and its audit
     * entry committed with those of the reads of the same moment ({@link AuditLog#commitReads}) before it is answered.
     */
    public Uni<CaseView> read(UUID id, CallerContext caller) {
        return Panache.withSession(() -> owned(id, caller, false)
                .chain(c -> views(List.of(c), caller, audit::commitReads).map(views -> views.get(0))));
    }

    /** Inside a change's transaction: the view, decrypting survivor data for the owning agency, audited in it. */
    public Uni<CaseView> view(CaseFile c, CallerContext caller) {
        return views(List.of(c), caller, audit::recordReads).map(views -> views.get(0));
    }

    public Uni<Page<CaseView>> list(CaseStatus status, String assignee, PageRequest page, CallerContext caller) {
        KeysetQuery q =
                KeysetQuery.on("updatedAt", "id").where("owningAgencyId = :agency", "agency", caller.agencyId());
        if (status != null) {
            q.where("status = :status", "status", status);
        }
        String who = assignee != null
                ? assignee
                : caller.roles().contains("supervisor") || caller.isServiceAccount() ? "any" : "mine-and-unassigned";
        switch (who) {
            case "any" -> {}
            case "me" -> q.where("assignee = :me", "me", caller.username());
            case "unassigned" -> q.where("assignee is null");
            case "mine-and-unassigned" -> q.where("(assignee = :me or assignee is null)", "me", caller.username());
            default -> q.where("assignee = :who", "who", who);
        }
        q.page(page);
        return Panache.withSession(() -> CaseFile.<CaseFile>find(q.query(), q.params())
                .range(0, q.lastRow())
                .list()
                .chain(rows -> views(Page.shown(rows, page.limit()), caller, audit::commitReads)
                        .map(views -> Page.withViews(rows, page.limit(), c -> new Cursor(c.updatedAt, c.id), views))));
    }

    public Uni<List<CaseViews.TimelineView>> timeline(UUID id, CallerContext caller) {
        return Panache.withSession(() -> owned(id, caller, false)
                .chain(c -> TimelineEntry.<TimelineEntry>list("caseId = ?1 order by at, id", c.id))
                .map(entries -> entries.stream()
                        .map(e -> new CaseViews.TimelineView(
                                e.at, e.type, e.byUser, read(e.detail, new TypeReference<Map<String, Object>>() {})))
                        .toList()));
    }

    /** One recorded assessment of a case the caller owns (what a repeated request is answered with). */
    public Uni<CaseViews.AssessmentView> assessment(UUID caseId, UUID assessmentId, CallerContext caller) {
        return owned(caseId, caller, false)
                .chain(c -> RiskAssessment.<RiskAssessment>findById(assessmentId))
                .map(a -> {
                    if (a == null || !a.caseId.equals(caseId)) {
                        throw ProblemException.notFound("Risk assessment");
                    }
                    return new CaseViews.AssessmentView(
                            a.id, a.score, a.level, a.professionalJudgement, a.assessedAt, a.assessedBy);
                });
    }

    /**
     * The views of {@code shown}, in order. Their data keys are read in one query, their actions in another, and the
     * cases whose views show survivor data are recorded as read together by {@code recording}.
     */
    Uni<List<CaseView>> views(List<CaseFile> shown, CallerContext caller, AuditLog.Reads recording) {
        Instant now = clock.now();
        List<UUID> keyIds = shown.stream()
                .filter(c -> showsData(c, now))
                .map(c -> c.dataKeyId)
                .toList();
        List<UUID> ids = shown.stream().map(c -> c.id).toList();
        return cipher.dataKeys(keyIds)
                .chain(keys -> actionsOf(ids).chain(actions -> {
                    List<CaseView> views = new ArrayList<>(shown.size());
                    List<AuditLog.ReadOf> reads = new ArrayList<>();
                    for (CaseFile c : shown) {
                        DataKey key = showsData(c, now) ? keys.get(c.dataKeyId) : null;
                        CaseView view = view(c, key, actions.getOrDefault(c.id, List.of()), now);
                        if (showsSurvivorData(view)) {
                            reads.add(new AuditLog.ReadOf(c.id.toString(), c.relatedIds()));
                        }
                        views.add(view);
                    }
                    return recording
                            .record(caller.agencyId(), CaseHistory.actor(caller), reads)
                            .replaceWith(views);
                }));
    }

    private static boolean showsData(CaseFile c, Instant now) {
        return c.dataKeyId != null && !c.consentLapsed(now);
    }

    private static boolean showsSurvivorData(CaseView v) {
        return v.subject() != null
                || v.summary() != null
                || v.actions().stream().anyMatch(a -> a.description() != null);
    }

    /** The actions of these cases, each case's in the order they were added. */
    private static Uni<Map<UUID, List<CaseAction>>> actionsOf(List<UUID> caseIds) {
        if (caseIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return CaseAction.<CaseAction>list("caseId in ?1 order by createdAt, id", caseIds)
                .map(all -> {
                    Map<UUID, List<CaseAction>> byCase = new LinkedHashMap<>();
                    for (CaseAction a : all) {
                        byCase.computeIfAbsent(a.caseId, id -> new ArrayList<>())
                                .add(a);
                    }
                    return byCase;
                });
    }

    /** The view of one case, with what {@code key} (null: none) decrypts. */
    private CaseView view(CaseFile c, DataKey key, List<CaseAction> actions, Instant now) {
        List<ActionView> actionViews = new ArrayList<>(actions.size());
        for (CaseAction a : actions) {
            String description = decrypt(key, CaseAction.TABLE, a.id, "description", a.descriptionCt)
                    .orElse(null);
            actionViews.add(new ActionView(
                    a.id,
                    CaseViews.ActionType.valueOf(a.type),
                    a.dueAt,
                    description,
                    a.completedAt,
                    a.completedBy,
                    a.completedAt == null && a.dueAt.isBefore(now)));
        }
        CaseViews.Subject subject = decrypt(key, CaseFile.TABLE, c.id, "subject", c.subjectCt)
                .map(s -> read(s, new TypeReference<CaseViews.Subject>() {}))
                .orElse(null);
        String summary =
                decrypt(key, CaseFile.TABLE, c.id, "summary", c.summaryCt).orElse(null);
        return new CaseView(
                c.id,
                c.reference,
                c.status.name(),
                c.owningAgencyId,
                c.referralId,
                c.survivorId,
                c.priority,
                c.services,
                c.assignee,
                c.riskLevel,
                subject,
                c.detailsPending,
                actionViews,
                c.outcome == null ? null : CaseViews.Outcome.valueOf(c.outcome),
                summary,
                c.dataErasedAt,
                c.openedAt,
                c.closedAt,
                c.createdAt,
                c.updatedAt,
                c.version);
    }

    private static Optional<String> decrypt(DataKey key, String table, UUID rowId, String field, String ciphertext) {
        return key == null ? Optional.empty() : key.decrypt(table, rowId, field, ciphertext);
    }

    private <T> T read(String json, TypeReference<T> type) {
        try {
            return json == null ? null : mapper.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
