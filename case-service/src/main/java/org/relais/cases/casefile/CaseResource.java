package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.Panache;
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
import org.relais.blocks.directory.AgencyMembers;
import org.relais.blocks.http.Versions;
import org.relais.blocks.idempotency.Idempotent;
import org.relais.blocks.paging.Page;
import org.relais.blocks.paging.PageRequest;
import org.relais.blocks.problem.ProblemException;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Callers;
import org.relais.blocks.security.Permission;
import org.relais.cases.risk.RiskQuestions;

@Path("/api/v1/cases")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Cases", description = "The receiving agency's work with the survivor")
@APIResponse(responseCode = "401", description = "No or invalid access token")
@APIResponse(responseCode = "403", description = "The caller's role or agency lacks the permission")
@APIResponse(responseCode = "404", description = "No such case, or not the caller's agency's")
public class CaseResource {

    private final CaseReads reads;
    private final CaseWork work;
    private final CaseOpening opening;
    private final Callers callers;
    private final Idempotent idempotent;
    private final AgencyMembers members;

    public CaseResource(
            CaseReads reads,
            CaseWork work,
            CaseOpening opening,
            Callers callers,
            Idempotent idempotent,
            AgencyMembers members) {
        this.reads = reads;
        this.work = work;
        this.opening = opening;
        this.members = members;
        this.callers = callers;
        this.idempotent = idempotent;
    }

    @GET
    @PermissionsAllowed(Permission.CASE_READ_CODE)
    @Operation(
            operationId = "listCases",
            summary = "The agency's cases (caseworkers: theirs and unassigned by default)")
    @APIResponse(responseCode = "200", description = "A page of cases")
    public Uni<Page<CaseViews.CaseView>> list(
            @QueryParam("status") String status,
            @QueryParam("assignee") String assignee,
            @QueryParam("updatedSince") String updatedSince,
            @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        CallerContext caller = callers.current();
        if (caller.agencyId() == null) {
            throw ProblemException.forbidden("Lists are per agency");
        }
        if (status != null && !status.equals("OPEN") && !status.equals("CLOSED")) {
            throw ProblemException.badRequest("Query parameter 'status' must be OPEN or CLOSED");
        }
        return reads.list(
                status == null ? null : CaseStatus.valueOf(status),
                assignee == null || assignee.isBlank() ? null : assignee.trim(),
                PageRequest.of(limit, cursor, updatedSince),
                caller);
    }

