package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One step of the service plan; its description is survivor data. */
@Entity
@Table(name = "case_actions")
public class CaseAction extends PanacheEntityBase {
    public static final String TABLE = "case_actions";

    @Id
    public UUID id;

    @Column(name = "case_id")
    public UUID caseId;

    public String type;

    @Column(name = "due_at")
    public Instant dueAt;

    @Column(name = "description_ct")
    public String descriptionCt;

    @Column(name = "completed_at")
    public Instant completedAt;

    @Column(name = "completed_by")
    public String completedBy;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public Instant createdAt;
}
