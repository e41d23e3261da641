package org.relais.blocks.directory;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agency directory as every component sees it, rebuilt from the compacted {@code relais.agencies}
 * topic by {@link AgencyDirectoryFeed}. The referral-service, which owns the directory, also applies
 * its own committed writes here at once.
 */
@ApplicationScoped
public class AgencyDirectory {

    private final Map<String, AgencyRecord> agencies = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;

    public Optional<AgencyRecord> find(String agencyId) {
        return agencyId == null ? Optional.empty() : Optional.ofNullable(agencies.get(agencyId));
    }

    public Collection<AgencyRecord> all() {
        return agencies.values();
    }

    public void apply(AgencyRecord record) {
        agencies.put(record.id(), record);
    }

    public void remove(String agencyId) {
        agencies.remove(agencyId);
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    void markCaughtUp() {
        caughtUp = true;
    }
}
