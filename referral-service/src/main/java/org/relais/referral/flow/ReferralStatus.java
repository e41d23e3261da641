package org.relais.referral.flow;

/** The statuses of a referral (API guide section 4); {@link #fhirTaskStatus()} keeps the FHIR Task mapping so a facade needs no remodelling. */
public enum ReferralStatus {
    SENT("requested"),
    ACKNOWLEDGED("received"),
    ACCEPTED("accepted"),
    DECLINED("rejected"),
    REDIRECTED("rejected"),
    IN_PROGRESS("in-progress"),
    ON_HOLD("on-hold"),
    COMPLETED("completed"),
    FAILED("failed"),
    WITHDRAWN("cancelled");

    private final String fhirTaskStatus;

    ReferralStatus(String fhirTaskStatus) {
        this.fhirTaskStatus = fhirTaskStatus;
    }

    public boolean terminal() {
        return this == DECLINED || this == REDIRECTED || this == COMPLETED || this == FAILED || this == WITHDRAWN;
    }

    public String fhirTaskStatus() {
        return fhirTaskStatus;
    }
}
