package org.relais.cases.casefile;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.time.RelaisClock;

/**
 * The survivor details of the cases opened from a referral (API guide section 5.1): read from the referral-service
 * every {@code relais.cases.details-retry-every} while some are pending, the subject kept under a new data key and
 * the consent as the referral holds it. While the referral-service is away the cases stay {@code detailsPending}.
 */
@ApplicationScoped
public class PendingDetails {

    private final ReferralDetailsClient referrals;
    private final FieldCipher cipher;
    private final CaseHistory history;
    private final RelaisClock clock;

    public PendingDetails(
            @RestClient ReferralDetailsClient referrals, FieldCipher cipher, CaseHistory history, RelaisClock clock) {
        this.referrals = referrals;
        this.cipher = cipher;
        this.history = history;
        this.clock = clock;
    }

    @Scheduled(
            every = "${relais.cases.details-retry-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void fetchPendingDetails() {
        List<CaseFile> pending;
        try {
            pending = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() ->
                    CaseFile.<CaseFile>list("detailsPending = true and referralId is not null order by updatedAt")));
        } catch (Throwable e) {
            Log.warnf("pending case details not checked: %s", e.getClass().getSimpleName());
            return;
        }
        for (CaseFile c : pending) {
            try {
                VertxContextSupport.subscribeAndAwait(() -> referrals
                        .referral(c.referralId)
                        .chain(referral -> Panache.withTransaction(() -> complete(c.id, referral))));
            } catch (Throwable e) {
                Log.infof(
                        "details of case %s still pending: %s",
                        c.reference, e.getClass().getSimpleName());
                return; // the referral-service is away: try again at the next round
            }
        }
    }

    /** Inside a transaction: the referral's details land in the case, if it still waits for them. */
    Uni<Void> complete(UUID caseId, JsonNode referral) {
        return CaseFile.<CaseFile>findById(caseId, LockModeType.PESSIMISTIC_WRITE)
                .chain(c -> {
                    if (c == null || !c.detailsPending) {
                        return Uni.createFrom().voidItem();
                    }
                    JsonNode consent = referral.get("consent");
                    Instant expiresAt = consent != null && !consent.isNull() && consent.hasNonNull("expiresAt")
                            ? Instant.parse(consent.get("expiresAt").asText())
                            : null;
                    JsonNode subject = referral.get("subject");
                    boolean survivorData =
                            !(referral.hasNonNull("dataErasedAt") || subject == null || subject.isNull());
                    CaseChange change =
                            c.receiveDetails(referral.path("consent").toString(), expiresAt, survivorData, clock.now());
                    if (!survivorData) {
                        return history.record(c, change, CaseHistory.SERVICE);
                    }
                    return cipher.newDataKey().chain(key -> {
                        c.dataKeyId = key.id();
                        c.subjectCt = key.encrypt(CaseFile.TABLE, c.id, "subject", subject.toString());
                        return history.record(c, change, CaseHistory.SERVICE);
                    });
                });
    }
}
