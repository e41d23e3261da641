package org.relais.cases.risk;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The level of a risk assessment, and of a case once assessed (API guide section 5.5). */
@Schema(name = "Level")
public enum RiskLevel {
    STANDARD,
    MEDIUM,
    HIGH
}
