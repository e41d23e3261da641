package org.relais.blocks.outbox;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.blocks.pg.PgListener;

/**
 * Publishes committed outbox rows to Kafka, at least once and in commit order per aggregate.
 *
 * <p>Any number of instances may run it; one is active, the holder of a PostgreSQL session-level
 * advisory lock taken on a dedicated connection (its {@link PgListener}, which also LISTENs). If that instance dies its connection drops, the lock
 * is released and a standby takes over at its next attempt. The active relay claims the oldest
 * unpublished rows with {@code FOR UPDATE SKIP LOCKED}, sends them in id order with the idempotent
 * producer keyed by aggregate id, waits for every acknowledgement, and only then marks them published
 * in the same transaction. A failed send rolls the claim back: the rows are sent again later (the
 * consumers' inbox absorbs the duplicates). It is woken by {@code NOTIFY relais_outbox} (a trigger on
 * insert) and polls as a fallback; while Kafka is unreachable it backs off exponentially.
 */
@ApplicationScoped
public class OutboxRelay {

    static final String CHANNEL = "relais_outbox";
    /** The advisory lock key of the active relay: "relais-outbox-relay" in a bigint. */
    static final long LEADER_LOCK = 0x72656c6169736f75L;

    private final AgroalDataSource dataSource;
    private final RelaisKafka kafka;
    private final OutboxConfig config;
    /** The dedicated connection: the advisory lock is held on it, and the active relay LISTENs on it. */
    private final PgListener control;

    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestAgeMillis = new AtomicLong();
    private final Counter published;
    private final Counter sendFailures;
    private final Counter parked;

    private volatile boolean running;
    private volatile boolean leader;
    private volatile boolean topicsReady;
    private volatile Thread thread;
    /** Test hook: fail after the broker acknowledged and before the rows are marked published. */
    private volatile Runnable afterSendHook = () -> {};

