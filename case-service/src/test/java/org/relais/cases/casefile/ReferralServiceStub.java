package org.relais.cases.casefile;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real HTTP peer standing in for the referral-service and the token endpoint of the identity provider:
 * it serves client-credentials tokens and referrals registered by the test, and can be taken down
 * (every request answered 503) and brought back. It also answers the identity provider's admin API for
 * the agency members (see KeycloakAdminStub).
 */
public class ReferralServiceStub implements QuarkusTestResourceLifecycleManager {

    static final Map<String, String> REFERRALS = new ConcurrentHashMap<>();
    static final AtomicBoolean UP = new AtomicBoolean(true);
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            ex.getRequestBody().readAllBytes();
            if (org.relais.testkit.KeycloakAdminStub.serveAdmin(ex, "stub-token")) {
                return; // the identity provider's admin API (agency members) stays up when the referral-service is down
            }
            byte[] body;
            int status;
            if (!UP.get()) {
                status = 503;
                body = "{}".getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/token")) {
                status = 200;
                body = "{\"access_token\":\"stub-token\",\"token_type\":\"Bearer\",\"expires_in\":300}"
                        .getBytes(StandardCharsets.UTF_8);
            } else if (path.startsWith("/api/v1/referrals/")
                    && REFERRALS.containsKey(path.substring(18))
                    && "Bearer stub-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                status = 200;
                body = REFERRALS.get(path.substring(18)).getBytes(StandardCharsets.UTF_8);
            } else {
                status = 404;
                body = "{}".getBytes(StandardCharsets.UTF_8);
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of(
                "relais.cases.referral-url",
                url,
                "relais.directory.keycloak-url",
                url,
                "quarkus.oidc-client.auth-server-url",
                url,
                "quarkus.oidc-client.discovery-enabled",
                "false",
                "quarkus.oidc-client.token-path",
                "/token",
                "quarkus.oidc-client.credentials.secret",
                "stub-secret");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
