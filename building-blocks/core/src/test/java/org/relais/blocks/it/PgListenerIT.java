package org.relais.blocks.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.relais.blocks.pg.PgListener;
import org.relais.testkit.RelaisTestResource;

/**
 * The LISTEN connection the relay and the webhook dispatcher are woken by: a NOTIFY wakes its listener, and a
 * connection the database drops (a restart, an operator's pg_terminate_backend) is made again, so the wake-ups
 * resume instead of every new item waiting for the fallback poll.
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class PgListenerIT {

    @Inject
    AgroalDataSource dataSource;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String channel = "pg_listener_test_" + run;
    private final String name = "pg-listener-test-" + run;

    private void notifyChannel() {
        BlocksTestSupport.execute(dataSource, "notify " + channel);
    }

    private long connections() {
        return BlocksTestSupport.count(
                dataSource, "select count(*) from pg_stat_activity where application_name = '" + name + "'");
    }

    private void dropConnection() {
        BlocksTestSupport.execute(
                dataSource,
                "select pg_terminate_backend(pid) from pg_stat_activity where application_name = '" + name + "'");
    }

    @Test
    void aFollowerIsWokenAtConnectionAndByEachSignalAndListensAgainAfterItsConnectionIsDropped() {
        AtomicInteger wakeUps = new AtomicInteger();
        PgListener listener = new PgListener(jdbcUrl, "postgres", "postgres", name);
        listener.follow(Duration.ofMillis(200), wakeUps::incrementAndGet, channel);
        try {
            // once connected: what was signalled while nobody listened is picked up
            await().atMost(Duration.ofSeconds(10)).until(() -> wakeUps.get() == 1 && connections() == 1);
            notifyChannel();
            await().atMost(Duration.ofSeconds(10)).until(() -> wakeUps.get() == 2);

            dropConnection();
            // connected again: woken once for the gap, then by signals as before
            await().atMost(Duration.ofSeconds(10)).until(() -> wakeUps.get() == 3 && connections() == 1);
            notifyChannel();
            await().atMost(Duration.ofSeconds(10)).until(() -> wakeUps.get() == 4);
        } finally {
            listener.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> connections() == 0);
        notifyChannel();
        assertEquals(4, wakeUps.get(), "a closed listener is woken no more");
    }

    @Test
    void byHandTheConnectionIsTheCallersAndIsNeverMadeAgainBehindItsBack() throws Exception {
        try (PgListener listener = new PgListener(jdbcUrl, "postgres", "postgres", name)) {
            assertThrows(SQLException.class, listener::connection);
            listener.open();
            listener.listen(channel);
            assertEquals(0, listener.await(Duration.ofMillis(50)), "nothing was signalled");
            notifyChannel();
            assertTrue(await().atMost(Duration.ofSeconds(10))
                            .until(() -> listener.await(Duration.ofMillis(100)), n -> n > 0)
                    > 0);

            dropConnection();
            // the caller learns the connection is gone (and with it, for the relay, its advisory lock)
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try {
                    listener.await(Duration.ofMillis(100));
                    return false;
                } catch (SQLException e) {
                    return true;
                }
            });
            listener.close();
            assertFalse(listener.connected());
            listener.open();
            assertTrue(listener.connected());
            await().atMost(Duration.ofSeconds(10)).until(() -> connections() == 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> connections() == 0);
    }

    @Test
    void aChannelNameIsNeverSqlOfItsOwn() throws Exception {
        try (PgListener listener = new PgListener(jdbcUrl, "postgres", "postgres", name)) {
            listener.open();
            assertThrows(IllegalArgumentException.class, () -> listener.listen("x; drop table relais_outbox"));
        }
    }
}
