package org.relais.cases.casefile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.EventData;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.security.CallerContext;

/**
 * Writes what a {@link CaseChange} did, inside the change's transaction: its line of the case's timeline and, when it
 * publishes one, its event to the outbox (topic {@code relais.cases}, keyed by the case).
 */
@ApplicationScoped
public class CaseHistory {

    static final String SOURCE = "/case-service";
    /** The actor of what the service does by itself: opening from a referral, receiving details, erasing. */
    public static final String SERVICE = "relais-case-service";

    private final Outbox outbox;
    private final ObjectMapper mapper;

    public CaseHistory(Outbox outbox, ObjectMapper mapper) {
        this.outbox = outbox;
        this.mapper = mapper;
    }

    /** The change, done by {@code by}. */
    public Uni<Void> record(CaseFile c, CaseChange change, String by) {
        return record(c, change, by, by);
    }

    /** The changes in order, each done by {@code by}. */
    public Uni<Void> record(CaseFile c, List<CaseChange> changes, String by) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (CaseChange change : changes) {
            all = all.chain(() -> record(c, change, by));
        }
        return all;
    }

    /** The change, the timeline naming {@code timelineBy} and the event's audit entry {@code eventActor}. */
    public Uni<Void> record(CaseFile c, CaseChange change, String timelineBy, String eventActor) {
        TimelineEntry e = new TimelineEntry();
        e.id = Uuids.v7();
        e.caseId = c.id;
        e.at = c.updatedAt;
        e.type = change.timeline();
        e.byUser = timelineBy;
        e.detail = mapper.valueToTree(change.changed()).toString();
        return e.persist()
                .replaceWithVoid()
                .chain(() -> change.event() == null
                        ? Uni.createFrom().voidItem()
                        : outbox.append(
                                CaseEvents.TOPIC,
                                CloudEvent.of(
                                        SOURCE,
                                        change.event(),
                                        c.id.toString(),
                                        c.owningAgencyId,
                                        EventData.of(change.eventData(c))),
                                eventActor,
                                c.relatedIds()));
    }

    /** Who the caller is in the timeline and the audit trail: the user, or the client of a service account. */
    public static String actor(CallerContext caller) {
        return caller.username() != null ? caller.username() : caller.clientId();
    }
}
