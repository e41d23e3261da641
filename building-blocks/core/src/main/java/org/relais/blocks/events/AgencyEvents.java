package org.relais.blocks.events;

import java.util.Set;

/**
 * The events of the compacted topic {@code relais.agencies} (API guide section 8), produced by the referral-service's
 * directory, keyed by agency id; each carries the agency's whole non-PII record (the API's {@code Agency}), read by
 * every component through {@link org.relais.blocks.directory.AgencyRecord} (permissions, suspension, duty e-mail,
 * webhook hosts).
 */
public final class AgencyEvents {

    public static final String TOPIC = Topics.AGENCIES;

    public static final String REGISTERED = "relais.agency.registered";
    /** Edited, suspended or reactivated, or its capacity changed. */
    public static final String UPDATED = "relais.agency.updated";

    public static final Set<String> TYPES = Set.of(REGISTERED, UPDATED);

    private AgencyEvents() {}
}
