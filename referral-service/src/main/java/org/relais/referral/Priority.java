package org.relais.referral;

public enum Priority {
    ROUTINE,
    URGENT,
    EMERGENCY
}
