package org.relais.blocks.testapp;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;
import org.relais.blocks.crypto.FieldCipher;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.idempotency.IdempotencyStore;
import org.relais.blocks.inbox.Inbox;
import org.relais.blocks.problem.ProblemException;

/** Endpoints that drive the inbox, the field cipher and the idempotency store from tests. */
@Path("/plumbing")
@Produces(MediaType.APPLICATION_JSON)
public class TestPlumbingResource {

    private final Inbox inbox;
    private final FieldCipher cipher;
    private final IdempotencyStore idempotency;

    public TestPlumbingResource(Inbox inbox, FieldCipher cipher, IdempotencyStore idempotency) {
        this.inbox = inbox;
        this.cipher = cipher;
        this.idempotency = idempotency;
    }

    /** Applies an event's effect (a row in test_effects) once; {@code fail} fails after the effect, before the commit. */
    @POST
    @Path("/inbox/{consumer}/{eventId}")
    public Uni<Map<String, Object>> consume(
            @PathParam("consumer") String consumer,
            @PathParam("eventId") UUID eventId,
            @QueryParam("fail") boolean fail) {
        return inbox.applyOnce(
                        consumer,
                        eventId,
                        () -> Panache.getSession()
                                .chain(s -> s.createNativeQuery("insert into test_effects (event_id) values (?1)")
                                        .setParameter(1, eventId)
                                        .executeUpdate())
                                .invoke(() -> {
                                    if (fail) {
                                        throw new IllegalStateException("injected failure between effect and commit");
                                    }
                                }))
                .map(applied -> Map.of("applied", applied));
    }

    @POST
    @Path("/secrets/{id}")
    @Consumes(MediaType.TEXT_PLAIN)
    @WithTransaction
    public Uni<Map<String, Object>> writeSecret(@PathParam("id") UUID id, String plaintext) {
        return cipher.newDataKey().chain(key -> {
            TestNote note = new TestNote();
            note.id = id;
            note.aggregateId = "secret";
            note.dataKeyId = key.id();
            note.secret = key.encrypt("test_notes", id, "secret", plaintext);
            return note.persist().replaceWith(Map.of("dataKeyId", key.id(), "ciphertext", note.secret));
        });
    }

    @GET
    @Path("/secrets/{id}")
    @WithSession
    public Uni<Response> readSecret(@PathParam("id") UUID id, @QueryParam("field") String field) {
        return TestNote.<TestNote>findById(id)
                .chain(note -> cipher.dataKey(note.dataKeyId)
                        .map(key -> key.decrypt("test_notes", id, field == null ? "secret" : field, note.secret)
                                .map(pt -> Response.ok(Map.of("plaintext", pt)).build())
                                .orElse(Response.status(404).build())));
    }

    @POST
    @Path("/secrets/{id}/destroy")
    @WithTransaction
    public Uni<Void> destroySecret(@PathParam("id") UUID id) {
        return TestNote.<TestNote>findById(id).chain(note -> cipher.destroy(note.dataKeyId));
    }

    /** Creates a note once per Idempotency-Key: 201 first, then the same status and id replayed. */
    @POST
    @Path("/idempotent")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> idempotent(
            @HeaderParam("Idempotency-Key") String key, String body, @QueryParam("slow") boolean slow) {
        if (key == null) {
            throw ProblemException.badRequest("Idempotency-Key required here");
        }
        String hash = IdempotencyStore.requestHash("POST", "/plumbing/idempotent", body);
        return idempotency.claim("agency-a", key, hash).chain(claim -> {
            if (claim instanceof IdempotencyStore.Replay replay) {
                return Uni.createFrom()
                        .item(Response.status(replay.status())
                                .entity(Map.of("id", replay.resourceId()))
                                .build());
            }
            IdempotencyStore.Fresh fresh = (IdempotencyStore.Fresh) claim;
            UUID id = Uuids.v7();
            Uni<Void> pause = slow
                    ? Uni.createFrom().voidItem().onItem().delayIt().by(java.time.Duration.ofMillis(1500))
                    : Uni.createFrom().voidItem();
            return pause.chain(() -> Panache.withTransaction(() -> {
                        TestNote note = new TestNote();
                        note.id = id;
                        note.aggregateId = "idem";
                        return note.persist().chain(() -> idempotency.complete(fresh, id.toString(), 201));
                    }))
                    .map(v -> Response.status(201)
                            .entity(Map.of("id", id.toString()))
                            .build());
        });
    }
}
