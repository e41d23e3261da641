package org.relais.referral.flow;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.time.RelaisClock;
import org.relais.referral.consent.ConsentCascade;

/**
 * What happens to referrals without a user's request: missed deadlines (one {@link ReferralEvents#OVERDUE}
 * per missed deadline, whatever the number of instances: rows are claimed with {@code FOR UPDATE SKIP LOCKED}
 * and flagged in the same transaction) and consents that expire.
 */
@ApplicationScoped
public class ReferralJobs {

    private static final int BATCH = 100;

    private final ReferralRecorder recorder;
    private final ConsentCascade consent;
    private final RelaisClock clock;

    public ReferralJobs(ReferralRecorder recorder, ConsentCascade consent, RelaisClock clock) {
        this.recorder = recorder;
        this.consent = consent;
        this.clock = clock;
    }

    @Scheduled(
            every = "${relais.referrals.deadline-check-every:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void checkDeadlines() {
        try {
            while (VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(this::markOverdueBatch))
                    == BATCH) {
                // more referrals are due
            }
        } catch (Throwable e) {
            Log.warnf("deadline check postponed: %s", e.getClass().getSimpleName());
        }
    }

    @SuppressWarnings("unchecked")
    Uni<Integer> markOverdueBatch() {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "select id from referrals where (status = 'SENT' and not acknowledge_overdue_emitted and acknowledge_by <= now()) "
                                        + "or (status = 'ACKNOWLEDGED' and not decide_overdue_emitted and decide_by <= now()) "
                                        + "order by acknowledge_by limit " + BATCH + " for update skip locked",
                                UUID.class)
                        .getResultList())
                .chain(ids -> {
                    Uni<Integer> chain = Uni.createFrom().item(0);
                    for (Object id : (List<Object>) (List<?>) ids) {
                        chain = chain.chain(n -> Referral.<Referral>findById((UUID) id)
                                .chain(r -> markOverdue(r))
                                .replaceWith(n + 1));
                    }
                    return chain;
                });
    }

    private Uni<Void> markOverdue(Referral r) {
        return r.markOverdue(clock.now())
                .map(event -> recorder.publish(r, event, ReferralRecorder.SYSTEM))
                .orElseGet(() -> Uni.createFrom().voidItem());
    }

    @Scheduled(
            every = "${relais.referrals.consent-check-every:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public void expireConsents() { // public: the consent tests run it themselves (hourly in the test profile)
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
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "select id from referrals where consent_expires_at <= now() and data_erased_at is null "
                                        + "order by consent_expires_at limit " + BATCH + " for update skip locked",
                                UUID.class)
                        .getResultList())
                .chain(ids -> {
                    Uni<Integer> chain = Uni.createFrom().item(0);
                    for (Object id : (List<Object>) (List<?>) ids) {
                        // one of the batch may already be erased by the cascade of another: that is a no-op
                        chain = chain.chain(n -> Referral.<Referral>findById((UUID) id)
                                .chain(r -> consent.expire(r, clock.now()))
                                .replaceWith(n + 1));
                    }
                    return chain;
                });
    }
}
