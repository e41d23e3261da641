package org.relais.notification.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * Webhook hosts are resolved off the event loops and off the dispatcher, within a timeout: a name whose
 * DNS hangs costs its own registration or delivery that timeout, and nobody else anything. The system
 * resolver is replaced by one that answers {@code *.partner.test} with loopback and hangs on the names
 * a test marks slow.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(org.relais.testkit.OpenApiResponses.class)
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class WebhookResolutionIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String SLOW_AGENCY = "slowdns-" + RUN;
    private static final String FAST_AGENCY = "fastdns-" + RUN;
    private static final String POLICE = "sender-" + RUN;

    /** A resolver with names that hang (for 10 s, far beyond the 1 s the service waits). */
    static class Lookups extends HostLookup {
        final Set<String> slow = ConcurrentHashMap.newKeySet();
        final AtomicInteger slowCalls = new AtomicInteger();
        /** Never released: a slow name hangs for its full 10 s bound. */
        final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

        @Override
        public List<InetAddress> lookup(String host) throws UnknownHostException {
            if (slow.contains(host)) {
                slowCalls.incrementAndGet();
                try {
                    released.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (host.endsWith(".partner.test")) {
                return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
            }
            return super.lookup(host);
        }
    }

    @Inject
    AgencyDirectory directory;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final Lookups lookups = new Lookups();

    @BeforeEach
    void setUp() throws Exception {
        QuarkusMock.installMockForType(lookups, HostLookup.class);
        for (String id : List.of(SLOW_AGENCY, FAST_AGENCY, POLICE)) {
            directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"" + id + "\",\"active\":true}")));
        }
    }

    @Test
    void aTargetWhoseDnsHangsDelaysNoOtherAgencysDelivery() throws Exception {
        String slowHost = "slow-" + RUN + ".partner.test";
        try (Receiver slowReceiver = new Receiver();
                Receiver fastReceiver = new Receiver()) {
            String slowAdmin = TestTokens.serviceAccount(SLOW_AGENCY, "slow-system", "agency-admin");
            String fastAdmin = TestTokens.serviceAccount(FAST_AGENCY, "fast-system", "agency-admin");
            String slowHook = (String) WebhookIT.register(
                            slowAdmin, slowReceiver.url().replace("127.0.0.1", slowHost), "relais.referral.sent")
                    .get("id");
            WebhookIT.register(
                    fastAdmin,
                    fastReceiver.url().replace("127.0.0.1", "fast-" + RUN + ".partner.test"),
                    "relais.referral.sent");
            lookups.slow.add(slowHost);
            for (int i = 0; i < 5; i++) {
                WebhookIT.sent(mapper, POLICE, SLOW_AGENCY);
            }
            // the slow agency's deliveries are being resolved when the other agency's event comes
            await().atMost(Duration.ofSeconds(30)).until(() -> lookups.slowCalls.get() > 0);
            long sent = System.currentTimeMillis();
            WebhookIT.sent(mapper, POLICE, FAST_AGENCY);
            await().atMost(Duration.ofSeconds(30)).until(() -> !fastReceiver.received.isEmpty());
            long took = fastReceiver.received.get(0).at() - sent;
            assertTrue(took < 5_000, "the other agency's delivery waited " + took + " ms behind a hanging DNS lookup");
            // the slow target's attempts end at the resolution timeout, logged as such, and are retried later
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().auth()
                            .oauth2(slowAdmin)
                            .when()
                            .get("/api/v1/webhooks/" + slowHook + "/deliveries")
                            .then()
                            .statusCode(200)
                            .body("log.flatten().error", hasItem("target did not resolve in time")));
            assertEquals(0, slowReceiver.received.size());
        }
    }

    @Test
    void registrationsWhoseDnsHangsDoNotHoldTheEventLoops() throws Exception {
        String slowHost = "hang-" + RUN + ".partner.test";
        lookups.slow.add(slowHost);
        String admin = TestTokens.serviceAccount(SLOW_AGENCY, "slow-system", "agency-admin");
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port;
        long start = System.currentTimeMillis();
        List<CompletableFuture<HttpResponse<String>>> registrations = new ArrayList<>();
        // more registrations than the service has event loops (2 per core)
        for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 4; i++) {
            registrations.add(client.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "/api/v1/webhooks"))
                            .header("Authorization", "Bearer " + admin)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"https://" + slowHost
                                    + "/hook\", \"eventTypes\": [\"relais.referral.sent\"]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lookups.slowCalls.get() > 0);
        long listStart = System.currentTimeMillis();
        given().auth().oauth2(admin).when().get("/api/v1/webhooks").then().statusCode(200);
        long listed = System.currentTimeMillis() - listStart;
        assertTrue(listed < 2_000, "a list waited " + listed + " ms behind hanging resolutions");
        for (CompletableFuture<HttpResponse<String>> r : registrations) {
            HttpResponse<String> response = r.get(30, TimeUnit.SECONDS);
            assertEquals(422, response.statusCode(), response.body());
            Map<?, ?> problem = mapper.readValue(response.body(), Map.class);
            assertTrue(problem.toString().contains("host did not resolve in time"), problem.toString());
        }
        long took = System.currentTimeMillis() - start;
        assertTrue(took < 8_000, "registrations answered after " + took + " ms, not at the resolution timeout");
        assertEquals(1, lookups.slowCalls.get(), "concurrent lookups of one name share one resolver thread");
    }
}
