package org.relais.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The whole system, started the way the README says ({@code deploy/local/run.sh --no-build}) with a state
 * directory of its own under {@code e2e/target}, once per test JVM.
 */
public final class RelaisSystem {

    public static final int GATEWAY = 8080;
    public static final int REFERRAL = 8081;
    public static final int CASE = 8082;
    public static final int NOTIFICATION = 8083;
    /** Where /q/health and /q/metrics answer: never the public ports. */
    public static final int GATEWAY_MANAGEMENT = 9080;

    public static final int REFERRAL_MANAGEMENT = 9081;
    public static final int CASE_MANAGEMENT = 9082;
    public static final int NOTIFICATION_MANAGEMENT = 9083;
    public static final int KEYCLOAK = 8180;
    public static final int KEYCLOAK_MGMT = 8190;
    public static final int KAFKA = 9092;
    public static final int KAFKA_CONTROLLER = 9093;
    public static final int POSTGRES = 15432;
    public static final int SMTP = 2525;
    public static final int MAIL_API = 8025;
    public static final List<Integer> PORTS = List.of(
            GATEWAY,
            REFERRAL,
            CASE,
            NOTIFICATION,
            GATEWAY_MANAGEMENT,
            REFERRAL_MANAGEMENT,
            CASE_MANAGEMENT,
            NOTIFICATION_MANAGEMENT,
            KEYCLOAK,
            KEYCLOAK_MGMT,
            KAFKA,
            KAFKA_CONTROLLER,
            POSTGRES,
            SMTP,
            MAIL_API);
    public static final String TOKEN_URL =
            "http://127.0.0.1:" + KEYCLOAK + "/realms/relais/protocol/openid-connect/token";

    private static RelaisSystem instance;

    private final Path root;
    private final Path log;
    private final Process launcher;
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RelaisSystem() throws IOException {
        root = Path.of(System.getProperty("relais.root", "..")).toAbsolutePath().normalize();
        Path state = root.resolve("e2e/target/relais-state");
        log = root.resolve("e2e/target/launcher.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(
                        "bash", root.resolve("deploy/local/run.sh").toString(), "--no-build", "--reset")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("RELAIS_STATE_DIR", state.toString());
        // the suite sends hundreds of requests a second with few clients (BadInputE2E); the limits are
        // the gateway's tests' subject, not the journeys'
        pb.environment().put("RELAIS_RATE_LIMIT_RPS", "500");
        pb.environment().put("RELAIS_RATE_LIMIT_BURST", "1000");
        long started = System.nanoTime();
        launcher = pb.start();
        try {
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofMinutes(8))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        if (!launcher.isAlive()) {
                            throw new IllegalStateException(
                                    "the launcher exited with " + launcher.exitValue() + ":\n" + launcherOutput());
                        }
                        return launcherOutput().contains("Relais is running");
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            launcher.destroy();
            throw new IllegalStateException("the launcher was not ready in 8 minutes:\n" + launcherOutput());
        }
        System.out.printf(
                "launcher ready in %d s%n",
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    public static synchronized RelaisSystem get() {
        if (instance == null) {
            try {
                instance = new RelaisSystem();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> instance.launcher.destroy()));
        }
        return instance;
    }

    public String launcherOutput() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the launcher as Ctrl-C or SIGTERM would; answers its exit code. */
    public int stop() throws InterruptedException {
        launcher.destroy(); // SIGTERM
        if (!launcher.waitFor(Duration.ofMinutes(2).toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
            launcher.destroyForcibly();
            throw new IllegalStateException("the launcher did not stop within 2 minutes");
        }
        return launcher.exitValue();
    }

    public boolean isRunning() {
        return launcher.isAlive();
    }

    /** Runs {@code deploy/local/ctl.sh} on this system (stop, start, kill, restart a component). */
    public void ctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(
                List.of("bash", root.resolve("deploy/local/ctl.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        root.resolve("e2e/target/ctl.log").toFile()));
        pb.environment()
                .put("RELAIS_STATE_DIR", root.resolve("e2e/target/relais-state").toString());
        try {
            Process p = pb.start();
            if (!p.waitFor(4, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("ctl.sh " + String.join(" ", args) + " failed; see e2e/target/ctl.log");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String passwordToken(String username) {
        return token(Map.of(
                "grant_type",
                "password",
                "client_id",
                "relais-mobile",
                "username",
                username,
                "password",
                "relais-demo"));
    }

    public String clientToken(String clientId) {
        return token(Map.of(
                "grant_type", "client_credentials", "client_id", clientId, "client_secret", clientId + "-secret"));
    }

    private String token(Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(TOKEN_URL))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("token request answered " + r.statusCode() + ": " + r.body());
            }
            return mapper.readTree(r.body()).get("access_token").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The claims of a JWT, read without verification (the services verify; this only looks). */
    public JsonNode claims(String jwt) {
        try {
            return mapper.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path root() {
        return root;
    }
}
