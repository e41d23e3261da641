package org.relais.referral.directory;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** {@code PUT /api/v1/agencies/{id}/capacity}: the agency's own report of how much it can take. */
public record CapacityInput(
        @NotNull Capacity capacity, @Size(max = 500) String note) {}
