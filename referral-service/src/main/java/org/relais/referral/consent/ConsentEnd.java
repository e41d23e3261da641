package org.relais.referral.consent;

/** Why a survivor's consent ended: she withdrew it, or it reached its {@code expiresAt}. */
public enum ConsentEnd {
    WITHDRAWN("CONSENT_WITHDRAWN"),
    EXPIRED("CONSENT_EXPIRED");

    /** The {@code reasonCode} of the history entry and the events. */
    public final String code;

    ConsentEnd(String code) {
        this.code = code;
    }
}
