package org.relais.notification.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
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
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.notification.notices.MailSink;
import org.relais.testkit.CanaryScan;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.OpenApiResponses;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * The notification-service's canary check. Events never carry survivor data; here a careless producer
 * puts a canary in every survivor field of the events anyway (subject, reason, note, summary,
 * description, externalReference). With DEBUG and Hibernate parameter logging on, the canary must not
 * reach a notification, an e-mail, a webhook body, the relais.notifications topic, a log line or a
 * table. (The input topics hold it only because the test wrote it there.)
 */
@QuarkusTest
@ExtendWith(OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
@QuarkusTestResource(MailSink.class)
class NotificationCanaryIT {

    static final String CANARY = "CANARY-Naima-Tazi-0655443322";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String NGO = "canary-ngo-" + RUN;
    private static final String POLICE = "canary-police-" + RUN;

    @Inject
    AgencyDirectory directory;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final String ngo = TestTokens.user(NGO, "ngo-caseworker", "caseworker");
    private final String admin = TestTokens.serviceAccount(NGO, "ngo-system", "agency-admin", "caseworker");

    private CloudEvent careless(String topic, String type, String subject, String priority) {
        ObjectNode d = mapper.createObjectNode()
                .put("referralId", subject)
                .put("caseId", subject)
                .put("reference", "REF-" + RUN)
                .put("priority", priority)
                .put("sendingAgencyId", POLICE)
                .put("receivingAgencyId", NGO)
                .put("owningAgencyId", NGO)
                .put("level", "HIGH")
                .put("outcome", "SERVICES_DELIVERED")
                .put("reason", CANARY)
                .put("note", CANARY)
                .put("summary", CANARY)
                .put("description", CANARY)
                .put("externalReference", CANARY);
        d.putObject("subject").put("fullName", CANARY).putObject("safeContact").put("value", CANARY);
        return CloudEvent.of(
                topic.equals(Topics.CASES) ? "/case-service" : "/referral-service", type, subject, POLICE, d);
    }

    @Test
    void survivorDataAProducerLeaksIntoAnEventGoesNoFurther() throws Exception {
        directory.apply(AgencyRecord.of(
                mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true,\"notificationLanguage\":\"en\","
                        + "\"dutyEmail\":\"duty@" + NGO + ".example\",\"webhookAllowedHosts\":[\"127.0.0.1\"]}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true}")));
        MailSink.up();
        try (Receiver receiver = new Receiver()) {
            given().auth()
                    .oauth2(admin)
                    .contentType(ContentType.JSON)
                    .body("{\"url\": \"" + receiver.url()
                            + "\", \"eventTypes\": [\"relais.referral.sent\", \"relais.case.closed\"]}")
                    .when()
                    .post("/api/v1/webhooks")
                    .then()
                    .statusCode(201);
            String referral = Uuids.v7().toString();
            String caseId = Uuids.v7().toString();
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                    "bootstrap.servers",
                    EmbeddedInfra.kafkaBootstrapServers(),
                    "key.serializer",
                    StringSerializer.class.getName(),
                    "value.serializer",
                    StringSerializer.class.getName()))) {
                for (CloudEvent e : List.of(
                        careless(Topics.REFERRALS, "relais.referral.sent", referral, "URGENT"),
                        careless(Topics.REFERRALS, "relais.referral.declined", referral, "URGENT"))) {
                    p.send(new ProducerRecord<>(Topics.REFERRALS, referral, e.toJson(mapper)))
                            .get();
                }
                for (CloudEvent e : List.of(
                        careless(Topics.CASES, "relais.case.high-risk", caseId, "EMERGENCY"),
                        careless(Topics.CASES, "relais.case.closed", caseId, "EMERGENCY"))) {
                    p.send(new ProducerRecord<>(Topics.CASES, caseId, e.toJson(mapper)))
                            .get();
                }
            }
            // everything that was to happen happened: notifications, two webhook deliveries, the duty e-mail
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received.size() >= 2);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> MailSink.messagesTo("duty@" + NGO + ".example").length >= 1);
            String inbox = await().atMost(Duration.ofSeconds(30))
                    .until(
                            () -> given().auth()
                                    .oauth2(ngo)
                                    .queryParam("limit", 200)
                                    .when()
                                    .get("/api/v1/notifications")
                                    .then()
                                    .statusCode(200)
                                    .extract()
                                    .asString(),
                            b -> b.contains(referral));
            String jdbc = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> outboxDrained(jdbc));

            assertFalse(inbox.contains(CANARY), "the inbox shows survivor data");
            for (Receiver.Received r : receiver.received) {
                assertFalse(r.body().contains(CANARY), "a webhook body carries survivor data: " + r.body());
                assertTrue(
                        r.body().contains("\"referralId\"") || r.body().contains("\"caseId\""),
                        "the rest of the event is delivered");
            }
            for (MimeMessage m : MailSink.messagesTo("duty@" + NGO + ".example")) {
                assertFalse(MailSink.text(m).contains(CANARY), "an e-mail carries survivor data");
            }
            assertEquals(List.of(), CanaryScan.tables(jdbc, CANARY), "tables holding survivor data");
            Set<String> written = Set.of(Topics.REFERRALS, Topics.CASES);
            List<String> topics = CanaryScan.topics(CANARY);
            assertTrue(written.containsAll(topics), "only the topics the test wrote hold the canary: " + topics);
            assertEquals(
                    List.of(), CanaryScan.log(Path.of("target/notification-service-test.log"), CANARY), "log lines");
            assertFalse(
                    CanaryScan.log(Path.of("target/notification-service-test.log"), "[org.hib.orm.jdb.bind]")
                            .isEmpty(),
                    "Hibernate's parameter logging is on");
        }
    }

    private static boolean outboxDrained(String jdbc) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(jdbc, "postgres", "postgres");
                var s = c.createStatement();
                var rs = s.executeQuery("select count(*) from relais_outbox where published_at is null")) {
            rs.next();
            return rs.getInt(1) == 0;
        }
    }
}
