package org.relais.referral.flow;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.Topics;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;
import org.relais.testkit.TopicReader;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
@QuarkusTestResource(org.relais.testkit.KeycloakAdminStub.class)
class ReferralIT {

    static final String CANARY = "CANARY-Zineb-El-Amrani-0661234567";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    static final String POLICE = "police-" + RUN;
    static final String NGO = "ngo-" + RUN;
    static final String SHELTER = "shelter-" + RUN;
    static final String OTHER = "other-" + RUN;
    static final String FULL = "full-" + RUN;
    private static boolean registered;

    @Inject
    AgroalDataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper();
    final String police = TestTokens.user(POLICE, "police-caseworker", "caseworker");
    final String ngo = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    final String shelter = TestTokens.user(SHELTER, "shelter-caseworker", "caseworker");
    final String other = TestTokens.user(OTHER, "other-caseworker", "caseworker");

    @BeforeEach
    void directory() {
        if (registered) {
            return;
        }
        String admin = TestTokens.platformUser("platform-admin", "platform-admin");
        for (String[] a : new String[][] {
            {POLICE, "POLICE", "AVAILABLE"},
            {NGO, "NGO", "AVAILABLE"},
            {SHELTER, "SHELTER", "AVAILABLE"},
            {OTHER, "NGO", "AVAILABLE"},
            {FULL, "NGO", "FULL"}
        }) {
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("""
                    {"id": "%s", "name": "%s", "type": "%s", "region": "Casablanca-Settat-%s", "timeZone": "Africa/Casablanca",
                     "services": ["PSYCHOSOCIAL_SUPPORT", "SHELTER", "INVESTIGATION"], "capacity": "%s",
                     "acknowledgeWithin": {"EMERGENCY": "PT1H", "URGENT": "PT4H", "ROUTINE": "P2D"}}
                    """.formatted(a[0], a[0], a[1], RUN, a[2]))
                    .when()
                    .post("/api/v1/agencies")
                    .then()
                    .statusCode(201);
        }
        for (String token : List.of(police, ngo, shelter, other)) {
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .when()
                            .get("/api/v1/agencies/" + NGO)
                            .then()
                            .statusCode(200));
        }
        registered = true;
    }

    static String referral(String to, String priority) {
        return """
                {"receivingAgencyId": "%s", "services": ["PSYCHOSOCIAL_SUPPORT", "SHELTER"], "priority": "%s",
                 "reason": "%s reason",
                 "subject": {"fullName": "%s", "birthYear": 1994, "languages": ["ar", "fr"],
                             "safeContact": {"method": "PHONE", "value": "%s", "safeTimes": "09:00-12:00", "noContact": false}},
                 "incident": {"forms": ["PHYSICAL", "PSYCHOLOGICAL"], "occurredOn": "2026-11-20", "ageBand": "25-34",
                              "childrenPresent": true, "needs": ["INTERPRETER"]},
                 "consent": {"granted": true, "scope": ["IDENTITY", "CONTACT", "NARRATIVE"], "method": "VERBAL",
                             "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker", "allowOnwardReferral": true,
                             "expiresAt": null},
                 "survivorId": null, "caseId": null, "externalReference": "PV-%s"}
                """.formatted(to, priority, CANARY, CANARY, CANARY, CANARY);
    }

    String send(String token, String body) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    Response act(String token, String id, String action, String body) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body == null ? "{}" : body)
                .when()
                .post("/api/v1/referrals/" + id + "/" + action);
    }

    @Test
    void theClosedLoopFromSendToComplete() throws Exception {
        Response created = given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body(referral(NGO, "URGENT"))
                .when()
                .post("/api/v1/referrals");
        created.then()
                .statusCode(201)
                .header("Location", containsString("/api/v1/referrals/"))
                .header("ETag", notNullValue())
                .body("status", equalTo("SENT"))
                .body("reference", org.hamcrest.Matchers.matchesPattern("REF-\\d{4}-\\d{6,}"))
                .body("subject.fullName", equalTo(CANARY))
                .body("sendingAgencyId", equalTo(POLICE))
                .body("survivorId", notNullValue())
                .body("consent.recordedBy", equalTo("police-caseworker"));
        String id = created.path("id");
        Instant createdAt = Instant.parse(created.path("createdAt"));
        assertEquals(createdAt.plus(Duration.ofHours(4)), Instant.parse(created.path("acknowledgeBy")));
        assertEquals(createdAt.plus(Duration.ofHours(8)), Instant.parse(created.path("decideBy")));

        given().auth()
                .oauth2(ngo)
                .queryParam("direction", "received")
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("items.id", hasItem(id));
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(200)
                .body("subject.safeContact.value", equalTo(CANARY))
                .body("reason", equalTo(CANARY + " reason"));
        given().auth()
                .oauth2(other)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(404);

        act(ngo, id, "acknowledge", null).then().statusCode(200).body("status", equalTo("ACKNOWLEDGED"));
        act(ngo, id, "accept", "{\"assignee\": \"ngo-caseworker\", \"note\": \"" + CANARY + " note\"}")
                .then()
                .statusCode(200)
                .body("status", equalTo("ACCEPTED"))
                .body("assignee", equalTo("ngo-caseworker"));
        act(ngo, id, "start", null).then().statusCode(200).body("status", equalTo("IN_PROGRESS"));
        act(ngo, id, "complete", "{\"outcome\": \"SERVICES_DELIVERED\"}")
                .then()
                .statusCode(200)
                .body("status", equalTo("COMPLETED"))
                .body("outcome", equalTo("SERVICES_DELIVERED"));

        given().auth()
                .oauth2(police)
                .when()
                .get("/api/v1/referrals/" + id + "/history")
                .then()
                .statusCode(200)
                .body("to", equalTo(List.of("SENT", "ACKNOWLEDGED", "ACCEPTED", "IN_PROGRESS", "COMPLETED")))
                .body("[2].note", equalTo(CANARY + " note"))
                .body("[2].byAgencyId", equalTo(NGO));

        List<ConsumerRecord<String, String>> events = TopicReader.read(
                Topics.REFERRALS, r -> id.equals(r.key()), rs -> rs.size() >= 5, Duration.ofSeconds(30));
        List<String> types = new ArrayList<>();
        for (ConsumerRecord<String, String> r : events) {
            assertFalse(r.value().contains("CANARY"), "no survivor data in events");
            JsonNode e = mapper.readTree(r.value());
            types.add(e.get("type").asText());
            assertEquals(POLICE, e.get("data").get("sendingAgencyId").asText());
            assertEquals(NGO, e.get("data").get("receivingAgencyId").asText());
        }
        assertEquals(
                List.of(
                        "relais.referral.sent",
                        "relais.referral.acknowledged",
                        "relais.referral.accepted",
                        "relais.referral.started",
                        "relais.referral.completed"),
                types);
    }

    @Test
    void theStateMachineAnswersOverHttpAsTheTableSays() {
        String id = send(police, referral(NGO, "ROUTINE"));
        act(police, id, "accept", null).then().statusCode(403); // the sender accepting
        act(other, id, "accept", null).then().statusCode(404); // not a party
        act(ngo, id, "start", null)
                .then()
                .statusCode(409)
                .body("currentStatus", equalTo("SENT"))
                .body("type", equalTo("https://relais.dev/problems/illegal-transition"));
        act(ngo, id, "withdraw", "{\"reasonCode\": \"ERROR\"}").then().statusCode(403);
        act(ngo, id, "decline", "{\"reasonCode\": \"NO_CAPACITY\"}")
                .then()
                .statusCode(200)
                .body("status", equalTo("DECLINED"));
        act(police, id, "withdraw", "{\"reasonCode\": \"ERROR\"}").then().statusCode(409);
        act(ngo, id, "decline", "{\"reasonCode\": \"MOON_PHASE\"}").then().statusCode(409);
        String live = send(police, referral(NGO, "ROUTINE"));
        act(ngo, live, "decline", "{\"reasonCode\": \"MOON_PHASE\"}").then().statusCode(400);
        act(ngo, live, "decline", "{}").then().statusCode(422).body("errors[0].field", equalTo("/reasonCode"));
        // a referrer holds no referral:respond
        act(TestTokens.user(NGO, "ngo-referrer", "referrer"), live, "acknowledge", null)
                .then()
                .statusCode(403);
        act(ngo, live, "acknowledge", null).then().statusCode(200);
        given().auth()
                .oauth2(ngo)
                .header("If-Match", "\"0\"")
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .post("/api/v1/referrals/" + live + "/accept")
                .then()
                .statusCode(412);
        act(ngo, live, "no-such-action", null).then().statusCode(404);
    }

    @Test
    void theAgencysMembersComeFromTheIdentityProviderAndTheAssigneeMustBeOne() {
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/agencies/" + NGO + "/members")
                .then()
                .statusCode(200)
                .body("username", equalTo(List.of("ngo-caseworker", "ngo-supervisor")))
                .body("[0].roles", equalTo(List.of("caseworker", "referrer")))
                .body("[0].displayName", equalTo("Case Worker"));
        given().auth()
                .oauth2(police)
                .when()
                .get("/api/v1/agencies/" + NGO + "/members")
                .then()
                .statusCode(403);
        String id = send(police, referral(NGO, "ROUTINE"));
        act(ngo, id, "accept", "{\"assignee\": \"stranger\"}")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/assignee"));
        act(ngo, id, "accept", "{\"assignee\": \"ngo-supervisor\"}")
                .then()
                .statusCode(200)
                .body("assignee", equalTo("ngo-supervisor"));
    }

    @Test
    void survivorDataOutsideTheConsentScopeIsRefusedWithItsField() {
        String identityOnly = referral(NGO, "ROUTINE")
                .replace("\"scope\": [\"IDENTITY\", \"CONTACT\", \"NARRATIVE\"]", "\"scope\": [\"IDENTITY\"]");
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body(identityOnly)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/subject/safeContact"))
                .body("errors.field", hasItem("/reason"))
                .body(not(containsString(CANARY)));
        String anonymous = """
                {"receivingAgencyId": "%s", "services": ["SHELTER"], "priority": "ROUTINE", "reason": "%s",
                 "consent": {"granted": false}}""".formatted(NGO, CANARY);
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body(anonymous)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/reason"))
                .body(not(containsString(CANARY)));
        String id = send(police, """
                {"receivingAgencyId": "%s", "services": ["SHELTER"], "priority": "ROUTINE", "consent": {"granted": false}}
                """.formatted(NGO));
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("consent.granted", equalTo(false));
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body(referral("nobody-" + RUN, "ROUTINE"))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/receivingAgencyId"));
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body(referral(NGO, "SOMETIME"))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("/priority"))
                .body(not(containsString(CANARY)));
    }

    @Test
    void oneIdempotencyKeyCreatesOneReferral() {
        String key = UUID.randomUUID().toString();
        String first = given().auth()
                .oauth2(police)
                .header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body(referral(SHELTER, "ROUTINE"))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String second = given().auth()
                .oauth2(police)
                .header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body(referral(SHELTER, "ROUTINE"))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        assertEquals(first, second);
        given().auth()
                .oauth2(police)
                .header("Idempotency-Key", key)
                .contentType(ContentType.JSON)
                .body(referral(SHELTER, "URGENT"))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422);
    }

    @Test
    void twoConflictingTransitionsLeaveOneWinner() throws Exception {
        String id = send(police, referral(NGO, "ROUTINE"));
        CyclicBarrier barrier = new CyclicBarrier(2);
        CompletableFuture<Integer> accept = CompletableFuture.supplyAsync(() -> {
            arrive(barrier);
            return act(ngo, id, "accept", null).statusCode();
        });
        CompletableFuture<Integer> decline = CompletableFuture.supplyAsync(() -> {
            arrive(barrier);
            return act(ngo, id, "decline", "{\"reasonCode\": \"DUPLICATE\"}").statusCode();
        });
        List<Integer> codes = new ArrayList<>(List.of(accept.get(), decline.get()));
        codes.sort(Integer::compare);
        assertEquals(List.of(200, 409), codes);
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id + "/history")
                .then()
                .statusCode(200)
                .body("size()", equalTo(2));
    }

    private static void arrive(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFullAgencyIsRefusedWithAlternativesExceptInAnEmergency() {
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body(referral(FULL, "URGENT"))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(422)
                .body("type", equalTo("https://relais.dev/problems/capacity-full"))
                .body("alternatives.id", hasItem(NGO))
                .body("alternatives.id", not(hasItem(POLICE)));
        send(police, referral(FULL, "EMERGENCY"));
    }

    @Test
    void aRedirectCreatesTheOnwardReferralAndTheOriginSeesItsOutcomeWithoutSurvivorData() {
        String id = send(police, referral(NGO, "URGENT"));
        Response redirected = act(ngo, id, "redirect", "{\"toAgencyId\": \"" + SHELTER + "\"}");
        redirected.then().statusCode(200).body("status", equalTo("REDIRECTED")).body("redirectedToId", notNullValue());
        String onward = redirected.path("redirectedToId");
        given().auth()
                .oauth2(shelter)
                .when()
                .get("/api/v1/referrals/" + onward)
                .then()
                .statusCode(200)
                .body("sendingAgencyId", equalTo(NGO))
                .body("originAgencyId", equalTo(POLICE))
                .body("redirectedFromId", equalTo(id))
                .body("subject.fullName", equalTo(CANARY));
        act(shelter, onward, "accept", null).then().statusCode(200);
        act(shelter, onward, "complete", "{\"outcome\": \"SERVICES_DELIVERED\"}")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(police)
                .when()
                .get("/api/v1/referrals/" + onward)
                .then()
                .statusCode(200)
                .body("status", equalTo("COMPLETED"))
                .body("outcome", equalTo("SERVICES_DELIVERED"))
                .body("subject", nullValue())
                .body("reason", nullValue())
                .body(not(containsString(CANARY)));
        act(police, onward, "withdraw", "{\"reasonCode\": \"ERROR\"}").then().statusCode(404);
        given().auth()
                .oauth2(police)
                .queryParam("direction", "sent")
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("items.id", not(hasItem(onward)));
        String noOnward = send(
                police,
                referral(NGO, "ROUTINE").replace("\"allowOnwardReferral\": true", "\"allowOnwardReferral\": false"));
        act(ngo, noOnward, "redirect", "{\"toAgencyId\": \"" + SHELTER + "\"}")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/toAgencyId"));
    }

    @Test
    void withdrawingConsentErasesTheReferralAndItsSuccessorForEveryone() throws Exception {
        String id = send(police, referral(NGO, "URGENT"));
        String onward = act(ngo, id, "redirect", "{\"toAgencyId\": \"" + SHELTER + "\", \"note\": \"" + CANARY + "\"}")
                .then()
                .statusCode(200)
                .extract()
                .path("redirectedToId");
        act(police, id, "withdraw-consent", "{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}")
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("dataErasedAt", notNullValue())
                .body("consent.withdrawnAt", notNullValue())
                .body("status", equalTo("REDIRECTED"));
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("reason", nullValue())
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(shelter)
                .when()
                .get("/api/v1/referrals/" + onward)
                .then()
                .statusCode(200)
                .body("status", equalTo("WITHDRAWN"))
                .body("subject", nullValue())
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id + "/history")
                .then()
                .statusCode(200)
                .body(not(containsString(CANARY)));
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select count(*) from referrals r join relais_data_keys k on k.id = r.data_key_id "
                                + "where r.id in ('" + id + "', '" + onward + "') and k.wrapped_key is not null")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "both data keys destroyed");
        }
        List<ConsumerRecord<String, String>> events = TopicReader.read(
                Topics.REFERRALS,
                r -> onward.equals(r.key()) || id.equals(r.key()),
                rs -> rs.stream()
                                .filter(r -> r.value().contains("consent-withdrawn"))
                                .count()
                        >= 2,
                Duration.ofSeconds(30));
        assertTrue(events.stream()
                .anyMatch(r -> onward.equals(r.key()) && r.value().contains("relais.referral.withdrawn")));
    }

    @Test
    void survivorDataIsCiphertextAtRestAndNowhereElse() throws Exception {
        String id = send(police, referral(NGO, "URGENT"));
        act(ngo, id, "accept", "{\"note\": \"" + CANARY + "\"}").then().statusCode(200);
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String table : List.of(
                    "referrals",
                    "referral_history",
                    "relais_outbox",
                    "relais_audit",
                    "relais_idempotency",
                    "relais_inbox",
                    "agencies")) {
                try (ResultSet rs =
                        s.executeQuery("select count(*) from " + table + " t where t::text like '%CANARY%'")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), table + " holds survivor data in the clear");
                }
            }
            try (ResultSet rs = s.executeQuery("select subject_ct from referrals where id = '" + id + "'")) {
                rs.next();
                assertTrue(rs.getString(1).startsWith("v1:"));
            }
            try (ResultSet rs = s.executeQuery("select count(*) from relais_audit where entity_id = '" + id
                    + "' and type = 'relais.access.survivor-data-read' and agency_id = '" + NGO + "'")) {
                rs.next();
                assertTrue(rs.getInt(1) >= 1, "the receiver's reads are audited");
            }
        }
    }

    private int readsAudited(String id) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from relais_audit where entity_id = '" + id
                        + "' and type = 'relais.access.survivor-data-read' and agency_id = '" + NGO + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aReadWhoseAuditEntryCannotBeWrittenIsRefusedNotAnswered() throws Exception {
        String id = send(police, referral(NGO, "URGENT"));
        given().auth().oauth2(ngo).when().get("/api/v1/referrals/" + id).then().statusCode(200);
        int before = readsAudited(id);
        // the audit table refuses this referral's entries, as a full disk or a broken table would
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("create or replace function refuse_audit_of_test() returns trigger language plpgsql as $$ "
                    + "begin raise exception 'audit refused by the test'; end $$");
            s.execute("create trigger refuse_audit_of_test before insert on relais_audit for each row when "
                    + "(new.entity_id = '" + id + "') execute function refuse_audit_of_test()");
        }
        try {
            Response refused = given().auth().oauth2(ngo).when().get("/api/v1/referrals/" + id);
            refused.then().statusCode(503).contentType("application/problem+json");
            assertFalse(refused.asString().contains(CANARY), "no survivor data in the refusal");
            Response page = given().auth()
                    .oauth2(ngo)
                    .queryParam("direction", "received")
                    .queryParam("limit", 200)
                    .when()
                    .get("/api/v1/referrals");
            page.then().statusCode(503).contentType("application/problem+json");
            assertFalse(page.asString().contains(CANARY), "no page with survivor data either");
            given().auth()
                    .oauth2(ngo)
                    .when()
                    .get("/api/v1/referrals/" + id + "/history")
                    .then()
                    .statusCode(200); // no note yet: nothing of hers shown, nothing to record
            assertEquals(before, readsAudited(id));
        } finally {
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("drop trigger refuse_audit_of_test on relais_audit");
                s.execute("drop function refuse_audit_of_test()");
            }
        }
        given().auth()
                .oauth2(ngo)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(200)
                .body("subject.fullName", equalTo(CANARY));
        assertEquals(before + 1, readsAudited(id));
    }

    @Test
    void aReadWhoseAuditEntryIsStuckBehindALockIsRefusedInTimeNotLeftHanging() throws Exception {
        String id = send(police, referral(NGO, "URGENT"));
        try (Connection holder = dataSource.getConnection();
                Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            // inserts into the audit table now wait, as behind a long migration or a stuck session would
            s.execute("lock table relais_audit in exclusive mode");
            long start = System.nanoTime();
            Response refused = given().auth().oauth2(ngo).when().get("/api/v1/referrals/" + id);
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            refused.then().statusCode(503).contentType("application/problem+json");
            assertFalse(refused.asString().contains(CANARY), "no survivor data in the refusal");
            assertTrue(waited.compareTo(Duration.ofSeconds(15)) < 0, "refused within the write timeout: " + waited);
            holder.rollback();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().auth()
                                .oauth2(ngo)
                                .when()
                                .get("/api/v1/referrals/" + id)
                                .statusCode()
                        == 200);
    }

    @Test
    void concurrentReadsAreEachAnsweredAndAuditedOnce() throws Exception {
        String id = send(police, referral(NGO, "ROUTINE"));
        int before = readsAudited(id);
        int readers = 24;
        CyclicBarrier start = new CyclicBarrier(readers);
        List<CompletableFuture<Integer>> reads = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(readers);
        for (int i = 0; i < readers; i++) {
            reads.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return given().auth()
                                .oauth2(ngo)
                                .when()
                                .get("/api/v1/referrals/" + id)
                                .statusCode();
                    },
                    pool));
        }
        try {
            for (CompletableFuture<Integer> r : reads) {
                assertEquals(200, r.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(before + readers, readsAudited(id), "one entry per read answered, none lost, none twice");
    }

    @Test
    void aListedPageShowsEachReferralsDataAndAuditsEachReadOnce() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        List<String> shown = List.of(send(police, referral(NGO, "ROUTINE")), send(police, referral(NGO, "URGENT")));
        String erased = send(police, referral(NGO, "ROUTINE"));
        act(police, erased, "withdraw-consent", "{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}")
                .then()
                .statusCode(200);

        Response page = given().auth()
                .oauth2(ngo)
                .queryParam("direction", "received")
                .queryParam("updatedSince", before.toString())
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/referrals");
        page.then().statusCode(200);
        for (String id : shown) {
            assertEquals(CANARY, page.path("items.find { it.id == '" + id + "' }.subject.fullName"), id);
            assertEquals(CANARY + " reason", page.path("items.find { it.id == '" + id + "' }.reason"), id);
        }
        assertNull(page.path("items.find { it.id == '" + erased + "' }.subject"), "erased data is not shown");
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String id : List.of(shown.get(0), shown.get(1), erased)) {
                try (ResultSet rs = s.executeQuery("select count(*), min(actor) from relais_audit where entity_id = '"
                        + id + "' and type = 'relais.access.survivor-data-read' and agency_id = '" + NGO + "'")) {
                    rs.next();
                    if (id.equals(erased)) {
                        assertEquals(0, rs.getInt(1), "nothing shown, nothing audited");
                    } else {
                        assertEquals(1, rs.getInt(1), "one list read, one audit entry for " + id);
                        assertEquals("ngo-caseworker", rs.getString(2));
                    }
                }
            }
        }
    }

    @Test
    void listsSyncByUpdatedSinceAndIfNoneMatch() {
        Instant before = Instant.now().minusSeconds(1);
        String id = send(police, referral(OTHER, "ROUTINE"));
        String other2 = send(police, referral(OTHER, "ROUTINE"));
        Response page = given().auth()
                .oauth2(other)
                .queryParam("direction", "received")
                .queryParam("updatedSince", before.toString())
                .queryParam("limit", 1)
                .when()
                .get("/api/v1/referrals");
        page.then().statusCode(200).body("items.size()", equalTo(1)).body("items[0].id", equalTo(id));
        given().auth()
                .oauth2(other)
                .queryParam("direction", "received")
                .queryParam("updatedSince", before.toString())
                .queryParam("cursor", (String) page.path("nextCursor"))
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("items.id", equalTo(List.of(other2)));
        String etag = given().auth()
                .oauth2(other)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .extract()
                .header("ETag");
        given().auth()
                .oauth2(other)
                .header("If-None-Match", etag)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .statusCode(304);
        // a page synced again without change is 304; once a referral on it moved, the page comes back
        Response synced = given().auth()
                .oauth2(other)
                .queryParam("direction", "received")
                .queryParam("updatedSince", before.toString())
                .when()
                .get("/api/v1/referrals");
        String pageTag = synced.then().statusCode(200).extract().header("ETag");
        assertTrue(pageTag != null && pageTag.startsWith("W/"), "a weak ETag for the page");
        given().auth()
                .oauth2(other)
                .header("If-None-Match", pageTag)
                .queryParam("direction", "received")
                .queryParam("updatedSince", before.toString())
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(304);
        act(other, id, "acknowledge", null).then().statusCode(200);
        given().auth()
                .oauth2(other)
                .header("If-None-Match", pageTag)
                .queryParam("direction", "received")
                .queryParam("updatedSince", before.toString())
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .header("ETag", not(equalTo(pageTag)));
        given().auth()
                .oauth2(other)
                .queryParam("direction", "sideways")
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(400);
        given().auth()
                .oauth2(other)
                .queryParam("status", "LOST")
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(400);
    }
}
