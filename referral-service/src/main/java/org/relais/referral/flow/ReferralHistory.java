package org.relais.referral.flow;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One transition of a referral; its note is survivor data, encrypted under the referral's data key. */
@Entity
@Table(name = "referral_history")
public class ReferralHistory extends PanacheEntityBase {

    public static final String TABLE = "referral_history";

    @Id
    public UUID id;

    @Column(name = "referral_id")
    public UUID referralId;

    public String action;

    @Enumerated(EnumType.STRING)
    @Column(name = "from_status")
    public ReferralStatus fromStatus;

    @Enumerated(EnumType.STRING)
    @Column(name = "to_status")
    public ReferralStatus toStatus;

    @Column(name = "by_agency_id")
    public String byAgencyId;

    @Column(name = "by_user")
    public String byUser;

    public Instant at;

    @Column(name = "reason_code")
    public String reasonCode;

    @Column(name = "note_ct")
    public String noteCt;
}
