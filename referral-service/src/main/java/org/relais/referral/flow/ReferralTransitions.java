package org.relais.referral.flow;

import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.relais.blocks.directory.AgencyMembers;
import org.relais.blocks.http.Versions;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.FieldError;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.time.RelaisClock;
import org.relais.referral.consent.ConsentCascade;
import org.relais.referral.consent.ConsentRules;
import org.relais.referral.flow.ReferralInput.ActionBody;
import org.relais.referral.flow.ReferralInput.ConsentScope;

/**
 * A party's action on a referral ({@code POST /api/v1/referrals/{id}/{action}}): the referral locked and its version
 * checked, the action's body judged, the aggregate's transition taken, recorded and announced. A redirect goes to
 * {@link Redirects}, a consent withdrawal to {@link ConsentCascade}.
 */
@ApplicationScoped
public class ReferralTransitions {

    static final Set<String> DECLINE_REASONS =
            Set.of("NO_CAPACITY", "NOT_ELIGIBLE", "OUT_OF_AREA", "DUPLICATE", "OTHER");
    static final Set<String> HOLD_REASONS = Set.of("WAITLIST", "UNREACHABLE", "AWAITING_DOCUMENTS", "OTHER");
    static final Set<String> OUTCOMES = Set.of("SERVICES_DELIVERED", "SURVIVOR_DECLINED", "TRANSFERRED", "OTHER");
    static final Set<String> FAIL_REASONS = Set.of("LOST_CONTACT", "NO_SHOW", "SURVIVOR_DECLINED", "OTHER");
    static final Set<String> WITHDRAW_REASONS = Set.of("NO_LONGER_NEEDED", "REFERRED_ELSEWHERE", "ERROR", "OTHER");

    private final SurvivorCipher survivors;
    private final ReferralRecorder recorder;
    private final ReferralReads reads;
    private final Redirects redirects;
    private final ConsentCascade consent;
    private final RelaisClock clock;
    private final AgencyMembers members;

    public ReferralTransitions(
            SurvivorCipher survivors,
            ReferralRecorder recorder,
            ReferralReads reads,
            Redirects redirects,
            ConsentCascade consent,
            RelaisClock clock,
            AgencyMembers members) {
        this.members = members;
        this.survivors = survivors;
        this.recorder = recorder;
        this.reads = reads;
        this.redirects = redirects;
        this.consent = consent;
        this.clock = clock;
    }

    /**
     * Before the caller's transaction: an accept's assignee must be a member of the receiving agency (the caller's) as
     * the identity provider knows it, asked on a worker thread.
     */
    public Uni<Void> checkAssignee(ReferralAction action, ActionBody body, CallerContext caller) {
        if (action != ReferralAction.ACCEPT || body == null || body.assignee() == null) {
            return Uni.createFrom().voidItem();
        }
        return VertxContextSupport.executeBlocking(() -> members.isMember(caller.agencyId(), body.assignee()))
                .map(member -> {
                    if (!member) {
                        throw ProblemException.invalid("/assignee", "is not a member of the receiving agency");
                    }
                    return null;
                });
    }

    /** Inside the caller's transaction: locks the referral, applies the action, records it, emits its events. */
    public Uni<ReferralReads.Read> act(
            UUID id, ReferralAction action, ActionBody body, String ifMatch, CallerContext caller) {
        ActionBody b = body == null ? ActionBody.EMPTY : body;
        return Referral.<Referral>findById(id, LockModeType.PESSIMISTIC_WRITE).chain(r -> {
            if (r == null || !ReferralReads.visible(r, caller) || r.isOrigin(caller.agencyId())) {
                throw ProblemException.notFound("Referral");
            }
            ReferralAction.Caller party = r.callerOf(caller.agencyId());
            Versions.checkIfMatch(ifMatch, r.version);
            Instant now = clock.now();
            if (r.consentLapsed(now) && !r.erased()) {
                // expired and the job has not got to it yet: the referral is judged as withdrawn (any action but
                // withdraw-consent then answers 409, and this transaction, the expiry with it, rolls back: reads
                // hide her data regardless, and the expiry job records it); withdraw-consent records it now
                return consent.expire(r, now).chain(() -> act(r, action, b, party, caller, now));
            }
            return act(r, action, b, party, caller, now);
        });
    }

    private Uni<ReferralReads.Read> act(
            Referral r,
            ReferralAction action,
            ActionBody b,
            ReferralAction.Caller party,
            CallerContext caller,
            Instant now) {
        String reasonCode = validate(action, b, r, party);
        return switch (action) {
            case REDIRECT -> redirects.redirect(r, b, caller, now).chain(() -> reads.readWithData(r, caller));
            case WITHDRAW_CONSENT ->
                consent.withdraw(r, b.recordedBy(), caller, now).chain(() -> reads.readWithData(r, caller));
            default -> {
                Transition t = take(r, action, b, party, reasonCode, now);
                yield survivors
                        .noteKey(r, b.note())
                        .chain(key -> recorder.record(r, t, caller, b.note(), key))
                        .chain(() -> reads.readWithData(r, caller));
            }
        };
    }

    /** The aggregate's transition for a party's action (a redirect and a consent withdrawal take more than one). */
    private static Transition take(
            Referral r,
            ReferralAction action,
            ActionBody b,
            ReferralAction.Caller party,
            String reasonCode,
            Instant now) {
        return switch (action) {
            case ACKNOWLEDGE -> r.acknowledge(party, now);
            case ACCEPT -> r.accept(party, b.assignee(), now);
            case DECLINE -> r.decline(party, reasonCode, now);
            case START -> r.start(party, now);
            case HOLD -> r.hold(party, reasonCode, now);
            case COMPLETE -> r.complete(party, b.outcome(), now);
            case FAIL -> r.fail(party, reasonCode, now);
            case WITHDRAW -> r.withdraw(party, reasonCode, now);
            case REDIRECT, WITHDRAW_CONSENT -> throw new IllegalArgumentException(action.path());
        };
    }

    /** The action's own rules; answers the reason code it carries, if any. */
    private static String validate(ReferralAction action, ActionBody b, Referral r, ReferralAction.Caller party) {
        if (b.note() != null
                && !b.note().isBlank()
                && (r.erased() || !ConsentRules.scopes(r).contains(ConsentScope.NARRATIVE))) {
            if (action.check(r.status, party) == ReferralAction.Verdict.ALLOWED) {
                throw ProblemException.invalid(
                        "/note", "a note is narrative survivor data: the consent does not cover NARRATIVE");
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
            throw ProblemException.badRequest("Field /" + field + " must be one of " + new TreeSet<>(allowed));
        }
        return value;
    }
}
