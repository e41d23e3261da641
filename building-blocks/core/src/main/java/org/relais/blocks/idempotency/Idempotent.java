package org.relais.blocks.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.util.function.Function;

/**
 * Runs a POST under its {@code Idempotency-Key}: the first request does the work (and records the key
 * in the work's own transaction); a repeat replays the status with the resource re-read; the same key
 * with another body is 422; a repeat while the first is in flight is 409. Without a key, the work runs.
 */
@ApplicationScoped
public class Idempotent {

    /** What the work produced: the resource id to remember and the response to send. */
    public record Outcome(String resourceId, int status, Response response) {}

    private final IdempotencyStore store;
    private final ObjectMapper mapper;

    public Idempotent(IdempotencyStore store, ObjectMapper mapper) {
        this.store = store;
        this.mapper = mapper;
    }

    /**
     * @param owner  whose keys these are (the caller's agency, or the platform user's subject)
     * @param work   runs inside one transaction; returns the outcome
     * @param replay re-reads the resource of an earlier request and answers with the given status
     */
    public Uni<Response> post(
            String owner,
            String key,
            String method,
            String path,
            Object body,
            Function<IdempotencyStore.Fresh, Uni<Outcome>> work,
            Function<IdempotencyStore.Replay, Uni<Response>> replay) {
        if (key == null) {
            return Panache.withTransaction(() -> work.apply(null)).map(Outcome::response);
        }
        String hash = IdempotencyStore.requestHash(method, path, json(body));
        return store.claim(owner, key, hash).chain(claim -> {
            if (claim instanceof IdempotencyStore.Replay r) {
                return replay.apply(r);
            }
            IdempotencyStore.Fresh fresh = (IdempotencyStore.Fresh) claim;
            return Panache.withTransaction(() -> work.apply(fresh)
                            .call(outcome -> store.complete(fresh, outcome.resourceId(), outcome.status())))
                    .map(Outcome::response)
                    .onFailure()
                    .call(() -> store.release(fresh));
        });
    }

    private String json(Object body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
