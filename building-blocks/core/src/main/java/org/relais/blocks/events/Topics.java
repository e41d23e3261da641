package org.relais.blocks.events;

/** The topics of API guide section 8 and the platform's own. */
public final class Topics {
    public static final String REFERRALS = "relais.referrals";
    public static final String CASES = "relais.cases";
    public static final String NOTIFICATIONS = "relais.notifications";
    /** Compacted, keyed by agency id; each record is the full non-PII agency record. */
    public static final String AGENCIES = "relais.agencies";
    /** Each service's sealed audit-chain head, anchored outside its database; kept by the gateway. */
    public static final String AUDIT_ANCHORS = "relais.audit-anchors";

    private Topics() {}
}
