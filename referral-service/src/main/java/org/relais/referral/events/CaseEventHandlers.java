package org.relais.referral.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.inbox.EventConsumers;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.referral.consent.ConsentCascade;
import org.relais.referral.flow.Referral;
import org.relais.referral.flow.ReferralRecorder;

/**
 * The case-service's events that concern referrals ({@code relais.cases}): a case opened from a referral is linked to
 * it, its closure completes (or fails) the referral, and its erasure ends the consent of the referrals made from it.
 * Every case is remembered ({@code known_cases}) so that a referral naming it or its survivor can be checked.
 */
@ApplicationScoped
public class CaseEventHandlers {

    /** The consumer group: its committed offsets are where the service resumes. */
    static final String CONSUMER = "case-events";

    private final EventConsumers consumers;
    private final ReferralRecorder recorder;
    private final ConsentCascade consent;
    private final RelaisClock clock;

    public CaseEventHandlers(
            EventConsumers consumers, ReferralRecorder recorder, ConsentCascade consent, RelaisClock clock) {
        this.consumers = consumers;
        this.recorder = recorder;
        this.consent = consent;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        consumers.start(
                CONSUMER,
                List.of(CaseEvents.TOPIC),
                Set.of(CaseEvents.OPENED, CaseEvents.CLOSED, CaseEvents.DATA_ERASED),
                this::handle);
    }

    Uni<?> handle(CloudEvent event) {
        UUID caseId = UUID.fromString(event.subject());
        CaseEvents.Data data = CaseEvents.data(event);
        return switch (event.type()) {
            case CaseEvents.OPENED -> opened(event, caseId, data);
            case CaseEvents.CLOSED ->
                data.referralId() == null
                        ? Uni.createFrom().voidItem() // a walk-in case: no referral to follow
                        : closed(event, data);
            case CaseEvents.DATA_ERASED -> consent.caseDataErased(caseId, data.reason());
            default -> Uni.createFrom().voidItem();
        };
    }

    /** Remembers the case (walk-ins included) and links the referral it was opened from. */
    private Uni<?> opened(CloudEvent event, UUID caseId, CaseEvents.Data data) {
        Uni<?> known = Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into known_cases (case_id, owning_agency_id, "
                                        + "survivor_id, referral_id) values (?1, ?2, ?3, cast(nullif(?4, '') as uuid)) on conflict do nothing")
                        .setParameter(1, caseId)
                        .setParameter(2, data.owningAgencyId())
                        .setParameter(3, data.survivorId())
                        .setParameter(
                                4,
                                data.referralId() == null
                                        ? ""
                                        : data.referralId().toString())
                        .executeUpdate());
        if (data.referralId() == null) {
            return known;
        }
        return known.chain(() -> referral(event, data).chain(r -> {
            if (r != null) {
                r.linkCase(caseId, clock.now());
            }
            return Uni.createFrom().voidItem();
        }));
    }

    /** The referral follows the closure of the case it opened: completed, or failed when contact was lost. */
    private Uni<?> closed(CloudEvent event, CaseEvents.Data data) {
        return referral(event, data).chain(r -> {
            if (r == null) {
                return Uni.createFrom().voidItem();
            }
            CallerContext caseService = new CallerContext(
                    null,
                    "relais-case-service",
                    "relais-case-service",
                    event.agencyid(),
                    Set.of(CallerContext.INTERNAL_ROLE));
            String outcome = data.outcome() == null ? "OTHER" : data.outcome();
            return recorder.record(r, r.closeFromCase(outcome, clock.now()), caseService, null, null);
        });
    }

    /** The referral the case names, locked; null (and a warning) when it names one this service does not hold. */
    private Uni<Referral> referral(CloudEvent event, CaseEvents.Data data) {
        return Referral.<Referral>findById(data.referralId(), LockModeType.PESSIMISTIC_WRITE)
                .invoke(r -> {
                    if (r == null) {
                        Log.warnf("%s %s names an unknown referral", event.type(), event.id());
                    }
                });
    }
}
