package org.relais.notification.webhook;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Resolves webhook hosts off the event loops and off the dispatcher: the JDK resolver blocks, so it runs
 * on a small pool of its own, and every caller stops waiting after {@code relais.webhooks.resolve-timeout}
 * (a {@link java.util.concurrent.TimeoutException}). Concurrent lookups of one name share one thread, so
 * a name whose DNS hangs holds one thread, not the pool, and other targets resolve meanwhile.
 */
@ApplicationScoped
public class TargetResolver {

    private final HostLookup lookup;
    private final Duration timeout;
    private final ThreadPoolExecutor pool;
    private final ConcurrentHashMap<String, CompletableFuture<List<InetAddress>>> inFlight = new ConcurrentHashMap<>();

    public TargetResolver(
            HostLookup lookup,
            @ConfigProperty(name = "relais.webhooks.resolve-timeout", defaultValue = "3s") Duration timeout,
            @ConfigProperty(name = "relais.webhooks.resolver-threads", defaultValue = "4") int threads) {
        this.lookup = lookup;
        this.timeout = timeout;
        this.pool =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1000), r -> {
                    Thread t = new Thread(r, "webhook-resolver");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    void stop(@Observes ShutdownEvent event) {
        pool.shutdownNow();
    }

    public Duration timeout() {
        return timeout;
    }

    /** The host's addresses (empty when the name does not exist), failing with a TimeoutException after the timeout. */
    public CompletableFuture<List<InetAddress>> resolve(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        CompletableFuture<List<InetAddress>> mine = new CompletableFuture<>();
        CompletableFuture<List<InetAddress>> shared = inFlight.putIfAbsent(name, mine);
        if (shared == null) {
            shared = mine;
            mine.whenComplete((r, e) -> inFlight.remove(name, mine));
            try {
                pool.execute(() -> {
                    try {
                        mine.complete(lookup.lookup(name));
                    } catch (UnknownHostException e) {
                        mine.complete(List.of());
                    } catch (RuntimeException e) {
                        mine.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                mine.completeExceptionally(e);
            }
        }
        return shared.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link #resolve} for reactive code: the outcome comes back on the caller's Vert.x context. */
    public Uni<List<InetAddress>> resolveHere(String host) {
        Context context = Vertx.currentContext();
        Uni<List<InetAddress>> outcome = Uni.createFrom().completionStage(() -> resolve(host));
        return context == null ? outcome : outcome.emitOn(task -> context.runOnContext(x -> task.run()));
    }
}
