package org.relais.gateway.routing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.relais.testkit.EmbeddedInfra;

/**
 * Real HTTP backends for the gateway's tests: the referral and case "services" echo what reached them;
 * {@code /api/v1/cases/hang} never answers; {@code .../broken-off} closes its connection after the head (and
 * with {@code ?midway} ten bytes) of an answer promising a hundred; {@code .../large} sends 8 MiB slowly; {@code /api/v1/notifications/stream} streams two events two
 * seconds apart (longer than the gateway's test timeout), and with {@code ?endless=true} never ends: one
 * event, then a comment every half second, which is also how the stub notices a stream the gateway closed
 * ({@code GET /stub/streams} on any stub: the endless streams it holds open); nothing listens where the notification-service
 * should be for other paths... it is a port with no server.
 */
public class BackendStubs implements QuarkusTestResourceLifecycleManager {

    /** Request bodies to an {@code .../upload} path that reached a stub whole (GET {@code /stub/uploads} on any stub). */
    private static final java.util.concurrent.atomic.AtomicInteger UPLOADS =
            new java.util.concurrent.atomic.AtomicInteger();
    /** Request bodies to an {@code .../upload} path still arriving. */
    private static final java.util.concurrent.atomic.AtomicInteger UPLOADING =
            new java.util.concurrent.atomic.AtomicInteger();

    /** Large answers being sent ({@code .../large}; GET {@code /stub/large} on any stub). */
    private static final java.util.concurrent.atomic.AtomicInteger LARGE =
            new java.util.concurrent.atomic.AtomicInteger();

    /** The endless streams being served; written to by one ticker thread, not a thread each. */
    private static final java.util.Set<HttpExchange> ENDLESS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static java.util.concurrent.ScheduledExecutorService ticker;

    private HttpServer referral;
    private HttpServer cases;
    private HttpServer notifications;

