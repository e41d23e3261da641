package org.relais.notification.webhook;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "webhooks")
public class Webhook extends PanacheEntityBase {
    public static final String TABLE = "webhooks";

    @Id
    public UUID id;

    @Column(name = "agency_id")
    public String agencyId;

    public String url;

    @Column(name = "event_types")
    public String eventTypes;

    public String description;
    public boolean paused;

    @Column(name = "data_key_id")
    public UUID dataKeyId;

    @Column(name = "secret_ct")
    public String secretCt;

    @Column(name = "previous_secret_ct")
    public String previousSecretCt;

    @Column(name = "previous_secret_until")
    public Instant previousSecretUntil;

    @Column(name = "deleted_at")
    public Instant deletedAt;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Version
    public long version;
}
