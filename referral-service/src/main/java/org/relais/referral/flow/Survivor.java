package org.relais.referral.flow;

/** The survivor data of one referral, in the clear, only in memory. */
public record Survivor(ReferralInput.Subject subject, String reason, String externalReference) {

    public static final Survivor NONE = new Survivor(null, null, null);

    public boolean present() {
        return subject != null || reason != null || externalReference != null;
    }
}