    public OutboxRelay(
            AgroalDataSource dataSource,
            RelaisKafka kafka,
            OutboxConfig config,
            MeterRegistry registry,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "postgres") String username,
            @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password) {
        this.dataSource = dataSource;
        this.kafka = kafka;
        this.config = config;
        this.control = new PgListener(jdbcUrl, username, password, "outbox-relay");
        Gauge.builder("relais.outbox.pending", pending, AtomicLong::get)
                .description("Outbox rows not yet published to Kafka")
                .register(registry);
        Gauge.builder("relais.outbox.oldest.unpublished.age", oldestAgeMillis, v -> v.get() / 1000.0)
                .baseUnit("seconds")
                .description("Age of the oldest unpublished outbox row")
                .register(registry);
        this.published = Counter.builder("relais.outbox.published")
                .description("Events the relay published")
                .register(registry);
        this.sendFailures = Counter.builder("relais.outbox.send.failures")
                .description("Relay batches that failed to send")
                .register(registry);
        this.parked = Counter.builder("relais.outbox.parked")
                .description("Events the broker refused for good, set aside in relais_outbox_parked")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.relayEnabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops this relay and releases its leadership (the dedicated connection closes). */
    public synchronized void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeControl();
        thread = null;
    }

    void afterSend(Runnable hook) {
        this.afterSendHook = hook;
    }

    public boolean isLeader() {
        return leader;
    }

    public long pending() {
        return pending.get();
    }

    private void loop() {
        long backoff = config.initialBackoff().toMillis();
        while (running) {
            try {
                if (!ensureLeader()) {
                    pause(config.pollInterval().toMillis());
                    continue;
                }
                if (!topicsReady) {
                    ensureTopics();
                }
                int sent = drainBatch();
                backoff = config.initialBackoff().toMillis();
                if (sent < config.batchSize()) {
                    refreshLag();
                    awaitNotification(config.pollInterval().toMillis());
                }
            } catch (KafkaUnavailable e) {
                sendFailures.increment();
                Log.warnf("outbox relay: Kafka unreachable (%s); retrying in %d ms", e.getMessage(), backoff);
                refreshLagQuietly();
                pause(backoff);
                backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
            } catch (SQLException e) {
                if (!running) {
                    break;
                }
                Log.warnf("outbox relay: database unavailable (%s); retrying in %d ms", e.getMessage(), backoff);
                closeControl();
                pause(backoff);
                backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                Log.errorf(e, "outbox relay: unexpected failure; retrying in %d ms", backoff);
                pause(backoff);
                backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
            }
        }
        leader = false;
    }

    private boolean ensureLeader() throws SQLException {
        if (!control.connected()) {
            leader = false;
            control.open();
        }
        if (!leader) {
            try (Statement s = control.connection().createStatement();
                    ResultSet rs = s.executeQuery("select pg_try_advisory_lock(" + LEADER_LOCK + ")")) {
                rs.next();
                leader = rs.getBoolean(1);
            }
            if (leader) {
                control.listen(CHANNEL);
                Log.info("outbox relay: this instance is the active relay");
            }
        } else {
            // a cheap round trip tells a dropped connection (and so a lost lock) early
            try (Statement s = control.connection().createStatement()) {
                s.execute("select 1");
            }
        }
        return leader;
    }

    private void ensureTopics() throws InterruptedException {
        try {
            kafka.ensureTopics();
            topicsReady = true;
        } catch (java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException
                | org.apache.kafka.common.KafkaException e) {
            throw new KafkaUnavailable("topics cannot be created: " + e);
        }
    }

    private void awaitNotification(long timeoutMillis) throws SQLException {
        control.await(Duration.ofMillis(timeoutMillis));
    }

    /** Claims, sends and marks one batch; answers how many rows it published. */
    int drainBatch() throws SQLException, InterruptedException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Long> ids = new ArrayList<>();
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                try (PreparedStatement claim = c.prepareStatement(
                        "select id, topic, aggregate_id, event_type, payload::text from relais_outbox "
                                + "where published_at is null order by id limit ? for update skip locked")) {
                    claim.setInt(1, config.batchSize());
                    try (ResultSet rs = claim.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                            ProducerRecord<String, String> record =
                                    new ProducerRecord<>(rs.getString(2), rs.getString(3), rs.getString(5));
                            record.headers()
                                    .add(new RecordHeader(
                                            "content-type",
                                            "application/cloudevents+json; charset=UTF-8"
                                                    .getBytes(StandardCharsets.UTF_8)));
                            record.headers()
                                    .add(new RecordHeader(
                                            "ce_type", rs.getString(4).getBytes(StandardCharsets.UTF_8)));
                            acks.add(kafka.producer().send(record));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    c.rollback();
                    return 0;
                }
                Map<Long, Throwable> refused = new LinkedHashMap<>();
                KafkaUnavailable unavailable = null;
                for (int i = 0; i < acks.size(); i++) {
                    try {
                        acks.get(i).get(config.maxBackoff().toMillis() + 60_000, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (neverPublishable(e.getCause())) {
                            refused.put(ids.get(i), e.getCause());
                        } else if (unavailable == null) {
                            unavailable = new KafkaUnavailable(
                                    e.getCause() == null
                                            ? e.toString()
                                            : e.getCause().toString());
                        }
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (unavailable == null) {
                            unavailable = new KafkaUnavailable(e.toString());
                        }
                    }
                }
                if (!refused.isEmpty()) {
                    // nothing of this batch is marked: the rows refused for good are set aside, the others go again
                    c.rollback();
                    park(c, refused);
                    return config.batchSize();
                }
                if (unavailable != null) {
                    throw unavailable;
                }
                afterSendHook.run();
                try (PreparedStatement mark =
                        c.prepareStatement("update relais_outbox set published_at = now() where id = any(?)")) {
                    Array array = c.createArrayOf("bigint", ids.toArray());
                    mark.setArray(1, array);
                    mark.executeUpdate();
                }
                c.commit();
                published.increment(ids.size());
                return ids.size();
            } catch (SQLException | RuntimeException | InterruptedException e) {
                c.rollback();
                throw e;
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new KafkaUnavailable(e.toString());
        }
    }

    /** A refusal that sending again will not cure: the record itself is wrong for the broker. */
    static boolean neverPublishable(Throwable cause) {
        return cause instanceof org.apache.kafka.common.errors.RecordTooLargeException
                || cause instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                || cause instanceof org.apache.kafka.common.errors.InvalidTopicException
                || cause instanceof org.apache.kafka.common.errors.SerializationException
                || cause instanceof org.apache.kafka.common.InvalidRecordException;
    }

    /**
     * Moves rows that can never be published into {@code relais_outbox_parked}, so the relay goes on with
     * the rows behind them; an ERROR names each (event id, type, aggregate, the broker's reason), never
     * its payload.
     */
    private void park(Connection c, Map<Long, Throwable> refused) throws SQLException {
        try (PreparedStatement move = c.prepareStatement(
                "with moved as (delete from relais_outbox where id = ? and published_at is null returning *) "
                        + "insert into relais_outbox_parked (id, event_id, topic, aggregate_id, event_type, payload, created_at, error) "
                        + "select id, event_id, topic, aggregate_id, event_type, payload, created_at, ? from moved "
                        + "returning event_id, event_type, aggregate_id")) {
            for (Map.Entry<Long, Throwable> e : refused.entrySet()) {
                move.setLong(1, e.getKey());
                move.setString(2, e.getValue().getClass().getName());
                try (ResultSet rs = move.executeQuery()) {
                    while (rs.next()) {
                        parked.increment();
                        Log.errorf(
                                "outbox relay: event %s (%s of %s) can never be published (%s); set aside in "
                                        + "relais_outbox_parked, the relay goes on",
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                e.getValue().getClass().getSimpleName());
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    private void refreshLag() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select count(*), coalesce(extract(epoch from now() - min(created_at)) * 1000, 0) "
                                + "from relais_outbox where published_at is null")) {
            rs.next();
            pending.set(rs.getLong(1));
            oldestAgeMillis.set(rs.getLong(2));
        }
    }

    private void refreshLagQuietly() {
        try {
            refreshLag();
        } catch (SQLException ignored) {
            // the metric keeps its last value while the database is away
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void closeControl() {
        leader = false;
        control.close();
    }

    static final class KafkaUnavailable extends RuntimeException {
        KafkaUnavailable(String message) {
            super(message, null, false, false);
        }
    }
}
