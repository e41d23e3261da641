package org.relais.cases.casefile;

/** A case's priority: the referral's, or the walk-in's; raised to EMERGENCY when its risk first becomes HIGH. */
public enum Priority {
    ROUTINE,
    URGENT,
    EMERGENCY
}
