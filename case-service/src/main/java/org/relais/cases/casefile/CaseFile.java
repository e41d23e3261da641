package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/** A case: the receiving agency's work with the survivor. Survivor data only as ciphertext under its data key. */
@Entity
@Table(name = "cases")
public class CaseFile extends PanacheEntityBase {

    public static final String TABLE = "cases";

    @Id
    public UUID id;
    public String reference;
    public String status;
    @Column(name = "owning_agency_id")
    public String owningAgencyId;
    @Column(name = "referral_id")
    public UUID referralId;
    @Column(name = "survivor_id")
    public UUID survivorId;
    public String priority;
    public String services;
    public String assignee;
    @Column(name = "risk_level")
    public String riskLevel;
    @Column(name = "high_risk_emitted")
    public boolean highRiskEmitted;
    public String consent;
    @Column(name = "consent_expires_at")
    public Instant consentExpiresAt;
    @Column(name = "data_key_id")
    public UUID dataKeyId;
    @Column(name = "subject_ct")
    public String subjectCt;
    @Column(name = "details_pending")
    public boolean detailsPending;
    @Column(name = "data_erased_at")
    public Instant dataErasedAt;
    public String outcome;
    @Column(name = "summary_ct")
    public String summaryCt;
    @Column(name = "opened_at")
    public Instant openedAt;
    @Column(name = "closed_at")
    public Instant closedAt;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Version
    public long version;

    public boolean open() {
        return "OPEN".equals(status);
    }

    /**
     * Whether the survivor's consent no longer holds at {@code now}: her data erased (withdrawn or expired and
     * recorded), or past its {@code expiresAt} even before the job or the referral's withdrawal reached it.
     */
    public boolean consentLapsed(Instant now) {
        return dataErasedAt != null || (consentExpiresAt != null && !consentExpiresAt.isAfter(now));
    }
}
