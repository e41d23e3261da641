package org.relais.blocks.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;

/**
 * Chains unsealed audit entries in batches: under a transaction-level advisory lock (one sealer at a
 * time across instances) it gives each entry the next {@code seq}, the previous hash and its own hash.
 * After each batch it anchors the new head outside the database, on {@code relais.audit-anchors}.
 */
@ApplicationScoped
public class AuditSealer {

    /** "relais-audit-sealer" in a bigint. */
    public static final long SEALER_LOCK = 0x72656c6169736175L;

    private final AgroalDataSource dataSource;
    private final RelaisKafka kafka;
    private final ObjectMapper mapper;
    private final String service;
    private final int batchSize;
    /** The last head anchored (-1: not looked up on the topic yet, 0: the chain never had an anchor). */
    private volatile long anchoredSeq = -1;

    private volatile String anchoredHash = AuditEntry.GENESIS;
    private volatile boolean refusing;

    public AuditSealer(
            AgroalDataSource dataSource,
            RelaisKafka kafka,
            ObjectMapper mapper,
            @ConfigProperty(name = "quarkus.application.name") String service,
            @ConfigProperty(name = "relais.audit.seal-batch-size", defaultValue = "500") int batchSize) {
        this.dataSource = dataSource;
        this.kafka = kafka;
        this.mapper = mapper;
        this.service = service;
        this.batchSize = batchSize;
    }

    @Scheduled(
            every = "${relais.audit.seal-every:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        try {
            while (sealBatch() == batchSize) {
                // keep sealing while full batches come
            }
            anchor();
        } catch (SQLException e) {
            Log.warnf("audit sealing postponed: %s", e.getMessage());
        }
    }

    /** Seals one batch; answers how many entries it sealed (0 if another instance holds the lock). */
    public int sealBatch() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("select pg_try_advisory_xact_lock(" + SEALER_LOCK + ")")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        c.rollback();
                        return 0;
                    }
                }
                long seq = 0;
                String prev = AuditEntry.GENESIS;
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(
                                "select seq, hash from relais_audit where seq is not null order by seq desc limit 1")) {
                    if (rs.next()) {
                        seq = rs.getLong(1);
                        prev = rs.getString(2);
                    }
                }
                int sealed = 0;
                try (PreparedStatement select = c.prepareStatement(
                                "select id, service, at, type, agency_id, actor, entity_id, related_ids::text from relais_audit "
                                        + "where seq is null order by id limit ?");
                        PreparedStatement update = c.prepareStatement(
                                "update relais_audit set seq = ?, prev_hash = ?, hash = ?, hash_version = 2, sealed_at = now() where id = ?")) {
                    select.setInt(1, batchSize);
                    try (ResultSet rs = select.executeQuery()) {
                        while (rs.next()) {
                            AuditEntry entry = new AuditEntry(
                                            0,
                                            rs.getString(2),
                                            rs.getObject(3, OffsetDateTime.class)
                                                    .toInstant(),
                                            rs.getString(4),
                                            rs.getString(5),
                                            rs.getString(6),
                                            rs.getString(7),
                                            null,
                                            null)
                                    .withRelatedIds(AuditStore.relatedIds(mapper, rs.getString(8)))
                                    .sealed(++seq, prev);
                            update.setLong(1, entry.seq());
                            update.setString(2, entry.prevHash());
                            update.setString(3, entry.hash());
                            update.setLong(4, rs.getLong(1));
                            update.addBatch();
                            prev = entry.hash();
                            sealed++;
                        }
                    }
                    if (sealed > 0) {
                        update.executeBatch();
                    }
                }
                c.commit();
                return sealed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Publishes the current head if it moved since the last anchor, and only if the chain still extends
     * that anchor: a chain cut short or rewritten under the sealer is never anchored again, so the newest
     * anchor on the topic (kept for good: it is compacted by service) keeps contradicting it.
     */
    public void anchor() throws SQLException {
        if (anchoredSeq < 0) {
            try {
                AnchorLookup.latest(kafka, mapper, service, Duration.ofSeconds(10))
                        .anchor()
                        .ifPresentOrElse(
                                a -> {
                                    anchoredSeq = a.seq();
                                    anchoredHash = a.hash();
                                },
                                () -> anchoredSeq = 0);
            } catch (RuntimeException e) {
                Log.warnf(
                        "audit anchor of %s postponed: its last anchor cannot be read (%s)",
                        service, e.getClass().getSimpleName());
                return;
            }
        }
        long seq;
        String hash;
        String hashAtAnchor = null;
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select seq, hash from relais_audit where seq is not null order by seq desc limit 1")) {
            if (!rs.next()) {
                seq = 0;
                hash = AuditEntry.GENESIS;
            } else {
                seq = rs.getLong(1);
                hash = rs.getString(2);
            }
        }
        if (seq == anchoredSeq && hash.equals(anchoredHash)) {
            return;
        }
        if (anchoredSeq > 0) {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("select hash from relais_audit where seq = ?")) {
                ps.setLong(1, anchoredSeq);
                try (ResultSet rs = ps.executeQuery()) {
                    hashAtAnchor = rs.next() ? rs.getString(1) : null;
                }
            }
            if (!anchoredHash.equals(hashAtAnchor)) {
                if (!refusing) {
                    Log.errorf(
                            "audit chain of %s no longer holds its anchored entry %d as anchored (%s): not anchoring it "
                                    + "again until it does; /api/v1/audit/verify names the damage",
                            service, anchoredSeq, hashAtAnchor == null ? "cut short" : "rewritten");
                    refusing = true;
                }
                return;
            }
        }
        if (seq == 0) {
            return;
        }
        refusing = false;
        try {
            String json = mapper.writeValueAsString(new AuditAnchor(service, seq, hash, Instant.now()));
            kafka.producer()
                    .send(new ProducerRecord<>(Topics.AUDIT_ANCHORS, service, json))
                    .get(10, TimeUnit.SECONDS);
            anchoredSeq = seq;
            anchoredHash = hash;
        } catch (Exception e) {
            Log.warnf("audit anchor of %s at seq %d not published yet: %s", service, seq, e.getMessage());
        }
    }
}
