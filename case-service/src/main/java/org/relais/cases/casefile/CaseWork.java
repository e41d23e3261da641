package org.relais.cases.casefile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.relais.blocks.audit.AuditLog;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.cases.casefile.CaseViews.ActionView;
import org.relais.cases.casefile.CaseViews.CaseView;
import org.relais.cases.risk.RiskQuestions;
import org.relais.cases.risk.RiskScoring;

/**
 * The work on a case its agency owns, each inside the caller's transaction with the case locked: assignment, risk
 * assessments, the service plan's actions, closure. {@link CaseFile} decides whether the change is allowed; this
 * class keeps what goes with it (the assessment, the action, the encrypted description or summary) and its history.
 */
@ApplicationScoped
public class CaseWork {

    private final CaseReads reads;
    private final CaseHistory history;
    private final FieldCipher cipher;
    private final AuditLog audit;
    private final ObjectMapper mapper;
    private final RelaisClock clock;

    public CaseWork(
            CaseReads reads,
            CaseHistory history,
            FieldCipher cipher,
            AuditLog audit,
            ObjectMapper mapper,
            RelaisClock clock) {
        this.reads = reads;
        this.history = history;
        this.cipher = cipher;
        this.audit = audit;
        this.mapper = mapper;
        this.clock = clock;
    }

    public Uni<CaseView> assign(UUID id, String assignee, CallerContext caller) {
        return reads.owned(id, caller, true)
                .chain(c -> history.record(c, c.assign(assignee, clock.now()), CaseHistory.actor(caller))
                        .chain(() -> reads.view(c, caller)));
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
        return reads.owned(id, caller, true).chain(c -> {
            RiskScoring.Result result = RiskScoring.score(in.answers(), in.professionalJudgement());
            Instant now = clock.now();
            RiskAssessment a = new RiskAssessment();
            a.id = Uuids.v7();
            List<CaseChange> changes = c.assess(a.id, result, now);
            a.caseId = c.id;
            a.answers = mapper.valueToTree(new LinkedHashMap<>(in.answers())).toString();
            a.professionalJudgement = in.professionalJudgement();
            a.score = result.score();
            a.level = result.level();
            a.assessedAt = now;
            a.assessedBy = CaseHistory.actor(caller);
            return a.persist()
                    .replaceWithVoid()
                    .chain(() -> history.record(c, changes, a.assessedBy))
                    .replaceWith(new CaseViews.AssessmentView(
                            a.id, result.score(), a.level, in.professionalJudgement(), now, a.assessedBy));
        });
    }

    public Uni<ActionView> addAction(UUID id, CaseViews.NewAction in, CallerContext caller) {
        return reads.owned(id, caller, true).chain(c -> {
            Instant now = clock.now();
            CaseAction a = new CaseAction();
            a.id = Uuids.v7();
            a.type = in.type().name();
            a.dueAt = in.dueAt();
            a.createdBy = CaseHistory.actor(caller);
            a.createdAt = now;
            CaseChange change = c.addAction(a, now);
            Uni<DataKey> key = c.dataKeyId != null
                    ? cipher.dataKey(c.dataKeyId)
                    : cipher.newDataKey().invoke(k -> c.dataKeyId = k.id());
            return key.chain(k -> {
                a.descriptionCt = k.encrypt(CaseAction.TABLE, a.id, "description", in.description());
                return a.persist()
                        .chain(() -> history.record(c, change, a.createdBy))
                        .chain(() -> audit.recordRead(caller.agencyId(), a.createdBy, c.id.toString(), c.relatedIds()))
                        .replaceWith(new ActionView(
                                a.id, in.type(), a.dueAt, in.description(), null, null, a.dueAt.isBefore(now)));
            });
        });
    }

    public Uni<CaseView> completeAction(UUID id, UUID actionId, CallerContext caller) {
        String by = CaseHistory.actor(caller);
        return reads.owned(id, caller, true)
                .chain(c -> CaseAction.<CaseAction>findById(actionId)
                        .chain(a -> history.record(c, c.completeAction(a, by, clock.now()), by))
                        .chain(() -> reads.view(c, caller)));
    }

    public Uni<CaseView> close(UUID id, CaseViews.Close in, CallerContext caller) {
        return reads.owned(id, caller, true).chain(c -> {
            Instant now = clock.now();
            CaseChange change = c.close(in.outcome().name(), now);
            // the summary is hers: kept only while her consent holds
            Uni<DataKey> key = c.consentLapsed(now)
                    ? cipher.dataKey(null)
                    : c.dataKeyId != null
                            ? cipher.dataKey(c.dataKeyId)
                            : cipher.newDataKey().invoke(k -> c.dataKeyId = k.id());
            return key.chain(k -> {
                if (!k.destroyed()) {
                    c.summaryCt = k.encrypt(CaseFile.TABLE, c.id, "summary", in.summary());
                }
                return history.record(c, change, CaseHistory.actor(caller)).chain(() -> reads.view(c, caller));
            });
        });
    }
}
