package org.relais.blocks.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jboss.resteasy.reactive.RestResponse;
import org.junit.jupiter.api.Test;
import org.relais.blocks.problem.ProblemException;

class AgencyMembersTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Keycloak's admin API as the directory reads it; once {@code failure} is set, every call gets that instead. */
    private static final class FakeKeycloak implements KeycloakAdminApi {
        final AtomicInteger calls = new AtomicInteger();
        volatile Supplier<RestResponse<JsonNode>> failure;

        @Override
        public RestResponse<JsonNode> users(String realm, String q, boolean briefRepresentation, int max) {
            return answer(
                    realm,
                    "[{\"id\":\"1\",\"username\":\"ngo-caseworker\",\"firstName\":\"Case\",\"lastName\":\"Worker\","
                            + "\"attributes\":{\"agency\":[\"ngo-a\"]}},"
                            + "{\"id\":\"2\",\"username\":\"ngo-admin\",\"attributes\":{\"agency\":[\"ngo-a\"]}},"
                            + "{\"id\":\"3\",\"username\":\"lookalike\",\"attributes\":{\"agency\":[\"ngo-a-other\"]}}]");
        }

        @Override
        public RestResponse<JsonNode> realmRoles(String realm, String userId) {
            return answer(
                    realm,
                    userId.equals("1")
                            ? "[{\"name\":\"referrer\"},{\"name\":\"caseworker\"},{\"name\":\"offline_access\"}]"
                            : "[{\"name\":\"agency-admin\"},{\"name\":\"default-roles-relais\"}]");
        }

        private RestResponse<JsonNode> answer(String realm, String json) {
            calls.incrementAndGet();
            assertEquals("relais", realm);
            if (failure != null) {
                return failure.get();
            }
            try {
                return RestResponse.ok(MAPPER.readTree(json));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final FakeKeycloak keycloak = new FakeKeycloak();
    private final AgencyMembers members = new AgencyMembers(keycloak, "relais");

    @Test
    void theMembersAreTheAgencysUsersWithTheirPlatformRolesInUsernameOrder() {
        List<AgencyMembers.Member> found = members.of("ngo-a");
        assertEquals(
                List.of(
                        new AgencyMembers.Member("ngo-admin", "ngo-admin", List.of("agency-admin")),
                        new AgencyMembers.Member("ngo-caseworker", "Case Worker", List.of("caseworker", "referrer"))),
                found);
        assertTrue(members.isMember("ngo-a", "ngo-caseworker"));
        assertFalse(members.isMember("ngo-a", "lookalike"));
    }

    @Test
    void anAgencysMembersAreKeptAMinute() {
        members.of("ngo-a");
        int calls = keycloak.calls.get();
        keycloak.failure = () -> {
            throw new ProcessingException("Connection refused");
        };
        assertEquals(2, members.of("ngo-a").size());
        assertEquals(calls, keycloak.calls.get());
    }

    @Test
    void whenKeycloakCannotBeReachedTheAnswerIs503() {
        keycloak.failure = () -> {
            throw new ProcessingException("Connection refused");
        };
        ProblemException e = assertThrows(ProblemException.class, () -> members.of("ngo-a"));
        assertEquals(503, e.problem().status);
        assertEquals("The identity provider cannot be reached to list the agency's members", e.problem().detail);
    }

    @Test
    void whenKeycloakRefusesTheAnswerIs503NamingItsStatus() {
        keycloak.failure = () -> {
            throw new WebApplicationException(403);
        };
        ProblemException e = assertThrows(ProblemException.class, () -> members.isMember("ngo-a", "ngo-caseworker"));
        assertEquals(503, e.problem().status);
        assertEquals("The identity provider answered 403 when listing members", e.problem().detail);
    }
}
