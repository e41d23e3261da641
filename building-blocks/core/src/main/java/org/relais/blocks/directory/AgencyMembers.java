package org.relais.blocks.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.relais.blocks.problem.ProblemException;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users of an agency, as Keycloak knows them (the {@code agency} user attribute), read over the
 * admin REST API with the service's own client (its service account holds realm-management's
 * view-users and query-users) and kept a minute. Blocking: call it on a worker thread. The
 * referral-service (members, accept's assignee) and the case-service (assignment) produce one each
 * from their OIDC client.
 */
public class AgencyMembers {

    public record Member(String username, String displayName, List<String> roles) {
    }

    private record Cached(List<Member> members, long at) {
    }

    private static final long TTL_MILLIS = 60_000;
    private static final java.util.Set<String> PLATFORM_ROLES = java.util.Set.of("referrer", "caseworker", "supervisor",
            "agency-admin", "auditor");

    private final java.util.function.Supplier<String> accessToken;
    private final ObjectMapper mapper;
    private final URI base;
    private final String realm;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** {@code accessToken} gives a client-credentials access token of the service's own client. */
    public AgencyMembers(java.util.function.Supplier<String> accessToken, ObjectMapper mapper, String keycloakUrl, String realm) {
        this.accessToken = accessToken;
        this.mapper = mapper;
        this.base = URI.create(keycloakUrl.endsWith("/") ? keycloakUrl : keycloakUrl + "/");
        this.realm = realm;
    }

    public List<Member> of(String agencyId) {
        Cached c = cache.get(agencyId);
        if (c != null && System.currentTimeMillis() - c.at() < TTL_MILLIS) {
            return c.members();
        }
        String token;
        try {
            token = accessToken.get();
        } catch (RuntimeException e) {
            throw ProblemException.unavailable("The identity provider cannot be reached to list the agency's members");
        }
        JsonNode users = get("admin/realms/" + realm + "/users?briefRepresentation=false&max=500&q="
                + URLEncoder.encode("agency:" + agencyId, StandardCharsets.UTF_8), token);
        List<Member> members = new ArrayList<>();
        for (JsonNode u : users) {
            if (!agencyId.equals(u.path("attributes").path("agency").path(0).asText(null))) {
                continue; // Keycloak's attribute search matches substrings
            }
            JsonNode roles = get("admin/realms/" + realm + "/users/" + u.path("id").asText() + "/role-mappings/realm/composite", token);
            TreeSet<String> names = new TreeSet<>();
            roles.forEach(r -> {
                if (PLATFORM_ROLES.contains(r.path("name").asText())) {
                    names.add(r.path("name").asText());
                }
            });
            String display = (u.path("firstName").asText("") + " " + u.path("lastName").asText("")).trim();
            members.add(new Member(u.path("username").asText(), display.isEmpty() ? u.path("username").asText() : display,
                    List.copyOf(names)));
        }
        members.sort(java.util.Comparator.comparing(Member::username));
        cache.put(agencyId, new Cached(List.copyOf(members), System.currentTimeMillis()));
        return members;
    }

    public boolean isMember(String agencyId, String username) {
        return of(agencyId).stream().anyMatch(m -> m.username().equals(username));
    }

    private JsonNode get(String path, String token) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw ProblemException.unavailable("The identity provider answered " + r.statusCode() + " when listing members");
            }
            return mapper.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("Interrupted while listing members");
        } catch (java.io.IOException e) {
            throw ProblemException.unavailable("The identity provider cannot be reached to list the agency's members");
        }
    }
}