    @Override
    public Map<String, String> start() {
        try {
            referral = server("referral");
            cases = server("case");
            notifications = server("notification");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of(
                "relais.gateway.referral-url",
                "http://127.0.0.1:" + referral.getAddress().getPort(),
                "relais.gateway.case-url",
                "http://127.0.0.1:" + cases.getAddress().getPort(),
                "relais.gateway.notification-url",
                "http://127.0.0.1:" + notifications.getAddress().getPort(),
                "relais.gateway.timeout",
                "1s",
                "quarkus.oidc-client.auth-server-url",
                "http://127.0.0.1:" + referral.getAddress().getPort(),
                "quarkus.oidc-client.discovery-enabled",
                "false",
                "quarkus.oidc-client.token-path",
                "/token",
                "quarkus.oidc-client.credentials.secret",
                "stub");
    }

    public static String downUrl() {
        return "http://127.0.0.1:" + EmbeddedInfra.freePort();
    }

    private static HttpServer server(String name) throws IOException {
        // a deep accept queue: the gateway opens a connection to the stub for each of a thousand live streams
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        s.setExecutor(Executors.newCachedThreadPool());
        s.createContext("/", ex -> handle(name, ex));
        s.start();
        return s;
    }

    private static void handle(String name, HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String requestId = ex.getRequestHeaders().getFirst("X-Request-Id");
        if (requestId != null) {
            ex.getResponseHeaders().add("X-Request-Id", requestId); // as the services echo it
        }
        if (path.endsWith("/unavailable")) {
            respond(ex, 503, "{\"status\":503,\"detail\":\"stub is down\"}");
            return;
        }
        if (path.equals("/stub/streams")) {
            respond(ex, 200, "{\"open\":" + ENDLESS.size() + "}");
            return;
        }
        if (path.equals("/stub/large")) {
            respond(ex, 200, "{\"sending\":" + LARGE.get() + "}");
            return;
        }
        if (path.equals("/stub/uploads")) {
            respond(ex, 200, "{\"completed\":" + UPLOADS.get() + ",\"inProgress\":" + UPLOADING.get() + "}");
            return;
        }
        if (path.endsWith("/not-modified")) {
            ex.getResponseHeaders().add("ETag", "W/\"page-7\"");
            ex.getResponseHeaders().add("Cache-Control", "private, no-cache");
            ex.sendResponseHeaders(304, -1);
            ex.close();
            return;
        }
        if (path.endsWith("/hang")) {
            hang(Duration.ofSeconds(30)); // a backend that never answers
            ex.close();
            return;
        }
        if (path.endsWith(
                "/broken-off")) { // the head of a 200 promising 100 bytes, then (with ?midway) ten of them, then a
            // close
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 100);
            OutputStream out = ex.getResponseBody();
            if ("midway".equals(ex.getRequestURI().getQuery())) {
                out.write("{\"part\":\"1".getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            out.close(); // short of what it promised: the server closes the connection
            return;
        }
        if (path.endsWith("/large")) {
            large(ex);
            return;
        }
        if (path.equals("/token")) {
            respond(ex, 200, "{\"access_token\":\"gateway-token\",\"token_type\":\"Bearer\",\"expires_in\":300}");
            return;
        }
        if (path.equals("/q/openapi")) {
            respond(
                    ex,
                    200,
                    "{\"openapi\":\"3.1.0\",\"paths\":{\"/api/v1/"
                            + (name.equals("referral") ? "referrals" : name.equals("case") ? "cases" : "notifications")
                            + "\":{\"get\":{\"operationId\":\"list-" + name
                            + "\"}},\"/internal/v1/audit/entries\":{}},\"components\":{\"schemas\":{\"" + name
                            + "\":{\"type\":\"object\"}}},"
                            + "\"tags\":[{\"name\":\"" + name + "\"}]}");
            return;
        }
        if (path.startsWith("/internal/v1/audit/")) {
            if (!"Bearer gateway-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                respond(ex, 401, "{}");
                return;
            }
            respond(ex, 200, AuditStubs.answer(name, path, ex.getRequestURI().getRawQuery()));
            return;
        }
        if (path.endsWith("/notifications/stream")
                && "endless=true".equals(ex.getRequestURI().getQuery())) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("id: 1\ndata: first\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            ENDLESS.add(ex);
            startTicker();
            return; // left open: the ticker keeps it alive until the other side goes away
        }
        if (path.endsWith("/notifications/stream")) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write("id: 1\ndata: first\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                hang(Duration.ofSeconds(2)); // longer than the gateway's timeout in tests
                out.write("id: 2\ndata: second\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            return;
        }
        boolean upload = path.endsWith("/upload");
        if (upload) {
            UPLOADING.incrementAndGet();
        }
        byte[] body;
        try {
            body = ex.getRequestBody().readAllBytes(); // fails when the gateway resets the request mid-body
        } finally {
            if (upload) {
                UPLOADING.decrementAndGet();
            }
        }
        if (path.endsWith("/upload")) {
            UPLOADS.incrementAndGet();
        }
        String headers = ex.getRequestHeaders().entrySet().stream()
                .map(e -> "\"" + e.getKey().toLowerCase() + "\":\""
                        + String.join(",", e.getValue()).replace("\"", "'") + "\"")
                .collect(Collectors.joining(","));
        String json = "{\"service\":\"" + name + "\",\"method\":\"" + ex.getRequestMethod() + "\",\"uri\":\""
                + ex.getRequestURI() + "\",\"bodyLength\":" + body.length + ",\"headers\":{" + headers + "}}";
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("ETag", "\"7\"");
        ex.sendResponseHeaders(path.endsWith("/created") ? 201 : 200, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    /**
     * A large answer sent slowly (8 MiB in 16 KiB pieces, one every 20 ms: about ten seconds), with a Content-Length
     * or, with {@code ?chunked}, without one; it stops at the first write that fails, when the gateway let go of it.
     */
    private static void large(HttpExchange ex) throws IOException {
        byte[] piece = new byte[16 * 1024];
        java.util.Arrays.fill(piece, (byte) 'x');
        int pieces = 512;
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        LARGE.incrementAndGet();
        try {
            ex.sendResponseHeaders(
                    200, "chunked".equals(ex.getRequestURI().getQuery()) ? 0 : (long) piece.length * pieces);
            OutputStream out = ex.getResponseBody();
            for (int i = 0; i < pieces; i++) {
                out.write(piece);
                out.flush();
                hang(Duration.ofMillis(20));
            }
            out.close();
        } catch (IOException gone) {
            ex.close();
        } finally {
            LARGE.decrementAndGet();
        }
    }

    private static synchronized void startTicker() {
        if (ticker != null) {
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stub-stream-ticker");
            t.setDaemon(true);
            return t;
        });
        byte[] tick = ": tick\n\n".getBytes(StandardCharsets.UTF_8);
        ticker.scheduleWithFixedDelay(
                () -> {
                    for (HttpExchange ex : ENDLESS) {
                        try {
                            ex.getResponseBody().write(tick);
                            ex.getResponseBody().flush();
                        } catch (IOException | RuntimeException gone) {
                            ENDLESS.remove(ex);
                            ex.close();
                        }
                    }
                },
                500,
                500,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Holds the exchange open, as a slow or silent server does. */
    private static void hang(Duration duration) {
        try {
            new java.util.concurrent.CountDownLatch(1)
                    .await(duration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    @Override
    public void stop() {
        ENDLESS.forEach(HttpExchange::close);
        ENDLESS.clear();
        for (HttpServer s : new HttpServer[] {referral, cases, notifications}) {
            if (s != null) {
                s.stop(0);
            }
        }
    }
}
