package org.relais.referral.referral;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.LockModeType;
import org.relais.blocks.events.Topics;
import org.relais.blocks.inbox.EventConsumers;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.security.CallerContext;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What happens to referrals without a user's request: missed deadlines (one {@code relais.referral.overdue}
 * per missed deadline, whatever the number of instances: rows are claimed with {@code FOR UPDATE SKIP LOCKED}
 * and flagged in the same transaction), consents that expire, and the case-service's events that close the loop.
 */
@ApplicationScoped
public class ReferralJobs {

    static final CallerContext SYSTEM = new CallerContext(null, "relais-referral-service", "relais-referral-service", null,
            Set.of(CallerContext.INTERNAL_ROLE));
    private static final int BATCH = 100;

    private final ReferralService referrals;
    private final EventConsumers consumers;

    public ReferralJobs(ReferralService referrals, EventConsumers consumers) {
        this.referrals = referrals;
        this.consumers = consumers;
    }

    void start(@Observes StartupEvent event) {
        consumers.start("case-events", List.of(Topics.CASES), Set.of("relais.case.opened", "relais.case.closed",
                "relais.case.data-erased"), this::onCaseEvent);
    }

    // ---- deadlines -----------------------------------------------------------------------------

    @Scheduled(every = "${relais.referrals.deadline-check-every:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void checkDeadlines() {
        try {
            while (VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(this::markOverdueBatch)) == BATCH) {
                // more referrals are due
            }
        } catch (Throwable e) {
            Log.warnf("deadline check postponed: %s", e.getClass().getSimpleName());
        }
    }

    @SuppressWarnings("unchecked")
    Uni<Integer> markOverdueBatch() {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "select id from referrals where (status = 'SENT' and not acknowledge_overdue_emitted and acknowledge_by <= now()) "
                                + "or (status = 'ACKNOWLEDGED' and not decide_overdue_emitted and decide_by <= now()) "
                                + "order by acknowledge_by limit " + BATCH + " for update skip locked", UUID.class)
                .getResultList())
                .chain(ids -> {
                    Uni<Integer> chain = Uni.createFrom().item(0);
                    for (Object id : (List<Object>) (List<?>) ids) {
                        chain = chain.chain(n -> Referral.<Referral>findById((UUID) id).chain(r -> markOverdue(r)).replaceWith(n + 1));
                    }
                    return chain;
                });
    }

    private Uni<Void> markOverdue(Referral r) {
        Instant now = ReferralService.now();
        String deadline;
        if (r.status == ReferralStatus.SENT && !r.acknowledgeOverdueEmitted && !r.acknowledgeBy.isAfter(now)) {
            r.acknowledgeOverdueEmitted = true;
            deadline = "ACKNOWLEDGE";
        } else if (r.status == ReferralStatus.ACKNOWLEDGED && !r.decideOverdueEmitted && !r.decideBy.isAfter(now)) {
            r.decideOverdueEmitted = true;
            deadline = "DECIDE";
        } else {
            return Uni.createFrom().voidItem();
        }
        r.overdue = true;
        r.overdueAt = now;
        r.updatedAt = now;
        return referrals.event(r, "relais.referral.overdue", SYSTEM, Map.of("deadline", deadline,
                "deadlineAt", ("ACKNOWLEDGE".equals(deadline) ? r.acknowledgeBy : r.decideBy).toString()));
    }

    // ---- consent expiry ------------------------------------------------------------------------

    @Scheduled(every = "${relais.referrals.consent-check-every:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void expireConsents() {
        try {
            // reads already hide an expired consent's data; this records the expiry, however large the backlog
            int total = 0;
            int n;
            do {
                n = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(this::expireBatch));
                total += n;
            } while (n == BATCH);
            if (total > 0) {
                Log.infof("consent expired on %d referral(s)", total);
            }
        } catch (Throwable e) {
            Log.warnf("consent expiry postponed: %s", e.getClass().getSimpleName());
        }
    }

    @SuppressWarnings("unchecked")
    Uni<Integer> expireBatch() {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "select id from referrals where consent_expires_at <= now() and data_erased_at is null "
                                + "order by consent_expires_at limit " + BATCH + " for update skip locked", UUID.class)
                .getResultList())
                .chain(ids -> {
                    Uni<Integer> chain = Uni.createFrom().item(0);
                    for (Object id : (List<Object>) (List<?>) ids) {
                        // one of the batch may already be erased by the cascade of another: that is a no-op
                        chain = chain.chain(n -> Referral.<Referral>findById((UUID) id)
                                .chain(r -> referrals.withdrawConsent(r, ReferralInput.ActionBody.EMPTY, SYSTEM, ReferralService.now(),
                                        ReferralService.ConsentEnd.EXPIRED, null))
                                .replaceWith(n + 1));
                    }
                    return chain;
                });
    }

    // ---- the case-service's events -------------------------------------------------------------

    Uni<?> onCaseEvent(CloudEvent event) {
        UUID caseId = UUID.fromString(event.subject());
        String referralId = event.dataObject().path("referralId").asText(null);
        Uni<?> known = Uni.createFrom().voidItem();
        if ("relais.case.opened".equals(event.type())) {
            // remembered so that a referral naming this case or its survivor can be checked (walk-ins included)
            known = Panache.getSession().chain(s -> s.createNativeQuery("insert into known_cases (case_id, owning_agency_id, "
                            + "survivor_id, referral_id) values (?1, ?2, ?3, cast(nullif(?4, '') as uuid)) on conflict do nothing")
                    .setParameter(1, caseId)
                    .setParameter(2, event.dataObject().path("owningAgencyId").asText())
                    .setParameter(3, UUID.fromString(event.dataObject().path("survivorId").asText()))
                    .setParameter(4, referralId == null ? "" : referralId)
                    .executeUpdate());
        }
        if ("relais.case.data-erased".equals(event.type())) {
            return referrals.caseDataErased(caseId, event.dataObject().path("reason").asText(null));
        }
        if (referralId == null) {
            return known; // a walk-in case: no referral to follow
        }
        return known.chain(() -> followCase(event, referralId));
    }

    private Uni<?> followCase(CloudEvent event, String referralId) {
        return Referral.<Referral>findById(UUID.fromString(referralId), LockModeType.PESSIMISTIC_WRITE).chain(r -> {
            if (r == null) {
                Log.warnf("%s %s names an unknown referral", event.type(), event.id());
                return Uni.createFrom().voidItem();
            }
            CallerContext caseService = new CallerContext(null, "relais-case-service", "relais-case-service",
                    event.agencyid(), Set.of(CallerContext.INTERNAL_ROLE));
            Instant now = ReferralService.now();
            if ("relais.case.opened".equals(event.type())) {
                r.receivingCaseId = UUID.fromString(event.subject());
                r.updatedAt = now;
                return Uni.createFrom().voidItem();
            }
            String outcome = event.dataObject().path("outcome").asText("OTHER");
            ReferralStatus before = r.status;
            if (!r.closeFromCase(outcome, now)) {
                return referrals.recordFollowUp(r, "case-closed", before, caseService, "NO_OP");
            }
            return referrals.recordFollowUp(r, "case-closed", before, caseService, outcome)
                    .chain(() -> referrals.event(r, r.status == ReferralStatus.FAILED ? "relais.referral.failed"
                            : "relais.referral.completed", caseService, Map.of("outcome", outcome)));
        });
    }
}
