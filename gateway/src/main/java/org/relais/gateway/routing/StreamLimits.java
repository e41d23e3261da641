package org.relais.gateway.routing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The room live streams have at the gateway: so many per user, per agency and in all. A stream holds
 * its place from admission until it ends, however it ends; the place is given back once, whichever of
 * the ways it ends is noticed first (the gateway sees several for one stream: the response's end, the
 * connection's close, an exception).
 */
public final class StreamLimits {

    /** Which limit refused a stream, named as the problem document names it. */
    public enum Scope {
        USER,
        AGENCY,
        GATEWAY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public sealed interface Outcome permits Permit, Refused {}

    /** No room under {@code scope}'s {@code limit}. */
    public record Refused(Scope scope, int limit) implements Outcome {}

    /** One stream's place. */
    public final class Permit implements Outcome {
        private final String user;
        private final String agency;
        private boolean released;

        private Permit(String user, String agency) {
            this.user = user;
            this.agency = agency;
        }

        /** Gives the place back; any call after the first does nothing. */
        public void release() {
            synchronized (StreamLimits.this) {
                if (released) {
                    return;
                }
                released = true;
                open--;
                decrement(users, user);
                if (agency != null) {
                    decrement(agencies, agency);
                }
            }
        }
    }

    private final int perUser;
    private final int perAgency;
    private final int total;
    private final Map<String, Integer> users = new HashMap<>();
    private final Map<String, Integer> agencies = new HashMap<>();
    private int open;

    public StreamLimits(int perUser, int perAgency, int total) {
        this.perUser = perUser;
        this.perAgency = perAgency;
        this.total = total;
    }

    /**
     * A place for one more stream of {@code user} (of {@code agency}, null for none), or the limit that
     * refuses it: the narrowest first, the one the caller can do something about.
     */
    public synchronized Outcome admit(String user, String agency) {
        if (users.getOrDefault(user, 0) >= perUser) {
            return new Refused(Scope.USER, perUser);
        }
        if (agency != null && agencies.getOrDefault(agency, 0) >= perAgency) {
            return new Refused(Scope.AGENCY, perAgency);
        }
        if (open >= total) {
            return new Refused(Scope.GATEWAY, total);
        }
        open++;
        users.merge(user, 1, Integer::sum);
        if (agency != null) {
            agencies.merge(agency, 1, Integer::sum);
        }
        return new Permit(user, agency);
    }

    /** Streams open now. */
    public synchronized int open() {
        return open;
    }

    /** Streams {@code user} has open now. */
    public synchronized int openFor(String user) {
        return users.getOrDefault(user, 0);
    }

    private static void decrement(Map<String, Integer> counts, String key) {
        // an entry at zero is removed, so the maps hold only the users and agencies with a stream open
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }
}
