package org.relais.referral.flow;

import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
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
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.http.Versions;
import org.relais.blocks.idempotency.Idempotent;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;
import org.relais.blocks.security.PermissionPolicy;

@Path("/api/v1/referrals")
@Produces(MediaType.APPLICATION_JSON)
@Tag(
        name = "Referrals",
        description = "One agency refers a survivor to another, with her consent; the outcome comes back")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(
        responseCode = "403",
        description = "The caller's role or agency lacks the permission, or the action is the other party's")
@APIResponse(responseCode = "404", description = "No such referral, or not visible to the caller's agency")
public class ReferralResource {

    private final ReferralCreation creation;
    private final ReferralReads reads;
    private final ReferralTransitions transitions;
    private final Callers callers;
    private final Idempotent idempotent;
    private final PermissionPolicy policy;

    public ReferralResource(
            ReferralCreation creation,
            ReferralReads reads,
            ReferralTransitions transitions,
            Callers callers,
            Idempotent idempotent,
            PermissionPolicy policy) {
        this.creation = creation;
        this.reads = reads;
        this.transitions = transitions;
        this.callers = callers;
        this.idempotent = idempotent;
        this.policy = policy;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.REFERRAL_CREATE_CODE)
    @Operation(operationId = "createReferral", summary = "Refer a survivor to another agency")
    @APIResponse(
            responseCode = "201",
            description = "Sent",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ReferralView.class)))
    @APIResponse(responseCode = "409", description = "The idempotency key is in use")
    @APIResponse(
            responseCode = "422",
            description = "Invalid, outside the consent scope, unknown agency, or capacity-full")
    public Uni<Response> create(
            @Valid @NotNull ReferralInput.CreateReferral body, @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/referrals",
                body,
                fresh -> creation.create(body, caller)
                        .map(read -> new Idempotent.Outcome(
                                read.referral().id.toString(),
                                201,
                                Versions.created(location(read.referral().id), read.view(), read.referral().version))),
                replay -> reads.get(UUID.fromString(replay.resourceId()), caller)
                        .map(read -> Response.status(replay.status())
                                .location(location(read.referral().id))
                                .entity(read.view())
                                .tag(Versions.etag(read.referral().version))
                                .build()));
    }

    @GET
    @PermissionsAllowed(Permission.REFERRAL_READ_CODE)
    @Operation(operationId = "listReferrals", summary = "The caller's agency's referrals, sent or received, for sync")
    @APIResponse(
            responseCode = "200",
            description = "A page of referrals, with a weak ETag over the page (If-None-Match gives 304)")
    @APIResponse(responseCode = "400", description = "Bad query parameter")
    public Uni<org.jboss.resteasy.reactive.RestResponse<Page<ReferralView>>> list(
            @QueryParam("direction") String direction,
            @QueryParam("status") String status,
            @QueryParam("updatedSince") String updatedSince,
            @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit,
            @HeaderParam("If-None-Match") String ifNoneMatch) {
        CallerContext caller = callers.current();
        if (caller.agencyId() == null) {
            throw ProblemException.forbidden("Lists are per agency");
        }
        return reads.list(
                        direction,
                        PageRequest.enumValue("status", status, ReferralStatus.class),
                        PageRequest.of(limit, cursor, updatedSince),
                        caller)
                .map(page -> Versions.page(page, r -> r.id() + ":" + r.version(), ifNoneMatch));
    }

    @GET
    @Path("/{id}")
    @PermissionsAllowed(Permission.REFERRAL_READ_CODE)
    @Operation(
            operationId = "getReferral",
            summary = "Read one referral (survivor data within consent, to the two parties)")
    @APIResponse(
            responseCode = "200",
            description = "The referral; ETag is its version",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ReferralView.class)))
    public Uni<Response> get(@PathParam("id") String id, @HeaderParam("If-None-Match") String ifNoneMatch) {
        CallerContext caller = callers.current();
        return reads.get(uuid(id), caller).map(read -> Versions.ok(read.view(), read.referral().version, ifNoneMatch));
    }

    @GET
    @Path("/{id}/history")
    @PermissionsAllowed(Permission.REFERRAL_READ_CODE)
    @Operation(
            operationId = "getReferralHistory",
            summary = "Every transition of a referral; notes only to the two parties")
    @APIResponse(responseCode = "200", description = "The history, oldest first")
    public Uni<List<ReferralView.HistoryEntry>> history(@PathParam("id") String id) {
        return reads.history(uuid(id), callers.current());
    }

    @POST
    @Path("/{id}/{action}")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @PermissionsAllowed(Permission.REFERRAL_READ_CODE)
    @Operation(
            operationId = "actOnReferral",
            summary =
                    "acknowledge, accept, decline, redirect, start, hold, complete, fail, withdraw or withdraw-consent")
    @APIResponse(
            responseCode = "200",
            description = "The updated referral",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ReferralView.class)))
    @APIResponse(responseCode = "409", description = "Illegal in the current status (currentStatus in the problem)")
    @APIResponse(responseCode = "412", description = "If-Match does not match the current version")
    @APIResponse(responseCode = "422", description = "Invalid body")
    public Uni<Response> act(
            @PathParam("id") String id,
            @PathParam("action") String actionPath,
            @Valid ReferralInput.ActionBody body,
            @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        ReferralAction action =
                ReferralAction.byPath(actionPath).orElseThrow(() -> ProblemException.notFound("Action"));
        CallerContext caller = callers.current();
        Permission needed = action.permission();
        if (!policy.allows(caller, needed)) {
            throw ProblemException.forbidden("The caller's role or agency does not hold " + needed.code());
        }
        UUID referralId = uuid(id);
        return transitions
                .checkAssignee(action, body, caller)
                .chain(() -> idempotent.post(
                        caller.agencyId(),
                        key,
                        "POST",
                        "/api/v1/referrals/" + id + "/" + actionPath,
                        body,
                        fresh -> transitions
                                .act(referralId, action, body, ifMatch, caller)
                                .map(read -> new Idempotent.Outcome(
                                        read.referral().id.toString(),
                                        200,
                                        Response.ok(read.view())
                                                .tag(Versions.etag(read.referral().version))
                                                .build())),
                        replay -> reads.get(referralId, caller)
                                .map(read -> Response.status(replay.status())
                                        .entity(read.view())
                                        .tag(Versions.etag(read.referral().version))
                                        .build())));
    }

    private static URI location(UUID id) {
        return URI.create("/api/v1/referrals/" + id);
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("Referral");
        }
    }
}
