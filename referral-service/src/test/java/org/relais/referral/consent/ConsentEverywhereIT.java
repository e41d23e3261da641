package org.relais.referral.consent;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

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
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.referral.flow.ReferralJobs;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;
import org.relais.testkit.TopicReader;

/**
 * The survivor's consent, tried on the side paths an attacker or a bad day would take: an expired consent
 * hides her data on every read and every action before any job records it; a withdrawal reaches every
 * referral that carries her data onward (redirects, referrals made from the case a referral opened), once,
 * with the true reason; the caseId and survivorId a client names are checked. (The expiry job runs only
 * when these tests call it.)
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
@QuarkusTestResource(org.relais.testkit.KeycloakAdminStub.class)
class ConsentEverywhereIT {

    private static final String CANARY = "CANARY-Samira-Bennani-0677001122";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String POLICE = "cpolice-" + RUN;
    private static final String NGO = "cngo-" + RUN;
    private static final String SHELTER = "cshelter-" + RUN;
    private static final String LEGAL = "clegal-" + RUN;
    private static boolean registered;

    @Inject
    ReferralJobs jobs;

    @Inject
    AgroalDataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper();
    private final String police = TestTokens.user(POLICE, "police-caseworker", "caseworker");
    private final String ngo = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    private final String shelter = TestTokens.user(SHELTER, "shelter-caseworker", "caseworker");
    private final String legal = TestTokens.user(LEGAL, "legal-caseworker", "caseworker");

    @BeforeEach
    void directory() {
        if (registered) {
            return;
        }
        String admin = TestTokens.platformUser("platform-admin", "platform-admin");
        for (String id : List.of(POLICE, NGO, SHELTER, LEGAL)) {
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("""
                    {"id": "%s", "name": "%s", "type": "NGO", "region": "R-%s", "timeZone": "Africa/Casablanca",
                     "services": ["SHELTER", "LEGAL_AID"], "acknowledgeWithin": {"EMERGENCY": "PT1H", "URGENT": "PT4H", "ROUTINE": "P2D"}}
                    """.formatted(id, id, RUN))
                    .when()
                    .post("/api/v1/agencies")
                    .then()
                    .statusCode(201);
        }
        for (String token : List.of(police, ngo, shelter, legal)) {
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .when()
                            .get("/api/v1/agencies/" + LEGAL)
                            .then()
                            .statusCode(200));
        }
        registered = true;
    }

    private static String body(String to, Instant expiresAt, String extra) {
        return """
                {"receivingAgencyId": "%s", "services": ["SHELTER"], "priority": "URGENT", "reason": "%s",
                 "subject": {"fullName": "%s"},
                 "consent": {"granted": true, "scope": ["IDENTITY", "NARRATIVE"], "method": "VERBAL",
                             "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker",
                             "allowOnwardReferral": true, "expiresAt": %s}%s}
                """.formatted(to, CANARY, CANARY, expiresAt == null ? "null" : "\"" + expiresAt + "\"", extra);
    }

    private Response create(String token, String body) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/api/v1/referrals");
    }

    private String send(String token, String body) {
        return create(token, body).then().statusCode(201).extract().path("id");
    }

    private Response act(String token, String id, String action, String body) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body == null ? "{}" : body)
                .when()
                .post("/api/v1/referrals/" + id + "/" + action);
    }

    private Response get(String token, String id) {
        return given().auth().oauth2(token).when().get("/api/v1/referrals/" + id);
    }

    private long count(String sql) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<JsonNode> events(String key, String type, int atLeast, Duration wait) {
        List<ConsumerRecord<String, String>> records = TopicReader.read(
                Topics.REFERRALS,
                r -> key.equals(r.key()) && r.value().contains("\"" + type + "\""),
                rs -> rs.size() >= atLeast,
                wait);
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            try {
                out.add(mapper.readTree(r.value()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private void publishCaseEvent(
            String type, UUID caseId, String owner, String referralId, String survivorId, String reason)
            throws Exception {
        var data = mapper.createObjectNode()
                .put("caseId", caseId.toString())
                .put("owningAgencyId", owner)
                .put("survivorId", survivorId)
                .put("status", "OPEN");
        if (referralId != null) {
            data.put("referralId", referralId);
        }
        if (reason != null) {
            data.put("reason", reason);
        }
        CloudEvent e = CloudEvent.of("/case-service", type, caseId.toString(), owner, data);
        ObjectMapper mapper = new ObjectMapper()
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(Topics.CASES, caseId.toString(), e.toJson(mapper)))
                    .get();
        }
    }

    @Test
    void anExpiredConsentShowsNothingOnAnyPathTheMomentItExpiresBeforeAnyJob() throws Exception {
        Instant expiresAt = Instant.now().plusSeconds(3);
        String id = send(police, body(NGO, expiresAt, ""));
        act(ngo, id, "acknowledge", "{\"note\": \"" + CANARY + " note\"}")
                .then()
                .statusCode(200);
        get(ngo, id).then().statusCode(200).body("subject.fullName", equalTo(CANARY));
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiresAt.plusMillis(200)));

        // every read, for both parties, shows nothing of her and records no read of her data
        for (String token : List.of(ngo, police)) {
            get(token, id)
                    .then()
                    .statusCode(200)
                    .body("subject", nullValue())
                    .body("reason", nullValue())
                    .body(not(containsString(CANARY)));
            given().auth()
                    .oauth2(token)
                    .when()
                    .get("/api/v1/referrals/" + id + "/history")
                    .then()
                    .statusCode(200)
                    .body(not(containsString(CANARY)));
        }
        given().auth()
                .oauth2(ngo)
                .queryParam("direction", "received")
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body(not(containsString(CANARY)));
        assertEquals(
                0,
                count("select count(*) from relais_audit where entity_id = '" + id
                        + "' and type = 'relais.access.survivor-data-read' and at > '" + expiresAt + "'"),
                "nothing shown, nothing audited");

        // no action carries her data onward or goes on as if the consent held
        // (the referral is treated as withdrawn: each is an illegal transition from WITHDRAWN)
        act(ngo, id, "redirect", "{\"toAgencyId\": \"" + SHELTER + "\"}").then().statusCode(409);
        act(ngo, id, "accept", null).then().statusCode(409);
        act(ngo, id, "accept", "{\"note\": \"" + CANARY + "\"}")
                .then()
                .statusCode(409)
                .body(not(containsString(CANARY)));
        get(ngo, id).then().body(not(containsString(CANARY)));

        // the first action that may go on records the expiry, with its true reason, once
        act(police, id, "withdraw-consent", "{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}")
                .then()
                .statusCode(200)
                .body("status", equalTo("WITHDRAWN"))
                .body("dataErasedAt", notNullValue())
                .body("consent.withdrawnBy", equalTo("relais-referral-service"));
        jobs.expireConsents();
        List<JsonNode> withdrawn = events(id, "relais.referral.consent-withdrawn", 2, Duration.ofSeconds(8));
        assertEquals(1, withdrawn.size(), "one consent-withdrawn event");
        assertEquals(
                "CONSENT_EXPIRED",
                withdrawn.get(0).get("data").get("reasonCode").asText());
        assertEquals(
                1,
                count("select count(*) from referral_history where referral_id = '" + id
                        + "' and action = 'withdraw-consent'"));
        assertEquals(
                0,
                count("select count(*) from referrals r join relais_data_keys k on k.id = r.data_key_id where r.id = '"
                        + id + "' and k.wrapped_key is not null"),
                "data key destroyed");
    }

    @Test
    void aSecondWithdrawalChangesNothingAndEmitsNothing() throws Exception {
        String id = send(police, body(NGO, null, ""));
        String first = act(
                        police,
                        id,
                        "withdraw-consent",
                        "{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}")
                .then()
                .statusCode(200)
                .extract()
                .path("consent.withdrawnAt");
        act(ngo, id, "withdraw-consent", "{\"recordedBy\": \"ngo-caseworker\", \"method\": \"WRITTEN\"}")
                .then()
                .statusCode(200)
                .body("consent.withdrawnAt", equalTo(first))
                .body("consent.withdrawnBy", equalTo("police-caseworker"));
        List<JsonNode> withdrawn = events(id, "relais.referral.consent-withdrawn", 2, Duration.ofSeconds(8));
        assertEquals(1, withdrawn.size());
        assertEquals(
                "CONSENT_WITHDRAWN",
                withdrawn.get(0).get("data").get("reasonCode").asText());
        assertEquals(
                1,
                events(id, "relais.referral.withdrawn", 2, Duration.ofSeconds(3))
                        .size());
        assertEquals(
                1,
                count("select count(*) from referral_history where referral_id = '" + id
                        + "' and action = 'withdraw-consent'"));
    }

    @Test
    void aWithdrawalReachesRedirectsAndReferralsMadeFromTheCaseWithTheTrueReason() throws Exception {
        String first = send(police, body(NGO, null, ""));
        String redirected = act(ngo, first, "redirect", "{\"toAgencyId\": \"" + SHELTER + "\"}")
                .then()
                .statusCode(200)
                .extract()
                .path("redirectedToId");
        act(shelter, redirected, "accept", null).then().statusCode(200);
        String survivor = get(shelter, redirected).then().extract().path("survivorId");
        UUID shelterCase = Uuids.v7();
        publishCaseEvent("relais.case.opened", shelterCase, SHELTER, redirected, survivor, null);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> get(shelter, redirected).then().body("receivingCaseId", equalTo(shelterCase.toString())));
        // the shelter refers her onward from its case: the referral carries the case's survivor
        String onward = create(shelter, body(LEGAL, null, ", \"caseId\": \"" + shelterCase + "\""))
                .then()
                .statusCode(201)
                .body("survivorId", equalTo(survivor))
                .body("caseId", equalTo(shelterCase.toString()))
                .extract()
                .path("id");
        get(legal, onward).then().body("subject.fullName", equalTo(CANARY));

        act(police, first, "withdraw-consent", "{\"recordedBy\": \"police-caseworker\", \"method\": \"WRITTEN\"}")
                .then()
                .statusCode(200);
        get(shelter, redirected)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("status", equalTo("WITHDRAWN"))
                .body("consent.withdrawnBy", equalTo("police-caseworker"));
        get(legal, onward)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body("reason", nullValue())
                .body("status", equalTo("WITHDRAWN"))
                .body("consent.withdrawnAt", notNullValue())
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(legal)
                .when()
                .get("/api/v1/referrals/" + onward + "/history")
                .then()
                .body("reasonCode", org.hamcrest.Matchers.hasItem("CONSENT_WITHDRAWN"))
                .body("reasonCode", not(org.hamcrest.Matchers.hasItem("CONSENT_EXPIRED")));
        for (String[] hop : new String[][] {{redirected, first}, {onward, redirected}}) {
            List<JsonNode> withdrawn = events(hop[0], "relais.referral.consent-withdrawn", 1, Duration.ofSeconds(20));
            assertEquals(1, withdrawn.size());
            assertEquals(
                    "CONSENT_WITHDRAWN",
                    withdrawn.get(0).get("data").get("reasonCode").asText());
            assertEquals(
                    hop[1], withdrawn.get(0).get("data").get("cascadedFromId").asText());
        }
        // the case-service's erasure of the shelter's case, announced afterwards, changes nothing more
        publishCaseEvent("relais.case.data-erased", shelterCase, SHELTER, redirected, survivor, "consent-withdrawn");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> count("select count(*) from known_cases where case_id = '" + shelterCase
                                + "' and data_erased_at is not null")
                        == 1);
        assertEquals(
                1,
                events(onward, "relais.referral.consent-withdrawn", 2, Duration.ofSeconds(3))
                        .size());
        // and a referral from the erased case carries no survivor data
        create(shelter, body(LEGAL, null, ", \"caseId\": \"" + shelterCase + "\""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/subject"));
    }

    @Test
    void aWalkInCaseErasedErasesTheReferralsMadeFromIt() throws Exception {
        UUID walkIn = Uuids.v7();
        String survivor = UUID.randomUUID().toString();
        publishCaseEvent("relais.case.opened", walkIn, NGO, null, survivor, null);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> count("select count(*) from known_cases where case_id = '" + walkIn + "'") == 1);
        String fromCase = create(ngo, body(SHELTER, null, ", \"caseId\": \"" + walkIn + "\""))
                .then()
                .statusCode(201)
                .body("survivorId", equalTo(survivor))
                .extract()
                .path("id");
        publishCaseEvent("relais.case.data-erased", walkIn, NGO, null, survivor, "consent-expired");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> get(shelter, fromCase)
                        .then()
                        .statusCode(200)
                        .body("subject", nullValue())
                        .body("status", equalTo("WITHDRAWN")));
        List<JsonNode> withdrawn = events(fromCase, "relais.referral.consent-withdrawn", 1, Duration.ofSeconds(20));
        assertEquals(
                "CONSENT_EXPIRED",
                withdrawn.get(0).get("data").get("reasonCode").asText());
        assertEquals(
                walkIn.toString(),
                withdrawn.get(0).get("data").get("cascadedFromId").asText());
    }

    @Test
    void theCaseAndSurvivorAClientNamesAreChecked() throws Exception {
        UUID shelterCase = Uuids.v7();
        String shelterSurvivor = UUID.randomUUID().toString();
        publishCaseEvent("relais.case.opened", shelterCase, SHELTER, null, shelterSurvivor, null);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> count("select count(*) from known_cases where case_id = '" + shelterCase + "'") == 1);
        // an unknown case, another agency's case, a survivor the sender is not party to: 422 naming the field
        create(police, body(NGO, null, ", \"caseId\": \"" + UUID.randomUUID() + "\""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/caseId"));
        create(police, body(NGO, null, ", \"caseId\": \"" + shelterCase + "\""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/caseId"));
        create(police, body(NGO, null, ", \"survivorId\": \"" + shelterSurvivor + "\""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/survivorId"));
        create(police, body(NGO, null, ", \"survivorId\": \"" + UUID.randomUUID() + "\""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/survivorId"));
        create(
                        shelter,
                        body(
                                NGO,
                                null,
                                ", \"caseId\": \"" + shelterCase + "\", \"survivorId\": \"" + UUID.randomUUID() + "\""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/survivorId"));
        // a survivor the sender is party to: both the sender of her referral and its receiver may name her
        String mine = send(police, body(NGO, null, ""));
        String survivor = get(police, mine).then().extract().path("survivorId");
        create(police, body(SHELTER, null, ", \"survivorId\": \"" + survivor + "\""))
                .then()
                .statusCode(201)
                .body("survivorId", equalTo(survivor));
        create(ngo, body(LEGAL, null, ", \"survivorId\": \"" + survivor + "\""))
                .then()
                .statusCode(201)
                .body("survivorId", equalTo(survivor));
        create(legal, body(SHELTER, null, ", \"survivorId\": \"" + shelterSurvivor + "\""))
                .then()
                .statusCode(422);
        // times no one means: 422 naming the field, never stored
        create(police, body(NGO, Instant.parse("9999-12-31T00:00:00Z"), ""))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/consent/expiresAt"));
        create(police, body(NGO, null, ", \"incident\": {\"occurredOn\": \"0001-01-01\"}"))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/incident/occurredOn"));
        create(shelter, body(LEGAL, null, ", \"survivorId\": \"" + shelterSurvivor + "\""))
                .then()
                .statusCode(201);
    }

    @Test
    void theExpiryJobCatchesUpWithABacklogLargerThanItsBatch() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 230; i++) {
            ids.add(send(police, body(SHELTER, Instant.now().plusSeconds(3600), "")));
        }
        String in = "('" + String.join("','", ids) + "')";
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            // a backlog: consents that expired while the job was not running
            s.executeUpdate("update referrals set consent_expires_at = now() - interval '1 minute' where id in " + in);
        }
        assertEquals(230, count("select count(*) from referrals where id in " + in + " and data_erased_at is null"));
        jobs.expireConsents(); // one run of the job: every batch of it
        assertEquals(0, count("select count(*) from referrals where id in " + in + " and data_erased_at is null"));
        assertEquals(230, count("select count(*) from referrals where id in " + in + " and status = 'WITHDRAWN'"));
        assertNotNull(ids);
        given().auth()
                .oauth2(shelter)
                .queryParam("direction", "received")
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body(
                        "items.findAll { it.id in "
                                + ids.stream().map(x -> "'" + x + "'").toList() + " }.subject",
                        everyItem(nullValue()));
    }
}