    @GET
    @Path("/risk-questions")
    @PermissionsAllowed(Permission.CASE_READ_CODE)
    @Operation(operationId = "listRiskQuestions", summary = "The 24 risk questions in fr, ar and en")
    @APIResponse(responseCode = "200", description = "The questions")
    public List<RiskQuestions.Question> riskQuestions() {
        return RiskQuestions.ALL;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.CASE_WORK_CODE)
    @Operation(operationId = "createCase", summary = "Open a case for a survivor who came to the agency directly")
    @APIResponse(
            responseCode = "201",
            description = "Opened",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.CaseView.class)))
    @APIResponse(responseCode = "422", description = "Invalid, or survivor data outside the consent's scope")
    public Uni<Response> create(@Valid @NotNull CaseViews.CreateCase body, @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/cases",
                body,
                fresh -> opening.walkIn(body, caller)
                        .map(v -> new Idempotent.Outcome(
                                v.id().toString(),
                                201,
                                Versions.created(URI.create("/api/v1/cases/" + v.id()), v, v.version()))),
                replay -> reads.read(UUID.fromString(replay.resourceId()), caller)
                        .map(v -> Response.status(replay.status())
                                .entity(v)
                                .tag(Versions.etag(v.version()))
                                .build()));
    }

    @GET
    @Path("/{id}")
    @PermissionsAllowed(Permission.CASE_READ_CODE)
    @Operation(operationId = "getCase", summary = "Read one case")
    @APIResponse(
            responseCode = "200",
            description = "The case; ETag is its version",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.CaseView.class)))
    public Uni<Response> get(@PathParam("id") String id, @HeaderParam("If-None-Match") String ifNoneMatch) {
        return reads.read(uuid(id), callers.current()).map(v -> Versions.ok(v, v.version(), ifNoneMatch));
    }

    @GET
    @Path("/{id}/timeline")
    @PermissionsAllowed(Permission.CASE_READ_CODE)
    @Operation(operationId = "getCaseTimeline", summary = "What happened to the case, in order")
    @APIResponse(responseCode = "200", description = "The timeline, oldest first")
    public Uni<List<CaseViews.TimelineView>> timeline(@PathParam("id") String id) {
        return reads.timeline(uuid(id), callers.current());
    }

    @POST
    @Path("/{id}/assign")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.CASE_SUPERVISE_CODE)
    @Operation(operationId = "assignCase", summary = "Give the case to a member of the agency")
    @APIResponse(
            responseCode = "200",
            description = "The updated case",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.CaseView.class)))
    @APIResponse(responseCode = "409", description = "The case is closed")
    @APIResponse(responseCode = "422", description = "The assignee is not a member of the agency")
    public Uni<Response> assign(
            @PathParam("id") String id,
            @Valid @NotNull CaseViews.Assign body,
            @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        UUID caseId = uuid(id);
        Uni<Void> assigneeChecked = io.quarkus.vertx.VertxContextSupport.executeBlocking(
                        () -> members.isMember(caller.agencyId(), body.assignee()))
                .map(member -> {
                    if (!member) {
                        throw ProblemException.invalid("/assignee", "is not a member of the agency");
                    }
                    return null;
                });
        // not the caller's case: 404 before anything is said about the assignee
        return Panache.withSession(() -> reads.owned(caseId, caller, false))
                .replaceWithVoid()
                .chain(() -> assigneeChecked)
                .chain(() -> idempotent.post(
                        caller.agencyId(),
                        key,
                        "POST",
                        "/api/v1/cases/" + caseId + "/assign",
                        body,
                        fresh -> checked(caseId, caller, ifMatch)
                                .chain(() -> work.assign(caseId, body.assignee(), caller))
                                .map(v -> caseOutcome(v)),
                        replay -> replayCase(caseId, caller, replay)));
    }

    @POST
    @Path("/{id}/risk-assessments")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.CASE_WORK_CODE)
    @Operation(
            operationId = "assessRisk",
            summary = "Record a risk assessment (all 24 answers; judgement may raise the level)")
    @APIResponse(
            responseCode = "201",
            description = "Recorded",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.AssessmentView.class)))
    @APIResponse(responseCode = "422", description = "An answer is missing or unknown")
    public Uni<Response> assess(
            @PathParam("id") String id,
            @Valid @NotNull CaseViews.NewAssessment body,
            @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        UUID caseId = uuid(id);
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/cases/" + caseId + "/risk-assessments",
                body,
                fresh -> work.assess(caseId, body, caller)
                        .map(a -> new Idempotent.Outcome(
                                a.id().toString(),
                                201,
                                Response.created(URI.create("/api/v1/cases/" + caseId + "/risk-assessments/" + a.id()))
                                        .entity(a)
                                        .build())),
                replay -> Panache.withSession(
                                () -> reads.assessment(caseId, UUID.fromString(replay.resourceId()), caller))
                        .map(a -> Response.status(replay.status()).entity(a).build()));
    }

    @POST
    @Path("/{id}/actions")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.CASE_WORK_CODE)
    @Operation(operationId = "addCaseAction", summary = "Add an action to the service plan")
    @APIResponse(
            responseCode = "201",
            description = "Added",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.ActionView.class)))
    public Uni<Response> addAction(
            @PathParam("id") String id,
            @Valid @NotNull CaseViews.NewAction body,
            @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        UUID caseId = uuid(id);
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/cases/" + caseId + "/actions",
                body,
                fresh -> work.addAction(caseId, body, caller)
                        .map(a -> new Idempotent.Outcome(
                                a.id().toString(),
                                201,
                                Response.created(URI.create("/api/v1/cases/" + caseId + "/actions/" + a.id()))
                                        .entity(a)
                                        .build())),
                replay -> reads.read(caseId, caller)
                        .map(v -> Response.status(replay.status())
                                .entity(v.actions().stream()
                                        .filter(a -> a.id().toString().equals(replay.resourceId()))
                                        .findFirst()
                                        .orElseThrow(() -> ProblemException.notFound("Action")))
                                .build()));
    }

    @POST
    @Path("/{id}/actions/{actionId}/complete")
    @PermissionsAllowed(Permission.CASE_WORK_CODE)
    @Operation(operationId = "completeCaseAction", summary = "Mark an action done")
    @APIResponse(
            responseCode = "200",
            description = "The updated case",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.CaseView.class)))
    public Uni<Response> completeAction(
            @PathParam("id") String id,
            @PathParam("actionId") String actionId,
            @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        UUID caseId = uuid(id);
        UUID action = uuid(actionId);
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/cases/" + caseId + "/actions/" + action + "/complete",
                "",
                fresh -> checked(caseId, caller, ifMatch)
                        .chain(() -> work.completeAction(caseId, action, caller))
                        .map(v -> caseOutcome(v)),
                replay -> replayCase(caseId, caller, replay));
    }

    @POST
    @Path("/{id}/close")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Permission.CASE_WORK_CODE)
    @Operation(operationId = "closeCase", summary = "Close the case; the originating referral follows")
    @APIResponse(
            responseCode = "200",
            description = "The closed case",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CaseViews.CaseView.class)))
    @APIResponse(responseCode = "409", description = "Already closed")
    public Uni<Response> close(
            @PathParam("id") String id,
            @Valid @NotNull CaseViews.Close body,
            @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        CallerContext caller = callers.current();
        UUID caseId = uuid(id);
        return idempotent.post(
                caller.agencyId(),
                key,
                "POST",
                "/api/v1/cases/" + caseId + "/close",
                body,
                fresh -> checked(caseId, caller, ifMatch)
                        .chain(() -> work.close(caseId, body, caller))
                        .map(v -> caseOutcome(v)),
                replay -> replayCase(caseId, caller, replay));
    }

    /** A change whose answer is the updated case (200, ETag its version), remembered under the case's id. */
    private static Idempotent.Outcome caseOutcome(CaseViews.CaseView v) {
        return new Idempotent.Outcome(
                v.id().toString(),
                200,
                Response.ok(v).tag(Versions.etag(v.version())).build());
    }

    /** The answer to a repeated request: the case as it is now (the change is not made twice). */
    private Uni<Response> replayCase(
            UUID caseId, CallerContext caller, org.relais.blocks.idempotency.IdempotencyStore.Replay replay) {
        return reads.read(caseId, caller)
                .map(v -> Response.status(replay.status())
                        .entity(v)
                        .tag(Versions.etag(v.version()))
                        .build());
    }

    private Uni<Void> checked(UUID id, CallerContext caller, String ifMatch) {
        return reads.owned(id, caller, false)
                .invoke(c -> Versions.checkIfMatch(ifMatch, c.version))
                .replaceWithVoid();
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("Case");
        }
    }
}
