package org.relais.referral.directory;

import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.relais.blocks.directory.AgencyMembers;
import org.relais.blocks.http.Versions;
import org.relais.blocks.idempotency.Idempotent;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;

@Path("/api/v1/agencies")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Agencies", description = "The agency directory")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(responseCode = "403", description = "The caller's role or agency lacks the permission")
public class AgencyResource {

    private final AgencyService service;
    private final Callers callers;
    private final Idempotent idempotent;
    private final AgencyMembers members;

    public AgencyResource(AgencyService service, Callers callers, Idempotent idempotent, AgencyMembers members) {
        this.members = members;
        this.service = service;
        this.callers = callers;
        this.idempotent = idempotent;
    }

    @GET
    @PermissionsAllowed(Permission.DIRECTORY_READ_CODE)
    @Operation(operationId = "listAgencies", summary = "List agencies, filtered by type, service or region")
    @APIResponse(responseCode = "200", description = "A page of agencies")
    public Uni<Page<AgencyView>> list(
            @QueryParam("type") String type,
            @QueryParam("service") String serviceType,
            @QueryParam("region") String region,
            @QueryParam("updatedSince") String updatedSince,
            @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        return service.list(
                PageRequest.enumValue("type", type, AgencyType.class),
                PageRequest.enumValue("service", serviceType, ServiceType.class),
                region == null || region.isBlank() ? null : region.trim(),
                PageRequest.of(limit, cursor, updatedSince));
    }

    @GET
    @Path("/{id}")
    @PermissionsAllowed(Permission.DIRECTORY_READ_CODE)
    @Operation(operationId = "getAgency", summary = "Read one agency")
    @APIResponse(
            responseCode = "200",
            description = "The entry; ETag is its version",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = AgencyView.class)))
    @APIResponse(responseCode = "404", description = "No such agency")
    public Uni<Response> get(@PathParam("id") String id, @HeaderParam("If-None-Match") String ifNoneMatch) {
        return service.get(id).map(a -> Versions.ok(a.view(), a.version, ifNoneMatch));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.DIRECTORY_WRITE_CODE)
    @Operation(operationId = "registerAgency", summary = "Register an agency in the directory")
    @APIResponse(
            responseCode = "201",
            description = "Registered",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = AgencyView.class)))
    @APIResponse(responseCode = "409", description = "The id is taken, or the idempotency key is in use")
    @APIResponse(responseCode = "422", description = "Invalid entry")
    public Uni<Response> create(@Valid @NotNull AgencyInput body, @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        String owner = caller.agencyId() != null ? caller.agencyId() : "platform:" + caller.subject();
        return idempotent.post(
                owner,
                key,
                "POST",
                "/api/v1/agencies",
                body,
                fresh -> service.create(body, caller)
                        .map(a -> new Idempotent.Outcome(
                                a.id,
                                201,
                                Versions.created(URI.create("/api/v1/agencies/" + a.id), a.view(), a.version))),
                replay -> service.get(replay.resourceId())
                        .map(a -> Response.status(replay.status())
                                .location(URI.create("/api/v1/agencies/" + a.id))
                                .entity(a.view())
                                .tag(Versions.etag(a.version))
                                .build()));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.DIRECTORY_WRITE_CODE)
    @Operation(
            operationId = "updateAgency",
            summary = "Replace an agency's directory entry (suspend with active: false)")
    @APIResponse(
            responseCode = "200",
            description = "The updated entry",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = AgencyView.class)))
    @APIResponse(responseCode = "404", description = "No such agency")
    @APIResponse(responseCode = "412", description = "If-Match does not match the current version")
    @APIResponse(responseCode = "422", description = "Invalid entry")
    public Uni<Response> update(
            @PathParam("id") String id, @Valid @NotNull AgencyInput body, @HeaderParam("If-Match") String ifMatch) {
        CallerContext caller = callers.current();
        return service.update(id, body, ifMatch, caller)
                .map(a -> Response.ok(a.view()).tag(Versions.etag(a.version)).build());
    }

    @GET
    @Path("/{id}/members")
    @io.smallrye.common.annotation.Blocking
    @PermissionsAllowed(Permission.DIRECTORY_READ_CODE)
    @Operation(
            operationId = "listAgencyMembers",
            summary = "The users of the caller's own agency, from the identity provider")
    @APIResponse(responseCode = "200", description = "The members")
    @APIResponse(responseCode = "403", description = "Not the caller's own agency")
    public List<AgencyMembers.Member> members(@PathParam("id") String id) {
        CallerContext caller = callers.current();
        if (!id.equals(caller.agencyId())) {
            throw org.relais.blocks.problem.ProblemException.forbidden("An agency lists only its own members");
        }
        return members.of(id);
    }

    @PUT
    @Path("/{id}/capacity")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.CAPACITY_UPDATE_CODE)
    @Operation(operationId = "updateAgencyCapacity", summary = "Report the caller's own agency's capacity")
    @APIResponse(
            responseCode = "200",
            description = "The updated entry",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = AgencyView.class)))
    @APIResponse(responseCode = "404", description = "No such agency")
    @APIResponse(responseCode = "412", description = "If-Match does not match the current version")
    public Uni<Response> capacity(
            @PathParam("id") String id, @Valid @NotNull CapacityInput body, @HeaderParam("If-Match") String ifMatch) {
        CallerContext caller = callers.current();
        return service.updateCapacity(id, body, ifMatch, caller)
                .map(a -> Response.ok(a.view()).tag(Versions.etag(a.version)).build());
    }
}
