package org.relais.notification.events;

import java.util.LinkedHashSet;
import java.util.Set;

/** The agencies party to an event, as its data names them (absent ones left out). */
final class Parties {

    private Parties() {}

    static Set<String> of(String... agencyIds) {
        Set<String> parties = new LinkedHashSet<>();
        for (String id : agencyIds) {
            if (id != null) {
                parties.add(id);
            }
        }
        return parties;
    }
}
