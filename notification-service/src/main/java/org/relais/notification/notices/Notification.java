package org.relais.notification.notices;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One notification for an audience of one agency: a template key and coded parameters. */
@Entity
@Table(name = "notifications")
public class Notification extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(insertable = false, updatable = false)
    public Long seq;

    @Column(name = "event_id")
    public UUID eventId;

    public String type;
    public String audience;

    @Column(name = "agency_id")
    public String agencyId;

    public String role;
    public String username;

    @Column(name = "referral_id")
    public UUID referralId;

    @Column(name = "case_id")
    public UUID caseId;

    public String priority;

    @Column(name = "template_key")
    public String templateKey;

    public String params;

    @Column(name = "created_at")
    public Instant createdAt;
}
