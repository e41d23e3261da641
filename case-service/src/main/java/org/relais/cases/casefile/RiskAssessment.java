package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** Every assessment is kept; answers are coded (true/false/unknown), not survivor data. */
@Entity
@Table(name = "risk_assessments")
public class RiskAssessment extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "case_id")
    public UUID caseId;
    public String answers;
    @Column(name = "professional_judgement")
    public String professionalJudgement;
    public int score;
    public String level;
    @Column(name = "assessed_at")
    public Instant assessedAt;
    @Column(name = "assessed_by")
    public String assessedBy;
}
