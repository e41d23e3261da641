package org.relais.notification.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.notification.notices.MailSink;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * A suspension or a narrowed directory entry reaches the push channels: the agency's open live streams
 * close, its webhook deliveries and duty e-mails are held (stored, not attempted, not sent), and they go
 * out once the directory restores it.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
@QuarkusTestResource(MailSink.class)
class PushHoldIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String POLICE = "sender-" + RUN;

    @Inject
    AgencyDirectory directory;

    @Inject
    AgroalDataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** A live stream read on a thread of its own: the events it got, and when the service ended it. */
    static final class Stream {
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicLong endedAt = new AtomicLong();

        Stream(String token) {
            String url = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                    + "/api/v1/notifications/stream";
            Thread t = new Thread(
                    () -> {
                        try {
                            HttpResponse<java.io.InputStream> r = HttpClient.newHttpClient()
                                    .send(
                                            HttpRequest.newBuilder(URI.create(url))
                                                    .header("Authorization", "Bearer " + token)
                                                    .header("Accept", "text/event-stream")
                                                    // the agency is new: from its first notification on, so none is
                                                    // missed while the stream opens
                                                    .header("Last-Event-ID", "0")
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofInputStream());
                            try (BufferedReader reader =
                                    new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = reader.readLine()) != null) {
                                    if (line.startsWith("data:")) {
                                        events.add(line);
                                    }
                                }
                            }
                        } catch (Exception e) {
                            // a reset counts as the end too
                        } finally {
                            endedAt.set(System.currentTimeMillis());
                        }
                    },
                    "test-stream");
            t.setDaemon(true);
            t.start();
        }
    }

    private void agency(String id, String extra) throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree(
                "{\"id\":\"" + id + "\",\"active\":true,\"dutyEmail\":\"duty@" + id + ".example\"" + extra + "}")));
    }

    private String urgentReferral(String to) throws Exception {
        String referralId = Uuids.v7().toString();
        CloudEvent e = CloudEvent.of(
                "/referral-service",
                "relais.referral.sent",
                referralId,
                POLICE,
                mapper.createObjectNode()
                        .put("referralId", referralId)
                        .put("reference", "REF-" + RUN)
                        .put("priority", "URGENT")
                        .put("sendingAgencyId", POLICE)
                        .put("receivingAgencyId", to));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(Topics.REFERRALS, referralId, e.toJson(mapper)))
                    .get();
        }
        return e.id();
    }

    /** Status and attempts of the event's webhook delivery and duty e-mail, as stored. */
    private List<String> stored(String eventId) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select 'webhook ' || status || ' ' || attempts from webhook_deliveries where event_id = ?::uuid "
                                + "union all select 'email ' || e.status || ' ' || e.attempts from email_deliveries e "
                                + "join notifications n on n.id = e.notification_id where n.event_id = ?::uuid order by 1")) {
            ps.setString(1, eventId);
            ps.setString(2, eventId);
            List<String> out = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    private void heldThenReleased(String agencyId, String restricted) throws Exception {
        MailSink.up();
        agency(POLICE, "");
        agency(agencyId, "");
        String admin = TestTokens.serviceAccount(agencyId, "held-system", "agency-admin");
        try (Receiver receiver = new Receiver()) {
            WebhookIT.register(admin, receiver.url(), "relais.referral.sent");
            Stream stream = new Stream(TestTokens.user(agencyId, "held-caseworker", "caseworker"));
            // the stream works: it carries the first referral, whose webhook and e-mail go out
            urgentReferral(agencyId);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> stream.events.size() == 1
                            && receiver.received.size() == 1
                            && MailSink.messagesTo("duty@" + agencyId + ".example").length == 1);

            agency(agencyId, restricted);
            await().atMost(Duration.ofSeconds(5)).until(() -> stream.endedAt.get() > 0);

            String held = urgentReferral(agencyId);
            await().atMost(Duration.ofSeconds(30)).until(() -> stored(held).size() == 2);
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> stored(held).equals(List.of("email PENDING 0", "webhook PENDING 0")));
            assertEquals(1, receiver.received.size());
            assertEquals(1, MailSink.messagesTo("duty@" + agencyId + ".example").length);

            agency(agencyId, "");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> receiver.received.size() == 2
                            && MailSink.messagesTo("duty@" + agencyId + ".example").length == 2);
            assertEquals("msg_" + held, receiver.received.get(1).headers().get("webhook-id"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> stored(held).equals(List.of("email SENT 1", "webhook DELIVERED 1")));
        }
    }

    @Test
    void aSuspendedAgencysStreamClosesAndItsPushesWaitForItsReturn() throws Exception {
        heldThenReleased("suspended-" + RUN, ",\"active\":false");
    }

    @Test
    void anAgencyNarrowedOfNotificationReadAndWebhookManageIsHeldTheSameWay() throws Exception {
        heldThenReleased("narrowed-" + RUN, ",\"permissions\":[\"directory:read\",\"referral:read\"]");
    }

    @Test
    void losingOnlyWebhookManageHoldsWebhooksButNotTheStream() throws Exception {
        String agencyId = "nohooks-" + RUN;
        agency(POLICE, "");
        agency(agencyId, "");
        String admin = TestTokens.serviceAccount(agencyId, "held-system", "agency-admin");
        try (Receiver receiver = new Receiver()) {
            WebhookIT.register(admin, receiver.url(), "relais.referral.sent");
            agency(agencyId, ",\"permissions\":[\"notification:read\",\"directory:read\"]");
            Stream stream = new Stream(TestTokens.user(agencyId, "held-caseworker", "caseworker"));
            String held = urgentReferral(agencyId);
            await().atMost(Duration.ofSeconds(30)).until(() -> stream.events.size() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> stored(held).contains("webhook PENDING 0"));
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> receiver.received.isEmpty());
            assertTrue(stream.endedAt.get() == 0, "the stream stays open");
        }
    }
}
