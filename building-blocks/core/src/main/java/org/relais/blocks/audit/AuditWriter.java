package org.relais.blocks.audit;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.problem.ProblemException;

/**
 * Group commit for the audit entries of reads: a read of survivor data is answered only once its entry is
 * durable, and the requests reading at the same moment share that cost. Each request queues its entries and
 * waits; one writer takes everything queued (up to {@code relais.audit.write-batch-rows}), writes it with one
 * insert in its own transaction (one WAL flush for the whole batch), and completes every request of the batch
 * when that transaction has committed, or fails every one of them if it did not: a read whose entry could not
 * be written is refused (503), never answered. While a batch is being written the next one gathers, so under
 * load a batch holds what arrived during one commit, and alone a request waits for exactly its own commit.
 *
 * <p>The writer has a connection of its own, not one of the service's pool: the requests that wait for it may hold
 * every pooled connection (a read's session keeps its connection until it is answered), and a writer queued behind
 * them would wait forever. The insert is one prepared statement whatever the batch size (the rows travel as arrays
 * and {@code unnest} turns them back into rows), parsed once on that connection. Entries of reads that happen inside a
 * change's own transaction are written there instead, with the change ({@link AuditLog#recordReads}).
 */
@ApplicationScoped
public class AuditWriter {

    static final String INSERT =
            "insert into relais_audit (service, at, type, agency_id, actor, entity_id, related_ids) "
                    + "select $1, t.at, t.type, t.agency_id, t.actor, t.entity_id, cast(t.related as jsonb) "
                    + "from unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) "
                    + "with ordinality as t(at, type, agency_id, actor, entity_id, related, n) order by t.n";

    /** One unsealed entry as the request path writes it. */
    record Row(OffsetDateTime at, String type, String agencyId, String actor, String entityId, String relatedJson) {}

    private record Waiting(List<Row> rows, UniEmitter<? super Void> emitter, Context context) {}

    private final Vertx vertx;
    private final String url;
    private final String user;
    private final String password;
    private volatile Pool pool;
    private final String service;
    private final int batchRows;
    private final Duration timeout;
    private final ConcurrentLinkedQueue<Waiting> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedRows = new AtomicInteger();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final DistributionSummary batchSizes;

    public AuditWriter(
            Vertx vertx,
            MeterRegistry registry,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
            @ConfigProperty(name = "quarkus.application.name") String service,
            @ConfigProperty(name = "relais.audit.write-batch-rows", defaultValue = "500") int batchRows,
            @ConfigProperty(name = "relais.audit.write-timeout", defaultValue = "10s") Duration timeout) {
        this.vertx = vertx;
        this.url = url;
        this.user = user.orElse(null);
        this.password = password.orElse(null);
        this.service = service;
        this.batchRows = batchRows;
        this.timeout = timeout;
        this.batchSizes = DistributionSummary.builder("relais.audit.write.batch")
                .description("Audit entries of reads committed together in one transaction")
                .baseUnit("entries")
                .register(registry);
    }

    /** The writer's own connection, opened on the first write (a service that never audits a read never opens it). */
    private Pool pool() {
        Pool p = pool;
        if (p == null) {
            synchronized (this) {
                if (pool == null) {
                    // a dead connection must fail the batch, not hold every audited read for the OS's TCP timeout
                    PgConnectOptions options = PgConnectOptions.fromUri(url)
                            .setCachePreparedStatements(true)
                            .setConnectTimeout((int) timeout.toMillis())
                            .setTcpKeepAlive(true)
                            .addProperty("statement_timeout", Long.toString(timeout.toMillis()));
                    if (user != null) {
                        options.setUser(user);
                    }
                    if (password != null) {
                        options.setPassword(password);
                    }
                    pool = PgBuilder.pool()
                            .with(new PoolOptions().setMaxSize(1).setName("relais-audit-writer"))
                            .connectingTo(options)
                            .using(vertx)
                            .build();
                }
                p = pool;
            }
        }
        return p;
    }

    @PreDestroy
    void close() {
        Pool p = pool;
        if (p != null) {
            p.closeAndAwait();
        }
    }

