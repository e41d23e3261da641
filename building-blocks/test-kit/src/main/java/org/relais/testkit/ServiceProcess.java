package org.relais.testkit;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A second instance of the service under test, as a separate process: the module's packaged
 * application ({@code target/quarkus-app/quarkus-run.jar}, built before the integration tests run)
 * started with the test profile and the same database, Kafka broker, token key and settings as the
 * instance Quarkus runs in the test JVM, on a port (and a management port) of its own. Its log goes to
 * {@code target/<name>.log}. Closing it stops the process and waits for it to end.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final List<String> SHARED = List.of(
            "quarkus.datasource.", "kafka.", "quarkus.oidc.", "quarkus.oidc-client.", "quarkus.mailer.", "relais.");

    private final Process process;
    private final int port;
    private final int managementPort;

    private ServiceProcess(Process process, int port, int managementPort) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** Starts the instance named {@code name} and returns once it reports ready. */
    public static ServiceProcess start(String name, Duration readyWithin) throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(
                    jar.toAbsolutePath() + " is missing: the module is packaged before its integration tests");
        }
        int port = EmbeddedInfra.freePort();
        int managementPort = EmbeddedInfra.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        Config config = ConfigProvider.getConfig();
        for (String key : config.getPropertyNames()) {
            if (SHARED.stream().anyMatch(key::startsWith)
                    && !key.startsWith("%")
                    && !key.equals("relais.instance-id")) {
                Optional<String> value = config.getOptionalValue(key, String.class);
                value.ifPresent(v -> cmd.add("-D" + key + "=" + v));
            }
        }
        cmd.add("-Dquarkus.profile=test");
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.management.port="
                + managementPort); // a packaged jar runs in normal mode, whatever its profile
        cmd.add("-Dquarkus.management.test-port=" + managementPort);
        cmd.add("-Drelais.instance-id=" + name);
        cmd.add("-Dquarkus.log.file.path=target/" + name + "-test.log");
        cmd.add("-jar");
        cmd.add(jar.toString());
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/" + name + ".log")))
                .start();
        ServiceProcess instance = new ServiceProcess(p, port, managementPort);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try {
            org.awaitility.Awaitility.await()
                    .atMost(readyWithin)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> instance.ready(http, name));
        } catch (org.awaitility.core.ConditionTimeoutException | IllegalStateException e) {
            instance.close();
            throw new IllegalStateException(
                    name + " not ready within " + readyWithin + "; see target/" + name + ".log", e);
        }
        return instance;
    }

    private boolean ready(HttpClient http, String name) throws InterruptedException {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " ended with " + process.exitValue());
        }
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                    == 200;
        } catch (java.io.IOException e) {
            return false; // not listening yet
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Where its /q/health and /q/metrics answer. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
