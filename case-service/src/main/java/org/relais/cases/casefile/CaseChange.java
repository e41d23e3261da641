package org.relais.cases.casefile;

import java.util.Map;
import java.util.function.UnaryOperator;
import org.relais.blocks.events.CaseEvents;

/**
 * What one change of a case did, as {@link CaseFile} answers it: the status before and after, the event to publish
 * ({@code null} when the change publishes none) with the fields of its own type, and the timeline's line for it
 * ({@code timeline} its type, {@code changed} its coded facts, never survivor data).
 */
public record CaseChange(
        CaseStatus from,
        CaseStatus to,
        String event,
        UnaryOperator<CaseEvents.Data> eventFields,
        String timeline,
        Map<String, Object> changed) {

    /** The event's data: the case's state when the event is written, with the fields of this change's type. */
    public CaseEvents.Data eventData(CaseFile c) {
        return eventFields.apply(c.eventState());
    }
}
