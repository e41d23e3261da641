package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * No survivor data leaks, over the launched system: a canary in every survivor field of a whole
 * journey (subject, reason, external reference, notes, the action's description, the closing summary)
 * and inside invalid requests appears in the authorized API responses and nowhere else: not in any
 * component's log, any Kafka topic (read with a consumer), any notification, webhook body, e-mail or
 * problem document, nor in any table of any database read as plain text with COPY.
 */
@Order(9)
class CanaryE2E {

    private static final String CANARY = "CANARY-E2E-Amina-Idrissi-0677889900";
    private final RelaisSystem system = RelaisSystem.get();

    private static RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    @Test
    void theCanaryAppearsOnlyInAuthorizedResponses() throws Exception {
        String start = Instant.now().minusSeconds(5).toString();
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String ngoSystem = system.clientToken("ngo-system");
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        receiver.createContext("/", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        String hook = as(ngoSystem)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"http://127.0.0.1:" + receiver.getAddress().getPort()
                        + "/relais\", \"eventTypes\": [\"relais.referral.sent\", \"relais.referral.accepted\", \"relais.case.opened\", "
                        + "\"relais.case.closed\", \"relais.case.action-added\"]}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        List<Response> problems = new ArrayList<>();
        String id;
        try {
            String referral = """
                    {"receivingAgencyId": "ngo-casa-ecoute", "services": ["SHELTER"], "priority": "URGENT", "reason": "%s",
                     "subject": {"fullName": "%s", "birthYear": 1992, "languages": ["ar"],
                                 "safeContact": {"method": "PHONE", "value": "%s", "safeTimes": "%s"}},
                     "consent": {"granted": true, "scope": ["IDENTITY", "CONTACT", "NARRATIVE"], "method": "WRITTEN",
                                 "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker"},
                     "externalReference": "%s"}
                    """.formatted(CANARY, CANARY, CANARY, CANARY, CANARY);
            id = as(police)
                    .contentType(ContentType.JSON)
                    .body(referral)
                    .when()
                    .post("/api/v1/referrals")
                    .then()
                    .statusCode(201)
                    .body(containsString(CANARY))
                    .extract()
                    .path("id");
            as(ngo).contentType(ContentType.JSON)
                    .body("{\"note\": \"" + CANARY + "\"}")
                    .when()
                    .post("/api/v1/referrals/" + id + "/acknowledge")
                    .then()
                    .statusCode(200);
            as(ngo).contentType(ContentType.JSON)
                    .body("{\"assignee\": \"ngo-caseworker\", \"note\": \"" + CANARY + "\"}")
                    .when()
                    .post("/api/v1/referrals/" + id + "/accept")
                    .then()
                    .statusCode(200)
                    .body(containsString(CANARY));
            String caseId = await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> as(ngo).when()
                                    .get("/api/v1/referrals/" + id)
                                    .then()
                                    .extract()
                                    .<String>path("receivingCaseId"),
                            c -> c != null);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> as(ngo).when()
                            .get("/api/v1/cases/" + caseId)
                            .then()
                            .extract()
                            .asString()
                            .contains(CANARY));
            as(ngo).contentType(ContentType.JSON)
                    .body("{\"type\": \"APPOINTMENT\", \"dueAt\": \""
                            + Instant.now().plusSeconds(86_400) + "\", \"description\": \"" + CANARY + "\"}")
                    .when()
                    .post("/api/v1/cases/" + caseId + "/actions")
                    .then()
                    .statusCode(201);
            as(ngo).contentType(ContentType.JSON)
                    .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"" + CANARY + "\"}")
                    .when()
                    .post("/api/v1/cases/" + caseId + "/close")
                    .then()
                    .statusCode(200);
            // invalid requests carrying it
            problems.add(as(police)
                    .contentType(ContentType.JSON)
                    .body(referral.replace("\"birthYear\": 1992", "\"birthYear\": \"" + CANARY + "\""))
                    .when()
                    .post("/api/v1/referrals"));
            problems.add(as(police)
                    .contentType(ContentType.JSON)
                    .body(referral.replace("\"URGENT\"", "\"" + CANARY + "\""))
                    .when()
                    .post("/api/v1/referrals"));
            problems.add(as(police)
                    .contentType(ContentType.JSON)
                    .body(referral.replace("\"CONTACT\", ", ""))
                    .when()
                    .post("/api/v1/referrals"));
            problems.add(as(ngo).contentType(ContentType.JSON)
                    .body("{\"outcome\": \"OTHER\", \"summary\": \"" + CANARY + "\"}")
                    .when()
                    .post("/api/v1/cases/" + caseId + "/close"));
            for (Response p : problems) {
                assertTrue(p.statusCode() >= 400 && p.statusCode() < 500, "a 4xx: " + p.statusCode());
                assertFalse(p.asString().contains(CANARY), "a problem echoes survivor data: " + p.asString());
            }
            // let every consumer and delivery finish: the referral completes from the case's closure
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> "COMPLETED"
                            .equals(as(police)
                                    .when()
                                    .get("/api/v1/referrals/" + id)
                                    .then()
                                    .extract()
                                    .path("status")));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> bodies.stream().anyMatch(b -> b.contains("relais.case.closed")));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> given().baseUri("http://127.0.0.1")
                            .port(RelaisSystem.MAIL_API)
                            .when()
                            .get("/api/user/duty@ngo-casa-ecoute.demo.relais.dev/messages/INBOX")
                            .asString()
                            .contains(as(police)
                                    .when()
                                    .get("/api/v1/referrals/" + id)
                                    .then()
                                    .extract()
                                    .<String>path("reference")));
        } finally {
            as(ngoSystem).when().delete("/api/v1/webhooks/" + hook);
            receiver.stop(0);
        }

        List<String> found = new ArrayList<>();
        for (String body : bodies) {
            if (body.contains(CANARY)) {
                found.add("a webhook body");
            }
        }
        for (String user : List.of("ngo-caseworker", "ngo-supervisor", "police-caseworker", "police-supervisor")) {
            String inbox = as(system.passwordToken(user))
                    .queryParam("limit", 200)
                    .queryParam("updatedSince", start)
                    .when()
                    .get("/api/v1/notifications")
                    .asString();
            assertTrue(
                    inbox.contains(id),
                    user + " was told about the referral (the check below has something to look at)");
            if (inbox.contains(CANARY)) {
                found.add("the notifications of " + user);
            }
        }
        List<String> mailboxes = given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.MAIL_API)
                .when()
                .get("/api/user")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("email");
        for (String mailbox : mailboxes) {
            if (given().baseUri("http://127.0.0.1")
                    .port(RelaisSystem.MAIL_API)
                    .when()
                    .get("/api/user/" + mailbox + "/messages/INBOX")
                    .asString()
                    .contains(CANARY)) {
                found.add("the mailbox " + mailbox);
            }
        }
        try (Stream<Path> logs = Files.list(Path.of("target/relais-state/logs"))) {
            for (Path log : logs.toList()) {
                if (Files.readString(log, StandardCharsets.ISO_8859_1).contains(CANARY)) {
                    found.add("the log " + log.getFileName());
                }
            }
        }
        found.addAll(topics());
        found.addAll(tables());
        assertEquals(List.of(), found, "where survivor data leaked");
    }

    private static List<String> topics() throws Exception {
        List<String> found = new ArrayList<>();
        Map<String, Object> config = Map.of("bootstrap.servers", "127.0.0.1:" + RelaisSystem.KAFKA);
        List<String> names;
        try (Admin admin = Admin.create(config)) {
            names = List.copyOf(admin.listTopics().names().get());
        }
        assertTrue(names.stream().anyMatch(n -> n.endsWith(".dlt")), "the dead-letter topics are read too");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers",
                "127.0.0.1:" + RelaisSystem.KAFKA,
                "enable.auto.commit",
                false,
                "key.deserializer",
                "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer",
                "org.apache.kafka.common.serialization.StringDeserializer"))) {
            for (String topic : names) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                boolean hit = false;
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                        && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        hit |= r.value() != null && r.value().contains(CANARY)
                                || r.key() != null && r.key().contains(CANARY);
                    }
                }
                assertTrue(
                        partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p)),
                        topic + " read to its end");
                if (hit) {
                    found.add("the topic " + topic);
                }
            }
        }
        return found;
    }

    private static List<String> tables() throws Exception {
        List<String> found = new ArrayList<>();
        String hex = HexFormat.of().formatHex(CANARY.getBytes(StandardCharsets.UTF_8));
        for (String db : List.of("referral", "cases", "notification", "gateway")) {
            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + RelaisSystem.POSTGRES + "/" + db, "postgres", "relais-demo")) {
                List<String> tables = new ArrayList<>();
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(
                                "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
                assertFalse(tables.isEmpty(), "tables of " + db);
                for (String table : tables) {
                    StringWriter out = new StringWriter();
                    c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY \"" + table + "\" TO STDOUT", out);
                    if (out.toString().contains(CANARY)
                            || out.toString().toLowerCase().contains(hex)) {
                        found.add("the table " + db + "." + table);
                    }
                }
            }
        }
        return found;
    }
}
