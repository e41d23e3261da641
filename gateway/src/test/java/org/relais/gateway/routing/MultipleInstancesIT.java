package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * A service run as two instances behind the gateway ({@code relais.gateway.referral-url} lists both): requests are
 * spread over them, one that is down is passed over without the client noticing, and only when both are down does
 * the client get 503.
 */
@QuarkusTest
@TestProfile(MultipleInstancesIT.TwoReferralInstances.class)
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultipleInstancesIT {

    /** Two referral-service instances; the other services are BackendStubs'. */
    public static class TwoReferralInstances implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("relais.gateway.referral-url", Instances.urls());
        }
    }

    /**
     * The two instances, started once: each answers every request with its own name and counts them
     * ({@code GET /stub/count}); {@code POST /stub/stop} stops it, after which its port refuses connections. Every
     * answer closes its connection, so the gateway holds none to an instance once it is stopped.
     */
    static final class Instances {
        private static String urls;

        static synchronized String urls() {
            if (urls == null) {
                urls = "http://127.0.0.1:" + start("one") + ", http://127.0.0.1:" + start("two");
            }
            return urls;
        }

        private static int start(String name) {
            try {
                HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
                AtomicInteger seen = new AtomicInteger();
                s.setExecutor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "instance-" + name);
                    t.setDaemon(true);
                    return t;
                }));
                s.createContext("/", ex -> {
                    String path = ex.getRequestURI().getPath();
                    if (path.equals("/stub/count")) {
                        respond(ex, "{\"count\":" + seen.get() + "}");
                    } else if (path.equals("/stub/stop")) {
                        respond(ex, "{}");
                        new Thread(() -> s.stop(0)).start();
                    } else {
                        seen.incrementAndGet();
                        ex.getRequestBody().readAllBytes();
                        respond(ex, "{\"service\":\"referral\",\"instance\":\"" + name + "\"}");
                    }
                });
                s.start();
                return s.getAddress().getPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void respond(HttpExchange ex, String body) throws IOException {
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    AgencyDirectory directory;

    @Inject
    ObjectMapper mapper;

    @Inject
    GatewayConfig config;

    private final String caseworker = TestTokens.user("ngo-casa-ecoute", "ngo-caseworker", "caseworker");

    @BeforeEach
    void agencies() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"ngo-casa-ecoute\",\"active\":true}")));
    }

    @AfterAll
    static void stopInstances() {
        // the instances the gateway was given (the profile may have been read in another class loader than this one)
        String urls = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("relais.gateway.referral-url", String.class);
        for (String url : urls.split(",")) {
            stop(url.trim());
        }
    }

    private List<String> instances() {
        List<String> urls = GatewayConfig.instances(config.referralUrls());
        assertEquals(2, urls.size(), "both instances configured: " + urls);
        return urls;
    }

    private static int seen(String instance) throws Exception {
        String body = HTTP.send(
                        HttpRequest.newBuilder(URI.create(instance + "/stub/count"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return Integer.parseInt(body.replaceAll("\\D", ""));
    }

    private static void stop(String instance) {
        try {
            HTTP.send(
                    HttpRequest.newBuilder(URI.create(instance + "/stub/stop"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException | InterruptedException alreadyStopped) {
            // nothing listens there any more
        }
        URI uri = URI.create(instance);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
                return false;
            } catch (IOException refused) {
                return true;
            }
        });
    }

    private String readVia() {
        return given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(200)
                .body("service", equalTo("referral"))
                .extract()
                .path("instance");
    }

    @Test
    @Order(1)
    void requestsAreSpreadOverBothInstances() throws Exception {
        List<String> instances = instances();
        int oneBefore = seen(instances.get(0));
        int twoBefore = seen(instances.get(1));
        for (int i = 0; i < 30; i++) {
            readVia();
        }
        int one = seen(instances.get(0)) - oneBefore;
        int two = seen(instances.get(1)) - twoBefore;
        assertEquals(30, one + two, "every request reached one instance, once");
        assertTrue(one >= 10 && two >= 10, "each instance served at least a third: " + one + " and " + two);
    }

    @Test
    @Order(2)
    void anInstanceThatIsDownIsPassedOverAndBothDownIs503() throws Exception {
        List<String> instances = instances();
        stop(instances.get(0));
        for (int i = 0; i < 20; i++) { // the one left serves them all, none refused on the way
            assertEquals("two", readVia(), "request " + i);
        }
        stop(instances.get(1));
        given().auth()
                .oauth2(caseworker)
                .when()
                .get("/api/v1/referrals")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("status", equalTo(503))
                .body("detail", equalTo("The service is unavailable; retry shortly"));
        // the other services are not affected
        given().auth().oauth2(caseworker).when().get("/api/v1/cases/abc").then().statusCode(200);
    }
}
