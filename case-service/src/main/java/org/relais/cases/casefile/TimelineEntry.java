package org.relais.cases.casefile;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One line of a case's timeline: what changed, coded, never survivor data. */
@Entity
@Table(name = "case_timeline")
public class TimelineEntry extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "case_id")
    public UUID caseId;

    public Instant at;
    public String type;

    @Column(name = "by_user")
    public String byUser;

    public String detail;
}
