package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.idempotency.IdempotencyStore;
import org.relais.blocks.time.RelaisClock;

/**
 * Erases a case's survivor data when her consent ends (API guide section 5.7): withdrawn or expired on the referral
 * the case was opened from, or expired on a walk-in. The data key is destroyed (crypto-shredding), the action
 * descriptions dropped, and the idempotency keys' remembered answers forgotten.
 */
@ApplicationScoped
public class CaseErasure {

    private static final int BATCH = 100;

    private final FieldCipher cipher;
    private final IdempotencyStore idempotency;
    private final CaseHistory history;
    private final RelaisClock clock;

    public CaseErasure(FieldCipher cipher, IdempotencyStore idempotency, CaseHistory history, RelaisClock clock) {
        this.cipher = cipher;
        this.idempotency = idempotency;
        this.history = history;
        this.clock = clock;
    }

    /** Inside the consumer's transaction: the referral's consent ended; its case's data is erased, once. */
    public Uni<Void> eraseForReferral(UUID referralId, String reasonCode) {
        String why = "CONSENT_EXPIRED".equals(reasonCode) ? "consent-expired" : "consent-withdrawn";
        return CaseFile.<CaseFile>find("referralId", referralId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult()
                .chain(c ->
                        c == null || c.dataErasedAt != null ? Uni.createFrom().voidItem() : erase(c, why));
    }

    /** Inside a transaction, the case locked: erases its survivor data ({@code why} is the event's {@code reason}). */
    Uni<Void> erase(CaseFile c, String why) {
        UUID keyId = c.dataKeyId;
        CaseChange change = c.erase(why, clock.now());
        return (keyId == null ? Uni.createFrom().voidItem() : cipher.destroy(keyId))
                .chain(() -> Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "update case_actions set description_ct = null where case_id = ?1")
                                .setParameter(1, c.id)
                                .executeUpdate()))
                .chain(() -> CaseAction.<CaseAction>list("caseId", c.id))
                .chain(actions -> {
                    List<String> ids = new ArrayList<>();
                    ids.add(c.id.toString());
                    actions.forEach(a -> ids.add(a.id.toString()));
                    return idempotency.forgetRequestsOf(ids);
                })
                .chain(() -> history.record(c, change, CaseHistory.SERVICE));
    }

    /**
     * A walk-in's consent that has expired: its survivor data is erased as on a withdrawal. (A referred
     * case follows its referral, whose expiry the referral-service announces as a withdrawal.) Several
     * instances share the work: rows another holds are skipped.
     */
    @Scheduled(
            every = "${relais.cases.consent-check-every:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void eraseExpiredConsents() {
        try {
            // reads already hide an expired consent's data; this records the expiry, however large the backlog
            int erased = 0;
            int n;
            do {
                Instant now = clock.now();
                n = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "select id from cases where referral_id is null and consent_expires_at <= ?1 "
                                                + "and data_erased_at is null order by consent_expires_at limit "
                                                + BATCH + " for update skip locked",
                                        UUID.class)
                                .setParameter(1, now.atOffset(ZoneOffset.UTC))
                                .getResultList())
                        .chain(ids -> {
                            Uni<Void> all = Uni.createFrom().voidItem();
                            for (UUID id : ids) {
                                all = all.chain(
                                        () -> CaseFile.<CaseFile>findById(id).chain(c -> erase(c, "consent-expired")));
                            }
                            return all.replaceWith(ids.size());
                        })));
                erased += n;
            } while (n == BATCH);
            if (erased > 0) {
                Log.infof("survivor data of %d walk-in case(s) erased: consent expired", erased);
            }
        } catch (Throwable e) {
            Log.warnf("expired consents not checked: %s", e.getClass().getSimpleName());
        }
    }
}
