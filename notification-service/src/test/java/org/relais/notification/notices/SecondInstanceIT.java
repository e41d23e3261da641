package org.relais.notification.notices;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.testkit.EmbeddedInfra;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.ServiceProcess;
import org.relais.testkit.TestTokens;

/**
 * Two instances of the notification-service: this test's and a second process of the packaged
 * service on the same database and broker, in the same consumer group. An event on a partition the
 * second instance owns becomes a notification there, and an SSE client of the first instance gets it
 * (PostgreSQL LISTEN/NOTIFY); and the other way round.
 */
@QuarkusTest
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
@QuarkusTestResource(MailSink.class)
class SecondInstanceIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String POLICE = "police2-" + RUN;
    private static final String NGO = "ngo2-" + RUN;
    private static final String GROUP = "notification-service.notify";
    private static final String SECOND = "notification-second";

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final String token = TestTokens.user(NGO, "ngo-caseworker", "caseworker");

    @Test
    void anSseClientOfEitherInstanceGetsWhatTheOtherProduced() throws Exception {
        // both instances learn the agencies from the compacted directory topic, as in production
        publish(
                Topics.AGENCIES,
                POLICE,
                CloudEvent.of(
                        "/referral-service",
                        "relais.agency.registered",
                        POLICE,
                        POLICE,
                        mapper.createObjectNode().put("id", POLICE).put("active", true)));
        publish(
                Topics.AGENCIES,
                NGO,
                CloudEvent.of(
                        "/referral-service",
                        "relais.agency.registered",
                        NGO,
                        NGO,
                        mapper.createObjectNode()
                                .put("id", NGO)
                                .put("active", true)
                                .put("notificationLanguage", "en")));
        String first = "http://127.0.0.1:" + io.restassured.RestAssured.port;
        try (ServiceProcess second = ServiceProcess.start(SECOND, Duration.ofSeconds(120))) {
            Map<String, Set<Integer>> owners = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            SecondInstanceIT::referralPartitionsByMember,
                            m -> m.size() == 2
                                    && m.values().stream().noneMatch(Set::isEmpty)
                                    && m.keySet().stream().anyMatch(k -> k.endsWith("." + SECOND)));
            Set<Integer> secondOwns = owners.entrySet().stream()
                    .filter(e -> e.getKey().endsWith("." + SECOND))
                    .findFirst()
                    .orElseThrow()
                    .getValue();
            Set<Integer> firstOwns = owners.entrySet().stream()
                    .filter(e -> !e.getKey().endsWith("." + SECOND))
                    .findFirst()
                    .orElseThrow()
                    .getValue();
            String viaSecond = keyOn(secondOwns);
            String viaFirst = keyOn(firstOwns);

            String after = Long.toString(latestSeq());
            HttpClient client = HttpClient.newHttpClient();
            CompletableFuture<List<String>> onFirst =
                    CompletableFuture.supplyAsync(() -> read(client, first, after, 2));
            CompletableFuture<List<String>> onSecond =
                    CompletableFuture.supplyAsync(() -> read(client, second.url(), after, 2));
            publish(Topics.REFERRALS, viaSecond, sent(viaSecond));
            publish(Topics.REFERRALS, viaFirst, sent(viaFirst));

            for (CompletableFuture<List<String>> f : List.of(onFirst, onSecond)) {
                String events = String.join("\n", f.get(60, TimeUnit.SECONDS));
                assertTrue(events.contains(viaSecond) && events.contains(viaFirst), events);
            }
        }
    }

    private CloudEvent sent(String referralId) {
        return CloudEvent.of(
                "/referral-service",
                "relais.referral.sent",
                referralId,
                POLICE,
                mapper.createObjectNode()
                        .put("referralId", referralId)
                        .put("reference", "REF-" + RUN)
                        .put("priority", "ROUTINE")
                        .put("sendingAgencyId", POLICE)
                        .put("receivingAgencyId", NGO));
    }

    /** A referral id that Kafka's default partitioner puts on one of {@code partitions}. */
    private static String keyOn(Set<Integer> partitions) throws Exception {
        int count = partitionCount();
        while (true) {
            String key = Uuids.v7().toString();
            if (partitions.contains(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % count)) {
                return key;
            }
        }
    }

    private static Properties admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedInfra.kafkaBootstrapServers());
        return p;
    }

    private static int partitionCount() throws Exception {
        try (Admin a = Admin.create(admin())) {
            return a.describeTopics(List.of(Topics.REFERRALS))
                    .allTopicNames()
                    .get()
                    .get(Topics.REFERRALS)
                    .partitions()
                    .size();
        }
    }

    private static Map<String, Set<Integer>> referralPartitionsByMember() throws Exception {
        try (Admin a = Admin.create(admin())) {
            ConsumerGroupDescription group =
                    a.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
            Map<String, Set<Integer>> owners = new java.util.HashMap<>();
            for (MemberDescription m : group.members()) {
                Set<Integer> mine = new TreeSet<>();
                m.assignment().topicPartitions().stream()
                        .filter(tp -> tp.topic().equals(Topics.REFERRALS))
                        .forEach(tp -> mine.add(tp.partition()));
                owners.put(m.clientId(), mine);
            }
            return owners;
        }
    }

    private long latestSeq() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                PreparedStatement ps =
                        c.prepareStatement("select coalesce(max(seq), 0) from notifications where agency_id = ?")) {
            ps.setString(1, NGO);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void publish(String topic, String key, CloudEvent event) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                EmbeddedInfra.kafkaBootstrapServers(),
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(topic, key, event.toJson(mapper))).get();
        }
    }

    private List<String> read(HttpClient client, String base, String lastEventId, int count) {
        return SseEvents.read(client, base + "/api/v1/notifications/stream", token, lastEventId, count);
    }
}
