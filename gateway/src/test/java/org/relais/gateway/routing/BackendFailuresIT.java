package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/** The circuit breaker counts what the backend does, never what a client does. */
@QuarkusTest
@TestProfile(BackendFailuresIT.LowThreshold.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class BackendFailuresIT {

    public static class LowThreshold implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "relais.gateway.circuit-failure-threshold",
                    "3",
                    "relais.gateway.circuit-open-for",
                    "60s",
                    "relais.gateway.timeout",
                    "1s");
        }
    }

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    private final String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
    }

    private Socket open(String requestHead) throws Exception {
        Socket socket = new Socket("127.0.0.1", RestAssured.port);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(requestHead.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return socket;
    }

    private String upload(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + caseworker
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "10\r\n{\"x\":\"0123456789\r\n";
    }

    private static String statusLine(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.append((char) c);
        }
        return b.toString().trim();
    }

    private static double metric(String line) {
        return given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString()
                .lines()
                .filter(l -> l.startsWith(line))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void clientsThatAbortOrStallOrLeaveNeverOpenTheCircuit() throws Exception {
        double abandonedBefore = metric("relais_gateway_requests_abandoned_total{backend=\"referral\"");
        int clients = 0;
        for (int i = 0; i < 6; i++) { // uploads cut off halfway
            Socket s = open(upload("/api/v1/referrals/upload"));
            // wait for the gateway to be relaying it: the stub's echo of a complete request never comes, so read
            // nothing
            s.close();
            clients++;
        }
        for (int i = 0;
                i < 4;
                i++) { // uploads that stall past the timeout: 408 for the client, nothing against the service
            try (Socket s = open(upload("/api/v1/referrals/upload"))) {
                String status = statusLine(s.getInputStream());
                assertTrue(status.startsWith("HTTP/1.1 408"), status);
            }
            clients++;
        }
        for (int i = 0; i < 4; i++) { // a client that leaves while the service is still working on its request
            Socket s = open("GET /api/v1/referrals/hang HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + caseworker + "\r\n\r\n");
            s.close();
            clients++;
        }
        int expected = clients;
        // every one of them was seen by the gateway and put down as the client's doing
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> metric("relais_gateway_requests_abandoned_total{backend=\"referral\"") - abandonedBefore
                        >= expected);
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .body(containsString("relais_gateway_circuit_open{backend=\"referral\"} 0.0"));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("service", equalTo("referral"));
        given().auth().oauth2(caseworker).when().get("/api/v1/agencies").then().statusCode(200);
    }

    @Test
    void anAnswerTheServiceBreaksOffNeverLeavesTheClientWaiting() throws Exception {
        // the head came, then the service's connection closed: a 502 problem instead of a body that never comes
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/referrals/broken-off")
                .then()
                .statusCode(502)
                .contentType("application/problem+json")
                .body("detail", equalTo("The service's answer broke off; retry shortly"));
        // part of the body came: the client's connection ends at once, short of what Content-Length promised
        long start = System.nanoTime();
        try (Socket s =
                open("GET /api/v1/referrals/broken-off?midway HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + caseworker + "\r\n\r\n")) {
            InputStream in = s.getInputStream();
            assertTrue(statusLine(in).startsWith("HTTP/1.1 200"));
            String rest;
            try {
                rest = new String(
                        in.readAllBytes(), StandardCharsets.ISO_8859_1); // until the gateway closes (10 s at most)
            } catch (java.net.SocketException reset) {
                rest = ""; // reset rather than closed: as good, the client knows the answer is broken
            }
            int body = rest.indexOf("\r\n\r\n") < 0 ? 0 : rest.length() - rest.indexOf("\r\n\r\n") - 4;
            assertTrue(body < 100, "a truncated body is not passed off as whole: " + body + " bytes");
        }
        assertTrue(
                Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0,
                "the client was not left waiting");
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("service", equalTo("referral"));
    }

    @Test
    void backendUnavailableAnswersOpenTheCircuit() {
        for (int i = 0; i < 3; i++) { // the service's own 503, relayed
            given().auth()
                    .oauth2(caseworker)
                    .when()
                    .get("/api/v1/cases/unavailable")
                    .then()
                    .statusCode(503)
                    .body("detail", equalTo("stub is down"));
        }
        // open: the gateway answers at once, for every route of that service, and says how long to wait
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/cases/abc")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", matchesPattern("[1-6][0-9]?"))
                .body("detail", equalTo("The service is unavailable; retry shortly"));
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .body(containsString("relais_gateway_circuit_open{backend=\"case\"} 1.0"));
        // the other services are not affected
        given().auth().oauth2(caseworker).when().get("/api/v1/referrals").then().statusCode(200);
    }
}
