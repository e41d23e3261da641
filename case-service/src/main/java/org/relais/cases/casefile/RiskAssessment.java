package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.relais.cases.risk.RiskLevel;

/** Every assessment is kept; answers are coded (true/false/unknown), not survivor data. */
@Entity
@Table(name = "risk_assessments")
public class RiskAssessment extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "case_id")
    public UUID caseId;

    public String answers;

    @Enumerated(EnumType.STRING)
    @Column(name = "professional_judgement")
    public RiskLevel professionalJudgement;

    public int score;

    @Enumerated(EnumType.STRING)
    public RiskLevel level;

    @Column(name = "assessed_at")
    public Instant assessedAt;

    @Column(name = "assessed_by")
    public String assessedBy;
}
