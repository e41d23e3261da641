package org.relais.testkit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Wires a Quarkus application under test to the embedded PostgreSQL (a database named by the
 * {@code database} init argument), the embedded Kafka broker, and the test token issuer.
 * <pre>
 * {@literal @}QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
 * </pre>
 */
public class RelaisTestResource implements QuarkusTestResourceLifecycleManager {

    private String database = "relais";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
    }

    @Override
    public Map<String, String> start() {
        String jdbcUrl = EmbeddedInfra.database(database);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", jdbcUrl);
        config.put("quarkus.datasource.reactive.url", jdbcUrl.replace("jdbc:", ""));
        config.put("quarkus.datasource.username", "postgres");
        config.put("quarkus.datasource.password", "postgres");
        config.put("kafka.bootstrap.servers", EmbeddedInfra.kafkaBootstrapServers());
        config.putAll(TestTokens.oidcConfig());
        return config;
    }

    @Override
    public void stop() {
        // the servers are shared by every test class of the JVM and stop when it exits
    }
}
