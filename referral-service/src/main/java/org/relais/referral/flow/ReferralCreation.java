package org.relais.referral.flow;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.Problem;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.problem.ProblemType;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.referral.Priority;
import org.relais.referral.consent.ConsentRules;
import org.relais.referral.directory.Agency;
import org.relais.referral.directory.AgencyRepository;
import org.relais.referral.directory.Capacity;
import org.relais.referral.directory.ServiceType;
import org.relais.referral.flow.ReferralInput.CreateReferral;

/**
 * A new referral: survivor data only within the consent, to an active agency of the directory that has capacity (or
 * for an EMERGENCY), naming only a case and a survivor the sender is party to; sealed, recorded and announced.
 */
@ApplicationScoped
public class ReferralCreation {

    private final AgencyRepository agencies;
    private final SurvivorCipher survivors;
    private final ReferralRecorder recorder;
    private final ReferralReads reads;
    private final ReferralCodec codec;
    private final RelaisClock clock;

    public ReferralCreation(
            AgencyRepository agencies,
            SurvivorCipher survivors,
            ReferralRecorder recorder,
            ReferralReads reads,
            ReferralCodec codec,
            RelaisClock clock) {
        this.agencies = agencies;
        this.survivors = survivors;
        this.recorder = recorder;
        this.reads = reads;
        this.codec = codec;
        this.clock = clock;
    }

    /** Inside the caller's transaction (the idempotency key commits with it). */
    public Uni<ReferralReads.Read> create(CreateReferral in, CallerContext caller) {
        List<FieldError> errors = ConsentRules.check(in, clock.now());
        if (in.receivingAgencyId().equals(caller.agencyId())) {
            errors.add(new FieldError("/receivingAgencyId", "must be another agency"));
        }
        return agencies.findById(in.receivingAgencyId()).chain(receiver -> {
            if (receiver == null || !receiver.active) {
                errors.add(new FieldError(
                        "/receivingAgencyId", receiver == null ? "is not an agency of the directory" : "is suspended"));
            }
            if (!errors.isEmpty()) {
                throw ProblemException.invalid(errors);
            }
            return provenance(in, caller.agencyId())
                    .chain(survivorId -> refuseIfFull(receiver, in.priority(), in.services(), caller.agencyId())
                            .replaceWith(survivorId))
                    .chain(survivorId -> {
                        Instant now = clock.now();
                        Referral r = new Referral();
                        r.id = Uuids.v7();
                        r.survivorId = survivorId != null ? survivorId : Uuids.v7();
                        r.sendingAgencyId = caller.agencyId();
                        r.receivingAgencyId = receiver.id;
                        r.priority = in.priority();
                        r.services = Referral.services(in.services());
                        r.incident = codec.json(in.incident());
                        r.consent = codec.json(ConsentRules.record(in.consent()));
                        r.consentExpiresAt = in.consent().expiresAt();
                        r.caseId = in.caseId();
                        r.createdBy = caller.username();
                        Transition sent = r.send(receiver.acknowledgeWithin(r.priority), now);
                        Survivor data = new Survivor(in.subject(), in.reason(), in.externalReference());
                        return reference(now)
                                .invoke(ref -> r.reference = ref)
                                .chain(() -> survivors.seal(r, data))
                                .chain(key -> r.persist().replaceWith(key))
                                .chain(key -> recorder.record(r, sent, caller, null, key))
                                .chain(() -> reads.readCreated(r, caller, data));
                    });
        });
    }

