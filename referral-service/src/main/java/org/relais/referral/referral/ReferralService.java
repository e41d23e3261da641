package org.relais.referral.referral;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import org.relais.blocks.audit.AuditLog;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.EventData;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.http.Versions;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.paging.Cursor;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.Problem;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.problem.ProblemType;
import org.relais.blocks.security.CallerContext;
import org.relais.referral.Priority;
import org.relais.referral.directory.Agency;
import org.relais.referral.directory.AgencyRepository;
import org.relais.referral.directory.Capacity;
import org.relais.referral.referral.ReferralInput.ActionBody;
import org.relais.referral.referral.ReferralInput.Consent;
import org.relais.referral.referral.ReferralInput.ConsentScope;
import org.relais.referral.referral.ReferralInput.CreateReferral;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Referrals: creation with consent and capacity rules, reads gated by party and consent scope (each read
 * of survivor data audited), the transitions of the state machine, redirect, and consent withdrawal
 * with erasure down the redirect chain. Every change and its event commit together.
 */
@ApplicationScoped
public class ReferralService {

    static final String SOURCE = "/referral-service";
    static final Set<String> DECLINE_REASONS = Set.of("NO_CAPACITY", "NOT_ELIGIBLE", "OUT_OF_AREA", "DUPLICATE", "OTHER");
    static final Set<String> HOLD_REASONS = Set.of("WAITLIST", "UNREACHABLE", "AWAITING_DOCUMENTS", "OTHER");
    static final Set<String> OUTCOMES = Set.of("SERVICES_DELIVERED", "SURVIVOR_DECLINED", "TRANSFERRED", "OTHER");
    static final Set<String> FAIL_REASONS = Set.of("LOST_CONTACT", "NO_SHOW", "SURVIVOR_DECLINED", "OTHER");
    static final Set<String> WITHDRAW_REASONS = Set.of("NO_LONGER_NEEDED", "REFERRED_ELSEWHERE", "ERROR", "OTHER");

    private final AgencyRepository agencies;
    private final FieldCipher cipher;
    private final Outbox outbox;
    private final AuditLog audit;
    private final ReferralCodec codec;
    private final org.relais.blocks.idempotency.IdempotencyStore idempotency;

    public ReferralService(AgencyRepository agencies, FieldCipher cipher, Outbox outbox, AuditLog audit,
                           ReferralCodec codec, org.relais.blocks.idempotency.IdempotencyStore idempotency) {
        this.idempotency = idempotency;
        this.agencies = agencies;
        this.cipher = cipher;
        this.outbox = outbox;
        this.audit = audit;
        this.codec = codec;
    }

    /** What a read returns: the view, and whether it carried survivor data (and so was audited). */
    public record Read(Referral referral, ReferralView view) {
    }

    // ---- creation ------------------------------------------------------------------------------

