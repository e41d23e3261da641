package org.relais.referral.flow;

import java.util.List;
import java.util.function.UnaryOperator;
import org.relais.blocks.events.ReferralEvents;

/**
 * What a transition of a referral did, for the service to persist: the history entry it makes ({@code action},
 * {@code from}, {@code to}, {@code reasonCode}) and the events it publishes, in order.
 */
public record Transition(String action, ReferralStatus from, ReferralStatus to, String reasonCode, List<Event> events) {

    /** An event to publish: its type, and the fields of its own it adds to the referral's state. */
    public record Event(String type, UnaryOperator<ReferralEvents.Data> details) {

        public static Event of(String type) {
            return new Event(type, UnaryOperator.identity());
        }

        /** The event's data, given the referral's state as {@link ReferralCodec#eventData} reads it. */
        public ReferralEvents.Data data(ReferralEvents.Data state) {
            return details.apply(state);
        }
    }

    /** Whether the status changed (withdrawing the consent of a terminal referral, or a case closing one, leaves it). */
    public boolean moved() {
        return from != to;
    }

    public List<String> eventTypes() {
        return events.stream().map(Event::type).toList();
    }
}