    /**
     * Checks the {@code caseId} and {@code survivorId} a client names: the case must be the sending agency's
     * own (as the case-service announced it), the survivor one the sender is party to (a referral it sent or
     * received, a case it owns). Answers the survivor id the referral carries: the one given, the case's, or
     * none yet. A foreign or unknown id is a 422 that does not tell which of the two it was.
     */
    private Uni<UUID> provenance(CreateReferral in, String sender) {
        if (in.caseId() == null && in.survivorId() == null) {
            return Uni.createFrom().nullItem();
        }
        Uni<UUID> fromCase = in.caseId() == null
                ? Uni.createFrom().nullItem()
                : Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "select survivor_id, data_erased_at is not null from known_cases where case_id = ?1 and owning_agency_id = ?2 "
                                                // shared lock until this referral commits: the case's erasure (which
                                                // updates the row,
                                                // then erases the referrals made from the case) waits for it and then
                                                // erases it too
                                                + "for share",
                                        Object[].class)
                                .setParameter(1, in.caseId())
                                .setParameter(2, sender)
                                .getResultList())
                        .map(rows -> {
                            if (rows.isEmpty()) {
                                throw ProblemException.invalid("/caseId", "is not a case of the sending agency");
                            }
                            Object[] row = rows.get(0);
                            UUID survivor = (UUID) row[0];
                            if (in.survivorId() != null && !in.survivorId().equals(survivor)) {
                                throw ProblemException.invalid(
                                        "/survivorId", "is not the survivor of the case named by caseId");
                            }
                            if (Boolean.TRUE.equals(row[1])
                                    && (in.subject() != null
                                            || in.reason() != null
                                            || in.externalReference() != null)) {
                                throw ProblemException.invalid(
                                        "/subject",
                                        "the survivor's data of the case named by caseId was erased "
                                                + "(consent withdrawn or expired): a referral from it carries none");
                            }
                            return survivor;
                        });
        return fromCase.chain(survivor -> survivor != null || in.survivorId() == null
                ? Uni.createFrom().item(survivor)
                : Panache.getSession()
                        .chain(s -> s.createNativeQuery(
                                        "select (exists (select 1 from referrals where survivor_id = ?1 and (sending_agency_id = ?2 "
                                                + "or receiving_agency_id = ?2)) or exists (select 1 from known_cases where survivor_id = ?1 "
                                                + "and owning_agency_id = ?2))",
                                        Boolean.class)
                                .setParameter(1, in.survivorId())
                                .setParameter(2, sender)
                                .getSingleResult())
                        .map(party -> {
                            if (!Boolean.TRUE.equals(party)) {
                                throw ProblemException.invalid(
                                        "/survivorId", "is not a survivor the sending agency is party to");
                            }
                            return in.survivorId();
                        }));
    }

    /**
     * A receiver that reports no capacity refuses the referral (422, with the region's agencies that have capacity for
     * the same services as alternatives), unless it is an EMERGENCY. Redirects are refused the same way.
     */
    Uni<Void> refuseIfFull(Agency receiver, Priority priority, List<ServiceType> services, String senderId) {
        if (receiver.capacity != Capacity.FULL || priority == Priority.EMERGENCY) {
            return Uni.createFrom().voidItem();
        }
        return agencies.list(
                        "active = true and region = ?1 and id <> ?2 and capacity <> ?3",
                        receiver.region,
                        receiver.id,
                        Capacity.FULL)
                .map(candidates -> {
                    List<Map<String, Object>> alternatives = new ArrayList<>();
                    for (Agency a : candidates) {
                        if (!a.id.equals(senderId) && a.serviceList().containsAll(services)) {
                            alternatives.add(Map.of("id", a.id, "name", a.name, "capacity", a.capacity));
                        }
                    }
                    throw new ProblemException(new Problem(
                                    ProblemType.CAPACITY_FULL,
                                    422,
                                    "The receiving agency reports no capacity; EMERGENCY referrals are never refused for capacity")
                            .with("errors", List.of(new FieldError("/receivingAgencyId", "has no capacity")))
                            .with("alternatives", alternatives));
                });
    }

    /** The next human-readable reference, {@code REF-<year>-<number>}. */
    Uni<String> reference(Instant now) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select nextval('referral_reference_seq')", Long.class)
                        .getSingleResult())
                .map(n -> "REF-" + now.atZone(ZoneOffset.UTC).getYear() + "-" + String.format("%06d", n));
    }
}
