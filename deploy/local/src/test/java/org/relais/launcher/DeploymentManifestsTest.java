package org.relais.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/compose and deploy/k8s cannot run here (no Docker, no cluster), so they are read: every
 * environment variable they give a service is a setting that service reads, every setting production
 * requires is given, and the probes and ports match the services.
 */
class DeploymentManifestsTest {

    private static final Path ROOT =
            Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    private static final Map<String, Integer> PORTS =
            Map.of("referral-service", 8081, "case-service", 8082, "notification-service", 8083, "gateway", 8080);
    /** Where /q/health and /q/metrics answer: never the public port. */
    private static final Map<String, Integer> MANAGEMENT_PORTS =
            Map.of("referral-service", 9081, "case-service", 9082, "notification-service", 9083, "gateway", 9080);

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(:[^}]*)?}");
    /** Read by Quarkus itself rather than through application.properties. */
    private static final Set<String> FRAMEWORK = Set.of("QUARKUS_PROFILE", "JAVA_OPTS");

    private record Settings(Set<String> known, Set<String> requiredInProduction) {}

    private static Settings settings(String service) throws IOException {
        Set<String> known = new TreeSet<>(FRAMEWORK);
        Set<String> required = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve(service + "/src/main/resources/application.properties"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            boolean productionLine = !line.startsWith("%") || line.startsWith("%prod.");
            Matcher m = REFERENCE.matcher(line);
            while (m.find()) {
                known.add(m.group(1));
                if (productionLine && m.group(2) == null) {
                    required.add(m.group(1));
                }
            }
        }
        return new Settings(known, required);
    }

    private static Object yaml(Path file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(100);
        return new Yaml(options).load(Files.readString(file));
    }

    private static List<Object> yamlAll(Path file) throws IOException {
        List<Object> docs = new ArrayList<>();
        new Yaml().loadAll(Files.readString(file)).forEach(docs::add);
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object cur = node;
        for (String p : path) {
            cur = cur instanceof Map<?, ?> m ? m.get(p) : null;
        }
        return (T) cur;
    }

    @Test
    void composeGivesEachServiceOnlyItsSettingsAndEveryRequiredOne() throws IOException {
        Object compose = yaml(ROOT.resolve("deploy/compose/docker-compose.yml"));
        for (String service : PORTS.keySet()) {
            Map<String, Object> env = at(compose, "services", service, "environment");
            assertTrue(env != null, service + " has an environment");
            Settings settings = settings(service);
            for (String name : env.keySet()) {
                assertTrue(settings.known().contains(name), service + ": " + name + " is not a setting of the service");
            }
            assertTrue(
                    env.keySet().containsAll(settings.requiredInProduction()),
                    service + " lacks required settings " + settings.requiredInProduction());
            String port = String.valueOf(PORTS.get(service));
            String management = String.valueOf(MANAGEMENT_PORTS.get(service));
            List<String> test = at(compose, "services", service, "healthcheck", "test");
            assertTrue(
                    String.join(" ", test).contains(":" + management + "/q/health/ready"),
                    service + " healthcheck: " + test);
            assertTrue(env.values().stream().map(String::valueOf).anyMatch(port::equals), service + " port " + port);
            assertTrue(
                    env.values().stream().map(String::valueOf).anyMatch(management::equals),
                    service + " management port " + management);
            List<Object> published = at(compose, "services", service, "ports");
            assertTrue(
                    published == null || published.stream().map(String::valueOf).noneMatch(p -> p.contains(management)),
                    service + " publishes its management port: " + published);
        }
        for (String infra : List.of("postgres", "kafka", "keycloak", "mail")) {
            assertTrue(at(compose, "services", infra) != null, infra + " is in the compose file");
        }
        List<String> keycloak = at(compose, "services", "keycloak", "command");
        assertTrue(keycloak.stream().anyMatch(a -> a.startsWith("--hostname=")), "Keycloak has a fixed hostname");
    }

    @Test
    void kubernetesDeploymentsMatchTheServices() throws IOException {
        Map<String, Object> configMap = new HashMap<>();
        Map<String, Object> secret = new HashMap<>();
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/k8s"))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : yamlAll(f)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> d = (Map<String, Object>) doc;
                    docs.add(d);
                    if ("relais-config".equals(at(d, "metadata", "name"))) {
                        configMap.putAll(at(d, "data"));
                    }
                    if ("relais-secrets".equals(at(d, "metadata", "name"))) {
                        secret.putAll(at(d, "stringData"));
                    }
                }
            }
        }
        for (Map.Entry<String, Integer> svc : PORTS.entrySet()) {
            String service = svc.getKey();
            int port = svc.getValue();
            int management = MANAGEMENT_PORTS.get(service);
            Map<String, Object> deployment = docs.stream()
                    .filter(d -> "Deployment".equals(d.get("kind")) && service.equals(at(d, "metadata", "name")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(service));
            assertTrue((Integer) at(deployment, "spec", "replicas") >= 2, service + " runs two replicas");
            List<Map<String, Object>> containers = at(deployment, "spec", "template", "spec", "containers");
            Map<String, Object> c = containers.get(0);
            Map<String, Object> env = new LinkedHashMap<>();
            List<Map<String, Object>> from = at(c, "envFrom");
            for (Map<String, Object> f : from) {
                if (f.containsKey("configMapRef")) {
                    env.putAll(configMap);
                } else if (f.containsKey("secretRef")) {
                    env.putAll(secret);
                }
            }
            List<Map<String, Object>> direct = at(c, "env");
            direct.forEach(e -> env.put((String) e.get("name"), e.get("value")));
            Settings settings = settings(service);
            for (String name : env.keySet()) {
                assertTrue(settings.known().contains(name), service + ": " + name + " is not a setting of the service");
            }
            assertTrue(
                    env.keySet().containsAll(settings.requiredInProduction()),
                    service + " lacks required settings " + settings.requiredInProduction());
            List<Map<String, Object>> ports = at(c, "ports");
            assertEquals(port, ports.get(0).get("containerPort"), service + " containerPort");
            assertTrue(env.containsValue(String.valueOf(port)), service + " listens where its container port is");
            Map<String, Object> managementPort = ports.stream()
                    .filter(p -> "management".equals(p.get("name")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(service + " names no management container port"));
            assertEquals(management, managementPort.get("containerPort"), service + " management containerPort");
            assertTrue(
                    env.containsValue(String.valueOf(management)), service + " manages where its management port is");
            assertEquals("/q/health/ready", at(c, "readinessProbe", "httpGet", "path"));
            assertEquals("management", at(c, "readinessProbe", "httpGet", "port"));
            assertEquals("/q/health/live", at(c, "livenessProbe", "httpGet", "path"));
            assertEquals("management", at(c, "livenessProbe", "httpGet", "port"));
            assertEquals(
                    String.valueOf(management),
                    at(deployment, "spec", "template", "metadata", "annotations", "prometheus.io/port"),
                    service + " metrics scrape port");
            assertEquals(
                    "/q/metrics", at(deployment, "spec", "template", "metadata", "annotations", "prometheus.io/path"));
            assertTrue(
                    at(c, "resources", "requests") != null && at(c, "resources", "limits") != null,
                    service + " resources");
            Map<String, Object> k8sService = docs.stream()
                    .filter(d -> "Service".equals(d.get("kind")) && service.equals(at(d, "metadata", "name")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(service));
            List<Map<String, Object>> servicePorts = at(k8sService, "spec", "ports");
            assertEquals(port, servicePorts.get(0).get("targetPort"), service + " Service targetPort");
        }
    }

    @Test
    void everyServiceHasAContainerBuild() throws IOException {
        for (String service : PORTS.keySet()) {
            Path dockerfile = ROOT.resolve(service + "/src/main/docker/Dockerfile.jvm");
            if (!Files.exists(dockerfile)) {
                fail("no container build for " + service);
            }
            String text = Files.readString(dockerfile);
            assertTrue(text.contains(service + "/target/quarkus-app"), service);
            assertTrue(text.contains("EXPOSE " + PORTS.get(service)), service);
        }
    }
}
