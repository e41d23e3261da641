package org.relais.referral.flow;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;
import org.relais.testkit.TopicReader;

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
@QuarkusTestResource(org.relais.testkit.KeycloakAdminStub.class)
class ReferralLifecycleIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String SENDER = "sender-" + RUN;
    private static final String QUICK = "quick-" + RUN;
    private static boolean registered;

    @Inject
    ReferralJobs jobs;

    private final ObjectMapper mapper = new ObjectMapper();
    private final String sender = TestTokens.user(SENDER, "sender-caseworker", "caseworker");
    private final String receiver = TestTokens.user(QUICK, "quick-caseworker", "caseworker");

    @BeforeEach
    void directory() {
        if (registered) {
            return;
        }
        String admin = TestTokens.platformUser("platform-admin", "platform-admin");
        for (String id : List.of(SENDER, QUICK)) {
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("""
                    {"id": "%s", "name": "%s", "type": "NGO", "region": "R-%s", "timeZone": "Africa/Casablanca",
                     "services": ["SHELTER"], "acknowledgeWithin": {"EMERGENCY": "PT2S", "URGENT": "PT2S", "ROUTINE": "PT2S"}}
                    """.formatted(id, id, RUN))
                    .when()
                    .post("/api/v1/agencies")
                    .then()
                    .statusCode(201);
        }
        for (String token : List.of(sender, receiver)) {
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .when()
                            .get("/api/v1/agencies/" + QUICK)
                            .then()
                            .statusCode(200));
        }
        registered = true;
    }

    private String send(String consent) {
        return given().auth()
                .oauth2(sender)
                .contentType(ContentType.JSON)
                .body("""
                {"receivingAgencyId": "%s", "services": ["SHELTER"], "priority": "URGENT",
                 "subject": {"fullName": "CANARY-Hanane"}, "consent": %s}""".formatted(QUICK, consent))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private static final String CONSENT = """
            {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL", "recordedAt": "2026-11-23T09:00:00Z",
             "recordedBy": "sender-caseworker", "allowOnwardReferral": false}""";

    private List<String> overdueDeadlines(String id, int atLeast, Duration deadline) {
        List<ConsumerRecord<String, String>> records = TopicReader.read(
                Topics.REFERRALS,
                r -> id.equals(r.key()) && r.value().contains("relais.referral.overdue"),
                rs -> rs.size() >= atLeast,
                deadline);
        return records.stream()
                .map(r -> {
                    try {
                        return mapper.readTree(r.value())
                                .get("data")
                                .get("deadline")
                                .asText();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @Test
    void eachMissedDeadlineEmitsOneEventEvenWithSeveralInstancesChecking() throws Exception {
        String id = send(CONSENT);
        // while waiting, three more "instances" check the deadlines concurrently with the scheduled job
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            CompletableFuture.allOf(
                            CompletableFuture.supplyAsync(this::check),
                            CompletableFuture.supplyAsync(this::check),
                            CompletableFuture.supplyAsync(this::check))
                    .join();
            given().auth()
                    .oauth2(receiver)
                    .when()
                    .get("/api/v1/referrals/" + id)
                    .then()
                    .statusCode(200)
                    .body("overdue", equalTo(true))
                    .body("overdueAt", notNullValue())
                    .body("status", equalTo("SENT"));
        });
        given().auth()
                .oauth2(receiver)
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .post("/api/v1/referrals/" + id + "/acknowledge")
                .then()
                .statusCode(200)
                .body("overdue", equalTo(false));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            CompletableFuture.allOf(
                            CompletableFuture.supplyAsync(this::check), CompletableFuture.supplyAsync(this::check))
                    .join();
            given().auth()
                    .oauth2(receiver)
                    .when()
                    .get("/api/v1/referrals/" + id)
                    .then()
                    .body("overdue", equalTo(true));
        });
        assertEquals(List.of("ACKNOWLEDGE", "DECIDE"), overdueDeadlines(id, 2, Duration.ofSeconds(30)));
        // and no third one, however often the deadlines are checked again
        CompletableFuture.allOf(CompletableFuture.supplyAsync(this::check), CompletableFuture.supplyAsync(this::check))
                .join();
        assertEquals(List.of("ACKNOWLEDGE", "DECIDE"), overdueDeadlines(id, 3, Duration.ofSeconds(3)));
    }

    private int check() {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(jobs::markOverdueBatch));
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anExpiredConsentIsTreatedAsWithdrawn() {
        String expiring = CONSENT.replace(
                "\"allowOnwardReferral\": false",
                "\"allowOnwardReferral\": false, \"expiresAt\": \""
                        + Instant.now().plusSeconds(3) + "\"");
        String id = send(expiring);
        given().auth()
                .oauth2(receiver)
                .when()
                .get("/api/v1/referrals/" + id)
                .then()
                .body("subject.fullName", equalTo("CANARY-Hanane"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            jobs.expireConsents();
            given().auth()
                    .oauth2(receiver)
                    .when()
                    .get("/api/v1/referrals/" + id)
                    .then()
                    .statusCode(200)
                    .body("subject", nullValue())
                    .body("dataErasedAt", notNullValue())
                    .body("status", equalTo("WITHDRAWN"));
        });
        given().auth()
                .oauth2(sender)
                .when()
                .get("/api/v1/referrals/" + id + "/history")
                .then()
                .body("reasonCode", org.hamcrest.Matchers.hasItem("CONSENT_EXPIRED"));
    }

    @Test
    void theCaseClosureClosesTheLoopOnceAndDirectCompletionIsRefused() throws Exception {
        String id = send(CONSENT);
        given().auth()
                .oauth2(receiver)
                .contentType(ContentType.JSON)
                .body("{\"assignee\": \"quick-caseworker\"}")
                .when()
                .post("/api/v1/referrals/" + id + "/accept")
                .then()
                .statusCode(200);
        UUID caseId = Uuids.v7();
        CloudEvent opened = CloudEvent.of(
                "/case-service",
                "relais.case.opened",
                caseId.toString(),
                QUICK,
                mapper.createObjectNode()
                        .put("referralId", id)
                        .put("owningAgencyId", QUICK)
                        .put("survivorId", UUID.randomUUID().toString()));
        CloudEvent closed = CloudEvent.of(
                "/case-service",
                "relais.case.closed",
                caseId.toString(),
                QUICK,
                mapper.createObjectNode()
                        .put("referralId", id)
                        .put("owningAgencyId", QUICK)
                        .put("outcome", "SERVICES_DELIVERED"));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(Topics.CASES, caseId.toString(), opened.toJson(jsonMapper())))
                    .get();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().auth()
                            .oauth2(receiver)
                            .when()
                            .get("/api/v1/referrals/" + id)
                            .then()
                            .body("receivingCaseId", equalTo(caseId.toString())));
            given().auth()
                    .oauth2(receiver)
                    .contentType(ContentType.JSON)
                    .body("{\"outcome\": \"SERVICES_DELIVERED\"}")
                    .when()
                    .post("/api/v1/referrals/" + id + "/complete")
                    .then()
                    .statusCode(409);
            // the same closure delivered twice
            p.send(new ProducerRecord<>(Topics.CASES, caseId.toString(), closed.toJson(jsonMapper())))
                    .get();
            p.send(new ProducerRecord<>(Topics.CASES, caseId.toString(), closed.toJson(jsonMapper())))
                    .get();
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(sender)
                        .when()
                        .get("/api/v1/referrals/" + id)
                        .then()
                        .body("status", equalTo("COMPLETED"))
                        .body("outcome", equalTo("SERVICES_DELIVERED")));
        List<ConsumerRecord<String, String>> completed = TopicReader.read(
                Topics.REFERRALS,
                r -> id.equals(r.key()) && r.value().contains("relais.referral.completed"),
                rs -> rs.size() >= 2,
                Duration.ofSeconds(5));
        assertEquals(1, completed.size(), "the referral completed once");
        given().auth()
                .oauth2(sender)
                .when()
                .get("/api/v1/referrals/" + id + "/history")
                .then()
                .body("action", equalTo(List.of("send", "accept", "case-closed")));
    }

    private static ObjectMapper jsonMapper() {
        return new ObjectMapper()
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
