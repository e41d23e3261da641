package org.relais.blocks.problem;

/** The stable problem {@code type} URIs of API guide section 1, plus {@code internal} for our own faults. */
public enum ProblemType {
    VALIDATION("validation", "The request is well-formed but invalid"),
    MALFORMED_REQUEST("malformed-request", "The request cannot be read"),
    ILLEGAL_TRANSITION("illegal-transition", "The action is not allowed in the current status"),
    NOT_FOUND("not-found", "Not found"),
    FORBIDDEN("forbidden", "Not allowed"),
    UNAUTHORIZED("unauthorized", "Authentication required"),
    IDEMPOTENCY_CONFLICT("idempotency-conflict", "The idempotency key is in use"),
    PRECONDITION_FAILED("precondition-failed", "The resource has changed"),
    CAPACITY_FULL("capacity-full", "The receiving agency has no capacity"),
    RATE_LIMITED("rate-limited", "Too many requests"),
    UNAVAILABLE("unavailable", "A service is unavailable"),
    CONFLICT("conflict", "The request conflicts with the current state"),
    TOO_LARGE("too-large", "The request, or what it would produce, is larger than the limit"),
    INTERNAL("internal", "Internal error");

    private final String slug;
    private final String title;

    ProblemType(String slug, String title) {
        this.slug = slug;
        this.title = title;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }
}
