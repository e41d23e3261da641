package org.relais.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.postgresql.PGConnection;

/**
 * Looks for a canary string (put in every survivor field by a test) everywhere survivor data must
 * never be: every table of a database read as plain text with {@code COPY}, every Kafka topic
 * (dead-letter topics included) read with a consumer, and log files. Each method returns where it
 * found the canary, so a test asserts an empty list and a failure names the place. The canary is also
 * looked for hex-encoded, as PostgreSQL prints {@code bytea}.
 */
public final class CanaryScan {

    private CanaryScan() {}

    /** The tables of the database's {@code public} schema that hold the canary, with how many rows. */
    public static List<String> tables(String jdbcUrl, String canary) throws Exception {
        List<String> found = new ArrayList<>();
        String hex = HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8));
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres")) {
            List<String> tables = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            if (tables.isEmpty()) {
                throw new IllegalStateException("no table in " + jdbcUrl);
            }
            for (String table : tables) {
                StringWriter out = new StringWriter();
                c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY \"" + table + "\" TO STDOUT", out);
                String text = out.toString();
                if (text.contains(canary) || text.toLowerCase().contains(hex)) {
                    found.add(table);
                }
            }
        }
        return found;
    }

    /** Every topic of the embedded broker (internal ones aside), read from the beginning to its end. */
    public static List<String> topics(String canary) throws Exception {
        byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedInfra.kafkaBootstrapServers());
        Set<String> names;
        try (Admin a = Admin.create(admin)) {
            names = a.listTopics().names().get();
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedInfra.kafkaBootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<String> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            for (String topic : names) {
                List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(i -> new TopicPartition(topic, i.partition()))
                        .toList();
                c.assign(tps);
                c.seekToBeginning(tps);
                Map<TopicPartition, Long> end = c.endOffsets(tps);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                long records = 0;
                boolean hit = false;
                while (!caughtUp(c, end) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        records++;
                        hit |= contains(r.key(), needle) || contains(r.value(), needle);
                        for (Header h : r.headers()) {
                            hit |= contains(h.value(), needle);
                        }
                    }
                }
                if (!caughtUp(c, end)) {
                    throw new IllegalStateException(
                            "could not read " + topic + " to its end (" + records + " records read)");
                }
                if (hit) {
                    found.add(topic);
                }
            }
        }
        return found;
    }

    /** The names of the topics the broker holds (to show a scan covered the dead-letter topics). */
    public static Set<String> topicNames() throws Exception {
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedInfra.kafkaBootstrapServers());
        try (Admin a = Admin.create(admin)) {
            return a.listTopics().names().get();
        }
    }

    /** The lines of a log file holding the canary (empty when none does). */
    public static List<String> log(Path file, String canary) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalStateException("no log file at " + file.toAbsolutePath());
        }
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(canary)).limit(5).toList();
        }
    }

    /**
     * The whole check after a test has spread the canary: no table, no topic (dead-letter topics exist
     * and are read too) and no line of the service's log file holds it, and that log really was written
     * at DEBUG with Hibernate's bound parameters (so the check had something to find).
     */
    public static void assertNowhere(String jdbcUrl, Path logFile, String canary) throws Exception {
        org.junit.jupiter.api.Assertions.assertEquals(
                List.of(), tables(jdbcUrl, canary), "tables holding survivor data in the clear");
        org.junit.jupiter.api.Assertions.assertTrue(
                topicNames().stream().anyMatch(t -> t.endsWith(".dlt")), "dead-letter topics exist and are scanned");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), topics(canary), "topics holding survivor data");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), log(logFile, canary), "log lines with survivor data");
        org.junit.jupiter.api.Assertions.assertFalse(log(logFile, " DEBUG ").isEmpty(), "the log is at DEBUG");
        org.junit.jupiter.api.Assertions.assertFalse(
                log(logFile, "[org.hib.orm.jdb.bind]").isEmpty(), "Hibernate's parameter logging is on");
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null || haystack.length < needle.length) {
            return false;
        }
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
