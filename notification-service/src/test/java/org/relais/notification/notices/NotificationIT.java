package org.relais.notification.notices;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
@QuarkusTestResource(MailSink.class)
class NotificationIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    static final String POLICE = "police-" + RUN;
    static final String NGO = "ngo-" + RUN;
    static final String ORIGIN = "origin-" + RUN;

    @Inject
    AgencyDirectory directory;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final String ngoCaseworker = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    private final String ngoOther = TestTokens.user(NGO, "ngo-other", "caseworker");
    private final String ngoSupervisor = TestTokens.user(NGO, "ngo-supervisor", "supervisor");
    private final String policeCaseworker = TestTokens.user(POLICE, "police-caseworker", "caseworker");
    private final String policeSupervisor = TestTokens.user(POLICE, "police-supervisor", "supervisor");
    private final String origin = TestTokens.user(ORIGIN, "origin-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(
                mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true,\"notificationLanguage\":\"fr\","
                        + "\"dutyEmail\":\"duty@" + POLICE + ".example\"}")));
        directory.apply(AgencyRecord.of(
                mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true,\"notificationLanguage\":\"ar\","
                        + "\"dutyEmail\":\"duty@" + NGO + ".example\"}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + ORIGIN + "\",\"active\":true}")));
        MailSink.up();
    }

    private CloudEvent referralEvent(String type, String referralId, String priority, Map<String, String> extra) {
        ObjectNode d = mapper.createObjectNode()
                .put("referralId", referralId)
                .put("reference", "REF-2026-" + RUN)
                .put("priority", priority)
                .put("sendingAgencyId", POLICE)
                .put("receivingAgencyId", NGO);
        extra.forEach(d::put);
        return CloudEvent.of("/referral-service", type, referralId, POLICE, d);
    }

    private void publish(String topic, CloudEvent... events) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            for (CloudEvent e : events) {
                p.send(new ProducerRecord<>(topic, e.subject(), e.toJson(mapper)))
                        .get();
            }
        }
    }

    private List<Map<String, Object>> inbox(String token, String referralId, String language) {
        var request = given().auth().oauth2(token);
        if (language != null) {
            request = request.header("Accept-Language", language);
        }
        return request.queryParam("limit", 200)
                .when()
                .get("/api/v1/notifications")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.findAll { it.referralId == '" + referralId + "' }");
    }

    @Test
    void aSentReferralReachesTheReceiverOnceInItsLanguage() throws Exception {
        String referralId = Uuids.v7().toString();
        CloudEvent sent = referralEvent("relais.referral.sent", referralId, "ROUTINE", Map.of());
        publish(Topics.REFERRALS, sent, sent);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> inbox(ngoCaseworker, referralId, "fr").size() == 1);
        Map<String, Object> fr = inbox(ngoCaseworker, referralId, "fr").get(0);
        assertEquals("relais.referral.sent", fr.get("type"));
        assertEquals("AGENCY", fr.get("audience"));
        assertTrue(((String) fr.get("title")).startsWith("Nouvelle orientation REF-2026-" + RUN), fr.toString());
        assertTrue(((String) inbox(ngoCaseworker, referralId, "en").get(0).get("title")).startsWith("New referral"));
        assertTrue(
                ((String) inbox(ngoCaseworker, referralId, null).get(0).get("title")).startsWith("إحالة جديدة"),
                "the agency's language");
        assertEquals(0, inbox(policeCaseworker, referralId, "fr").size(), "the sender is not told of its own referral");
    }

    @Test
    void eachEventReachesTheAudienceOfTheContractsTable() throws Exception {
        String referralId = Uuids.v7().toString();
        publish(
                Topics.REFERRALS,
                referralEvent("relais.referral.accepted", referralId, "ROUTINE", Map.of("originAgencyId", ORIGIN)),
                referralEvent("relais.referral.withdrawn", referralId, "ROUTINE", Map.of()),
                referralEvent("relais.referral.overdue", referralId, "ROUTINE", Map.of("deadline", "ACKNOWLEDGE")));
        String caseId = Uuids.v7().toString();
        publish(
                Topics.CASES,
                CloudEvent.of(
                        "/case-service",
                        "relais.case.high-risk",
                        caseId,
                        NGO,
                        mapper.createObjectNode()
                                .put("caseId", caseId)
                                .put("referralId", referralId)
                                .put("owningAgencyId", NGO)
                                .put("priority", "EMERGENCY")),
                CloudEvent.of(
                        "/case-service",
                        "relais.case.opened",
                        caseId,
                        NGO,
                        mapper.createObjectNode()
                                .put("caseId", caseId)
                                .put("referralId", referralId)
                                .put("owningAgencyId", NGO)
                                .put("assignee", "ngo-caseworker")
                                .put("priority", "ROUTINE")));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> inbox(ngoSupervisor, referralId, "en").size() == 3);
        assertEquals(
                List.of("relais.referral.withdrawn", "relais.referral.overdue", "relais.case.high-risk"),
                types(ngoSupervisor, referralId));
        assertEquals(List.of("relais.referral.withdrawn", "relais.case.opened"), types(ngoCaseworker, referralId));
        assertEquals(List.of("relais.referral.withdrawn"), types(ngoOther, referralId));
        assertEquals(
                List.of("relais.referral.accepted", "relais.referral.overdue"), types(policeSupervisor, referralId));
        assertEquals(List.of("relais.referral.accepted"), types(policeCaseworker, referralId));
        assertEquals(List.of("relais.referral.accepted"), types(origin, referralId));
    }

    private List<String> types(String token, String referralId) {
        return inbox(token, referralId, "en").stream()
                .map(m -> (String) m.get("type"))
                .toList();
    }

    @Test
    void readStateIsPerUserAndOtherAgenciesSeeNothing() throws Exception {
        String referralId = Uuids.v7().toString();
        publish(Topics.REFERRALS, referralEvent("relais.referral.sent", referralId, "ROUTINE", Map.of()));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> inbox(ngoCaseworker, referralId, "en").size() == 1);
        String id = (String) inbox(ngoCaseworker, referralId, "en").get(0).get("id");
        given().auth()
                .oauth2(policeCaseworker)
                .when()
                .post("/api/v1/notifications/" + id + "/read")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(ngoCaseworker)
                .when()
                .post("/api/v1/notifications/" + id + "/read")
                .then()
                .statusCode(204);
        given().auth()
                .oauth2(ngoCaseworker)
                .queryParam("unread", true)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/notifications")
                .then()
                .statusCode(200)
                .body("items.id", not(hasItem(id)));
        given().auth()
                .oauth2(ngoOther)
                .queryParam("unread", true)
                .queryParam("limit", 200)
                .when()
                .get("/api/v1/notifications")
                .then()
                .statusCode(200)
                .body("items.id", hasItem(id));
        given().auth()
                .oauth2(TestTokens.user(NGO, "a", "auditor"))
                .when()
                .get("/api/v1/notifications")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(ngoCaseworker)
                .queryParam("unread", "maybe")
                .when()
                .get("/api/v1/notifications")
                .then()
                .statusCode(400);
    }

    @Test
    void anUrgentReferralEmailsTheDutyAddressEvenIfSmtpWasDownAtFirst() throws Exception {
        MailSink.down();
        String referralId = Uuids.v7().toString();
        publish(Topics.REFERRALS, referralEvent("relais.referral.sent", referralId, "URGENT", Map.of()));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> inbox(ngoCaseworker, referralId, "en").size() == 1);
        MailSink.up();
        MimeMessage mail = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> Arrays.stream(MailSink.server.getReceivedMessages())
                                .filter(m -> {
                                    try {
                                        return m.getSubject().contains("REF-2026-" + RUN)
                                                && m.getAllRecipients()[0]
                                                        .toString()
                                                        .equals("duty@" + NGO + ".example");
                                    } catch (Exception e) {
                                        return false;
                                    }
                                })
                                .findFirst()
                                .orElse(null),
                        m -> m != null);
        assertTrue(mail.getSubject().startsWith("[Relais]"));
    }

    @Test
    void theLiveStreamPushesNewNotificationsAndResumesFromLastEventId() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        String base = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                + "/api/v1/notifications/stream";
        CompletableFuture<List<String>> first = CompletableFuture.supplyAsync(() -> readEvents(client, base, null, 1));
        String referralId = Uuids.v7().toString();
        // publish only once the stream is open: it starts after the newest notification
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
        publish(Topics.REFERRALS, referralEvent("relais.referral.sent", referralId, "ROUTINE", Map.of()));
        List<String> got = first.get(45, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(1, got.size());
        String lastId = got.get(0)
                .lines()
                .filter(l -> l.startsWith("id:"))
                .findFirst()
                .orElseThrow()
                .substring(3)
                .trim();
        assertTrue(got.get(0).contains(referralId));
        // missed while disconnected: two more
        String later = Uuids.v7().toString();
        publish(
                Topics.REFERRALS,
                referralEvent("relais.referral.sent", later, "ROUTINE", Map.of()),
                referralEvent("relais.referral.withdrawn", later, "ROUTINE", Map.of()));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> inbox(ngoCaseworker, later, "en").size() == 2);
        List<String> resumed = CompletableFuture.supplyAsync(() -> readEvents(client, base, lastId, 2))
                .get(45, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(
                resumed.get(0).contains(later) && resumed.get(0).contains("relais.referral.sent"), resumed.toString());
        assertTrue(resumed.get(1).contains("relais.referral.withdrawn"));
        assertFalse(resumed.get(0).contains(referralId));
    }

    private List<String> readEvents(HttpClient client, String url, String lastEventId, int count) {
        return SseEvents.read(client, url, ngoCaseworker, lastEventId, count);
    }
}
