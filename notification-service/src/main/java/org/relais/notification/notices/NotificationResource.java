package org.relais.notification.notices;

import io.quarkus.security.PermissionsAllowed;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.relais.blocks.idempotency.Idempotent;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;
import org.relais.blocks.time.RelaisClock;

@Path("/api/v1/notifications")
@Tag(name = "Notifications", description = "The agency's inbox and its live stream")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(responseCode = "403", description = "The caller's role or agency lacks the permission")
public class NotificationResource {

    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final NotificationService service;
    private final Callers callers;
    private final LiveFeed feed;
    private final JsonWebToken token;
    private final io.vertx.core.Vertx vertx;

    private final org.relais.blocks.security.PermissionPolicy policy;
    private final Idempotent idempotent;
    private final Duration recheckEvery;
    private final RelaisClock clock;

    public NotificationResource(
            NotificationService service,
            Callers callers,
            LiveFeed feed,
            JsonWebToken token,
            io.vertx.core.Vertx vertx,
            org.relais.blocks.security.PermissionPolicy policy,
            Idempotent idempotent,
            RelaisClock clock,
            @org.eclipse.microprofile.config.inject.ConfigProperty(
                            name = "relais.notifications.stream-recheck-every",
                            defaultValue = "1s")
                    Duration recheckEvery) {
        this.policy = policy;
        this.idempotent = idempotent;
        this.recheckEvery = recheckEvery;
        this.clock = clock;
        this.vertx = vertx;
        this.service = service;
        this.callers = callers;
        this.feed = feed;
        this.token = token;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.NOTIFICATION_READ_CODE)
    @Operation(operationId = "listNotifications", summary = "The caller's notifications, in their language")
    @APIResponse(responseCode = "200", description = "A page of notifications")
    public Uni<Page<NotificationView>> list(
            @QueryParam("unread") String unread,
            @QueryParam("updatedSince") String updatedSince,
            @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit,
            @HeaderParam("Accept-Language") String acceptLanguage) {
        if (unread != null && !unread.equals("true") && !unread.equals("false")) {
            throw ProblemException.badRequest("Query parameter 'unread' must be true or false");
        }
        return service.list(
                agencyCaller(), "true".equals(unread), PageRequest.of(limit, cursor, updatedSince), acceptLanguage);
    }

    @POST
    @Path("/{id}/read")
    @PermissionsAllowed(Permission.NOTIFICATION_READ_CODE)
    @Operation(operationId = "markNotificationRead", summary = "Mark a notification read for the caller")
    @APIResponse(responseCode = "204", description = "Marked read")
    @APIResponse(responseCode = "400", description = "A malformed Idempotency-Key")
    @APIResponse(responseCode = "404", description = "No such notification for the caller")
    @APIResponse(responseCode = "409", description = "A request with this Idempotency-Key is still being processed")
    @APIResponse(
            responseCode = "422",
            description = "The Idempotency-Key was used for another request (or by another reader)")
    public Uni<Response> read(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("Notification");
        }
        CallerContext caller = agencyCaller();
        // keys are the agency's; the reader is part of the request, so a colleague's key is not replayed as one's own
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/notifications/" + id + "/read",
                java.util.Map.of("reader", String.valueOf(caller.username())),
                fresh -> service.markRead(uuid, caller)
                        .map(x -> new Idempotent.Outcome(
                                uuid.toString(), 204, Response.noContent().build())),
                replay -> Uni.createFrom().item(Response.status(replay.status()).build()));
    }

    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.NOTIFICATION_READ_CODE)
    @Operation(
            operationId = "streamNotifications",
            summary = "New notifications as Server-Sent Events (id: sequence; Last-Event-ID resumes)")
    @APIResponse(responseCode = "200", description = "An event stream (text/event-stream) until the token expires")
    public Multi<OutboundSseEvent> stream(
            @HeaderParam("Last-Event-ID") String lastEventId,
            @HeaderParam("Accept-Language") String acceptLanguage,
            @Context Sse sse) {
        CallerContext caller = agencyCaller();
        long start;
        try {
            start = lastEventId == null || lastEventId.isBlank() ? Long.MAX_VALUE : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("Header 'Last-Event-ID' must be an id this stream sent");
        }
        java.util.concurrent.atomic.AtomicReference<StreamCursor> cursor =
                new java.util.concurrent.atomic.AtomicReference<>();
        Duration untilExpiry =
                Duration.ofSeconds(Math.max(1, token.getExpirationTime() - System.currentTimeMillis() / 1000));
        Uni<Long> initial = start == Long.MAX_VALUE
                ? service.latestSeq(caller)
                : Uni.createFrom().item(start);
        Multi<OutboundSseEvent> events = initial.toMulti().flatMap(seq -> {
            cursor.set(new StreamCursor(seq, clock::now));
            Multi<String> wakeUps = Multi.createBy()
                    .merging()
                    .streams(
                            Multi.createFrom().item("resume"),
                            feed.signals(caller.agencyId()),
                            // skipped numbers are asked for again even when nothing new is signalled
                            Multi.createFrom()
                                    .ticks()
                                    .every(Duration.ofSeconds(2))
                                    .map(t -> "gaps"));
            return wakeUps.onOverflow()
                    .drop()
                    .onItem()
                    .transformToMultiAndConcatenate(signal -> onOwnContext(() -> service.after(
                                    caller, cursor.get().highest(), cursor.get().gaps(), acceptLanguage))
                            .onItem()
                            .transformToMulti(list -> Multi.createFrom().iterable(list))
                            .select()
                            .where(n -> cursor.get().take(n.seq(), n.createdAt()))
                            .map(n -> sse.newEventBuilder()
                                    .id(Long.toString(n.seq()))
                                    .name("notification")
                                    .mediaType(MediaType.APPLICATION_JSON_TYPE)
                                    .data(n)
                                    .build()));
        });
        Multi<OutboundSseEvent> heartbeats = Multi.createFrom()
                .ticks()
                .every(HEARTBEAT)
                .map(t -> sse.newEventBuilder().comment("heartbeat").build());
        // the directory is asked before every item and at each recheck: a suspension, or an entry that
        // narrows notification:read away, ends the stream at once, and nothing is pushed after it
        OutboundSseEvent recheck = sse.newEventBuilder().comment("recheck").build();
        Multi<OutboundSseEvent> rechecks =
                Multi.createFrom().ticks().every(recheckEvery).map(t -> recheck);
        return Multi.createBy()
                .merging()
                .streams(events, heartbeats, rechecks)
                .select()
                .first(e -> policy.allows(caller, Permission.NOTIFICATION_READ))
                .select()
                .where(e -> e != recheck)
                .select()
                .first(untilExpiry);
    }

    /** Signals arrive on the listener's context; each read runs on a duplicated context of its own. */
    private <T> Uni<T> onOwnContext(java.util.function.Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(em -> {
            io.vertx.core.Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(x -> work.get().subscribe().with(em::complete, em::fail));
        });
    }

    private CallerContext agencyCaller() {
        CallerContext caller = callers.current();
        if (caller.agencyId() == null) {
            throw ProblemException.forbidden("Notifications are per agency");
        }
        return caller;
    }
}
