package org.relais.cases.casefile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.cases.casefile.CaseViews.CaseView;

/**
 * Opens cases (API guide section 5.1): once per accepted referral, its survivor details fetched afterwards
 * ({@link PendingDetails}), or for a walk-in, under the referral's consent rules.
 */
@ApplicationScoped
public class CaseOpening {

    private final FieldCipher cipher;
    private final CaseHistory history;
    private final CaseReads reads;
    private final ObjectMapper mapper;
    private final RelaisClock clock;

    public CaseOpening(
            FieldCipher cipher, CaseHistory history, CaseReads reads, ObjectMapper mapper, RelaisClock clock) {
        this.cipher = cipher;
        this.history = history;
        this.reads = reads;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * Inside the consumer's transaction: exactly one case per accepted referral, at the receiving agency
     * ({@code agencyId}), its details pending. The timeline names the agency that accepted it.
     */
    public Uni<Void> fromReferral(
            UUID referralId,
            String agencyId,
            UUID survivorId,
            Priority priority,
            List<String> services,
            String assignee,
            String acceptedBy) {
        return CaseFile.<CaseFile>find("referralId", referralId).firstResult().chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            Instant now = clock.now();
            CaseFile c = new CaseFile();
            CaseChange change = c.openFromReferral(referralId, agencyId, survivorId, priority, services, assignee, now);
            return reference(now)
                    .invoke(ref -> c.reference = ref)
                    .chain(() -> c.persist())
                    .chain(() -> history.record(c, change, acceptedBy, CaseHistory.SERVICE));
        });
    }

    /** Inside a transaction: a walk-in case, with the referral consent rules. */
    public Uni<CaseView> walkIn(CaseViews.CreateCase in, CallerContext caller) {
        Instant now = clock.now();
        List<FieldError> errors = new ArrayList<>();
        boolean granted = Boolean.TRUE.equals(in.consent().granted());
        List<String> scope = in.consent().scope() == null
                ? List.of()
                : in.consent().scope().stream().map(Enum::name).toList();
        if (in.subject() != null) {
            if (!granted) {
                errors.add(new FieldError("/subject", "must be absent without consent"));
            } else {
                if ((in.subject().fullName() != null || in.subject().birthYear() != null)
                        && !scope.contains("IDENTITY")) {
                    errors.add(new FieldError("/subject/fullName", "is outside the consent scope (IDENTITY)"));
                }
                if (in.subject().safeContact() != null && !scope.contains("CONTACT")) {
                    errors.add(new FieldError("/subject/safeContact", "is outside the consent scope (CONTACT)"));
                }
            }
        }
        if (granted && (in.consent().recordedBy() == null || in.consent().method() == null)) {
            errors.add(new FieldError("/consent/recordedBy", "consent must say who recorded it and how"));
        }
        if (in.consent().expiresAt() != null && !in.consent().expiresAt().isAfter(now)) {
            errors.add(new FieldError("/consent/expiresAt", "must be in the future"));
        }
        if (in.consent().recordedAt() != null && in.consent().recordedAt().isAfter(now.plusSeconds(300))) {
            errors.add(new FieldError("/consent/recordedAt", "must not be in the future"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        // a survivor the client names must be one this agency already serves (a case it owns); else a new one
        Uni<Void> survivorChecked = in.survivorId() == null
                ? Uni.createFrom().voidItem()
                : CaseFile.count("survivorId = ?1 and owningAgencyId = ?2", in.survivorId(), caller.agencyId())
                        .map(n -> {
                            if (n == 0) {
                                throw ProblemException.invalid(
                                        "/survivorId", "is not a survivor of a case of this agency");
                            }
                            return null;
                        });
        return survivorChecked.chain(() -> openWalkIn(in, caller));
    }

    private Uni<CaseView> openWalkIn(CaseViews.CreateCase in, CallerContext caller) {
        Instant now = clock.now();
        CaseFile c = new CaseFile();
        CaseChange change = c.openWalkIn(
                caller.agencyId(),
                in.survivorId() != null ? in.survivorId() : Uuids.v7(),
                in.priority(),
                in.services().stream().distinct().map(Enum::name).toList(),
                caller.isServiceAccount() ? null : caller.username(),
                mapper.valueToTree(in.consent()).toString(),
                in.consent().expiresAt(),
                now);
        Uni<DataKey> key = in.subject() == null
                ? cipher.dataKey(null)
                : cipher.newDataKey().invoke(k -> {
                    c.dataKeyId = k.id();
                    c.subjectCt = k.encrypt(
                            CaseFile.TABLE,
                            c.id,
                            "subject",
                            mapper.valueToTree(in.subject()).toString());
                });
        return key.chain(k -> reference(now)
                .invoke(ref -> c.reference = ref)
                .chain(() -> c.persist())
                .chain(() -> history.record(c, change, caller.username()))
                .chain(() -> reads.view(c, caller)));
    }

    /** The case's reference, {@code CASE-<year>-<six digits>}, from the database's sequence. */
    private Uni<String> reference(Instant now) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select nextval('case_reference_seq')", Long.class)
                        .getSingleResult())
                .map(n -> "CASE-" + now.atZone(ZoneOffset.UTC).getYear() + "-" + String.format("%06d", n));
    }
}