    /** Inside the caller's transaction (the idempotency key commits with it). */
    public Uni<Read> create(CreateReferral in, CallerContext caller) {
        List<FieldError> errors = ConsentRules.check(in);
        if (in.receivingAgencyId().equals(caller.agencyId())) {
            errors.add(new FieldError("/receivingAgencyId", "must be another agency"));
        }
        return agencies.findById(in.receivingAgencyId()).chain(receiver -> {
            if (receiver == null || !receiver.active) {
                errors.add(new FieldError("/receivingAgencyId", receiver == null ? "is not an agency of the directory"
                        : "is suspended"));
            }
            if (!errors.isEmpty()) {
                throw ProblemException.invalid(errors);
            }
            return provenance(in, caller.agencyId())
                    .chain(survivorId -> refuseIfFull(receiver, in.priority(), in.services(), caller.agencyId()).replaceWith(survivorId))
                    .chain(survivorId -> {
                Instant now = now();
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
                return reference(now).invoke(ref -> r.reference = ref)
                        .chain(() -> seal(r, data))
                        .chain(key -> r.persist().replaceWith(key))
                        .chain(key -> record(r, sent, caller, null, key))
                        .chain(() -> read(r, caller, data));
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
        Uni<UUID> fromCase = in.caseId() == null ? Uni.createFrom().nullItem()
                : Panache.getSession().chain(s -> s.createNativeQuery(
                        "select survivor_id, data_erased_at is not null from known_cases where case_id = ?1 and owning_agency_id = ?2 "
                                // shared lock until this referral commits: the case's erasure (which updates the row,
                                // then erases the referrals made from the case) waits for it and then erases it too
                                + "for share",
                        Object[].class).setParameter(1, in.caseId()).setParameter(2, sender).getResultList())
                .map(rows -> {
                    if (rows.isEmpty()) {
                        throw ProblemException.invalid("/caseId", "is not a case of the sending agency");
                    }
                    Object[] row = rows.get(0);
                    UUID survivor = (UUID) row[0];
                    if (in.survivorId() != null && !in.survivorId().equals(survivor)) {
                        throw ProblemException.invalid("/survivorId", "is not the survivor of the case named by caseId");
                    }
                    if (Boolean.TRUE.equals(row[1]) && (in.subject() != null || in.reason() != null || in.externalReference() != null)) {
                        throw ProblemException.invalid("/subject", "the survivor's data of the case named by caseId was erased "
                                + "(consent withdrawn or expired): a referral from it carries none");
                    }
                    return survivor;
                });
        return fromCase.chain(survivor -> survivor != null || in.survivorId() == null ? Uni.createFrom().item(survivor)
                : Panache.getSession().chain(s -> s.createNativeQuery(
                                "select (exists (select 1 from referrals where survivor_id = ?1 and (sending_agency_id = ?2 "
                                        + "or receiving_agency_id = ?2)) or exists (select 1 from known_cases where survivor_id = ?1 "
                                        + "and owning_agency_id = ?2))", Boolean.class)
                        .setParameter(1, in.survivorId()).setParameter(2, sender).getSingleResult())
                .map(party -> {
                    if (!Boolean.TRUE.equals(party)) {
                        throw ProblemException.invalid("/survivorId", "is not a survivor the sending agency is party to");
                    }
                    return in.survivorId();
                }));
    }

    private Uni<Void> refuseIfFull(Agency receiver, Priority priority, List<org.relais.referral.directory.ServiceType> services,
                                   String senderId) {
        if (receiver.capacity != Capacity.FULL || priority == Priority.EMERGENCY) {
            return Uni.createFrom().voidItem();
        }
        return agencies.list("active = true and region = ?1 and id <> ?2 and capacity <> ?3", receiver.region, receiver.id,
                        Capacity.FULL)
                .map(candidates -> {
                    List<Map<String, Object>> alternatives = new ArrayList<>();
                    for (Agency a : candidates) {
                        if (!a.id.equals(senderId) && a.serviceList().containsAll(services)) {
                            alternatives.add(Map.of("id", a.id, "name", a.name, "capacity", a.capacity));
                        }
                    }
                    throw new ProblemException(new Problem(ProblemType.CAPACITY_FULL, 422,
                            "The receiving agency reports no capacity; EMERGENCY referrals are never refused for capacity")
                            .with("errors", List.of(new FieldError("/receivingAgencyId", "has no capacity")))
                            .with("alternatives", alternatives));
                });
    }

    private Uni<String> reference(Instant now) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select nextval('referral_reference_seq')", Long.class)
                        .getSingleResult())
                .map(n -> "REF-" + now.atZone(java.time.ZoneOffset.UTC).getYear() + "-" + String.format("%06d", n));
    }

    /** The survivor data of one referral, in the clear, only in memory. */
    record Survivor(ReferralInput.Subject subject, String reason, String externalReference) {
        static final Survivor NONE = new Survivor(null, null, null);

        boolean present() {
            return subject != null || reason != null || externalReference != null;
        }
    }

    /** Encrypts the survivor data under a new data key of the referral (none for an anonymous referral). */
    private Uni<DataKey> seal(Referral r, Survivor data) {
        if (!data.present()) {
            return cipher.dataKey(null);
        }
        return cipher.newDataKey().invoke(key -> {
            r.dataKeyId = key.id();
            r.subjectCt = key.encrypt(Referral.TABLE, r.id, "subject", codec.json(data.subject()));
            r.reasonCt = key.encrypt(Referral.TABLE, r.id, "reason", data.reason());
            r.externalReferenceCt = key.encrypt(Referral.TABLE, r.id, "externalReference", data.externalReference());
        });
    }

    private Survivor open(Referral r, DataKey key) {
        if (r.erased() || key.destroyed()) {
            return Survivor.NONE;
        }
        return new Survivor(
                key.decrypt(Referral.TABLE, r.id, "subject", r.subjectCt).map(s -> codec.read(s, ReferralInput.Subject.class)).orElse(null),
                key.decrypt(Referral.TABLE, r.id, "reason", r.reasonCt).orElse(null),
                key.decrypt(Referral.TABLE, r.id, "externalReference", r.externalReferenceCt).orElse(null));
    }

    // ---- reads ---------------------------------------------------------------------------------

    @WithSession
    public Uni<Read> get(UUID id, CallerContext caller) {
        return Referral.<Referral>findById(id).chain(r -> {
            if (r == null || !visible(r, caller)) {
                throw ProblemException.notFound("Referral");
            }
            return Panache.withTransaction(() -> readWithData(r, caller));
        });
    }

    /** Inside a transaction: the view for this caller, decrypting and auditing when it shows survivor data. */
    Uni<Read> readWithData(Referral r, CallerContext caller) {
        return readAllWithData(List.of(r), caller).map(views -> new Read(r, views.get(0)));
    }

    private static boolean showsSurvivorData(ReferralView view) {
        return view.subject() != null || view.reason() != null || view.externalReference() != null;
    }

    private Uni<Read> read(Referral r, CallerContext caller, Survivor data) {
        ReferralView view = codec.view(r, seesSurvivorData(r, caller) ? data : Survivor.NONE, caller);
        if (!showsSurvivorData(view)) {
            return Uni.createFrom().item(new Read(r, view));
        }
        return audit.recordRead(caller.agencyId(), actor(caller), r.id.toString(), related(r)).replaceWith(new Read(r, view));
    }

    static boolean visible(Referral r, CallerContext caller) {
        return caller.isInternal() || r.callerOf(caller.agencyId()) != ReferralAction.Caller.OTHER || r.isOrigin(caller.agencyId());
    }

    static boolean seesSurvivorData(Referral r, CallerContext caller) {
        return caller.isInternal() || r.callerOf(caller.agencyId()) != ReferralAction.Caller.OTHER;
    }

    /** Survivor data shown to this caller now: a party's, while her consent holds (withdrawn or expired: never). */
    private static boolean showsData(Referral r, CallerContext caller, Instant now) {
        return seesSurvivorData(r, caller) && r.dataKeyId != null && !r.consentLapsed(now);
    }

    public Uni<Page<ReferralView>> list(String direction, ReferralStatus status, PageRequest page, CallerContext caller) {
        String agency = caller.agencyId();
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        params.put("agency", agency);
        where.add(switch (direction == null ? "" : direction) {
            case "sent" -> "sendingAgencyId = :agency";
            case "received" -> "receivingAgencyId = :agency";
            case "" -> "(sendingAgencyId = :agency or receivingAgencyId = :agency or originAgencyId = :agency)";
            default -> throw ProblemException.badRequest("Query parameter 'direction' must be sent or received");
        });
        if (status != null) {
            where.add("status = :status");
            params.put("status", status);
        }
        if (page.updatedSince() != null) {
            where.add("updatedAt >= :since");
            params.put("since", page.updatedSince());
        }
        if (page.cursor() != null) {
            where.add("(updatedAt, id) > (:after, :afterId)");
            params.put("after", page.cursor().after());
            params.put("afterId", page.cursor().afterUuid());
        }
        String query = String.join(" and ", where) + " order by updatedAt, id";
        return Panache.withTransaction(() -> Referral.<Referral>find(query, params).range(0, page.limit()).list()
                .chain(rows -> {
                    List<Referral> shown = Page.shown(rows, page.limit());
                    return readAllWithData(shown, caller)
                            .map(views -> Page.withViews(rows, page.limit(), r -> new Cursor(r.updatedAt, r.id), views));
                }));
    }

    /**
     * Inside a transaction: the views of a page of referrals, as {@link #readWithData} gives each, with the
     * page's data keys fetched in one query and its audit entries (one per referral whose survivor data is
     * shown) written in one insert.
     */
    Uni<List<ReferralView>> readAllWithData(List<Referral> shown, CallerContext caller) {
        Instant now = Instant.now();
        List<UUID> keyIds = shown.stream().filter(r -> showsData(r, caller, now)).map(r -> r.dataKeyId).toList();
        return cipher.dataKeys(keyIds).chain(keys -> {
            List<ReferralView> views = new ArrayList<>(shown.size());
            List<AuditLog.ReadOf> reads = new ArrayList<>();
            for (Referral r : shown) {
                DataKey key = showsData(r, caller, now) ? keys.get(r.dataKeyId) : null;
                ReferralView view = codec.view(r, key == null ? Survivor.NONE : open(r, key), caller);
                if (showsSurvivorData(view)) {
                    reads.add(new AuditLog.ReadOf(r.id.toString(), related(r)));
                }
                views.add(view);
            }
            return audit.recordReads(caller.agencyId(), actor(caller), reads).replaceWith(views);
        });
    }

    public Uni<List<ReferralView.HistoryEntry>> history(UUID id, CallerContext caller) {
        return Panache.withTransaction(() -> Referral.<Referral>findById(id).chain(r -> {
            if (r == null || !visible(r, caller)) {
                throw ProblemException.notFound("Referral");
            }
            boolean notes = showsData(r, caller, Instant.now());
            return ReferralHistory.<ReferralHistory>list("referralId = ?1 order by at, id", id).chain(entries ->
                    (notes ? cipher.dataKey(r.dataKeyId) : cipher.dataKey(null)).chain(key -> {
                        boolean anyNote = false;
                        List<ReferralView.HistoryEntry> out = new ArrayList<>();
                        for (ReferralHistory h : entries) {
                            String note = notes ? key.decrypt(ReferralHistory.TABLE, h.id, "note", h.noteCt).orElse(null) : null;
                            anyNote |= note != null;
                            out.add(new ReferralView.HistoryEntry(h.action, h.fromStatus, h.toStatus, h.byAgencyId, h.byUser,
                                    h.at, h.reasonCode, note));
                        }
                        return anyNote ? audit.recordRead(caller.agencyId(), actor(caller), r.id.toString(), related(r)).replaceWith(out)
                                : Uni.createFrom().item(out);
                    }));
        }));
    }

    // ---- transitions ---------------------------------------------------------------------------

    /** Inside the caller's transaction: locks the referral, applies the action, records it, emits its events. */
    public Uni<Read> act(UUID id, ReferralAction action, ActionBody body, String ifMatch, CallerContext caller) {
        ActionBody b = body == null ? ActionBody.EMPTY : body;
        return Referral.<Referral>findById(id, LockModeType.PESSIMISTIC_WRITE).chain(r -> {
            if (r == null || !visible(r, caller) || r.isOrigin(caller.agencyId())) {
                throw ProblemException.notFound("Referral");
            }
            ReferralAction.Caller party = r.callerOf(caller.agencyId());
            Versions.checkIfMatch(ifMatch, r.version);
            Instant now = now();
            if (r.consentLapsed(now) && !r.erased()) {
                // expired and the job has not got to it yet: the referral is judged as withdrawn (any action but
                // withdraw-consent then answers 409, and this transaction, the expiry with it, rolls back: reads
                // hide her data regardless, and the expiry job records it); withdraw-consent records it now
                return withdrawConsent(r, ActionBody.EMPTY, ReferralJobs.SYSTEM, now, ConsentEnd.EXPIRED, null)
                        .chain(() -> act(r, action, b, party, caller, now));
            }
            return act(r, action, b, party, caller, now);
        });
    }

    private Uni<Read> act(Referral r, ReferralAction action, ActionBody b, ReferralAction.Caller party, CallerContext caller,
                          Instant now) {
        {
            String reasonCode = validate(action, b, r, party);
            return switch (action) {
                case REDIRECT -> redirect(r, b, caller, now);
                case WITHDRAW_CONSENT -> withdrawConsent(r, b, caller, now, ConsentEnd.WITHDRAWN, null).chain(() -> readWithData(r, caller));
                default -> {
                    Transition t = switch (action) {
                        case ACKNOWLEDGE -> r.acknowledge(party, now);
                        case ACCEPT -> r.accept(party, b.assignee(), now);
                        case DECLINE -> r.decline(party, reasonCode, now);
                        case START -> r.start(party, now);
                        case HOLD -> r.hold(party, reasonCode, now);
                        case COMPLETE -> r.complete(party, b.outcome(), now);
                        case FAIL -> r.fail(party, reasonCode, now);
                        case WITHDRAW -> r.withdraw(party, reasonCode, now);
                        case REDIRECT, WITHDRAW_CONSENT -> throw new IllegalStateException(action.path());
                    };
                    yield noteKey(r, b.note()).chain(key -> record(r, t, caller, b.note(), key))
                            .chain(() -> readWithData(r, caller));
                }
            };
        }
    }

    /** The action's own rules; answers the reason code it carries, if any. */
    private static String validate(ReferralAction action, ActionBody b, Referral r, ReferralAction.Caller party) {
        if (b.note() != null && !b.note().isBlank() && (r.erased() || !ConsentRules.scopes(r).contains(ConsentScope.NARRATIVE))) {
            if (action.check(r.status, party) == ReferralAction.Verdict.ALLOWED) {
                throw ProblemException.invalid("/note", "a note is narrative survivor data: the consent does not cover NARRATIVE");
            }
        }
        if (action.check(r.status, party) != ReferralAction.Verdict.ALLOWED) {
            return null; // the aggregate answers with the right 403 or 409
        }
        return switch (action) {
            case DECLINE -> code("reasonCode", b.reasonCode(), DECLINE_REASONS);
            case HOLD -> code("reasonCode", b.reasonCode(), HOLD_REASONS);
            case FAIL -> code("reasonCode", b.reasonCode(), FAIL_REASONS);
            case WITHDRAW -> code("reasonCode", b.reasonCode(), WITHDRAW_REASONS);
            case COMPLETE -> {
                code("outcome", b.outcome(), OUTCOMES);
                yield null;
            }
            case REDIRECT -> {
                if (b.toAgencyId() == null || b.toAgencyId().isBlank()) {
                    throw ProblemException.invalid("/toAgencyId", "must not be blank");
                }
                yield null;
            }
            case WITHDRAW_CONSENT -> {
                List<FieldError> errors = new ArrayList<>();
                if (b.recordedBy() == null || b.recordedBy().isBlank()) {
                    errors.add(new FieldError("/recordedBy", "must not be blank"));
                }
                if (b.method() == null) {
                    errors.add(new FieldError("/method", "must not be null"));
                } else {
                    PageRequest.enumValue("method", b.method(), ReferralInput.ConsentMethod.class);
                }
                if (!errors.isEmpty()) {
                    throw ProblemException.invalid(errors);
                }
                yield null;
            }
            default -> null;
        };
    }

    private static String code(String field, String value, Set<String> allowed) {
        if (value == null || value.isBlank()) {
            throw ProblemException.invalid("/" + field, "must not be blank");
        }
        if (!allowed.contains(value)) {
            throw ProblemException.badRequest("Field /" + field + " must be one of " + new java.util.TreeSet<>(allowed));
        }
        return value;
    }

    private Uni<Read> redirect(Referral r, ActionBody b, CallerContext caller, Instant now) {
        ReferralView.ConsentView consent = codec.consent(r);
        if (!consent.allowOnwardReferral() || consent.withdrawnAt() != null || r.consentLapsed(now)) {
            if (r.callerOf(caller.agencyId()) == ReferralAction.Caller.RECEIVER && ReferralAction.REDIRECT.check(r.status,
                    ReferralAction.Caller.RECEIVER) == ReferralAction.Verdict.ALLOWED) {
                throw ProblemException.invalid("/toAgencyId", "the survivor's consent does not allow onward referral");
            }
        }
        return agencies.findById(b.toAgencyId()).chain(target -> {
            if (ReferralAction.REDIRECT.check(r.status, r.callerOf(caller.agencyId())) == ReferralAction.Verdict.ALLOWED) {
                if (target == null || !target.active) {
                    throw ProblemException.invalid("/toAgencyId", target == null ? "is not an agency of the directory" : "is suspended");
                }
                if (target.id.equals(r.receivingAgencyId) || target.id.equals(r.sendingAgencyId)) {
                    throw ProblemException.invalid("/toAgencyId", "must be a third agency");
                }
            }
            UUID onwardId = Uuids.v7();
            Transition redirected = r.redirectTo(r.callerOf(caller.agencyId()), onwardId, target.id, now);
            Referral onward = r.onward(onwardId, target.id, caller.username());
            Transition sent = onward.send(target.acknowledgeWithin(onward.priority), now);
            return refuseIfFull(target, r.priority, r.serviceList(), r.receivingAgencyId)
                    .chain(() -> r.dataKeyId == null || r.consentLapsed(now) ? Uni.createFrom().item(Survivor.NONE)
                            : cipher.dataKey(r.dataKeyId).map(key -> open(r, key)))
                    .chain(data -> reference(now).invoke(ref -> onward.reference = ref).chain(() -> seal(onward, data)))
                    .chain(onwardKey -> onward.persist().replaceWith(onwardKey))
                    .chain(onwardKey -> history(onward, sent, caller, null, onwardKey))
                    .chain(() -> noteKey(r, b.note()))
                    .chain(key -> record(r, redirected, caller, b.note(), key))
                    .chain(() -> publish(onward, sent.events(), caller))
                    .chain(() -> readWithData(r, caller));
        });
    }

    /** Why a survivor's consent ended: she withdrew it, or it reached its {@code expiresAt}. */
    enum ConsentEnd {
        WITHDRAWN("CONSENT_WITHDRAWN"), EXPIRED("CONSENT_EXPIRED");

        final String code;

        ConsentEnd(String code) {
            this.code = code;
        }
    }

    /**
     * Ends the survivor's consent on {@code r} and on every referral that carries her data onward from it:
     * those redirected from it and those made from the case it opened (they name that case), and so on
     * down. Their data keys are destroyed (and ciphertexts dropped), live ones end WITHDRAWN, each gets its
     * events with the true reason, and the one whose consent was ended ({@code cascadedFrom}) is named. A
     * referral already erased is left as it is: a second withdrawal, or an expiry reached again through a
     * cascade, changes nothing and emits nothing.
     */
    Uni<Void> withdrawConsent(Referral r, ActionBody b, CallerContext caller, Instant now, ConsentEnd why, UUID cascadedFrom) {
        ReferralAction.Caller party = why == ConsentEnd.WITHDRAWN && cascadedFrom == null ? r.callerOf(caller.agencyId())
                : ReferralAction.Caller.SENDER;
        Transition ended = r.endConsent(party, why.code, why == ConsentEnd.EXPIRED ? "relais-referral-service" : b.recordedBy(),
                cascadedFrom, now).orElse(null);
        if (ended == null) {
            return Uni.createFrom().voidItem();
        }
        UUID keyId = r.dataKeyId;
        Uni<Void> erase = keyId == null ? Uni.createFrom().voidItem() : cipher.destroy(keyId);
        return erase
                .chain(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                        "update referral_history set note_ct = null where referral_id = ?1").setParameter(1, r.id).executeUpdate()))
                .chain(() -> idempotency.forgetRequestsOf(List.of(r.id.toString())))
                .chain(() -> record(r, ended, caller, null, null))
                .chain(() -> onwardFrom(r))
                .chain(onward -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Referral next : onward) {
                        chain = chain.chain(() -> withdrawConsent(next, b, caller, now, why, r.id));
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
                : Referral.<Referral>find("(id = ?1 or caseId = ?2) and dataErasedAt is null order by id", r.redirectedToId,
                r.receivingCaseId);
        return query.withLock(LockModeType.PESSIMISTIC_WRITE).list();
    }

    /**
     * Inside the consumer's transaction: the case-service erased a case's survivor data (a walk-in's consent
     * withdrawn or expired): the referrals made from that case carry the same survivor's data and end with it.
     */
    Uni<Void> caseDataErased(UUID caseId, String reason) {
        ConsentEnd why = reason != null && reason.contains("expired") ? ConsentEnd.EXPIRED : ConsentEnd.WITHDRAWN;
        ActionBody by = new ActionBody(null, null, null, null, null, "relais-case-service", null);
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "update known_cases set data_erased_at = coalesce(data_erased_at, now()) where case_id = ?1")
                        .setParameter(1, caseId).executeUpdate())
                .chain(() -> Referral.<Referral>find("caseId = ?1 and dataErasedAt is null order by id", caseId)
                        .withLock(LockModeType.PESSIMISTIC_WRITE).list())
                .chain(referrals -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    Instant now = now();
                    for (Referral r : referrals) {
                        chain = chain.chain(() -> withdrawConsent(r, by, ReferralJobs.SYSTEM, now, why, caseId));
                    }
                    return chain;
                });
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A transition's history entry (its note, if any, encrypted under {@code key}), then its events. */
    Uni<Void> record(Referral r, Transition t, CallerContext caller, String note, DataKey key) {
        return history(r, t, caller, note, key).chain(() -> publish(r, t.events(), caller));
    }

    private Uni<DataKey> noteKey(Referral r, String note) {
        if (note == null || note.isBlank()) {
            return cipher.dataKey(null);
        }
        if (r.dataKeyId != null && !r.erased()) {
            return cipher.dataKey(r.dataKeyId);
        }
        return cipher.newDataKey().invoke(key -> r.dataKeyId = key.id());
    }

    private Uni<DataKey> history(Referral r, Transition t, CallerContext caller, String note, DataKey key) {
        ReferralHistory h = new ReferralHistory();
        h.id = Uuids.v7();
        h.referralId = r.id;
        h.action = t.action();
        h.fromStatus = t.from();
        h.toStatus = t.to();
        h.byAgencyId = caller.agencyId();
        h.byUser = actor(caller);
        h.at = r.updatedAt;
        h.reasonCode = t.reasonCode();
        if (note != null && !note.isBlank() && key != null && !key.destroyed()) {
            h.noteCt = key.encrypt(ReferralHistory.TABLE, h.id, "note", note);
        }
        return h.persist().replaceWith(key);
    }

    /** Publishes the events in order. */
    Uni<Void> publish(Referral r, List<Transition.Event> events, CallerContext caller) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Transition.Event e : events) {
            chain = chain.chain(() -> publish(r, e, caller));
        }
        return chain;
    }

    /** Publishes an event of the referral (its state as it is now, with the fields its type carries) through the outbox. */
    Uni<Void> publish(Referral r, Transition.Event event, CallerContext caller) {
        CloudEvent e = CloudEvent.of(SOURCE, event.type(), r.id.toString(), caller.agencyId(),
                EventData.of(event.data(codec.eventData(r))));
        return outbox.append(ReferralEvents.TOPIC, e, actor(caller), related(r));
    }

    static List<String> related(Referral r) {
        Set<String> ids = new LinkedHashSet<>();
        ids.add(r.id.toString());
        for (UUID id : new UUID[] {r.caseId, r.receivingCaseId, r.redirectedFromId, r.redirectedToId}) {
            if (id != null) {
                ids.add(id.toString());
            }
        }
        return List.copyOf(ids);
    }

    static String actor(CallerContext caller) {
        return caller.username() != null ? caller.username() : caller.clientId();
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
