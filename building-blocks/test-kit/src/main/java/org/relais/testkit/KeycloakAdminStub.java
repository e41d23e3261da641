package org.relais.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A real HTTP peer standing in for Keycloak's token endpoint and admin REST API: the users of agency
 * {@code <prefix>-<anything>} are {@code <prefix>-caseworker} (caseworker) and {@code <prefix>-supervisor}
 * (supervisor), as the tests' tokens name them.
 */
public class KeycloakAdminStub implements QuarkusTestResourceLifecycleManager {

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", ex -> {
            if (ex.getRequestURI().getPath().equals("/token")) {
                reply(ex, "{\"access_token\":\"admin-token\",\"token_type\":\"Bearer\",\"expires_in\":300}");
            } else if (!serveAdmin(ex, "admin-token")) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
            }
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of(
                "relais.directory.keycloak-url",
                url,
                "quarkus.oidc-client.auth-server-url",
                url,
                "quarkus.oidc-client.discovery-enabled",
                "false",
                "quarkus.oidc-client.token-path",
                "/token",
                "quarkus.oidc-client.credentials.secret",
                "stub");
    }

    /**
     * Answers Keycloak's admin API for users and their realm roles, for a caller presenting
     * {@code token}; returns false for a path it does not serve (nothing written).
     */
    public static boolean serveAdmin(HttpExchange ex, String token) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!path.startsWith("/admin/")) {
            return false;
        }
        if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.sendResponseHeaders(401, -1);
            ex.close();
            return true;
        }
        String query = ex.getRequestURI().getRawQuery() == null
                ? ""
                : URLDecoder.decode(ex.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
        if (path.endsWith("/users")) {
            String agency = query.replaceAll(".*q=agency:([a-z0-9-]+).*", "$1");
            String prefix = agency.split("-")[0];
            reply(
                    ex,
                    "[{\"id\":\"" + prefix + "-1\",\"username\":\"" + prefix
                            + "-caseworker\",\"firstName\":\"Case\",\"lastName\":\"Worker\","
                            + "\"attributes\":{\"agency\":[\"" + agency + "\"]}},{\"id\":\"" + prefix
                            + "-2\",\"username\":\"" + prefix
                            + "-supervisor\",\"attributes\":{\"agency\":[\"" + agency
                            + "\"]}},{\"id\":\"x\",\"username\":\"lookalike\","
                            + "\"attributes\":{\"agency\":[\"" + agency + "-other\"]}}]");
        } else if (path.endsWith("/role-mappings/realm/composite")) {
            reply(
                    ex,
                    path.contains("-1/")
                            ? "[{\"name\":\"caseworker\"},{\"name\":\"referrer\"},{\"name\":\"offline_access\"}]"
                            : "[{\"name\":\"supervisor\"},{\"name\":\"caseworker\"},{\"name\":\"referrer\"}]");
        } else {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        }
        return true;
    }

    private static void reply(HttpExchange ex, String body) throws IOException {
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
