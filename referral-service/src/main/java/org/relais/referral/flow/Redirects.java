package org.relais.referral.flow;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.referral.directory.AgencyRepository;
import org.relais.referral.flow.ReferralInput.ActionBody;

/**
 * A receiver redirects a referral to a third agency, within the survivor's consent to onward referral: the referral
 * ends REDIRECTED and a new one, carrying her data under a key of its own, is sent from the receiver to that agency.
 */
@ApplicationScoped
public class Redirects {

    private final AgencyRepository agencies;
    private final FieldCipher cipher;
    private final SurvivorCipher survivors;
    private final ReferralCreation creation;
    private final ReferralRecorder recorder;
    private final ReferralCodec codec;

    public Redirects(
            AgencyRepository agencies,
            FieldCipher cipher,
            SurvivorCipher survivors,
            ReferralCreation creation,
            ReferralRecorder recorder,
            ReferralCodec codec) {
        this.agencies = agencies;
        this.cipher = cipher;
        this.survivors = survivors;
        this.creation = creation;
        this.recorder = recorder;
        this.codec = codec;
    }

    /** Inside the caller's transaction, on the locked referral; the action's body already judged. */
    Uni<Void> redirect(Referral r, ActionBody b, CallerContext caller, Instant now) {
        ReferralAction.Caller party = r.callerOf(caller.agencyId());
        ReferralView.ConsentView consent = codec.consent(r);
        if (!consent.allowOnwardReferral() || consent.withdrawnAt() != null || r.consentLapsed(now)) {
            if (party == ReferralAction.Caller.RECEIVER
                    && ReferralAction.REDIRECT.check(r.status, ReferralAction.Caller.RECEIVER)
                            == ReferralAction.Verdict.ALLOWED) {
                throw ProblemException.invalid("/toAgencyId", "the survivor's consent does not allow onward referral");
            }
        }
        return agencies.findById(b.toAgencyId()).chain(target -> {
            if (ReferralAction.REDIRECT.check(r.status, party) == ReferralAction.Verdict.ALLOWED) {
                if (target == null || !target.active) {
                    throw ProblemException.invalid(
                            "/toAgencyId", target == null ? "is not an agency of the directory" : "is suspended");
                }
                if (target.id.equals(r.receivingAgencyId) || target.id.equals(r.sendingAgencyId)) {
                    throw ProblemException.invalid("/toAgencyId", "must be a third agency");
                }
            }
            UUID onwardId = Uuids.v7();
            // with no such agency, the aggregate refuses the redirect (403, 404 or 409): the 422 came first otherwise
            Transition redirected = r.redirectTo(party, onwardId, target == null ? null : target.id, now);
            Referral onward = r.onward(onwardId, target.id, caller.username());
            Transition sent = onward.send(target.acknowledgeWithin(onward.priority), now);
            return creation.refuseIfFull(target, r.priority, r.serviceList(), r.receivingAgencyId)
                    .chain(() -> r.dataKeyId == null || r.consentLapsed(now)
                            ? Uni.createFrom().item(Survivor.NONE)
                            : cipher.dataKey(r.dataKeyId).map(key -> survivors.open(r, key)))
                    .chain(data -> creation.reference(now)
                            .invoke(ref -> onward.reference = ref)
                            .chain(() -> survivors.seal(onward, data)))
                    .chain(onwardKey -> onward.persist().replaceWith(onwardKey))
                    .chain(onwardKey -> recorder.history(onward, sent, caller, null, onwardKey))
                    .chain(() -> survivors.noteKey(r, b.note()))
                    .chain(key -> recorder.record(r, redirected, caller, b.note(), key))
                    .chain(() -> recorder.publish(onward, sent.events(), caller));
        });
    }
}
