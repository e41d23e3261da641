package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Nothing lost: with Kafka stopped in the middle of a stream of referrals and started again, every
 * referral's events reach every consumer and each effect happens once (one notification per
 * referral, one case per accepted referral, one webhook-id per event); and with the referral-service
 * killed (SIGKILL) mid-stream and started again, every referral that got a 201 is readable and its
 * event was published.
 */
@Order(7)
class NothingLostE2E {

    private final RelaisSystem system = RelaisSystem.get();
    private final ObjectMapper mapper = new ObjectMapper();

    private static RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    private static Response send(String token) {
        return as(token).contentType(ContentType.JSON).body("""
                {"receivingAgencyId": "ngo-casa-ecoute", "services": ["SHELTER"], "priority": "ROUTINE", "consent": {"granted": false}}
                """).when().post("/api/v1/referrals");
    }

    /** Every notification of the token's agency (paging through), as (referralId, type) pairs. */
    private List<String> notified(String token) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            RequestSpecification r = as(token).queryParam("limit", 200);
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

    @Test
    void kafkaStoppedMidStreamLosesAndDuplicatesNothing() throws Exception {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String ngoSupervisor = system.passwordToken("ngo-supervisor");
        Map<String, Set<String>> webhookIds = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        receiver.createContext("/", ex -> {
            var event = mapper.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            webhookIds
                    .computeIfAbsent(
                            event.path("subject").asText() + " "
                                    + event.path("type").asText(),
                            k -> ConcurrentHashMap.newKeySet())
                    .add(ex.getRequestHeaders().getFirst("webhook-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        String ngoSystem = system.clientToken("ngo-system");
        String hook = as(ngoSystem)
                .contentType(ContentType.JSON)
                .body("{\"url\": \"http://127.0.0.1:" + receiver.getAddress().getPort()
                        + "/relais\", \"eventTypes\": [\"relais.referral.sent\"], \"description\": \"nothing lost\"}")
                .when()
                .post("/api/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(send(police).then().statusCode(201).extract().path("id"));
            }
            system.ctl("stop", "kafka");
            try {
                for (int i = 0; i < 5; i++) {
                    ids.add(send(police).then().statusCode(201).extract().path("id"));
                }
                for (String id : ids.subList(3, 7)) {
                    as(ngo).contentType(ContentType.JSON)
                            .body("{\"assignee\": \"ngo-caseworker\"}")
                            .when()
                            .post("/api/v1/referrals/" + id + "/accept")
                            .then()
                            .statusCode(200);
                }
            } finally {
                system.ctl("start", "kafka");
            }
            for (int i = 0; i < 5; i++) {
                ids.add(send(police).then().statusCode(201).extract().path("id"));
            }
            // every referral told to the NGO once; every accepted one opened exactly one case; one webhook-id per event
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        List<String> told = notified(ngo);
                        for (String id : ids) {
                            assertEquals(
                                    1,
                                    told.stream()
                                            .filter(t -> t.equals(id + " relais.referral.sent"))
                                            .count(),
                                    "notifications of " + id);
                            assertEquals(
                                    Set.of(1),
                                    Set.of(webhookIds
                                            .getOrDefault(id + " relais.referral.sent", Set.of())
                                            .size()),
                                    "webhook-ids of " + id);
                        }
                        for (String id : ids.subList(3, 7)) {
                            assertTrue(
                                    as(ngo).when()
                                                    .get("/api/v1/referrals/" + id)
                                                    .then()
                                                    .extract()
                                                    .path("receivingCaseId")
                                            != null,
                                    "the case of " + id + " opened");
                            List<Object> cases = as(ngoSupervisor)
                                    .queryParam("limit", 200)
                                    .when()
                                    .get("/api/v1/cases")
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .getList("items.findAll { it.referralId == '" + id + "' }");
                            assertEquals(1, cases.size(), "cases of " + id);
                        }
                    });
        } finally {
            as(ngoSystem).when().delete("/api/v1/webhooks/" + hook);
            receiver.stop(0);
        }
    }

    @Test
    void aKilledServiceLosesNoAcceptedWrite() throws Exception {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        List<String> accepted = new CopyOnWriteArrayList<>();
        // a steady stream of about 15 referrals a second
        java.util.concurrent.ScheduledExecutorService stream =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        stream.scheduleAtFixedRate(
                () -> {
                    try {
                        Response r = send(police);
                        if (r.statusCode() == 201) {
                            accepted.add(r.path("id"));
                        }
                    } catch (RuntimeException e) {
                        // the connection dropped while the service died: not accepted, so nothing to find later
                    }
                },
                0,
                66,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 5);
            system.ctl("kill", "referral-service");
            int beforeRestart = accepted.size();
            system.ctl("start", "referral-service");
            await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= beforeRestart + 5);
        } finally {
            stream.shutdown();
            assertTrue(stream.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS), "the stream stopped");
        }
        List<String> ids = List.copyOf(accepted);
        for (String id : ids) {
            as(police).when().get("/api/v1/referrals/" + id).then().statusCode(200);
        }
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    List<String> told = notified(ngo);
                    for (String id : ids) {
                        assertEquals(
                                1,
                                told.stream()
                                        .filter(t -> t.equals(id + " relais.referral.sent"))
                                        .count(),
                                "the event of " + id);
                    }
                });
    }
}
