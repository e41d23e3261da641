package org.relais.notification.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * A receiver that answers one byte at a time, never idle long enough for an idle timeout, does not
 * keep a delivery: the whole exchange has relais.webhooks.timeout (2 s here), then the attempt fails.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class WebhookTimeoutIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String NGO = "trickled-" + RUN;
    private static final String POLICE = "sender-" + RUN;

    @Inject
    AgencyDirectory directory;

    /** Announces a body of 1000 bytes and sends one every 300 ms (five minutes in all). */
    static final class Trickler implements AutoCloseable {
        final ServerSocket server;
        final List<Long> connections = new CopyOnWriteArrayList<>();

        Trickler() throws Exception {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(
                    () -> {
                        while (!server.isClosed()) {
                            try {
                                Socket s = server.accept();
                                connections.add(System.currentTimeMillis());
                                Thread w = new Thread(() -> trickle(s, closed), "trickle");
                                w.setDaemon(true);
                                w.start();
                            } catch (Exception e) {
                                return;
                            }
                        }
                    },
                    "trickler");
            t.setDaemon(true);
            t.start();
        }

        /** One byte every 300 ms until the dispatcher hangs up or the receiver is closed. */
        private static void trickle(Socket s, java.util.concurrent.CountDownLatch closed) {
            try (s;
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream()) {
                in.read(new byte[65536]);
                out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < 1000; i++) {
                    out.write('.');
                    out.flush();
                    if (closed.await(300, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
            } catch (Exception e) {
                // the dispatcher hung up
            }
        }

        private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/hooks/relais";
        }

        @Override
        public void close() throws Exception {
            closed.countDown();
            server.close();
        }
    }

    @Test
    void aTricklingReceiverLosesTheAttemptAtTheTotalTimeout() throws Exception {
        ObjectMapper mapper = new ObjectMapper()
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + NGO + "\",\"active\":true}")));
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + POLICE + "\",\"active\":true}")));
        String admin = TestTokens.serviceAccount(NGO, "trickled-system", "agency-admin");
        try (Trickler trickler = new Trickler()) {
            String id = (String) WebhookIT.register(admin, trickler.url(), "relais.referral.sent")
                    .get("id");
            WebhookIT.sent(mapper, POLICE, NGO);
            await().atMost(Duration.ofSeconds(30)).until(() -> !trickler.connections.isEmpty());
            long connected = trickler.connections.get(0);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> given().auth()
                            .oauth2(admin)
                            .when()
                            .get("/api/v1/webhooks/" + id + "/deliveries")
                            .then()
                            .statusCode(200)
                            .body("[0].log[0].error", equalTo("TimeoutException"))
                            .body("[0].log[0].latencyMs", lessThan(4_000))
                            .body("[0].log[0].at", notNullValue()));
            long recorded = System.currentTimeMillis() - connected;
            assertTrue(recorded < 10_000, "the attempt was held " + recorded + " ms");
        }
    }
}
