package org.relais.blocks.inbox;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Consumer-side de-duplication: the event id is recorded in {@code relais_inbox} in the same
 * transaction as the event's effect, so an event redelivered (concurrently, after a restart, or after
 * a failure between effect and commit) takes effect exactly once.
 */
@ApplicationScoped
public class Inbox {

    /**
     * Applies {@code effect} in one transaction with the record of {@code eventId}, unless this consumer
     * already applied it. A concurrent duplicate waits on the first's row lock and then finds it recorded.
     * Answers whether the effect ran now.
     */
    public Uni<Boolean> applyOnce(String consumer, UUID eventId, Supplier<Uni<?>> effect) {
        return Panache.withTransaction(() -> recordOnce(consumer, eventId)
                .chain(fresh -> fresh
                        ? effect.get().replaceWith(Boolean.TRUE)
                        : Uni.createFrom().item(Boolean.FALSE)));
    }

    /**
     * {@link #applyOnce} for several events in one transaction, in order: each recorded with its effect,
     * those already recorded skipped. If any effect fails, none of them stays.
     */
    public <T> Uni<Void> applyAllOnce(
            String consumer, List<T> events, Function<T, UUID> idOf, Function<T, Uni<?>> effect) {
        return Panache.withTransaction(() -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (T event : events) {
                chain = chain.chain(() -> recordOnce(consumer, idOf.apply(event))
                        .chain(fresh -> fresh
                                ? effect.apply(event).replaceWithVoid()
                                : Uni.createFrom().voidItem()));
            }
            return chain;
        });
    }

    /** Inside a caller's transaction: true if this consumer had not recorded the event before. */
    public Uni<Boolean> recordOnce(String consumer, UUID eventId) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into relais_inbox (consumer, event_id) values (?1, ?2) on conflict do nothing")
                        .setParameter(1, consumer)
                        .setParameter(2, eventId)
                        .executeUpdate())
                .map(n -> n == 1);
    }
}
