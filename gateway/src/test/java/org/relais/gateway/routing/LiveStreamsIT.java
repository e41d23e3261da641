package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Inject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * Live streams cannot starve other traffic: a thousand streams held open through the gateway (five agencies,
 * forty users each, five streams a user: the default per-user and per-agency limits, full) leave every other
 * route answering as before, each limit answers 429 past it, and a stream that ends, however it ends, gives its
 * place back. The gateway, the stub services and the clients share this JVM: at a thousand streams it holds
 * four thousand sockets (client to gateway, gateway to stub, each end; about 5100 descriptors in all, printed
 * by the test), well under the 20000 the JVM may open here (it raises its soft limit to the hard one); the
 * gateway's event loops carry them without a thread each, and the stub writes to all of them from one thread.
 * The services' own pool (8 here) waiting too long for a free connection is the third test.
 */
@QuarkusTest
@TestProfile(LiveStreamsIT.AThousandStreams.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class LiveStreamsIT {

    private static final int AGENCIES = 5;
    private static final int USERS_PER_AGENCY = 40;
    private static final int PER_USER = 5;
    private static final int STREAMS = AGENCIES * USERS_PER_AGENCY * PER_USER;

    public static class AThousandStreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // per user and per agency keep their defaults (5, 200); the services' own pool is made small, to show
            // that streams never take from it
            return Map.of(
                    "relais.gateway.streams.max-total", Integer.toString(STREAMS), "relais.gateway.pool-size", "8");
        }
    }

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    @ConfigProperty(name = "relais.gateway.notification-url")
    String notificationUrl;

    @ConfigProperty(name = "relais.gateway.referral-url")
    String referralUrl;

    private static Vertx vertx;
    private static HttpClient streamClient;
    private static io.vertx.core.Context clientContext;
    private final java.net.http.HttpClient plain = java.net.http.HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<Stream> opened = new ArrayList<>();

    /** A stream as its client holds it: the answer's status, what has arrived, and the end of it. */
    static final class Stream {
        final HttpClientResponse response;
        final StringBuffer received = new StringBuffer();
        final CompletableFuture<Void> flowing =
                new CompletableFuture<>(); // an event or the service's keep-alive arrived
        final CompletableFuture<Void> ended = new CompletableFuture<>();

        Stream(HttpClientResponse response) {
            this.response = response;
            response.handler(chunk -> {
                received.append(chunk.toString());
                flowing.complete(null);
            });
            response.endHandler(v -> ended.complete(null));
            response.exceptionHandler(ended::completeExceptionally);
        }

        int status() {
            return response.statusCode();
        }

        /** The client hangs up. */
        void close() {
            response.request().connection().close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
        for (int a = 0; a <= AGENCIES; a++) {
            directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"stream-agency-" + a + "\",\"active\":true}")));
        }
        if (vertx == null) {
            vertx = Vertx.vertx();
            // a connection per stream, as many browsers or mobile clients would open
            streamClient = vertx.createHttpClient(
                    new HttpClientOptions()
                            .setDefaultHost("127.0.0.1")
                            .setDefaultPort(RestAssured.port)
                            .setKeepAlive(false),
                    new PoolOptions().setHttp1MaxSize(STREAMS + 100));
            // one event loop for all of them: a response's handler is then set before its first bytes are handled
            // (from another thread, the head can reach the test after the body has been dropped for want of a handler)
            clientContext = vertx.getOrCreateContext();
        }
    }

    @AfterEach
    void hangUp() {
        opened.forEach(s -> {
            if (!s.ended.isDone()) {
                s.close();
            }
        });
        opened.clear();
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("relais_gateway_streams_open") == 0);
    }

    @AfterAll
    static void closeClient() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
            vertx = null;
        }
    }

    @Test
    void aThousandOpenStreamsLeaveEveryOtherRouteAnswering() throws Exception {
        long before = System.nanoTime();
        // opened a hundred at a time, as clients arriving over a few seconds would
        for (int batch = 0; batch < STREAMS / 100; batch++) {
            List<CompletableFuture<Stream>> pending = new ArrayList<>();
            for (int i = batch * 100; i < (batch + 1) * 100; i++) {
                int agency = i / (USERS_PER_AGENCY * PER_USER);
                int user = i / PER_USER;
                pending.add(open(token(agency, "streamer-" + user), true));
            }
            for (CompletableFuture<Stream> p : pending) {
                Stream s = p.get(30, TimeUnit.SECONDS);
                opened.add(s);
                assertEquals(200, s.status());
            }
        }
        for (Stream s : opened) {
            s.flowing.get(30, TimeUnit.SECONDS);
        }
        System.out.printf(
                "LiveStreamsIT: %d streams open after %d ms; this JVM holds %d file descriptors%n",
                STREAMS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before), openDescriptors());
        assertEquals(STREAMS, metric("relais_gateway_streams_open"));
        await().atMost(Duration.ofSeconds(10)).until(() -> stubStreams() == STREAMS);

        // every other route answers, and in the time it takes when nothing is open (the services' pool holds 8 here)
        Duration slowest = everyOtherRoute();
        assertTrue(
                slowest.compareTo(Duration.ofSeconds(2)) < 0,
                "slowest answer with a thousand streams open: " + slowest);
        assertTrue(opened.stream().noneMatch(s -> s.ended.isDone()), "the streams are still open");

        // each limit, full, refuses one more stream: 429 problem naming it
        double refusedBefore = metric("relais_gateway_streams_refused_total");
        refusedFor(token(0, "streamer-0"), "user", PER_USER); // the 6th stream of one user
        refusedFor(token(0, "streamer-new"), "agency", 200); // a new user of an agency that has 200
        refusedFor(token(AGENCIES, "streamer-elsewhere"), "gateway", STREAMS); // anyone, the gateway holding them all
        assertEquals(3, metric("relais_gateway_streams_refused_total") - refusedBefore);

        // a stream the client closes frees its place: that user's next stream is let in
        opened.get(0).close();
        java.util.concurrent.atomic.AtomicReference<Stream> again = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Stream s = open(token(0, "streamer-0"), true).get(10, TimeUnit.SECONDS);
                    if (s.status() != 200) {
                        s.ended.get(10, TimeUnit.SECONDS); // refused while the gateway had not yet seen the close
                        return false;
                    }
                    again.set(s);
                    return true;
                });
        opened.add(again.get());
        again.get().flowing.get(10, TimeUnit.SECONDS);
        assertEquals(STREAMS, metric("relais_gateway_streams_open"));
        slowest = everyOtherRoute();
        assertTrue(slowest.compareTo(Duration.ofSeconds(2)) < 0, "slowest answer after the churn: " + slowest);

        // all hung up: nothing left counted at the gateway, nothing left open at the service
        opened.forEach(Stream::close);
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("relais_gateway_streams_open") == 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> stubStreams() == 0);
    }

    @Test
    void aStreamGivesItsPlaceBackHoweverItEnds() throws Exception {
        // the service ends them (the stub's plain stream: two events, two seconds apart)
        String token = token(1, "ends-by-service");
        List<Stream> ending = openAll(token, false);
        refusedFor(token, "user", PER_USER);
        for (Stream s : ending) {
            s.ended.get(15, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("relais_gateway_streams_open") == 0);
        openAll(token, true); // the same user, all five places back
        opened.forEach(Stream::close);
        opened.clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("relais_gateway_streams_open") == 0);

        // the token expires: the gateway ends them
        String expiring =
                TestTokens.expiringIn(Duration.ofSeconds(3), "stream-agency-2", "ends-by-expiry", "caseworker");
        List<Stream> expiringStreams = openAll(expiring, true);
        refusedFor(expiring, "user", PER_USER);
        for (Stream s : expiringStreams) {
            s.ended.get(15, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("relais_gateway_streams_open") == 0);
        openAll(token(2, "ends-by-expiry"), true); // a fresh token of the same user
    }

    @Test
    void aFullPoolOfTheServicesIsTheGatewaysLoadNotTheServicesFailure() throws Exception {
        // the services' pool holds 8 here: 8 uploads that keep trickling in hold every connection to the
        // referral-service
        String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");
        double busyBefore = metric("relais_gateway_requests_abandoned_total{backend=\"referral\",reason=\"pool-busy\"");
        List<java.net.Socket> uploads = new ArrayList<>();
        java.util.concurrent.ScheduledExecutorService pace = java.util.concurrent.Executors.newScheduledThreadPool(1);
        try {
            for (int i = 0; i < 8; i++) {
                java.net.Socket socket = new java.net.Socket("127.0.0.1", RestAssured.port);
                socket.setSoTimeout(20_000);
                socket.getOutputStream()
                        .write(("POST /api/v1/referrals/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                        + caseworker
                                        + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n")
                                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                uploads.add(socket);
            }
            // a byte every 200 ms: never stalled long enough for a 408, never done
            var trickle = pace.scheduleAtFixedRate(
                    () -> uploads.forEach(u -> {
                        try {
                            u.getOutputStream()
                                    .write("1\r\n \r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }),
                    200,
                    200,
                    TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> stub(referralUrl, "inProgress") == 8);

            HttpResponse<String> waited = plain.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + "/api/v1/referrals"))
                            .timeout(Duration.ofSeconds(20))
                            .header("Authorization", "Bearer " + caseworker)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, waited.statusCode());
            assertEquals(
                    "application/problem+json",
                    waited.headers().firstValue("Content-Type").orElse(""));
            assertTrue(waited.headers().firstValue("Retry-After").isPresent());
            assertEquals(
                    "The gateway is busy; retry shortly",
                    mapper.readTree(waited.body()).path("detail").asText());
            assertEquals(
                    1,
                    metric("relais_gateway_requests_abandoned_total{backend=\"referral\",reason=\"pool-busy\"")
                            - busyBefore);
            assertEquals(
                    0, metric("relais_gateway_circuit_open{backend=\"referral\"}"), "not held against the service");

            trickle.cancel(false);
            for (java.net.Socket u : uploads) {
                u.getOutputStream().write("1\r\n]\r\n0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String status = new java.io.BufferedReader(new java.io.InputStreamReader(
                                u.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .readLine();
                assertTrue(status.startsWith("HTTP/1.1 200"), status);
            }
            given().auth()
                    .oauth2(caseworker)
                    .when()
                    .get("/api/v1/referrals")
                    .then()
                    .statusCode(200);
        } finally {
            pace.shutdownNow();
            for (java.net.Socket u : uploads) {
                u.close();
            }
        }
    }

    private List<Stream> openAll(String token, boolean endless) throws Exception {
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < PER_USER; i++) {
            Stream s = open(token, endless).get(10, TimeUnit.SECONDS);
            opened.add(s);
            streams.add(s);
            assertEquals(200, s.status());
        }
        for (Stream s : streams) {
            s.flowing.get(10, TimeUnit.SECONDS);
        }
        return streams;
    }

    private void refusedFor(String token, String scope, int limit) throws Exception {
        Stream s = open(token, true).get(10, TimeUnit.SECONDS);
        s.ended.get(10, TimeUnit.SECONDS);
        assertEquals(429, s.status(), scope);
        assertEquals("application/problem+json", s.response.getHeader("Content-Type"));
        assertTrue(Long.parseLong(s.response.getHeader("Retry-After")) > 0);
        JsonNode problem = mapper.readTree(s.received.toString());
        assertEquals(
                "https://relais.dev/problems/rate-limited", problem.path("type").asText());
        assertEquals(429, problem.path("status").asInt());
        assertEquals(scope, problem.path("scope").asText());
        assertEquals(limit, problem.path("limit").asInt());
    }

    private CompletableFuture<Stream> open(String token, boolean endless) {
        CompletableFuture<Stream> result = new CompletableFuture<>();
        clientContext.runOnContext(v -> streamClient
                .request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setURI("/api/v1/notifications/stream" + (endless ? "?endless=true" : ""))
                        .putHeader("Authorization", "Bearer " + token)
                        .putHeader("Accept", "text/event-stream"))
                .compose(HttpClientRequest::send)
                .onSuccess(response -> result.complete(new Stream(response)))
                .onFailure(result::completeExceptionally));
        return result;
    }

    /** Each of the other routes, three times over; the slowest answer. Each must be the service's own answer. */
    private Duration everyOtherRoute() throws Exception {
        String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");
        String admin = TestTokens.user("ngo-casa-ecoute", "ngo-admin", "agency-admin");
        Map<String, String> routes = Map.of(
                "/api/v1/notifications",
                caseworker,
                "/api/v1/notifications/" + java.util.UUID.randomUUID() + "/read",
                caseworker,
                "/api/v1/webhooks",
                admin,
                "/api/v1/referrals?direction=received",
                caseworker,
                "/api/v1/cases",
                caseworker,
                "/api/v1/agencies",
                caseworker);
        Duration slowest = Duration.ZERO;
        for (int round = 0; round < 3; round++) {
            for (Map.Entry<String, String> route : routes.entrySet()) {
                boolean post = route.getKey().endsWith("/read");
                HttpRequest.Builder request = HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + RestAssured.port + route.getKey()))
                        .timeout(Duration.ofSeconds(5))
                        .header("Authorization", "Bearer " + route.getValue());
                request = post
                        ? request.POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .header("Content-Type", "application/json")
                        : request.GET();
                long start = System.nanoTime();
                HttpResponse<String> response = plain.send(request.build(), HttpResponse.BodyHandlers.ofString());
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertEquals(200, response.statusCode(), route.getKey());
                assertTrue(response.body().contains("\"service\":\""), route.getKey() + " answered by the service");
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
            }
        }
        return slowest;
    }

    private static String token(int agency, String username) {
        return TestTokens.user("stream-agency-" + agency, username, "caseworker");
    }

    private int stubStreams() throws Exception {
        HttpResponse<String> response = plain.send(
                HttpRequest.newBuilder(URI.create(notificationUrl + "/stub/streams"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return mapper.readTree(response.body()).path("open").asInt();
    }

    private int stub(String url, String field) throws Exception {
        HttpResponse<String> response = plain.send(
                HttpRequest.newBuilder(URI.create(url + "/stub/uploads"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return mapper.readTree(response.body()).path(field).asInt();
    }

    private static double metric(String name) {
        return given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString()
                .lines()
                .filter(l ->
                        name.contains("{") ? l.startsWith(name) : l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static int openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
