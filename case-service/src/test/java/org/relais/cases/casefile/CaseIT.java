package org.relais.cases.casefile;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;
import org.relais.testkit.TopicReader;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "cases"))
@QuarkusTestResource(ReferralServiceStub.class)
class CaseIT {

    static final String CANARY = "CANARY-Samira-Bennani";
    static final String NGO = "ngo-casa-ecoute";
    static final String POLICE = "police-casa-anfa";

    @Inject
    AgencyDirectory directory;

    @Inject
    AgroalDataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final String caseworker = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    private final String supervisor = TestTokens.user(NGO, "ngo-supervisor", "supervisor");
    private final String police = TestTokens.user(POLICE, "police-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true}")));
        ReferralServiceStub.UP.set(true);
    }

    private void publish(CloudEvent... events) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            for (CloudEvent e : events) {
                p.send(new ProducerRecord<>(Topics.REFERRALS, e.subject(), e.toJson(mapper)))
                        .get();
            }
        }
    }

    private CloudEvent accepted(String referralId, String assignee) {
        var data = mapper.createObjectNode()
                .put("referralId", referralId)
                .put("receivingAgencyId", NGO)
                .put("sendingAgencyId", POLICE)
                .put("priority", "URGENT")
                .put("survivorId", Uuids.v7().toString())
                .put("status", "ACCEPTED");
        data.putArray("services").add("PSYCHOSOCIAL_SUPPORT");
        if (assignee != null) {
            data.put("assignee", assignee);
        }
        return CloudEvent.of("/referral-service", "relais.referral.accepted", referralId, NGO, data);
    }

    private void registerReferral(String referralId) {
        ReferralServiceStub.REFERRALS.put(referralId, """
                {"id": "%s", "subject": {"fullName": "%s", "birthYear": 1990},
                 "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL"}}""".formatted(referralId, CANARY));
    }

    private String caseOf(String referralId) {
        return await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> given().auth()
                                .oauth2(supervisor)
                                .queryParam("limit", 200)
                                .when()
                                .get("/api/v1/cases")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + referralId + "' }.id"),
                        ids -> !ids.isEmpty())
                .get(0);
    }

    private long casesOf(String referralId) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from cases where referral_id = '" + referralId + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String openCase() throws Exception {
        String referralId = Uuids.v7().toString();
        registerReferral(referralId);
        publish(accepted(referralId, "ngo-caseworker"));
        String id = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> {
                            var ids = given().auth()
                                    .oauth2(supervisor)
                                    .queryParam("limit", 200)
                                    .when()
                                    .get("/api/v1/cases")
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .<String>getList("items.findAll { it.referralId == '" + referralId + "' }.id");
                            return ids;
                        },
                        ids -> !ids.isEmpty())
                .get(0);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(caseworker)
                        .when()
                        .get("/api/v1/cases/" + id)
                        .then()
                        .body("detailsPending", equalTo(false)));
        return id;
    }

    private static String answers(int yes) {
        return IntStream.rangeClosed(1, 24)
                .mapToObj(i -> "\"q" + i + "\": " + (i <= yes ? "true" : i == 24 ? "null" : "false"))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    @Test
    void aReferredCaseWhoseConsentExpiredShowsNothingBeforeAnyWithdrawalArrives() throws Exception {
        String referralId = Uuids.v7().toString();
        java.time.Instant expiresAt = java.time.Instant.now().plusSeconds(8);
        ReferralServiceStub.REFERRALS.put(referralId, """
                {"id": "%s", "subject": {"fullName": "%s", "birthYear": 1990},
                 "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL", "expiresAt": "%s"}}""".formatted(referralId, CANARY, expiresAt));
        publish(accepted(referralId, "ngo-caseworker"));
        String id = caseOf(referralId);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(caseworker)
                        .when()
                        .get("/api/v1/cases/" + id)
                        .then()
                        .body("subject.fullName", equalTo(CANARY)));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> java.time.Instant.now().isAfter(expiresAt.plusMillis(200)));
        // the referral-service has not announced anything: the case's own record of the expiry is enough
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/" + id)
                .then()
                .statusCode(200)
                .body("subject", nullValue())
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(supervisor)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/cases")
                .then()
                .statusCode(200)
                .body("items.find { it.id == '" + id + "' }.subject", nullValue());
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"type\": \"APPOINTMENT\", \"dueAt\": \"2030-01-01T10:00:00Z\", \"description\": \"" + CANARY
                        + "\"}")
                .when()
                .post("/api/v1/cases/" + id + "/actions")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/description"))
                .body(not(containsString(CANARY)));
    }

    @Test
    void walkInBodiesAreBoundedAndTheirCodesValidated() {
        String consent =
                "{\"granted\": true, \"scope\": [\"IDENTITY\"], \"method\": \"VERBAL\", \"recordedBy\": \"ngo-caseworker\"}";
        String many = java.util.stream.IntStream.range(0, 50)
                .mapToObj(i -> "\"SHELTER\"")
                .collect(Collectors.joining(","));
        for (String[] bad : new String[][] {
            {"{\"consent\": " + consent + ", \"priority\": \"URGENT\", \"services\": [" + many + "]}", "/services"},
            {
                "{\"consent\": " + consent.replace("VERBAL", "TELEPATHY")
                        + ", \"priority\": \"URGENT\", \"services\": [\"SHELTER\"]}",
                null
            },
            {
                "{\"consent\": " + consent.replace("[\"IDENTITY\"]", "[\"EVERYTHING\"]")
                        + ", \"priority\": \"URGENT\", \"services\": [\"SHELTER\"]}",
                null
            },
            {"{\"consent\": " + consent + ", \"priority\": \"URGENT\", \"services\": [\"FLYING\"]}", null},
            {
                "{\"consent\": " + consent.replace("}", ", \"expiresAt\": \"9999-12-31T00:00:00Z\"}")
                        + ", \"priority\": \"URGENT\", \"services\": [\"SHELTER\"]}",
                "/consent/expiresAt"
            },
            {
                "{\"consent\": " + consent.replace("}", ", \"recordedAt\": \"0001-01-01T00:00:00Z\"}")
                        + ", \"priority\": \"URGENT\", \"services\": [\"SHELTER\"]}",
                "/consent/recordedAt"
            },
            {
                "{\"consent\": " + consent
                        + ", \"priority\": \"URGENT\", \"services\": [\"SHELTER\"], \"survivorId\": \""
                        + java.util.UUID.randomUUID() + "\"}",
                "/survivorId"
            }
        }) {
            var response = given().auth()
                    .oauth2(caseworker)
                    .contentType(ContentType.JSON)
                    .body(bad[0])
                    .when()
                    .post("/api/v1/cases");
            response.then()
                    .statusCode(org.hamcrest.Matchers.anyOf(equalTo(400), equalTo(422)))
                    .contentType(org.hamcrest.Matchers.containsString("application/problem+json"));
            if (bad[1] != null) {
                response.then().statusCode(422).body("errors.field", org.hamcrest.Matchers.hasItem(bad[1]));
            }
        }
    }

    @Test
    void aRepeatedRequestWithItsIdempotencyKeyChangesNothingTwice() throws Exception {
        String id = openCase();
        String action =
                "{\"type\": \"FOLLOW_UP_CALL\", \"dueAt\": \"2030-01-01T10:00:00Z\", \"description\": \"call back\"}";
        String key = "k-" + Uuids.v7();
        String first = given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", key)
                .body(action)
                .when()
                .post("/api/v1/cases/" + id + "/actions")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", key)
                .body(action)
                .when()
                .post("/api/v1/cases/" + id + "/actions")
                .then()
                .statusCode(201)
                .body("id", equalTo(first));
        String assessKey = "a-" + Uuids.v7();
        String assessment = given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", assessKey)
                .body("{\"answers\": " + answers(3) + "}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", assessKey)
                .body("{\"answers\": " + answers(3) + "}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(201)
                .body("id", equalTo(assessment));
        String closeKey = "c-" + Uuids.v7();
        String close = "{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"done\"}";
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", closeKey)
                .body(close)
                .when()
                .post("/api/v1/cases/" + id + "/close")
                .then()
                .statusCode(200)
                .body("status", equalTo("CLOSED"));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", closeKey)
                .body(close)
                .when()
                .post("/api/v1/cases/" + id + "/close")
                .then()
                .statusCode(200)
                .body("status", equalTo("CLOSED"));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", closeKey)
                .body(close.replace("done", "other"))
                .when()
                .post("/api/v1/cases/" + id + "/close")
                .then()
                .statusCode(422);
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String[] q : new String[][] {{"case_actions", "case_id"}, {"risk_assessments", "case_id"}}) {
                try (ResultSet rs =
                        s.executeQuery("select count(*) from " + q[0] + " where " + q[1] + " = '" + id + "'")) {
                    rs.next();
                    assertEquals(1, rs.getLong(1), q[0]);
                }
            }
            try (ResultSet rs = s.executeQuery("select count(*) from relais_outbox where aggregate_id = '" + id
                    + "' and event_type = 'relais.case.closed'")) {
                rs.next();
                assertEquals(1, rs.getLong(1), "closed once");
            }
        }
    }

    @Test
    void anAcceptedReferralOpensExactlyOneCaseHoweverItIsDelivered() throws Exception {
        String referralId = Uuids.v7().toString();
        registerReferral(referralId);
        CloudEvent event = accepted(referralId, "ngo-caseworker");
        CloudEvent redelivered = new CloudEvent(
                event.specversion(),
                Uuids.v7().toString(),
                event.source(),
                event.type(),
                event.subject(),
                event.time(),
                event.datacontenttype(),
                event.agencyid(),
                null,
                event.data());
        publish(event, event, redelivered, event);
        await().atMost(Duration.ofSeconds(30)).until(() -> casesOf(referralId) == 1);
        String id = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> given().auth()
                                .oauth2(supervisor)
                                .queryParam("limit", 200)
                                .when()
                                .get("/api/v1/cases")
                                .then()
                                .extract()
                                .jsonPath()
                                .<String>getList("items.findAll { it.referralId == '" + referralId + "' }.id"),
                        ids -> !ids.isEmpty())
                .get(0);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(caseworker)
                        .when()
                        .get("/api/v1/cases/" + id)
                        .then()
                        .statusCode(200)
                        .body("subject.fullName", equalTo(CANARY))
                        .body("assignee", equalTo("ngo-caseworker"))
                        .body("reference", org.hamcrest.Matchers.startsWith("CASE-"))
                        .body("priority", equalTo("URGENT")));
        assertEquals(1, casesOf(referralId));
        List<ConsumerRecord<String, String>> opened = TopicReader.read(
                Topics.CASES,
                r -> id.equals(r.key()) && r.value().contains("relais.case.opened"),
                rs -> rs.size() >= 2,
                Duration.ofSeconds(3));
        assertEquals(1, opened.size());
    }

    @Test
    void withTheReferralServiceDownTheCaseOpensPendingAndItsDetailsArriveLater() throws Exception {
        ReferralServiceStub.UP.set(false);
        String referralId = Uuids.v7().toString();
        registerReferral(referralId);
        publish(accepted(referralId, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> casesOf(referralId) == 1);
        String id = given().auth()
                .oauth2(supervisor)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/cases")
                .then()
                .extract()
                .jsonPath()
                .<String>getList("items.findAll { it.referralId == '" + referralId + "' }.id")
                .get(0);
        given().auth()
                .oauth2(supervisor)
                .when()
                .get("/api/v1/cases/" + id)
                .then()
                .statusCode(200)
                .body("detailsPending", equalTo(true))
                .body("subject", nullValue());
        ReferralServiceStub.UP.set(true);
        await().atMost(Duration.ofSeconds(40))
                .untilAsserted(() -> given().auth()
                        .oauth2(supervisor)
                        .when()
                        .get("/api/v1/cases/" + id)
                        .then()
                        .body("detailsPending", equalTo(false))
                        .body("subject.fullName", equalTo(CANARY)));
    }

    @Test
    void enteringHighRiskRaisesTheAlarmOnceAndThePriority() throws Exception {
        String id = openCase();
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"answers\": " + answers(9) + "}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(201)
                .body("score", equalTo(9))
                .body("level", equalTo("STANDARD"));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"answers\": " + answers(14) + "}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(201)
                .body("score", equalTo(14))
                .body("level", equalTo("HIGH"));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"answers\": " + answers(2) + ", \"professionalJudgement\": \"HIGH\"}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(201)
                .body("level", equalTo("HIGH"));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/" + id)
                .then()
                .body("riskLevel", equalTo("HIGH"))
                .body("priority", equalTo("EMERGENCY"));
        List<ConsumerRecord<String, String>> alarms = TopicReader.read(
                Topics.CASES,
                r -> id.equals(r.key()) && r.value().contains("relais.case.high-risk"),
                rs -> rs.size() >= 2,
                Duration.ofSeconds(5));
        assertEquals(1, alarms.size());
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"answers\": {\"q1\": true}}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/answers/q2"))
                .body("errors.field", hasItem("/answers/q24"));
    }

    @Test
    void theServicePlanTheClosureAndTheTimeline() throws Exception {
        String id = openCase();
        String past = Instant.now().minusSeconds(3600).toString();
        String actionId = given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"type\": \"FOLLOW_UP_CALL\", \"dueAt\": \"" + past + "\", \"description\": \"" + CANARY
                        + " call\"}")
                .when()
                .post("/api/v1/cases/" + id + "/actions")
                .then()
                .statusCode(201)
                .body("overdue", equalTo(true))
                .extract()
                .path("id");
        // an action honours If-Match like every other: a stale version changes nothing
        given().auth()
                .oauth2(caseworker)
                .header("If-Match", "\"999\"")
                .when()
                .post("/api/v1/cases/" + id + "/actions/" + actionId + "/complete")
                .then()
                .statusCode(412)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/" + id)
                .then()
                .statusCode(200)
                .body("actions[0].completedAt", nullValue());
        given().auth()
                .oauth2(caseworker)
                .when()
                .post("/api/v1/cases/" + id + "/actions/" + actionId + "/complete")
                .then()
                .statusCode(200)
                .body("actions[0].completedAt", notNullValue())
                .body("actions[0].overdue", equalTo(false));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"" + CANARY + " summary\"}")
                .when()
                .post("/api/v1/cases/" + id + "/close")
                .then()
                .statusCode(200)
                .body("status", equalTo("CLOSED"))
                .body("outcome", equalTo("SERVICES_DELIVERED"));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"outcome\": \"OTHER\", \"summary\": \"again\"}")
                .when()
                .post("/api/v1/cases/" + id + "/close")
                .then()
                .statusCode(409)
                .body("currentStatus", equalTo("CLOSED"));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/" + id + "/timeline")
                .then()
                .statusCode(200)
                .body(
                        "type",
                        equalTo(List.of("opened", "details-received", "action-added", "action-completed", "closed")))
                .body(not(containsString(CANARY)));
        List<ConsumerRecord<String, String>> closed = TopicReader.read(
                Topics.CASES,
                r -> id.equals(r.key()) && r.value().contains("relais.case.closed"),
                rs -> !rs.isEmpty(),
                Duration.ofSeconds(30));
        assertEquals(
                "SERVICES_DELIVERED",
                mapper.readTree(closed.get(0).value())
                        .get("data")
                        .get("outcome")
                        .asText());
        for (ConsumerRecord<String, String> r :
                TopicReader.read(Topics.CASES, r -> id.equals(r.key()), rs -> rs.size() >= 5, Duration.ofSeconds(30))) {
            assertEquals(false, r.value().contains("CANARY"), "no survivor data in case events");
        }
    }

    @Test
    void aConsentWithdrawalErasesTheCasesSurvivorData() throws Exception {
        String id = openCase();
        String referralId = given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/" + id)
                .then()
                .extract()
                .path("referralId");
        publish(CloudEvent.of(
                "/referral-service",
                "relais.referral.consent-withdrawn",
                referralId,
                POLICE,
                mapper.createObjectNode().put("referralId", referralId)));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(caseworker)
                        .when()
                        .get("/api/v1/cases/" + id)
                        .then()
                        .body("subject", nullValue())
                        .body("dataErasedAt", notNullValue()));
        TopicReader.read(
                Topics.CASES,
                r -> id.equals(r.key()) && r.value().contains("relais.case.data-erased"),
                rs -> !rs.isEmpty(),
                Duration.ofSeconds(30));
    }

    @Test
    void onlyTheOwningAgencySeesACaseAndListsFollowTheRole() throws Exception {
        String id = openCase();
        given().auth().oauth2(police).when().get("/api/v1/cases/" + id).then().statusCode(404);
        given().auth()
                .oauth2(police)
                .when()
                .get("/api/v1/cases/" + id + "/timeline")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body("{\"answers\": " + answers(1) + "}")
                .when()
                .post("/api/v1/cases/" + id + "/risk-assessments")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(police)
                .contentType(ContentType.JSON)
                .body("{\"outcome\": \"OTHER\", \"summary\": \"x\"}")
                .when()
                .post("/api/v1/cases/" + id + "/close")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(TestTokens.user(POLICE, "s", "supervisor"))
                .contentType(ContentType.JSON)
                .body("{\"assignee\": \"x\"}")
                .when()
                .post("/api/v1/cases/" + id + "/assign")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(police)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/cases")
                .then()
                .statusCode(200)
                .body("items.id", not(hasItem(id)));
        // a caseworker may not assign; a referrer may not read cases
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("{\"assignee\": \"x\"}")
                .when()
                .post("/api/v1/cases/" + id + "/assign")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.user(NGO, "r", "referrer"))
                .when()
                .get("/api/v1/cases/" + id)
                .then()
                .statusCode(403);
        // only a member of the agency (as the identity provider lists them) can be given the case
        given().auth()
                .oauth2(supervisor)
                .contentType(ContentType.JSON)
                .body("{\"assignee\": \"lookalike\"}")
                .when()
                .post("/api/v1/cases/" + id + "/assign")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("/assignee"));
        // the supervisor reassigns; the caseworker's default list no longer shows it, the supervisor's does
        given().auth()
                .oauth2(supervisor)
                .contentType(ContentType.JSON)
                .body("{\"assignee\": \"ngo-supervisor\"}")
                .when()
                .post("/api/v1/cases/" + id + "/assign")
                .then()
                .statusCode(200)
                .body("assignee", equalTo("ngo-supervisor"));
        given().auth()
                .oauth2(caseworker)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/cases")
                .then()
                .statusCode(200)
                .body("items.id", not(hasItem(id)));
        given().auth()
                .oauth2(caseworker)
                .queryParam("assignee", "any")
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/cases")
                .then()
                .statusCode(200)
                .body("items.id", hasItem(id));
        given().auth()
                .oauth2(supervisor)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/cases")
                .then()
                .statusCode(200)
                .body("items.id", hasItem(id));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/risk-questions")
                .then()
                .statusCode(200)
                .body("size()", equalTo(24))
                .body("[14].en", containsString("strangle"));
    }

    @Test
    void aWalkInCaseFollowsTheConsentRules() {
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("""
                {"subject": {"fullName": "%s"}, "consent": {"granted": false}, "priority": "URGENT", "services": ["SHELTER"]}
                """.formatted(CANARY))
                .when()
                .post("/api/v1/cases")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("/subject"))
                .body(not(containsString(CANARY)));
        given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("""
                {"subject": {"fullName": "%s"}, "priority": "URGENT", "services": ["SHELTER"],
                 "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL", "recordedBy": "ngo-caseworker",
                             "recordedAt": "2026-11-23T09:00:00Z"}}
                """.formatted(CANARY))
                .when()
                .post("/api/v1/cases")
                .then()
                .statusCode(201)
                .body("subject.fullName", equalTo(CANARY))
                .body("referralId", nullValue())
                .body("assignee", equalTo("ngo-caseworker"));
    }

    @Test
    void aWalkInsExpiredConsentErasesItsSurvivorData() {
        String expiresAt = java.time.Instant.now().plusSeconds(2).toString();
        String id = given().auth()
                .oauth2(caseworker)
                .contentType(ContentType.JSON)
                .body("""
                {"subject": {"fullName": "%s"}, "priority": "ROUTINE", "services": ["SHELTER"],
                 "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL", "recordedBy": "ngo-caseworker",
                             "recordedAt": "2026-11-23T09:00:00Z", "expiresAt": "%s"}}
                """.formatted(CANARY, expiresAt))
                .when()
                .post("/api/v1/cases")
                .then()
                .statusCode(201)
                .body("subject.fullName", equalTo(CANARY))
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(caseworker)
                        .when()
                        .get("/api/v1/cases/" + id)
                        .then()
                        .statusCode(200)
                        .body("subject", nullValue())
                        .body("dataErasedAt", notNullValue()));
        assertEquals(
                1,
                TopicReader.read(
                                Topics.CASES,
                                r -> id.equals(r.key()) && r.value().contains("relais.case.data-erased"),
                                rs -> !rs.isEmpty(),
                                Duration.ofSeconds(30))
                        .size(),
                "one data-erased event");
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/" + id + "/timeline")
                .then()
                .statusCode(200)
                .body("type", hasItem("data-erased"));
    }
}
