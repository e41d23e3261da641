package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/** What goes over the wire through the gateway: each header once, a 304 without body framing, forwarding headers of its own. */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class ProtocolEdgesIT {

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    private final String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
    }

    private static int port() {
        return RestAssured.port;
    }

    /** One response read off the socket as bytes: its status line, its headers in order, and its body by its framing. */
    record Raw(String statusLine, List<Map.Entry<String, String>> headers) {
        List<String> all(String name) {
            return headers.stream()
                    .filter(h -> h.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue)
                    .toList();
        }

        Map<String, Integer> counts() {
            Map<String, Integer> counts = new HashMap<>();
            headers.forEach(h -> counts.merge(h.getKey().toLowerCase(Locale.ROOT), 1, Integer::sum));
            return counts;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static Raw read(InputStream in) throws IOException {
        String status = line(in);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String l = line(in); !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            headers.add(Map.entry(
                    l.substring(0, colon).trim(), l.substring(colon + 1).trim()));
        }
        return new Raw(status, headers);
    }

    private String get(String path, String... extra) {
        StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port() + "\r\n")
                .append("Authorization: Bearer ")
                .append(caseworker)
                .append("\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    @Test
    void a304ThroughTheGatewayHasNoBodyFramingAndEachHeaderOnce() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(get("/api/v1/referrals/not-modified", "If-None-Match: W/\"page-7\"", "X-Request-Id: sync-42")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Raw notModified = read(in);
            assertTrue(notModified.statusLine().startsWith("HTTP/1.1 304"), notModified.statusLine());
            assertEquals(List.of("sync-42"), notModified.all("X-Request-Id"));
            assertEquals(List.of("W/\"page-7\""), notModified.all("ETag"));
            assertEquals(List.of(), notModified.all("Transfer-Encoding"), () -> "headers: " + notModified.headers());
            assertEquals(List.of(), notModified.all("Content-Length"), () -> "headers: " + notModified.headers());
            notModified
                    .counts()
                    .forEach((name, n) ->
                            assertEquals(1, n, () -> name + " appears " + n + " times: " + notModified.headers()));
            // the next response on the same connection starts right after the 304's headers: no stray body bytes
            out.write(get("/api/v1/agencies").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Raw next = read(in);
            assertTrue(next.statusLine().startsWith("HTTP/1.1 200"), () -> "after the 304: " + next.statusLine());
            assertEquals(1, next.all("X-Request-Id").size(), () -> "headers: " + next.headers());
            next.counts()
                    .forEach((name, n) ->
                            assertEquals(1, n, () -> name + " appears " + n + " times: " + next.headers()));
        }
    }

    @Test
    void theJdkClientsSeeOneRequestIdAndA304() throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> notModified = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/api/v1/referrals/not-modified"))
                        .header("Authorization", "Bearer " + caseworker)
                        .header("If-None-Match", "W/\"page-7\"")
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(304, notModified.statusCode());
        assertEquals(
                1,
                notModified.headers().allValues("x-request-id").size(),
                () -> notModified.headers().map().toString());
        assertEquals("", notModified.body());
        // and the connection it kept answers the next request
        HttpResponse<String> ok = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/api/v1/agencies"))
                        .header("Authorization", "Bearer " + caseworker)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
        assertEquals(
                1,
                ok.headers().allValues("x-request-id").size(),
                () -> ok.headers().map().toString());

        for (int i = 0; i < 2; i++) { // the second over the connection the first left in the keep-alive cache
            HttpURLConnection c =
                    (HttpURLConnection) URI.create("http://127.0.0.1:" + port() + "/api/v1/referrals/not-modified")
                            .toURL()
                            .openConnection();
            c.setRequestProperty("Authorization", "Bearer " + caseworker);
            c.setRequestProperty("If-None-Match", "W/\"page-7\"");
            c.setReadTimeout(10_000);
            assertEquals(304, c.getResponseCode());
            assertEquals(
                    1,
                    c.getHeaderFields().get("X-Request-Id").size(),
                    () -> c.getHeaderFields().toString());
            try (InputStream body = c.getInputStream()) {
                assertEquals(0, body.readAllBytes().length);
            }
        }
    }

    @Test
    void theInternalAuditEndpointsAreNotServedAtThePublicDoor() {
        // even to callers whose token those endpoints would accept on a service's own port
        for (String token : List.of(
                TestTokens.platformUser("pa", "platform-auditor"), TestTokens.platformUser("svc", "internal"))) {
            for (String path : List.of(
                    "/internal/v1/audit/entries?relatedId=x",
                    "/internal/v1/audit/links?caseId=x",
                    "/internal/v1/audit/verify")) {
                given().auth()
                        .oauth2(token)
                        .when()
                        .get(path)
                        .then()
                        .statusCode(404)
                        .contentType("application/problem+json");
            }
        }
    }

    @Test
    void aClientsForwardingHeadersAreDroppedAndTheGatewaySetsItsOwn() {
        given().auth()
                .oauth2(caseworker)
                .header("X-Forwarded-For", "203.0.113.9")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Port", "443")
                .header("X-Forwarded-Prefix", "/evil")
                .header("Forwarded", "for=203.0.113.9;proto=https;host=evil.example")
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("headers.x-forwarded-for", equalTo("127.0.0.1"))
                .body("headers.x-forwarded-proto", equalTo("http"))
                .body(
                        "headers.x-forwarded-host",
                        equalTo(URI.create(RestAssured.baseURI).getHost() + ":" + port()))
                .body("headers.x-forwarded-port", nullValue())
                .body("headers.x-forwarded-prefix", nullValue())
                .body("headers.forwarded", nullValue());
    }

    @Test
    void theRequestIdIsOnceOnAnAnswerAndOnAProblem() {
        var ok = given().auth()
                .oauth2(caseworker)
                .header("X-Request-Id", "once-1")
                .when()
                .get("/api/v1/referrals");
        assertEquals(List.of("once-1"), ok.headers().getValues("X-Request-Id"));
        var refused = given().header("X-Request-Id", "once-2").when().get("/api/v1/referrals");
        assertEquals(401, refused.statusCode());
        assertEquals(List.of("once-2"), refused.headers().getValues("X-Request-Id"));
        assertFalse(ok.headers().getValues("X-Request-Id").isEmpty());
    }

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "relais.gateway.referral-url")
    String referralStub;

    private int uploadsCompleted() {
        return given().baseUri(referralStub)
                .port(URI.create(referralStub).getPort())
                .when()
                .get("/stub/uploads")
                .then()
                .statusCode(200)
                .extract()
                .path("completed");
    }

    private HttpResponse<String> chunkedUpload(HttpClient client, int bytes) throws Exception {
        byte[] body = ("{\"x\":\"" + "y".repeat(bytes - 8) + "\"}").getBytes(StandardCharsets.UTF_8);
        // an InputStream publisher has no length: the body goes chunked, with no Content-Length to refuse early
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/api/v1/referrals/upload"))
                        .header("Authorization", "Bearer " + caseworker)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aChunkedBodyOverTheLimitIs413AndNeverReachesTheService() throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        int before = uploadsCompleted();
        HttpResponse<String> under = chunkedUpload(client, 900_000);
        assertEquals(200, under.statusCode(), under.body());
        assertTrue(under.body().contains("\"bodyLength\":900000"), under.body());
        assertEquals(before + 1, uploadsCompleted());

        HttpResponse<String> over = chunkedUpload(client, 1_900_000);
        assertEquals(413, over.statusCode(), over.body());
        assertEquals(
                "application/problem+json",
                over.headers().firstValue("content-type").orElse(""));
        assertTrue(over.body().contains("\"status\":413"), over.body());
        assertEquals(before + 1, uploadsCompleted(), "the service's request was reset before its body was complete");
        // and the gateway goes on answering
        given().auth().oauth2(caseworker).when().get("/api/v1/agencies").then().statusCode(200);
    }
}
