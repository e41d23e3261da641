package org.relais.notification.webhook;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.idempotency.Idempotent;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;

@Path("/api/v1/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Webhooks", description = "Signed deliveries of the agency's events to its own systems")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(responseCode = "403", description = "The caller's role or agency lacks webhook:manage")
@APIResponse(responseCode = "404", description = "No such webhook for the caller's agency")
public class WebhookResource {

    private final WebhookService service;
    private final Callers callers;
    private final Idempotent idempotent;

    public WebhookResource(WebhookService service, Callers callers, Idempotent idempotent) {
        this.service = service;
        this.callers = callers;
        this.idempotent = idempotent;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(
            operationId = "registerWebhook",
            summary =
                    "Register a webhook; the secret is shown this once (and to a retry with the same Idempotency-Key)")
    @APIResponse(
            responseCode = "201",
            description = "Registered, with its secret",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = WebhookViews.View.class)))
    @APIResponse(responseCode = "409", description = "A request with this Idempotency-Key is still being processed")
    @APIResponse(
            responseCode = "422",
            description =
                    "Invalid URL or target not allowed, unknown event type, the agency's webhook limit reached (limit in the problem), or the Idempotency-Key used with another body")
    public Uni<Response> register(
            @Valid @NotNull WebhookViews.Create body, @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = agency();
        // the target is resolved before any transaction: a host whose DNS hangs must not hold a database
        // connection (and the agency's registration lock) for the resolver's timeout
        return service.validate(body, caller)
                .chain(() -> idempotent.post(
                        caller.agencyId(),
                        key,
                        "POST",
                        "/api/v1/webhooks",
                        body,
                        fresh -> service.register(body, caller, fresh != null)
                                .map(issued -> new Idempotent.Outcome(
                                        String.valueOf(issued.issueId()),
                                        201,
                                        Response.created(URI.create("/api/v1/webhooks/"
                                                        + issued.view().id()))
                                                .entity(issued.view())
                                                .build())),
                        replay -> service.reissued(UUID.fromString(replay.resourceId()), caller)
                                .map(v -> Response.status(replay.status())
                                        .location(URI.create("/api/v1/webhooks/" + v.id()))
                                        .entity(v)
                                        .build())));
    }

    @GET
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(operationId = "listWebhooks", summary = "The agency's webhooks (secrets never shown)")
    @APIResponse(responseCode = "200", description = "The agency's webhooks")
    public Uni<List<WebhookViews.View>> list() {
        CallerContext caller = agency();
        return Panache.withSession(() -> service.list(caller));
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(operationId = "updateWebhook", summary = "Change event types, description, or pause and resume")
    @APIResponse(responseCode = "200", description = "The updated webhook")
    public Uni<WebhookViews.View> patch(@PathParam("id") String id, @Valid @NotNull WebhookViews.Patch body) {
        CallerContext caller = agency();
        return Panache.withTransaction(() -> service.patch(uuid(id), body, caller));
    }

    @POST
    @Path("/{id}/rotate-secret")
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(
            operationId = "rotateWebhookSecret",
            summary = "A new secret; the old one keeps signing for 24 hours. "
                    + "A retry with the same Idempotency-Key answers the same new secret and rotates nothing")
    @APIResponse(
            responseCode = "200",
            description = "The webhook with its new secret, shown this once",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = WebhookViews.View.class)))
    @APIResponse(responseCode = "400", description = "A malformed Idempotency-Key")
    @APIResponse(responseCode = "409", description = "A request with this Idempotency-Key is still being processed")
    @APIResponse(responseCode = "422", description = "The Idempotency-Key was used for another request")
    public Uni<Response> rotate(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = agency();
        UUID webhookId = uuid(id);
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/webhooks/" + id + "/rotate-secret",
                null,
                fresh -> service.rotate(webhookId, caller, fresh != null)
                        .map(issued -> new Idempotent.Outcome(
                                String.valueOf(issued.issueId()),
                                200,
                                Response.ok(issued.view()).build())),
                replay -> service.reissued(UUID.fromString(replay.resourceId()), caller)
                        .map(v -> Response.status(replay.status()).entity(v).build()));
    }

    @DELETE
    @Path("/{id}")
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(operationId = "deleteWebhook", summary = "Stop and remove a webhook")
    @APIResponse(responseCode = "204", description = "Removed")
    public Uni<Response> delete(@PathParam("id") String id) {
        CallerContext caller = agency();
        return Panache.withTransaction(() -> service.delete(uuid(id), caller))
                .replaceWith(Response.noContent().build());
    }

    @GET
    @Path("/{id}/deliveries")
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(
            operationId = "listWebhookDeliveries",
            summary = "Deliveries with every attempt (time, status code, latency, error)")
    @APIResponse(responseCode = "200", description = "The deliveries, newest first")
    public Uni<List<WebhookViews.Delivery>> deliveries(@PathParam("id") String id) {
        CallerContext caller = agency();
        return Panache.withSession(() -> service.deliveries(uuid(id), caller));
    }

    @POST
    @Path("/{id}/deliveries/{deliveryId}/retry")
    @PermissionsAllowed(Permission.WEBHOOK_MANAGE_CODE)
    @Operation(operationId = "retryWebhookDelivery", summary = "Send a delivery again now (same webhook-id)")
    @APIResponse(responseCode = "204", description = "Queued")
    @APIResponse(responseCode = "400", description = "A malformed Idempotency-Key")
    @APIResponse(
            responseCode = "409",
            description =
                    "The delivery was already DELIVERED, or a request with this Idempotency-Key is still being processed")
    @APIResponse(responseCode = "422", description = "The Idempotency-Key was used for another request")
    public Uni<Response> retry(
            @PathParam("id") String id,
            @PathParam("deliveryId") String deliveryId,
            @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = agency();
        UUID webhookId = uuid(id);
        UUID delivery = uuid(deliveryId);
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/webhooks/" + id + "/deliveries/" + deliveryId + "/retry",
                null,
                fresh -> service.retry(webhookId, delivery, caller)
                        .map(x -> new Idempotent.Outcome(
                                delivery.toString(), 204, Response.noContent().build())),
                replay -> Uni.createFrom().item(Response.status(replay.status()).build()));
    }

    private CallerContext agency() {
        CallerContext caller = callers.current();
        if (caller.agencyId() == null) {
            throw ProblemException.forbidden("Webhooks are per agency");
        }
        return caller;
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("Webhook");
        }
    }
}
