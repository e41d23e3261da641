package org.relais.blocks.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestResponse;
import org.relais.blocks.problem.ProblemException;

/**
 * The users of an agency, as Keycloak knows them (the {@code agency} user attribute), read over its admin
 * REST API ({@link KeycloakAdminApi}) with the service's own client and kept a minute. The referral-service
 * (members, accept's assignee) and the case-service (assignment) use it; the realm is
 * {@code relais.directory.realm}. Blocking: call it on a worker thread. When Keycloak cannot be asked, or
 * answers anything but 200, a call is 503 problem+json.
 */
@ApplicationScoped
public class AgencyMembers {

    public record Member(String username, String displayName, List<String> roles) {}

    private record Cached(List<Member> members, long at) {}

    private static final long TTL_MILLIS = 60_000;
    private static final Set<String> PLATFORM_ROLES =
            Set.of("referrer", "caseworker", "supervisor", "agency-admin", "auditor");
    private static final String UNREACHABLE = "The identity provider cannot be reached to list the agency's members";

    private final KeycloakAdminApi keycloak;
    private final String realm;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public AgencyMembers(
            @RestClient KeycloakAdminApi keycloak,
            @ConfigProperty(name = "relais.directory.realm", defaultValue = "relais") String realm) {
        this.keycloak = keycloak;
        this.realm = realm;
    }

    public List<Member> of(String agencyId) {
        Cached c = cache.get(agencyId);
        if (c != null && System.currentTimeMillis() - c.at() < TTL_MILLIS) {
            return c.members();
        }
        JsonNode users = read(() -> keycloak.users(realm, "agency:" + agencyId, false, 500));
        List<Member> members = new ArrayList<>();
        for (JsonNode u : users) {
            if (!agencyId.equals(u.path("attributes").path("agency").path(0).asText(null))) {
                continue; // Keycloak's attribute search matches substrings
            }
            JsonNode roles = read(() -> keycloak.realmRoles(realm, u.path("id").asText()));
            TreeSet<String> names = new TreeSet<>();
            roles.forEach(r -> {
                if (PLATFORM_ROLES.contains(r.path("name").asText())) {
                    names.add(r.path("name").asText());
                }
            });
            String display =
                    (u.path("firstName").asText("") + " " + u.path("lastName").asText("")).trim();
            members.add(new Member(
                    u.path("username").asText(),
                    display.isEmpty() ? u.path("username").asText() : display,
                    List.copyOf(names)));
        }
        members.sort(Comparator.comparing(Member::username));
        cache.put(agencyId, new Cached(List.copyOf(members), System.currentTimeMillis()));
        return members;
    }

    public boolean isMember(String agencyId, String username) {
        return of(agencyId).stream().anyMatch(m -> m.username().equals(username));
    }

    private static JsonNode read(Supplier<RestResponse<JsonNode>> call) {
        RestResponse<JsonNode> r;
        try {
            r = call.get();
        } catch (WebApplicationException e) {
            throw answered(e.getResponse().getStatus());
        } catch (RuntimeException e) { // no connection, no token, no answer in time, a body that is not JSON
            throw ProblemException.unavailable(UNREACHABLE);
        }
        if (r.getStatus() != 200) {
            throw answered(r.getStatus());
        }
        return r.getEntity() == null ? MissingNode.getInstance() : r.getEntity();
    }

    private static ProblemException answered(int status) {
        return ProblemException.unavailable("The identity provider answered " + status + " when listing members");
    }
}