    /**
     * Completes once {@code rows} are committed, on the caller's own Vert.x context when it has one. Fails (503) if
     * they are not committed within {@code relais.audit.write-timeout} (the entries may still be written later: a
     * read recorded but not answered, never the reverse), or at once if more than ten batches already wait.
     */
    Uni<Void> write(List<Row> rows) {
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (queuedRows.get() + rows.size() > 10 * batchRows) {
            return Uni.createFrom().failure(refusal());
        }
        return Uni.createFrom()
                .<Void>emitter(emitter -> {
                    queuedRows.addAndGet(rows.size());
                    queue.add(new Waiting(rows, emitter, io.vertx.core.Vertx.currentContext()));
                    writeIfIdle();
                })
                .ifNoItem()
                .after(timeout)
                .failWith(AuditWriter::refusal);
    }

    private static ProblemException refusal() {
        return ProblemException.unavailable(
                "The read could not be recorded in the audit trail, so it is not answered; retry shortly");
    }

    /** PostgreSQL text cannot hold NUL: one such value (an actor's name comes from a token) must not fail a batch. */
    private static String clean(String value) {
        return value == null || value.indexOf('\u0000') < 0 ? value : value.replace('\u0000', '\uFFFD');
    }

    private void writeIfIdle() {
        if (!queue.isEmpty() && writing.compareAndSet(false, true)) {
            writeBatch();
        }
    }

    /** Writes what is queued (as one batch); when it is done, the next batch, until the queue is empty. */
    private void writeBatch() {
        List<Waiting> batch = new ArrayList<>();
        int rows = 0;
        Waiting next;
        while (rows < batchRows && (next = queue.poll()) != null) {
            batch.add(next);
            rows += next.rows().size();
            queuedRows.addAndGet(-next.rows().size());
        }
        if (batch.isEmpty()) {
            writing.set(false);
            writeIfIdle(); // an entry queued between the poll and the reset is not left waiting
            return;
        }
        OffsetDateTime[] at = new OffsetDateTime[rows];
        String[] type = new String[rows];
        String[] agency = new String[rows];
        String[] actor = new String[rows];
        String[] entity = new String[rows];
        String[] related = new String[rows];
        int i = 0;
        for (Waiting w : batch) {
            for (Row r : w.rows()) {
                at[i] = r.at();
                type[i] = clean(r.type());
                agency[i] = clean(r.agencyId());
                actor[i] = clean(r.actor());
                entity[i] = clean(r.entityId());
                related[i] = r.relatedJson(); // ids the services made themselves (UUIDs, agency ids)
                i++;
            }
        }
        int size = rows;
        Tuple params = Tuple.tuple(List.of(service, at, type, agency, actor, entity, related));
        try {
            pool().preparedQuery(INSERT)
                    .execute(params)
                    .subscribe()
                    .with(
                            done -> {
                                try {
                                    batchSizes.record(size);
                                    batch.forEach(w -> complete(w, null));
                                } finally {
                                    writeBatch(); // whatever happened above, the writer goes on
                                }
                            },
                            failure -> {
                                try {
                                    Log.warnf(
                                            "audit entries of %d reads not written (%s): those reads are refused",
                                            size, failure.getClass().getName());
                                    batch.forEach(w -> complete(w, failure));
                                } finally {
                                    writeBatch();
                                }
                            });
        } catch (RuntimeException e) {
            batch.forEach(w -> complete(w, e));
            writing.set(false);
            writeIfIdle();
        }
    }

    /** Completes one waiting read on its own context; never throws (the writer must go on whatever happens). */
    private static void complete(Waiting w, Throwable failure) {
        Runnable finish = failure == null
                ? () -> w.emitter().complete(null)
                : () -> w.emitter().fail(refusal());
        try {
            if (w.context() != null) {
                w.context().runOnContext(v -> finish.run());
            } else {
                finish.run();
            }
        } catch (RuntimeException e) {
            try {
                finish.run(); // the context is gone (shutting down): complete it here
            } catch (RuntimeException ignored) {
                // the request is gone too
            }
        }
    }
}
