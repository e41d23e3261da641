package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The fault suite: a steady stream of referrals, acceptances, case closures and consent withdrawals
 * keeps going while PostgreSQL and Kafka are stopped for 30 s each, the case-, notification- and
 * referral-service are killed (SIGKILL) and started again, the mail sink and a partner's webhook receiver
 * are down for 30 s (the mail sink first, before the stream: it keeps its messages in memory). Every operation is sent with an Idempotency-Key and retried with it until it gets a
 * definite answer, as a careful partner system would. Then it counts: every accepted write readable, every
 * effect once (cases, erasures, closures, notifications, webhook ids, e-mails), nothing of this stream left
 * in a dead-letter topic; and prints the counts.
 */
@Order(10)
class SteadyStreamFaultsE2E {

    private static final Duration FAULT = Duration.ofSeconds(30);

    private final RelaisSystem system = RelaisSystem.get();
    private final ObjectMapper mapper = new ObjectMapper();

    /** Tokens fetched again every minute: the stream outlives an access token. */
    private final Map<String, String[]> tokens = new ConcurrentHashMap<>();

    private String token(String user) {
        String[] t = tokens.get(user);
        if (t == null || System.currentTimeMillis() - Long.parseLong(t[1]) > 60_000) {
            String fresh = user.endsWith("-system") ? system.clientToken(user) : system.passwordToken(user);
            tokens.put(user, new String[] {fresh, String.valueOf(System.currentTimeMillis())});
            return fresh;
        }
        return t[0];
    }

