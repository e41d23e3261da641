package org.relais.gateway.audit;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.audit.AuditLog;

/**
 * Every request the gateway refuses (no valid token, or a permission the caller's role or agency does
 * not hold) becomes an entry in the gateway's own audit chain: {@code relais.access.denied.<reason>},
 * by whom, for which agency, about which record when the path names one (so a record's trail shows
 * who tried to reach it). A flood cannot flood the chain: each caller has a bucket of
 * {@code per-caller-per-minute} entries refilled over a minute, and all callers together one of {@code per-minute}; what is left out is counted (metric
 * {@code relais.gateway.denials.unaudited}) and one {@code relais.access.denied.suppressed} entry says
 * how many when entries are allowed again. Written by a worker thread, never on the request's path.
 */
@ApplicationScoped
public class DenialAudit {

    public record Denial(String reason, String agencyId, String actor, String entityId, Instant at) {}

    private final AgroalDataSource dataSource;
    private final AuditLog audit;
    private final MeterRegistry metrics;
    private final int perMinute;
    private final int perCallerPerMinute;
    private final BlockingQueue<Denial> queue = new ArrayBlockingQueue<>(1000);
    private final Map<String, Bucket> callerBuckets = new ConcurrentHashMap<>();
    private final Bucket globalBucket;
    private final AtomicLong suppressed = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    public DenialAudit(
            AgroalDataSource dataSource,
            AuditLog audit,
            MeterRegistry metrics,
            @ConfigProperty(name = "relais.denial-audit.per-minute", defaultValue = "120") int perMinute,
            @ConfigProperty(name = "relais.denial-audit.per-caller-per-minute", defaultValue = "10")
                    int perCallerPerMinute) {
        this.dataSource = dataSource;
        this.audit = audit;
        this.metrics = metrics;
        this.perMinute = perMinute;
        this.perCallerPerMinute = perCallerPerMinute;
        this.globalBucket = new Bucket(perMinute, System.nanoTime());
        this.writer = new Thread(this::write, "denial-audit");
        writer.setDaemon(true);
        writer.start();
    }

    /** Records a denial if the caller's and the gateway's budgets allow; otherwise counts it. */
    public void denied(String reason, String agencyId, String actor, String entityId) {
        long now = System.nanoTime();
        String caller = actor == null ? "anonymous" : actor;
        boolean allowed = take(
                        callerBuckets.computeIfAbsent(caller, k -> new Bucket(perCallerPerMinute, now)),
                        now,
                        perCallerPerMinute)
                && take(globalBucket, now, perMinute)
                && queue.offer(new Denial(reason, agencyId, actor, entityId, Instant.now()));
        if (!allowed) {
            suppressed.incrementAndGet();
            metrics.counter("relais.gateway.denials.unaudited").increment();
        }
        if (callerBuckets.size() > 10_000) {
            callerBuckets.entrySet().removeIf(e -> now - e.getValue().last > 120_000_000_000L);
        }
    }

    /** A token bucket of {@code perMinute} entries refilled evenly over a minute. */
    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }
    }

    private static boolean take(Bucket bucket, long now, int perMinute) {
        synchronized (bucket) {
            bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.last) / 60e9 * perMinute);
            bucket.last = now;
            if (bucket.tokens < 1) {
                return false;
            }
            bucket.tokens -= 1;
            return true;
        }
    }

    private void write() {
        while (running) {
            Denial d;
            try {
                d = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (d == null) {
                continue;
            }
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                long left = suppressed.getAndSet(0);
                if (left > 0) {
                    audit.record(
                            c,
                            "relais.access.denied.suppressed",
                            d.at(),
                            null,
                            "gateway",
                            Long.toString(left),
                            List.of());
                }
                audit.record(
                        c,
                        "relais.access.denied." + d.reason(),
                        d.at(),
                        d.agencyId(),
                        d.actor(),
                        d.entityId(),
                        List.of());
                c.commit();
            } catch (Exception e) {
                suppressed.incrementAndGet();
                Log.warnf(
                        "a denial was not written to the audit chain: %s",
                        e.getClass().getSimpleName());
            }
        }
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        writer.interrupt();
    }
}
