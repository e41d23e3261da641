package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * More of "nothing lost": with two replicas of the notification-service, every SSE client (one on
 * each replica) gets every notification and each webhook event arrives under one webhook-id; with the
 * mail sink down, the duty e-mails of URGENT referrals arrive once it is back.
 */
@Order(8)
class ReplicasAndMailE2E {

    private static final int REPLICA_PORT = 8093;
    private final RelaisSystem system = RelaisSystem.get();
    private final ObjectMapper mapper = new ObjectMapper();

    private static RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    private static String send(String token, String to, String priority) {
        return as(token)
                .contentType(ContentType.JSON)
                .body("""
                {"receivingAgencyId": "%s", "services": ["SHELTER"], "priority": "%s", "consent": {"granted": false}}
                """.formatted(to, priority))
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    /** Collects the referral ids of the notifications a stream delivers, from {@code lastEventId} on. */
    private static List<String> follow(int port, String token, String lastEventId, List<InputStream> opened)
            throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/notifications/stream"))
                                .header("Authorization", "Bearer " + token)
                                .header("Accept", "text/event-stream")
                                .header("Last-Event-ID", lastEventId)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream())
                .get(30, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        opened.add(response.body());
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            if (line.startsWith("data:")) {
                                seen.add(new ObjectMapper()
                                        .readTree(line.substring(5).trim())
                                        .path("referralId")
                                        .asText());
                            }
                        }
                    } catch (Exception e) {
                        // closed by the test
                    }
                },
                "sse-" + port);
        reader.setDaemon(true);
        reader.start();
        return seen;
    }

    @Test
    void twoNotificationReplicasTellEveryClientOnceAndDeliverEachWebhookUnderOneId() throws Exception {
        String police = system.passwordToken("police-caseworker");
        String hospital = system.passwordToken("hospital-caseworker");
        String hospitalSystem = system.clientToken("hospital-system");
        Map<String, Set<String>> webhookIds = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        receiver.createContext("/", ex -> {
            var event = mapper.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            webhookIds
                    .computeIfAbsent(event.path("subject").asText(), k -> ConcurrentHashMap.newKeySet())
                    .add(ex.getRequestHeaders().getFirst("webhook-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        String hook = as(hospitalSystem)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"http://127.0.0.1:" + receiver.getAddress().getPort()
                        + "/relais\", \"eventTypes\": [\"relais.referral.sent\"], \"description\": \"replicas\"}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        List<InputStream> streams = new ArrayList<>();
        system.ctl("replica", "notification-service", Integer.toString(REPLICA_PORT));
        try {
            // both streams resume after the same point, so each must show every notification from there
            String before = send(police, "hospital-casa-unit", "ROUTINE");
            String last = await().atMost(Duration.ofSeconds(60)).until(() -> lastSeq(hospital, before), s -> s != null);
            List<String> onFirst = follow(RelaisSystem.NOTIFICATION, hospital, last, streams);
            List<String> onReplica = follow(REPLICA_PORT, hospital, last, streams);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(send(police, "hospital-casa-unit", "ROUTINE"));
            }
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                assertTrue(onFirst.containsAll(ids), "the first replica's client got every notification");
                assertTrue(onReplica.containsAll(ids), "the second replica's client got every notification");
                for (String id : ids) {
                    assertEquals(1, webhookIds.getOrDefault(id, Set.of()).size(), "one webhook-id for " + id);
                }
            });
        } finally {
            for (InputStream s : streams) {
                s.close();
            }
            system.ctl("stop", "notification-service-2");
            as(hospitalSystem).when().delete("/api/v1/webhooks/" + hook);
            receiver.stop(0);
        }
    }

    /** The stream id of the hospital's notification about {@code referralId}, read from a stream replayed from 0. */
    private String lastSeq(String token, String referralId) throws Exception {
        List<InputStream> opened = new ArrayList<>();
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .sendAsync(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + RelaisSystem.GATEWAY + "/api/v1/notifications/stream"))
                                .header("Authorization", "Bearer " + token)
                                .header("Accept", "text/event-stream")
                                .header("Last-Event-ID", "0")
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream())
                .get(30, TimeUnit.SECONDS);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String line;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && (line = in.readLine()) != null) {
                if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("data:") && line.contains(referralId)) {
                    return id;
                }
            }
        }
        return null;
    }

    @Test
    void dutyEmailsSentWhileTheMailSinkIsDownArriveWhenItIsBack() {
        String ngo = system.passwordToken("ngo-caseworker");
        List<String> references = new ArrayList<>();
        system.ctl("stop", "mail");
        try {
            for (int i = 0; i < 3; i++) {
                String id = send(ngo, "gendarmerie-settat", "URGENT");
                references.add(as(ngo).when()
                        .get("/api/v1/referrals/" + id)
                        .then()
                        .extract()
                        .path("reference"));
            }
        } finally {
            system.ctl("start", "mail");
        }
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    String mailbox = given().baseUri("http://127.0.0.1")
                            .port(RelaisSystem.MAIL_API)
                            .when()
                            .get("/api/user/duty@gendarmerie-settat.demo.relais.dev/messages/INBOX")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asString();
                    for (String reference : references) {
                        assertTrue(mailbox.contains(reference), "the duty e-mail of " + reference + " arrived");
                    }
                });
    }
}
