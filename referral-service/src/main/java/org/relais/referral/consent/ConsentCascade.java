package org.relais.referral.consent;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.idempotency.IdempotencyStore;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.referral.flow.Referral;
import org.relais.referral.flow.ReferralAction;
import org.relais.referral.flow.ReferralRecorder;
import org.relais.referral.flow.Transition;

/**
 * The end of a survivor's consent, followed wherever her data went: she withdrew it on a referral, it expired, or the
 * case-service erased a case's data. Each referral that carries her data onward (redirected from it, or made from the
 * case it opened, and so on down) ends with it: its data key destroyed and ciphertexts dropped, live ones WITHDRAWN,
 * each with its events and the true reason, naming the one whose consent ended first ({@code cascadedFromId}). A
 * referral already erased is left as it is: a second withdrawal, or an expiry reached again through a cascade, changes
 * nothing and emits nothing.
 */
@ApplicationScoped
public class ConsentCascade {

    private final FieldCipher cipher;
    private final IdempotencyStore idempotency;
    private final ReferralRecorder recorder;
    private final RelaisClock clock;

    public ConsentCascade(
            FieldCipher cipher, IdempotencyStore idempotency, ReferralRecorder recorder, RelaisClock clock) {
        this.cipher = cipher;
        this.idempotency = idempotency;
        this.recorder = recorder;
        this.clock = clock;
    }

    /** Inside the caller's transaction: a party records that she withdrew her consent ({@code recordedBy} heard it). */
    public Uni<Void> withdraw(Referral r, String recordedBy, CallerContext caller, Instant now) {
        return end(r, recordedBy, caller, now, ConsentEnd.WITHDRAWN, null);
    }

    /** Inside the caller's transaction: her consent reached its {@code expiresAt}; the service records it. */
    public Uni<Void> expire(Referral r, Instant now) {
        return end(r, null, ReferralRecorder.SYSTEM, now, ConsentEnd.EXPIRED, null);
    }

    /**
     * Inside the consumer's transaction: the case-service erased a case's survivor data (a walk-in's consent
     * withdrawn or expired): the referrals made from that case carry the same survivor's data and end with it.
     */
    public Uni<Void> caseDataErased(UUID caseId, String reason) {
        ConsentEnd why = reason != null && reason.contains("expired") ? ConsentEnd.EXPIRED : ConsentEnd.WITHDRAWN;
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "update known_cases set data_erased_at = coalesce(data_erased_at, now()) where case_id = ?1")
                        .setParameter(1, caseId)
                        .executeUpdate())
                .chain(() -> Referral.<Referral>find("caseId = ?1 and dataErasedAt is null order by id", caseId)
                        .withLock(LockModeType.PESSIMISTIC_WRITE)
                        .list())
                .chain(referrals -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    Instant now = clock.now();
                    for (Referral r : referrals) {
                        chain = chain.chain(
                                () -> end(r, "relais-case-service", ReferralRecorder.SYSTEM, now, why, caseId));
                    }
                    return chain;
                });
    }

    /** Ends her consent on {@code r} (the aggregate's rule), erases her data there, records it, and goes on down. */
    private Uni<Void> end(
            Referral r, String recordedBy, CallerContext caller, Instant now, ConsentEnd why, UUID cascadedFrom) {
        ReferralAction.Caller party = why == ConsentEnd.WITHDRAWN && cascadedFrom == null
                ? r.callerOf(caller.agencyId())
                : ReferralAction.Caller.SENDER;
        Transition ended = r.endConsent(
                        party,
                        why.code,
                        why == ConsentEnd.EXPIRED ? "relais-referral-service" : recordedBy,
                        cascadedFrom,
                        now)
                .orElse(null);
        if (ended == null) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> erase = r.dataKeyId == null ? Uni.createFrom().voidItem() : cipher.destroy(r.dataKeyId);
        return erase.chain(() -> Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "update referral_history set note_ct = null where referral_id = ?1")
                                .setParameter(1, r.id)
                                .executeUpdate()))
                .chain(() -> idempotency.forgetRequestsOf(List.of(r.id.toString())))
                .chain(() -> recorder.record(r, ended, caller, null, null))
                .chain(() -> onwardFrom(r))
                .chain(onward -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Referral next : onward) {
                        chain = chain.chain(() -> end(next, recordedBy, caller, now, why, r.id));
                    }
                    return chain;
                });
    }

    /** The referrals that carry this one's survivor data onward, locked: its redirect, and those made from its case. */
    private Uni<List<Referral>> onwardFrom(Referral r) {
        if (r.redirectedToId == null && r.receivingCaseId == null) {
            return Uni.createFrom().item(List.of());
        }
        var query = r.receivingCaseId == null
                ? Referral.<Referral>find("id = ?1 and dataErasedAt is null", r.redirectedToId)
                : r.redirectedToId == null
                        ? Referral.<Referral>find("caseId = ?1 and dataErasedAt is null order by id", r.receivingCaseId)
                        : Referral.<Referral>find(
                                "(id = ?1 or caseId = ?2) and dataErasedAt is null order by id",
                                r.redirectedToId,
                                r.receivingCaseId);
        return query.withLock(LockModeType.PESSIMISTIC_WRITE).list();
    }
}
