package org.relais.cases.casefile;

/** A case is OPEN from its opening until it is closed (API guide section 5.2); CLOSED is final. */
public enum CaseStatus {
    OPEN,
    CLOSED
}
