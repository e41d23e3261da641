package org.relais.notification.notices;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Tells this instance's live streams that a notification of an agency was stored, whichever instance
 * stored it: every insert fires {@code NOTIFY relais_notifications} (a trigger), and every instance
 * LISTENs. The streams then read what is new from the database, so nothing depends on the signal's payload.
 */
@ApplicationScoped
public class LiveFeed {

    private final BroadcastProcessor<String> agencies = BroadcastProcessor.create();
    private final Vertx vertx;
    private final String url;
    private final String user;
    private final String password;
    private PgSubscriber subscriber;

    public LiveFeed(
            Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "postgres") String user,
            @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password) {
        this.vertx = vertx;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    void start(@Observes StartupEvent event) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url)
                .setUser(user)
                .setPassword(password);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 1000L);
        subscriber.channel("relais_notifications").handler(payload -> {
            int colon = payload.lastIndexOf(':');
            agencies.onNext(colon > 0 ? payload.substring(0, colon) : payload);
        });
        subscriber.connect().onFailure(e -> Log.warnf("live feed not connected yet: %s", e.getMessage()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.close();
        }
    }

    /** Signals (one per stored notification) for this agency. */
    public Multi<String> signals(String agencyId) {
        return agencies.select().where(agencyId::equals);
    }
}
