package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.inbox.EventConsumers;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The referral events that open and erase cases, and the follow-up of cases whose details are pending. */
@ApplicationScoped
public class CaseJobs {

    private final CaseService cases;
    private final EventConsumers consumers;
    private final ReferralDetailsClient details;

    public CaseJobs(CaseService cases, EventConsumers consumers, ReferralDetailsClient details) {
        this.cases = cases;
        this.consumers = consumers;
        this.details = details;
    }

    void start(@Observes StartupEvent event) {
        consumers.start("referral-events", List.of(Topics.REFERRALS),
                Set.of("relais.referral.accepted", "relais.referral.consent-withdrawn"), this::onReferralEvent);
    }

    Uni<?> onReferralEvent(CloudEvent event) {
        return switch (event.type()) {
            case "relais.referral.accepted" -> cases.openFromReferral(event);
            case "relais.referral.consent-withdrawn" -> cases.eraseForReferral(UUID.fromString(event.subject()),
                    event.dataObject().path("reasonCode").asText(null));
            default -> Uni.createFrom().voidItem();
        };
    }

    /**
     * A walk-in's consent that has expired: its survivor data is erased as on a withdrawal. (A referred
     * case follows its referral, whose expiry the referral-service announces as a withdrawal.) Several
     * instances share the work: rows another holds are skipped.
     */
    @Scheduled(every = "${relais.cases.consent-check-every:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void eraseExpiredConsents() {
        try {
            // reads already hide an expired consent's data; this records the expiry, however large the backlog
            int erased = 0;
            int n;
            do {
                n = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> Panache.getSession()
                        .chain(s -> s.createNativeQuery("select id from cases where referral_id is null and consent_expires_at <= now() "
                                + "and data_erased_at is null order by consent_expires_at limit " + BATCH + " for update skip locked",
                                UUID.class).getResultList())
                        .chain(ids -> {
                            Uni<Void> all = Uni.createFrom().voidItem();
                            for (Object id : ids) {
                                all = all.chain(() -> CaseFile.<CaseFile>findById((UUID) id)
                                        .chain(c -> cases.erase(c, "consent-expired")));
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

    private static final int BATCH = 100;

    @Scheduled(every = "${relais.cases.details-retry-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
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
                VertxContextSupport.subscribeAndAwait(() -> details.referral(c.referralId)
                        .chain(referral -> Panache.withTransaction(() -> cases.completeDetails(c.id, referral))));
            } catch (Throwable e) {
                Log.infof("details of case %s still pending: %s", c.reference, e.getClass().getSimpleName());
                return; // the referral-service is away: try again at the next round
            }
        }
    }
}
