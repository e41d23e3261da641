package org.relais.referral.directory;

public enum ServiceType {
    SHELTER,
    MEDICAL_CARE,
    FORENSIC_EXAM,
    PSYCHOSOCIAL_SUPPORT,
    LEGAL_AID,
    PROTECTION_ORDER,
    INVESTIGATION,
    ECONOMIC_SUPPORT,
    CHILD_PROTECTION
}
