package org.relais.referral.directory;

public enum AgencyType {
    POLICE,
    GENDARMERIE,
    PROSECUTION,
    COURT,
    HEALTH,
    NGO,
    SHELTER,
    LEGAL_AID,
    SOCIAL_SERVICES
}