    private RequestSpecification as(String user) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token(user));
    }

    /** One referral's way through the stream. */
    private static final class Flow {
        final String key;
        String id;
        String reference;
        boolean accepted;
        boolean closeRequested;
        boolean closed;
        boolean withdrawn;
        String caseId;

        Flow(String key) {
            this.key = key;
        }
    }

    private final List<Flow> flows = new ArrayList<>();
    private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final List<String> surprises = new ArrayList<>();

    /** Sends one request; answers it if definite (2xx, or a 4xx that will not change), null to retry later. */
    private Response attempt(String what, java.util.function.Supplier<Response> request) {
        Response r;
        try {
            r = request.get();
        } catch (RuntimeException e) {
            answers.computeIfAbsent(what + " no answer", k -> new AtomicInteger())
                    .incrementAndGet();
            return null; // the connection dropped: the outcome is unknown, the same key settles it
        }
        answers.computeIfAbsent(what + " " + r.statusCode(), k -> new AtomicInteger())
                .incrementAndGet();
        if (r.statusCode() >= 500
                || r.statusCode() == 429
                || r.statusCode() == 409 && "idempotency-conflict".equals(slug(r))) {
            return null;
        }
        return r;
    }

    private static String slug(Response r) {
        try {
            String type = r.path("type");
            return type == null ? "" : type.substring(type.lastIndexOf('/') + 1);
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** One step of the stream: the next thing a partner would do, in turn. */
    private synchronized void step(int tick, boolean sending) {
        switch (tick % 4) {
            case 0 -> {
                Flow pending =
                        flows.stream().filter(f -> f.id == null).findFirst().orElse(null);
                if (pending == null && sending) {
                    pending = new Flow("faults-send-" + java.util.UUID.randomUUID());
                    flows.add(pending);
                }
                if (pending != null) {
                    Flow f = pending;
                    Response r = attempt(
                            "send",
                            () -> as("police-caseworker")
                                    .contentType(ContentType.JSON)
                                    .header("Idempotency-Key", f.key)
                                    .body("""
                                    {"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT"], "priority": "URGENT",
                                     "subject": {"fullName": "Faults Suite"},
                                     "consent": {"granted": true, "scope": ["IDENTITY"], "method": "VERBAL",
                                                 "recordedAt": "2026-11-23T09:00:00Z", "recordedBy": "police-caseworker",
                                                 "allowOnwardReferral": false}}""")
                                    .when()
                                    .post("/api/v1/referrals"));
                    if (r != null) {
                        if (r.statusCode() == 201) {
                            f.id = r.path("id");
                            f.reference = r.path("reference");
                        } else {
                            surprise("send answered " + r.statusCode() + " " + r.asString());
                            flows.remove(f);
                        }
                    }
                }
            }
            case 1 ->
                flows.stream()
                        .filter(f -> f.id != null && !f.accepted)
                        .findFirst()
                        .ifPresent(f -> {
                            Response r = attempt(
                                    "accept",
                                    () -> as("ngo-caseworker")
                                            .contentType(ContentType.JSON)
                                            .header("Idempotency-Key", "accept-" + f.id)
                                            .body("{\"assignee\": \"ngo-caseworker\"}")
                                            .when()
                                            .post("/api/v1/referrals/" + f.id + "/accept"));
                            if (r != null) {
                                f.accepted = r.statusCode() == 200;
                                if (!f.accepted) {
                                    surprise("accept " + f.id + " answered " + r.statusCode());
                                }
                            }
                        });
            case 2 ->
                flows.stream()
                        .filter(f -> f.accepted && !f.closed && !f.withdrawn && flows.indexOf(f) % 3 != 2)
                        .findFirst()
                        .ifPresent(f -> {
                            if (f.caseId == null) {
                                Response read = attempt(
                                        "read",
                                        () -> as("ngo-caseworker").when().get("/api/v1/referrals/" + f.id));
                                f.caseId = read == null ? null : read.path("receivingCaseId");
                                return; // the case opens when the acceptance's event arrives
                            }
                            f.closeRequested = true;
                            Response r = attempt(
                                    "close",
                                    () -> as("ngo-caseworker")
                                            .contentType(ContentType.JSON)
                                            .header("Idempotency-Key", "close-" + f.caseId)
                                            .body("{\"outcome\": \"SERVICES_DELIVERED\", \"summary\": \"done\"}")
                                            .when()
                                            .post("/api/v1/cases/" + f.caseId + "/close"));
                            if (r != null) {
                                f.closed = r.statusCode() == 200;
                                if (!f.closed) {
                                    surprise("close " + f.caseId + " answered " + r.statusCode());
                                }
                            }
                        });
            default ->
                flows.stream()
                        .filter(f -> f.accepted && !f.withdrawn && !f.closeRequested && flows.indexOf(f) % 3 == 2)
                        .findFirst()
                        .ifPresent(f -> {
                            Response r = attempt(
                                    "withdraw-consent",
                                    () -> as("police-caseworker")
                                            .contentType(ContentType.JSON)
                                            .header("Idempotency-Key", "withdraw-" + f.id)
                                            .body("{\"recordedBy\": \"police-caseworker\", \"method\": \"VERBAL\"}")
                                            .when()
                                            .post("/api/v1/referrals/" + f.id + "/withdraw-consent"));
                            if (r != null) {
                                f.withdrawn = r.statusCode() == 200;
                                if (!f.withdrawn) {
                                    surprise("withdraw-consent " + f.id + " answered " + r.statusCode());
                                }
                            }
                        });
        }
    }

    private synchronized void surprise(String what) {
        surprises.add(what);
    }

    private synchronized boolean settled() {
        return flows.stream().allMatch(f -> f.id != null && f.accepted && (f.closed || f.withdrawn));
    }

    /** A webhook receiver on a fixed port that can go away and come back. */
    private HttpServer receiver(int port, Map<String, Set<String>> ids) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server.createContext("/", ex -> {
            JsonNode event = mapper.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ids.computeIfAbsent(
                            event.path("subject").asText() + " "
                                    + event.path("type").asText(),
                            k -> ConcurrentHashMap.newKeySet())
                    .add(ex.getRequestHeaders().getFirst("webhook-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        return server;
    }

    private void pause(Duration d) {
        await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> true);
    }

    @Test
    void aSteadyStreamThroughEveryFaultLosesAndDuplicatesNothing() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, Set<String>> webhookIds = new ConcurrentHashMap<>();
        HttpServer receiver = receiver(port, webhookIds);
        String hook = as("ngo-system")
                .contentType(ContentType.JSON)
                .body("{\"url\": \"http://127.0.0.1:" + port
                        + "/faults\", \"eventTypes\": [\"relais.referral.sent\"], \"description\": \"fault suite\"}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        // the mail sink keeps its messages in memory: it goes down first, before the stream, so that every
        // duty e-mail of the stream is one the restarted sink received (while down, they wait in Relais)
        Map<String, Long> faultSeconds = new LinkedHashMap<>();
        long mailDown = System.nanoTime();
        system.ctl("stop", "mail");
        AtomicInteger tick = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        ScheduledExecutorService stream = Executors.newSingleThreadScheduledExecutor();
        stream.scheduleWithFixedDelay(
                () -> {
                    try {
                        step(tick.getAndIncrement(), sending.get());
                    } catch (RuntimeException e) {
                        surprise("the stream itself failed: " + e);
                    }
                },
                0,
                150,
                TimeUnit.MILLISECONDS);
        try {
            pause(FAULT);
            system.ctl("start", "mail");
            faultSeconds.put(
                    "stop mail", Duration.ofNanos(System.nanoTime() - mailDown).toSeconds());
            pause(Duration.ofSeconds(5));
            for (String[] fault : new String[][] {
                {"stop", "postgres"},
                {"stop", "kafka"},
                {"kill", "case-service"},
                {"kill", "notification-service"},
                {"kill", "referral-service"}
            }) {
                long started = System.nanoTime();
                system.ctl(fault[0], fault[1]);
                pause(fault[1].endsWith("-service") ? Duration.ofSeconds(5) : FAULT);
                system.ctl("start", fault[1]);
                faultSeconds.put(
                        fault[0] + " " + fault[1],
                        Duration.ofNanos(System.nanoTime() - started).toSeconds());
                pause(Duration.ofSeconds(8));
            }
            long started = System.nanoTime();
            receiver.stop(0);
            pause(FAULT);
            receiver = receiver(port, webhookIds);
            faultSeconds.put(
                    "webhook receiver down",
                    Duration.ofNanos(System.nanoTime() - started).toSeconds());
            pause(Duration.ofSeconds(5));
            sending.set(false);
            // the partner goes on until every referral it sent is accepted and then closed or withdrawn
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(this::settled);
        } finally {
            stream.shutdown();
            assertTrue(stream.awaitTermination(60, TimeUnit.SECONDS), "the stream stopped");
        }
        List<Flow> all;
        synchronized (this) {
            all = List.copyOf(flows);
        }
        assertTrue(all.size() >= 20, "a stream worth the name: " + all.size() + " referrals");
        try {
            count(all, webhookIds, faultSeconds);
        } finally {
            as("ngo-system").when().delete("/api/v1/webhooks/" + hook);
            receiver.stop(0);
        }
    }

    private void count(List<Flow> all, Map<String, Set<String>> webhookIds, Map<String, Long> faultSeconds)
            throws Exception {
        List<Flow> closed = all.stream().filter(f -> f.closed).toList();
        List<Flow> withdrawn = all.stream().filter(f -> f.withdrawn).toList();
        Map<String, Object> counts = new LinkedHashMap<>();
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofSeconds(3))
                .untilAsserted(() -> {
                    Map<String, Long> casesPerReferral = casesPerReferral();
                    List<String> toNgo = notified("ngo-caseworker");
                    List<String> toPolice = notified("police-caseworker");
                    String mailbox = given().baseUri("http://127.0.0.1")
                            .port(RelaisSystem.MAIL_API)
                            .when()
                            .get("/api/user/duty@ngo-casa-ecoute.demo.relais.dev/messages/INBOX")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asString();
                    JsonNode mails = mapper.readTree(mailbox);
                    for (Flow f : all) {
                        as("police-caseworker")
                                .when()
                                .get("/api/v1/referrals/" + f.id)
                                .then()
                                .statusCode(200);
                        assertEquals(1L, casesPerReferral.getOrDefault(f.id, 0L), "cases of " + f.id);
                        assertEquals(
                                1,
                                toNgo.stream()
                                        .filter(t -> t.equals(f.id + " relais.referral.sent"))
                                        .count(),
                                "sent notice of " + f.id);
                        assertEquals(
                                1,
                                toPolice.stream()
                                        .filter(t -> t.equals(f.id + " relais.referral.accepted"))
                                        .count(),
                                "accepted notice of " + f.id);
                        assertEquals(
                                1,
                                webhookIds
                                        .getOrDefault(f.id + " relais.referral.sent", Set.of())
                                        .size(),
                                "webhook ids of " + f.id);
                        // every URGENT notice of the referral to the NGO is one duty e-mail naming its reference (sent;
                        // and for
                        // an erased one, its withdrawal); the case's own notice names the case's reference instead
                        long notices = toNgo.stream()
                                .filter(t -> t.startsWith(f.id + " relais.referral."))
                                .count();
                        int mailsOf = 0;
                        for (JsonNode m : messages(mails)) {
                            mailsOf += m.toString().contains(f.reference) ? 1 : 0;
                        }
                        assertEquals(notices, mailsOf, "duty e-mails of " + f.reference);
                    }
                    for (Flow f : closed) {
                        as("police-caseworker")
                                .when()
                                .get("/api/v1/referrals/" + f.id)
                                .then()
                                .statusCode(200)
                                .body("status", org.hamcrest.Matchers.equalTo("COMPLETED"));
                        assertEquals(
                                1,
                                toPolice.stream()
                                        .filter(t -> t.equals(f.id + " relais.referral.completed"))
                                        .count(),
                                "completed notice of " + f.id);
                    }
                    for (Flow f : withdrawn) {
                        as("ngo-caseworker")
                                .when()
                                .get("/api/v1/referrals/" + f.id)
                                .then()
                                .statusCode(200)
                                .body("dataErasedAt", org.hamcrest.Matchers.notNullValue())
                                .body("subject", org.hamcrest.Matchers.nullValue());
                        String caseId = as("ngo-caseworker")
                                .when()
                                .get("/api/v1/referrals/" + f.id)
                                .then()
                                .extract()
                                .path("receivingCaseId");
                        assertNotNull(caseId, "the case of " + f.id);
                        as("ngo-caseworker")
                                .when()
                                .get("/api/v1/cases/" + caseId)
                                .then()
                                .statusCode(200)
                                .body("dataErasedAt", org.hamcrest.Matchers.notNullValue())
                                .body("subject", org.hamcrest.Matchers.nullValue());
                    }
                    counts.put("referrals sent (201)", all.size());
                    counts.put("accepted", all.stream().filter(f -> f.accepted).count());
                    counts.put("cases, one each", all.size());
                    counts.put("closed (loop completed)", closed.size());
                    counts.put("consent withdrawn (referral and case erased)", withdrawn.size());
                    counts.put("notifications to the NGO / the police", toNgo.size() + " / " + toPolice.size());
                    counts.put(
                            "webhook ids",
                            all.stream()
                                    .mapToInt(f -> webhookIds
                                            .get(f.id + " relais.referral.sent")
                                            .size())
                                    .sum());
                    counts.put(
                            "duty e-mails to the NGO naming a referral (one per URGENT notice of it)",
                            all.stream()
                                    .mapToLong(f -> toNgo.stream()
                                            .filter(t -> t.startsWith(f.id + " relais.referral."))
                                            .count())
                                    .sum());
                });
        List<String> dead = deadLettersOf(all);
        counts.put("dead letters of this stream", dead.size());
        counts.put("answers seen by the partner", new java.util.TreeMap<>(answers));
        counts.put("faults (seconds each)", faultSeconds);
        System.out.println("fault suite counts:");
        counts.forEach((k, v) -> System.out.println("  " + k + ": " + v));
        assertEquals(List.of(), dead, "nothing of this stream dead-lettered");
        synchronized (this) {
            assertEquals(
                    List.of(),
                    surprises,
                    "every operation got the answer a healthy system gives, once it could answer");
        }
    }

    /** The mail sink's messages, whether it answers a list or an object holding one. */
    private static List<JsonNode> messages(JsonNode answer) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode list = answer;
        if (!answer.isArray()) {
            list = mapperless(answer);
        }
        list.forEach(out::add);
        return out;
    }

    private static JsonNode mapperless(JsonNode object) {
        for (JsonNode field : object) {
            if (field.isArray()) {
                return field;
            }
        }
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    }

    private Map<String, Long> casesPerReferral() {
        Map<String, Long> out = new HashMap<>();
        String cursor = null;
        do {
            RequestSpecification r =
                    as("ngo-supervisor").queryParam("limit", 200).queryParam("assignee", "any");
            if (cursor != null) {
                r = r.queryParam("cursor", cursor);
            }
            var page = r.when()
                    .get("/api/v1/cases")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            List<Map<String, Object>> items = page.getList("items");
            for (Map<String, Object> i : items) {
                if (i.get("referralId") != null) {
                    out.merge(String.valueOf(i.get("referralId")), 1L, Long::sum);
                }
            }
            cursor = page.getString("nextCursor");
        } while (cursor != null);
        return out;
    }

    private List<String> notified(String user) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            RequestSpecification r = as(user).queryParam("limit", 200);
            if (cursor != null) {
                r = r.queryParam("cursor", cursor);
            }
            var page = r.when()
                    .get("/api/v1/notifications")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            List<Map<String, Object>> items = page.getList("items");
            items.forEach(i -> out.add(i.get("referralId") + " " + i.get("type")));
            cursor = page.getString("nextCursor");
        } while (cursor != null);
        return out;
    }

    /** Records of every dead-letter topic whose key is one of this stream's referrals or cases. */
    private List<String> deadLettersOf(List<Flow> all) throws Exception {
        Set<String> keys = ConcurrentHashMap.newKeySet();
        all.forEach(f -> {
            keys.add(f.id);
            if (f.caseId != null) {
                keys.add(f.caseId);
            }
        });
        String bootstrap = "127.0.0.1:" + RelaisSystem.KAFKA;
        List<String> found = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<String> dlts = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.endsWith(".dlt"))
                    .toList();
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers",
                    bootstrap,
                    "key.deserializer",
                    StringDeserializer.class.getName(),
                    "value.deserializer",
                    StringDeserializer.class.getName()))) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String t : dlts) {
                    c.partitionsFor(t, Duration.ofSeconds(10))
                            .forEach(p -> parts.add(new TopicPartition(t, p.partition())));
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                long deadline = System.currentTimeMillis() + 30_000;
                while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))
                        && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                        if (r.key() != null && keys.contains(r.key())) {
                            found.add(r.topic() + " " + r.key());
                        }
                    }
                }
            }
        }
        return found;
    }
}
