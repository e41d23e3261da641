package org.relais.blocks.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps every failure of a request to an RFC 9457 problem (API guide section 1). Details are written
 * here from the failure's kind and the field's path, never from the exception's message, which may
 * quote the request (and so survivor data).
 */
public class ProblemMappers {

    private static final int PRIORITY = Priorities.USER - 100;

    @ServerExceptionMapper(priority = PRIORITY)
    public Response problem(ProblemException e, HttpServerRequest request) {
        Response.ResponseBuilder b = Response.status(e.problem().status);
        e.headers().forEach(b::header);
        return respond(b, e.problem(), request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response parse(JsonParseException e, HttpServerRequest request) {
        return problem(
                ProblemException.badRequest(
                        "The body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                                + e.getLocation().getColumnNr() + ")"),
                request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response invalidFormat(InvalidFormatException e, HttpServerRequest request) {
        String expected = e.getTargetType() == null
                ? "value"
                : e.getTargetType().isEnum()
                        ? "one of " + List.of(e.getTargetType().getEnumConstants())
                        : e.getTargetType().getSimpleName();
        return fieldProblem(e, "expected " + expected, request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response mismatched(MismatchedInputException e, HttpServerRequest request) {
        if (e.getPath().isEmpty()) {
            return problem(
                    ProblemException.badRequest("The body must be a JSON object of the documented shape"), request);
        }
        String expected =
                e.getTargetType() == null ? "another type" : e.getTargetType().getSimpleName();
        return fieldProblem(e, "wrong JSON type, expected " + expected, request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response mapping(JsonMappingException e, HttpServerRequest request) {
        return fieldProblem(e, "cannot be read", request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response json(JsonProcessingException e, HttpServerRequest request) {
        return problem(ProblemException.badRequest("The body cannot be read as JSON"), request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response constraints(ConstraintViolationException e, HttpServerRequest request) {
        List<FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> v : e.getConstraintViolations()) {
            errors.add(new FieldError(pointer(v.getPropertyPath()), v.getMessage()));
        }
        errors.sort(Comparator.comparing(FieldError::field));
        return problem(ProblemException.invalid(errors), request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response unauthenticated(AuthenticationFailedException e, HttpServerRequest request) {
        return unauthorized("The access token is missing, expired or invalid", request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response unauthorized(UnauthorizedException e, HttpServerRequest request) {
        return unauthorized("An access token is required", request);
    }

    /** The identity provider cannot be reached to verify tokens (its keys are not loaded yet). */
    @ServerExceptionMapper(priority = PRIORITY)
    public Response identityProviderUnavailable(io.quarkus.oidc.OIDCException e, HttpServerRequest request) {
        Log.warnf("token verification unavailable: %s", e.getClass().getSimpleName());
        return problem(
                new ProblemException(
                        new Problem(ProblemType.UNAVAILABLE, 503, "Tokens cannot be verified right now; retry shortly"),
                        java.util.Map.of("Retry-After", "5")),
                request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response forbidden(ForbiddenException e, HttpServerRequest request) {
        return problem(
                ProblemException.forbidden(
                        "The caller's role or agency does not hold the permission this operation needs"),
                request);
    }

    @ServerExceptionMapper(priority = PRIORITY)
    public Response web(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return json(jpe, request);
        }
        ProblemType type = switch (status) {
            case 401 -> ProblemType.UNAUTHORIZED;
            case 403 -> ProblemType.FORBIDDEN;
            case 404 -> ProblemType.NOT_FOUND;
            case 409 -> ProblemType.CONFLICT;
            case 412 -> ProblemType.PRECONDITION_FAILED;
            case 429 -> ProblemType.RATE_LIMITED;
            case 503, 504 -> ProblemType.UNAVAILABLE;
            default -> status >= 500 ? ProblemType.INTERNAL : ProblemType.MALFORMED_REQUEST;
        };
        if (status == 401) {
            return unauthorized("An access token is required", request);
        }
        String detail = switch (status) {
            case 400 -> "The request cannot be read";
            case 404 -> "No resource at this address";
            case 405 -> "This method is not allowed here";
            case 406 -> "The requested media type cannot be produced";
            case 413 -> "The request body is too large";
            case 415 -> "The content type is not supported; send application/json";
            default -> type.title();
        };
        if (status >= 500) {
            Log.errorf(e, "request failed with %d", status);
        }
        return problem(new ProblemException(new Problem(type, status, detail)), request);
    }

    @ServerExceptionMapper(priority = PRIORITY + 1)
    public Response unexpected(Throwable e, HttpServerRequest request) {
        if (DatabaseUnavailable.is(e)) {
            return databaseUnavailable(e, request);
        }
        // the exception's class only: its message may carry values of the request
        Log.errorf(
                "unexpected failure %s at %s",
                e.getClass().getName(), e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
        Log.debug("unexpected failure", e);
        return problem(
                new ProblemException(new Problem(
                        ProblemType.INTERNAL,
                        500,
                        "The request could not be completed; quote the traceId when reporting it")),
                request);
    }

    /** Seconds a client is told to wait when the database cannot serve: a restart or failover takes about that long. */
    static final String DATABASE_RETRY_AFTER = "5";

    private Response databaseUnavailable(Throwable e, HttpServerRequest request) {
        // the kind only: a driver's message can quote the statement's parameters
        Log.warnf("database unavailable: %s", DatabaseUnavailable.describe(e));
        return problem(
                new ProblemException(
                        new Problem(
                                ProblemType.UNAVAILABLE,
                                503,
                                "The service's database cannot serve this request right now; retry shortly"),
                        java.util.Map.of("Retry-After", DATABASE_RETRY_AFTER)),
                request);
    }

    private Response unauthorized(String detail, HttpServerRequest request) {
        Problem p = new Problem(ProblemType.UNAUTHORIZED, 401, detail);
        return respond(
                Response.status(401).header("WWW-Authenticate", "Bearer realm=\"relais\", error=\"invalid_token\""),
                p,
                request);
    }

    private Response fieldProblem(JsonMappingException e, String message, HttpServerRequest request) {
        List<Object> segments = new ArrayList<>();
        for (JsonMappingException.Reference r : e.getPath()) {
            segments.add(r.getFieldName() != null ? r.getFieldName() : r.getIndex());
        }
        String field = FieldError.pointer(segments);
        Problem p = new Problem(ProblemType.MALFORMED_REQUEST, 400, "Field " + field + ": " + message)
                .with("errors", List.of(new FieldError(field, message)));
        return problem(new ProblemException(p), request);
    }

    static String pointer(Path path) {
        List<Object> segments = new ArrayList<>();
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.METHOD
                    || node.getKind() == ElementKind.PARAMETER
                    || node.getKind() == ElementKind.CROSS_PARAMETER
                    || node.getKind() == ElementKind.RETURN_VALUE) {
                continue;
            }
            if (node.getIndex() != null && !segments.isEmpty()) {
                // the index belongs to the container named by the previous node
                segments.add(node.getIndex());
            } else if (node.getKey() != null) {
                segments.add(node.getKey());
            }
            if (node.getName() != null && node.getKind() != ElementKind.CONTAINER_ELEMENT) {
                segments.add(node.getName());
            }
        }
        return FieldError.pointer(segments);
    }

    private static Response respond(Response.ResponseBuilder b, Problem p, HttpServerRequest request) {
        if (request != null) {
            // the occurrence, not the path: a path can carry whatever a client put in it
            p.instance = "urn:relais:request:" + request.getHeader(RequestCorrelation.REQUEST_ID);
            p.traceId = RequestCorrelation.traceId(request);
        }
        return b.type(Problem.MEDIA_TYPE).entity(p).build();
    }
}
