package org.relais.blocks.retention;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes what the plumbing no longer needs: published outbox rows, inbox records older than any event
 * that can come back, idempotency records past their 24 hours, and the rows services declare as
 * {@link RetentionTarget} beans (webhook attempts...). In batches, so that it never holds long locks;
 * idempotent, so that every instance may run it. Rows set aside ({@code relais_outbox_parked}) and the
 * audit chain are never deleted here.
 */
@ApplicationScoped
public class RetentionJob {

    private final AgroalDataSource dataSource;
    private final RetentionConfig config;
    private final Instance<RetentionTarget> extra;
    private final MeterRegistry metrics;

    public RetentionJob(
            AgroalDataSource dataSource,
            RetentionConfig config,
            Instance<RetentionTarget> extra,
            MeterRegistry metrics) {
        this.dataSource = dataSource;
        this.config = config;
        this.extra = extra;
        this.metrics = metrics;
    }

    /** Every table this instance cleans, the plumbing's own first. */
    public List<RetentionTarget> targets() {
        List<RetentionTarget> all = new ArrayList<>();
        all.add(new RetentionTarget(
                "relais_outbox", "id", "published_at", "published_at is not null", config.outbox()));
        all.add(new RetentionTarget("relais_inbox", "ctid", "processed_at", "true", config.inbox()));
        all.add(new RetentionTarget("relais_idempotency", "ctid", "created_at", "true", config.idempotency()));
        extra.forEach(all::add);
        return all;
    }

    @Scheduled(
            every = "${relais.retention.every:1h}",
            delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (!config.enabled()) {
            return;
        }
        try {
            run();
        } catch (SQLException e) {
            Log.warnf("retention postponed: %s", e.getClass().getSimpleName());
        }
    }

    /** Cleans every target; answers the rows deleted. */
    public long run() throws SQLException {
        long total = 0;
        for (RetentionTarget t : targets()) {
            long deleted = clean(t);
            if (deleted > 0) {
                metrics.counter("relais.retention.deleted", "table", t.table()).increment(deleted);
                Log.infof("retention: %d row(s) of %s older than %s deleted", deleted, t.table(), t.keep());
            }
            total += deleted;
        }
        return total;
    }

    private long clean(RetentionTarget t) throws SQLException {
        String old = t.timeColumn() + " < now() - cast(? as interval) and (" + t.condition() + ")";
        // the outer delete checks again: a row changed between the subquery and the delete (a delivery retried) stays
        String sql = "delete from " + t.table() + " where " + t.keyColumn() + " in (select " + t.keyColumn() + " from "
                + t.table() + " where " + old + " limit " + config.batchSize() + ") and " + old;
        long total = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(true);
            ps.setString(1, t.keep().toSeconds() + " seconds");
            ps.setString(2, t.keep().toSeconds() + " seconds");
            int n;
            do {
                n = ps.executeUpdate();
                total += n;
            } while (n == config.batchSize());
        }
        return total;
    }
}
