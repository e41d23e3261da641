package org.relais.blocks.testapp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.Topics;
import org.relais.blocks.events.Uuids;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;

/** A tiny application over the building blocks, as a service would use them. */
@Path("/test")
@Produces(MediaType.APPLICATION_JSON)
public class TestResource {

    public enum Colour {
        RED,
        GREEN
    }

    public record Contact(@NotNull Colour method, @NotBlank String value) {}

    public record Subject(
            @NotBlank @Size(max = 20) String fullName,
            @Min(1900) @Max(2100) Integer birthYear,
            @Valid Contact safeContact) {}

    public record CreateThing(
            @NotNull @Valid Subject subject, @NotNull Colour colour, List<@NotBlank String> tags) {}

    private final Outbox outbox;
    private final Callers callers;

    public TestResource(Outbox outbox, Callers callers) {
        this.outbox = outbox;
        this.callers = callers;
    }

    @POST
    @Path("/things")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.REFERRAL_CREATE_CODE)
    public Map<String, Object> create(@Valid @NotNull CreateThing body) {
        return Map.of("colour", body.colour());
    }

    @GET
    @Path("/things")
    @PermissionsAllowed(Permission.REFERRAL_READ_CODE)
    public Map<String, Object> list(
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor,
            @QueryParam("updatedSince") String updatedSince) {
        PageRequest page = PageRequest.of(limit, cursor, updatedSince);
        CallerContext caller = callers.current();
        Map<String, Object> out = new java.util.HashMap<>();
        out.put("limit", page.limit());
        out.put("agency", caller.agencyId());
        out.put("roles", caller.roles());
        return out;
    }

    @GET
    @Path("/things/{id}")
    @PermissionsAllowed(Permission.REFERRAL_READ_CODE)
    public Map<String, Object> get(@PathParam("id") String id) {
        throw ProblemException.notFound("Thing " + id.length());
    }

    /** Writes a note and its event in one transaction; {@code fail} rolls both back. */
    @POST
    @Path("/notes/{aggregate}/{position}")
    @WithTransaction
    public Uni<Map<String, Object>> note(
            @PathParam("aggregate") String aggregate,
            @PathParam("position") int position,
            @QueryParam("fail") boolean fail) {
        return NoteWriter.write(outbox, aggregate, position, fail).map(e -> Map.of("eventId", e.id()));
    }

    static final class NoteWriter {
        static Uni<CloudEvent> write(Outbox outbox, String aggregate, int position, boolean fail) {
            TestNote note = new TestNote();
            note.id = Uuids.v7();
            note.aggregateId = aggregate;
            note.position = position;
            CloudEvent event = CloudEvent.of(
                    "/blocks-test",
                    "relais.referral.sent",
                    aggregate,
                    "agency-a",
                    JsonNodeFactory.instance.objectNode().put("position", position));
            return note.persist()
                    .chain(() -> outbox.append(Topics.REFERRALS, event, "tester", List.of()))
                    .map(v -> {
                        if (fail) {
                            throw new IllegalStateException("injected failure after the event was written");
                        }
                        return event;
                    });
        }
    }
}
