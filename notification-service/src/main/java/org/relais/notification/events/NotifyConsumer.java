package org.relais.notification.events;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.relais.blocks.events.CaseEvents;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.ReferralEvents;
import org.relais.blocks.inbox.EventConsumers;

/**
 * The consumer {@code notify} (group {@code notification-service.notify}) over {@code relais.referrals} and
 * {@code relais.cases}: the events someone must be told of, each handed to the handlers of its topic. Its name and
 * topics never change: the group's committed offsets are where it resumes, and a new name would read every event again.
 */
@ApplicationScoped
public class NotifyConsumer {

    static final String NAME = "notify";
    static final List<String> TOPICS = List.of(ReferralEvents.TOPIC, CaseEvents.TOPIC);
    static final Set<String> TYPES = Stream.concat(
                    ReferralEventHandlers.NOTIFIED.stream(), CaseEventHandlers.NOTIFIED.stream())
            .collect(Collectors.toUnmodifiableSet());

    void start(
            @Observes StartupEvent event,
            EventConsumers consumers,
            ReferralEventHandlers referrals,
            CaseEventHandlers cases) {
        consumers.start(NAME, TOPICS, TYPES, e -> handle(e, referrals, cases));
    }

    private static Uni<Void> handle(CloudEvent e, ReferralEventHandlers referrals, CaseEventHandlers cases) {
        if (ReferralEvents.TYPES.contains(e.type())) {
            return referrals.notify(e);
        }
        return cases.notify(e);
    }
}
