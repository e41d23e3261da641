package org.relais.referral.flow;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.relais.blocks.crypto.DataKey;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.EventData;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.security.CallerContext;

/**
 * Records what a {@link Transition} did, in the caller's transaction: its history entry, and its events through the
 * outbox (so a change and its events commit together).
 */
@ApplicationScoped
public class ReferralRecorder {

    /** The referral-service itself, acting without a user's request (jobs, consent ending). */
    public static final CallerContext SYSTEM = new CallerContext(
            null, "relais-referral-service", "relais-referral-service", null, Set.of(CallerContext.INTERNAL_ROLE));

    static final String SOURCE = "/referral-service";

    private final Outbox outbox;
    private final ReferralCodec codec;

    public ReferralRecorder(Outbox outbox, ReferralCodec codec) {
        this.outbox = outbox;
        this.codec = codec;
    }

    /** The transition's history entry (its note, if any, encrypted under {@code key}), then its events. */
    public Uni<Void> record(Referral r, Transition t, CallerContext caller, String note, DataKey key) {
        return history(r, t, caller, note, key).chain(() -> publish(r, t.events(), caller));
    }

    /** The transition's history entry only; its {@code at} is the referral's {@code updatedAt}. */
    public Uni<Void> history(Referral r, Transition t, CallerContext caller, String note, DataKey key) {
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
        return h.persist().replaceWithVoid();
    }

    /** Publishes the events in order. */
    public Uni<Void> publish(Referral r, List<Transition.Event> events, CallerContext caller) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Transition.Event e : events) {
            chain = chain.chain(() -> publish(r, e, caller));
        }
        return chain;
    }

    /** Publishes an event of the referral: its state as it is now, with the fields the event's type carries. */
    public Uni<Void> publish(Referral r, Transition.Event event, CallerContext caller) {
        CloudEvent e = CloudEvent.of(
                SOURCE, event.type(), r.id.toString(), caller.agencyId(), EventData.of(event.data(codec.eventData(r))));
        return outbox.append(ReferralEvents.TOPIC, e, actor(caller), related(r));
    }

    /** The records an audit entry about the referral is found under: itself, its cases, its redirects. */
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
}
