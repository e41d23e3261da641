package org.relais.blocks.problem;

import java.util.List;
import java.util.Map;

/** Thrown by services to answer with a problem document; carries no survivor data by construction of its callers. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;
    private final transient Map<String, String> headers;

    public ProblemException(Problem problem) {
        this(problem, Map.of());
    }

    public ProblemException(Problem problem, Map<String, String> headers) {
        super(problem.detail, null, false, false);
        this.problem = problem;
        this.headers = headers;
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(new Problem(ProblemType.NOT_FOUND, 404, what + " was not found"));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(new Problem(ProblemType.FORBIDDEN, 403, detail));
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(new Problem(ProblemType.MALFORMED_REQUEST, 400, detail));
    }

    public static ProblemException invalid(List<FieldError> errors) {
        return new ProblemException(new Problem(
                        ProblemType.VALIDATION,
                        422,
                        errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid")
                .with("errors", errors));
    }

    public static ProblemException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static ProblemException illegalTransition(String action, String currentStatus) {
        return new ProblemException(new Problem(
                        ProblemType.ILLEGAL_TRANSITION,
                        409,
                        "'" + action + "' is not allowed while the status is " + currentStatus)
                .with("currentStatus", currentStatus));
    }

    public static ProblemException preconditionFailed(long currentVersion) {
        return new ProblemException(
                new Problem(ProblemType.PRECONDITION_FAILED, 412, "If-Match does not match the current version")
                        .with("currentVersion", currentVersion));
    }

    public static ProblemException idempotencyInFlight() {
        return new ProblemException(new Problem(
                ProblemType.IDEMPOTENCY_CONFLICT, 409, "A request with this Idempotency-Key is still being processed"));
    }

    public static ProblemException idempotencyMismatch() {
        return new ProblemException(
                new Problem(ProblemType.VALIDATION, 422, "This Idempotency-Key was used with a different request body")
                        .with("errors", List.of(new FieldError("", "Idempotency-Key reused with a different body"))));
    }

    public static ProblemException unavailable(String detail) {
        return new ProblemException(new Problem(ProblemType.UNAVAILABLE, 503, detail));
    }
}
