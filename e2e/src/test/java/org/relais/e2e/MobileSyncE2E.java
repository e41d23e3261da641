package org.relais.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Journey 6: a caseworker's mobile client. It lists the referrals its agency received, then syncs with
 * {@code updatedSince} and {@code If-None-Match}, getting 304 while nothing changed and only what changed
 * afterwards; and it follows the notification stream through the gateway, reconnecting with
 * {@code Last-Event-ID} without missing what arrived while it was away.
 */
@Order(4)
class MobileSyncE2E {

    private final RelaisSystem system = RelaisSystem.get();

    private RequestSpecification as(String token) {
        return given().baseUri("http://127.0.0.1")
                .port(RelaisSystem.GATEWAY)
                .auth()
                .oauth2(token);
    }

    private String send(String token) {
        return as(token)
                .contentType(ContentType.JSON)
                .body("""
                {"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT"], "priority": "ROUTINE",
                 "consent": {"granted": false}}
                """)
                .when()
                .post("/api/v1/referrals")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    @Test
    void aMobileClientSyncsOnlyWhatChangedAndNeverMissesANotification() throws Exception {
        String police = system.passwordToken("police-caseworker");
        String ngo = system.passwordToken("ngo-caseworker");
        String first = send(police);

        // the first full sync, page by page
        List<String> seen = new ArrayList<>();
        Instant newest = Instant.EPOCH;
        String cursor = null;
        do {
            RequestSpecification page =
                    as(ngo).queryParam("direction", "received").queryParam("limit", 20);
            if (cursor != null) {
                page = page.queryParam("cursor", cursor);
            }
            Response r = page.when().get("/api/v1/referrals");
            r.then().statusCode(200);
            for (String updatedAt : r.jsonPath().<String>getList("items.updatedAt")) {
                Instant t = Instant.parse(updatedAt);
                newest = t.isAfter(newest) ? t : newest;
            }
            seen.addAll(r.jsonPath().getList("items.id"));
            cursor = r.path("nextCursor");
        } while (cursor != null);
        assertTrue(seen.contains(first));

        // nothing changed: 304
        String since = newest.toString();
        String etag = as(ngo).queryParam("direction", "received")
                .queryParam("updatedSince", since)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .extract()
                .header("ETag");
        assertNotNull(etag);
        as(ngo).header("If-None-Match", etag)
                .queryParam("direction", "received")
                .queryParam("updatedSince", since)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(304);
        String oneEtag = as(ngo).when()
                .get("/api/v1/referrals/" + first)
                .then()
                .statusCode(200)
                .extract()
                .header("ETag");
        as(ngo).header("If-None-Match", oneEtag)
                .when()
                .get("/api/v1/referrals/" + first)
                .then()
                .statusCode(304);

        // something changed: only that comes back
        String second = send(police);
        Response changed = as(ngo).header("If-None-Match", etag)
                .queryParam("direction", "received")
                .queryParam("updatedSince", since)
                .when()
                .get("/api/v1/referrals");
        changed.then().statusCode(200).header("ETag", not(equalTo(etag)));
        List<String> ids = changed.jsonPath().getList("items.id");
        assertTrue(ids.contains(second), ids.toString());
        assertFalse(seen.containsAll(ids), "the sync brings what is new");
        for (String updatedAt : changed.jsonPath().<String>getList("items.updatedAt")) {
            assertFalse(Instant.parse(updatedAt).isBefore(newest), "only what changed since the last sync");
        }

        // the live stream through the gateway: catch up from the start to the second referral's notification
        String lastId;
        try (SseReader stream = new SseReader(ngo, "0")) {
            lastId = stream.until(second).id();
            String third = send(police);
            lastId = stream.until(third).id();
        }
        // away: a notification arrives meanwhile; back with Last-Event-ID, it is the first thing received
        String missed = send(police);
        try (SseReader back = new SseReader(ngo, lastId)) {
            SseReader.Event next = back.next();
            assertTrue(next.data().contains(missed), "the notification missed while away comes first: " + next);
            assertTrue(Long.parseLong(next.id()) > Long.parseLong(lastId), "ids increase");
        }
    }

    /** A Server-Sent Events client of the notification stream through the gateway. */
    static final class SseReader implements AutoCloseable {
        record Event(String id, String data) {}

        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final InputStream body;
        private final Thread reader;

        SseReader(String token, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + RelaisSystem.GATEWAY + "/api/v1/notifications/stream"))
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "text/event-stream")
                    .header("Accept-Language", "en");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> response = HttpClient.newHttpClient()
                    .sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream())
                    .get(30, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            body = response.body();
            reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String id = null;
                StringBuilder data = new StringBuilder();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (id != null) {
                            events.add(new Event(id, data.toString()));
                        }
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (Exception e) {
                // closed
            }
        }

        Event next() throws InterruptedException {
            Event e = events.poll(60, TimeUnit.SECONDS);
            assertNotNull(e, "no notification on the stream within 60 s");
            return e;
        }

        /** Reads events until one concerns {@code referralId}. */
        Event until(String referralId) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                Event e = events.poll(1, TimeUnit.SECONDS);
                if (e != null && e.data().contains(referralId)) {
                    return e;
                }
            }
            throw new AssertionError("no notification about " + referralId + " on the stream within 60 s");
        }

        @Override
        public void close() throws Exception {
            body.close();
            reader.interrupt();
        }
    }
}
