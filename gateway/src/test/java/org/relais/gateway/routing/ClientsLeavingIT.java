package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * Clients that go away in the middle of an answer, as a load generator's do when it stops (its connections closed
 * with requests in flight): the gateway logs no error for it, lets go of the service's side at once, and goes on
 * serving.
 */
@QuarkusTest
@TestProfile(BackendFailuresIT.LowThreshold.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class ClientsLeavingIT {

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    @ConfigProperty(name = "relais.gateway.referral-url")
    String referralStub;

    private final String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");
    private final String limited = TestTokens.user("limited-agency", "limited-caseworker", "caseworker");

    /** What the gateway logs as an error, or with a stack trace, while the test runs. */
    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();

    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue() || record.getThrown() != null) {
                errors.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void setUp() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"limited-agency\",\"active\":true}")));
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("").removeHandler(capture);
    }

    private Socket open(String requests) throws Exception {
        Socket socket = new Socket("127.0.0.1", RestAssured.port);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return socket;
    }

    private static String get(String path, String token) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    }

    /** Reads what a client reads of a complete small answer on a kept-alive connection: its head and body. */
    private static void readWhole(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        int c;
        while (!head.toString().endsWith("\r\n\r\n") && (c = in.read()) != -1) {
            head.append((char) c);
        }
        String lengthLine = head.toString()
                .lines()
                .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Content-Length: " + head));
        in.readNBytes(Integer.parseInt(
                lengthLine.substring(lengthLine.indexOf(':') + 1).trim()));
    }

    private int stubSending() {
        return given().baseUri(referralStub)
                .port(URI.create(referralStub).getPort())
                .when()
                .get("/stub/large")
                .then()
                .statusCode(200)
                .extract()
                .path("sending");
    }

    @Test
    void clientsThatLeaveMidAnswerLeaveNoErrorAndNoConnectionHeld() throws Exception {
        String large = "/api/v1/referrals/large";
        for (int i = 0; i < 56; i++) {
            switch (i % 7) {
                case 0 -> { // the head and a byte of the body, then gone
                    try (Socket s = open(get(large, caseworker))) {
                        assertTrue(s.getInputStream().read() != -1);
                    }
                }
                case 1 -> { // a chunked answer, some of it read
                    try (Socket s = open(get(large + "?chunked", caseworker))) {
                        s.getInputStream().readNBytes(40_000);
                    }
                }
                case 2 -> { // gone before the answer (or just as it comes)
                    open(get(large, caseworker)).close();
                }
                case 3 -> { // a kept-alive connection: one answer read whole, the next left halfway
                    try (Socket s = open(get("/api/v1/referrals", caseworker))) {
                        readWhole(s.getInputStream());
                        s.getOutputStream().write(get(large, caseworker).getBytes(StandardCharsets.ISO_8859_1));
                        s.getInputStream().readNBytes(20_000);
                    }
                }
                case 4 -> { // two requests sent at once (pipelined), the first answer left halfway
                    try (Socket s = open(get(large, caseworker) + get("/api/v1/referrals", caseworker))) {
                        s.getInputStream().readNBytes(20_000);
                    }
                }
                case 5 -> { // a token refused, the client gone before its 401
                    open(get(large, "not-a-token")).close();
                }
                default -> { // an agency over its rate, the client gone before its 429 (or its answer)
                    open(get(large, limited)).close();
                }
            }
        }
        // and all at once, as a load generator that stops closes its connections with requests in flight
        List<Socket> inFlight = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) {
            inFlight.add(open(get(i % 2 == 0 ? large : "/api/v1/referrals", caseworker)));
        }
        for (int i = 0; i < inFlight.size(); i += 2) {
            assertTrue(inFlight.get(i).getInputStream().read() != -1); // the large answers are under way
        }
        for (Socket s : inFlight) {
            s.close();
        }
        // the service's side is let go: none of the ten-second answers goes on streaming into a closed connection
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> stubSending() == 0);
        // and the gateway serves the next client at once, with the service's circuit closed
        long start = System.nanoTime();
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("service", equalTo("referral"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "the next request waited " + took);
        assertTrue(
                errors.isEmpty(),
                () -> "errors logged for clients that left: "
                        + errors.stream()
                                .map(r -> r.getLoggerName() + ": " + r.getMessage()
                                        + (r.getThrown() == null ? "" : " " + r.getThrown()))
                                .collect(Collectors.joining("\n")));
    }
}
