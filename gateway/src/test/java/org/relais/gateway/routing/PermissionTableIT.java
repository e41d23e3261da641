package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * API guide section 2's permission table, written out here from the API guide (not read from the
 * production table), exercised on every route of section 3 to 7 for every role: the gateway lets
 * through exactly the callers the table allows and answers 403 to the others before any service sees
 * the request. Platform users, an agency narrowed by its directory entry, and an agency suspended by
 * a record published on the compacted relais.agencies topic are checked too.
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class PermissionTableIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String ID = "0193a0c2-0000-7000-8000-0000000000aa";

    /** Which roles hold each permission (API guide section 2). */
    private static final Map<String, Set<String>> GRANTED = Map.ofEntries(
            Map.entry(
                    "directory:read",
                    Set.of(
                            "referrer",
                            "caseworker",
                            "supervisor",
                            "agency-admin",
                            "auditor",
                            "platform-auditor",
                            "platform-admin",
                            "internal")),
            Map.entry("directory:write", Set.of("platform-admin")),
            Map.entry("capacity:update", Set.of("supervisor", "agency-admin")),
            Map.entry("referral:create", Set.of("referrer", "caseworker", "supervisor")),
            Map.entry("referral:read", Set.of("referrer", "caseworker", "supervisor", "internal")),
            Map.entry("referral:respond", Set.of("caseworker", "supervisor")),
            Map.entry("case:read", Set.of("caseworker", "supervisor", "internal")),
            Map.entry("case:work", Set.of("caseworker", "supervisor")),
            Map.entry("case:supervise", Set.of("supervisor")),
            Map.entry("notification:read", Set.of("referrer", "caseworker", "supervisor", "agency-admin")),
            Map.entry("webhook:manage", Set.of("agency-admin")),
            Map.entry("audit:read-agency", Set.of("auditor")),
            Map.entry("audit:read-all", Set.of("platform-auditor", "internal")));

    /** Every proxied route of API guide sections 3 to 6 and the permission it needs. */
    private static final Map<String, String> ROUTES = new LinkedHashMap<>();

    static {
        ROUTES.put("GET /api/v1/agencies", "directory:read");
        ROUTES.put("GET /api/v1/agencies/x", "directory:read");
        ROUTES.put("GET /api/v1/agencies/x/members", "directory:read");
        ROUTES.put("POST /api/v1/agencies", "directory:write");
        ROUTES.put("PUT /api/v1/agencies/x", "directory:write");
        ROUTES.put("PUT /api/v1/agencies/x/capacity", "capacity:update");
        ROUTES.put("POST /api/v1/referrals", "referral:create");
        ROUTES.put("GET /api/v1/referrals", "referral:read");
        ROUTES.put("GET /api/v1/referrals/" + ID, "referral:read");
        ROUTES.put("GET /api/v1/referrals/" + ID + "/history", "referral:read");
        for (String action :
                List.of("acknowledge", "accept", "decline", "redirect", "start", "hold", "complete", "fail")) {
            ROUTES.put("POST /api/v1/referrals/" + ID + "/" + action, "referral:respond");
        }
        ROUTES.put("POST /api/v1/cases", "case:work");
        ROUTES.put("GET /api/v1/cases", "case:read");
        ROUTES.put("GET /api/v1/cases/" + ID, "case:read");
        ROUTES.put("GET /api/v1/cases/" + ID + "/timeline", "case:read");
        ROUTES.put("GET /api/v1/cases/risk-questions", "case:read");
        ROUTES.put("POST /api/v1/cases/" + ID + "/assign", "case:supervise");
        ROUTES.put("POST /api/v1/cases/" + ID + "/risk-assessments", "case:work");
        ROUTES.put("POST /api/v1/cases/" + ID + "/actions", "case:work");
        ROUTES.put("POST /api/v1/cases/" + ID + "/actions/" + ID + "/complete", "case:work");
        ROUTES.put("POST /api/v1/cases/" + ID + "/close", "case:work");
        ROUTES.put("GET /api/v1/notifications", "notification:read");
        ROUTES.put("POST /api/v1/notifications/" + ID + "/read", "notification:read");
        ROUTES.put("POST /api/v1/webhooks", "webhook:manage");
        ROUTES.put("GET /api/v1/webhooks", "webhook:manage");
        ROUTES.put("PATCH /api/v1/webhooks/" + ID, "webhook:manage");
        ROUTES.put("DELETE /api/v1/webhooks/" + ID, "webhook:manage");
        ROUTES.put("POST /api/v1/webhooks/" + ID + "/rotate-secret", "webhook:manage");
        ROUTES.put("GET /api/v1/webhooks/" + ID + "/deliveries", "webhook:manage");
        ROUTES.put("POST /api/v1/webhooks/" + ID + "/deliveries/" + ID + "/retry", "webhook:manage");
    }

    private static final List<String> AGENCY_ROLES =
            List.of("referrer", "caseworker", "supervisor", "agency-admin", "auditor");
    private static final List<String> PLATFORM_ROLES = List.of("platform-auditor", "platform-admin", "internal");

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static Response call(String token, String route) {
        String[] r = route.split(" ", 2);
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .request(r[0], r[1]);
    }

    /** 403 from the gateway itself (a problem of type forbidden), not an answer of a service. */
    private static boolean refused(Response r) {
        return r.statusCode() == 403 && r.asString().contains("/problems/forbidden");
    }

    private void publishAgency(String id, boolean active, List<String> permissions) throws Exception {
        var record = mapper.createObjectNode()
                .put("id", id)
                .put("name", id)
                .put("type", "NGO")
                .put("active", active);
        if (permissions != null) {
            permissions.forEach(record.putArray("permissions")::add);
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(
                            Topics.AGENCIES,
                            id,
                            CloudEvent.of("/referral-service", "relais.agency.updated", id, id, record)
                                    .toJson(mapper)))
                    .get();
        }
    }

    private static void awaitAdmitted(String agency) {
        String token = TestTokens.user(agency, "probe", "caseworker");
        await().atMost(Duration.ofSeconds(30)).until(() -> !refused(call(token, "GET /api/v1/agencies")));
    }

    @Test
    void everyRouteAdmitsExactlyTheRolesOfTheTable() throws Exception {
        String agency = "perm-" + RUN;
        publishAgency(agency, true, null);
        awaitAdmitted(agency);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> route : ROUTES.entrySet()) {
            Set<String> granted = GRANTED.get(route.getValue());
            for (String role : AGENCY_ROLES) {
                boolean refused = refused(call(TestTokens.user(agency, "u-" + role, role), route.getKey()));
                if (refused == granted.contains(role)) {
                    wrong.add(route.getKey() + " as " + role + (refused ? " refused" : " let through"));
                }
            }
            // a platform user (no agency) reaches only directory:* and audit:read-all routes; internal is not a
            // platform user but the services' own clients: its column applies at the services, and the public
            // gateway refuses it on every route (TokenEdgesIT)
            for (String role : PLATFORM_ROLES) {
                boolean expected = granted.contains(role)
                        && !role.equals("internal")
                        && (route.getValue().startsWith("directory:")
                                || route.getValue().equals("audit:read-all"));
                boolean refused = refused(call(TestTokens.platformUser("p-" + role, role), route.getKey()));
                if (refused == expected) {
                    wrong.add(route.getKey() + " as platform " + role + (refused ? " refused" : " let through"));
                }
            }
            boolean agencyLessCaseworkerRefused =
                    refused(call(TestTokens.platformUser("lost", "caseworker"), route.getKey()));
            if (!agencyLessCaseworkerRefused && !route.getValue().startsWith("directory:")) {
                wrong.add(route.getKey() + " let through a caseworker role without an agency");
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void theGatewaysOwnAuditRoutesFollowTheTable() throws Exception {
        String agency = "audit-" + RUN;
        publishAgency(agency, true, null);
        awaitAdmitted(agency);
        Map<String, Boolean> trail =
                Map.of("auditor", true, "caseworker", false, "supervisor", false, "agency-admin", false);
        trail.forEach((role, allowed) -> assertEquals(
                !allowed,
                refused(given().auth()
                        .oauth2(TestTokens.user(agency, "a", role))
                        .queryParam("referralId", ID)
                        .when()
                        .get("/api/v1/audit/trail")),
                "trail as " + role));
        assertEquals(
                false,
                refused(given().auth()
                        .oauth2(TestTokens.platformUser("pa", "platform-auditor"))
                        .when()
                        .get("/api/v1/audit/verify")));
        assertEquals(
                true,
                refused(given().auth()
                        .oauth2(TestTokens.user(agency, "a", "auditor"))
                        .when()
                        .get("/api/v1/audit/verify")));
        assertEquals(
                true,
                refused(given().auth()
                        .oauth2(TestTokens.platformUser("adm", "platform-admin"))
                        .when()
                        .get("/api/v1/audit/verify")));
    }

    @Test
    void aNarrowedAgencyKeepsOnlyItsPermissionsAndASuspendedOneIsRefusedEverywhere() throws Exception {
        String narrowed = "narrow-" + RUN;
        publishAgency(narrowed, true, List.of("directory:read", "referral:read"));
        awaitAdmitted(narrowed);
        String supervisor = TestTokens.user(narrowed, "s", "supervisor");
        assertEquals(false, refused(call(supervisor, "GET /api/v1/referrals")));
        assertEquals(true, refused(call(supervisor, "POST /api/v1/referrals")));
        assertEquals(true, refused(call(supervisor, "GET /api/v1/cases")));

        String suspended = "suspend-" + RUN;
        publishAgency(suspended, true, null);
        awaitAdmitted(suspended);
        String caseworker = TestTokens.user(suspended, "c", "caseworker");
        assertEquals(false, refused(call(caseworker, "GET /api/v1/cases")));
        publishAgency(suspended, false, null);
        // the same token, still valid, is refused everywhere within seconds
        await().atMost(Duration.ofSeconds(20)).until(() -> refused(call(caseworker, "GET /api/v1/cases")));
        for (String route : List.of(
                "GET /api/v1/agencies",
                "GET /api/v1/referrals",
                "GET /api/v1/notifications",
                "POST /api/v1/referrals")) {
            assertEquals(true, refused(call(caseworker, route)), route);
        }
    }
}
