package org.relais.blocks.testapp;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A stand-in business row, changed in the same transaction as its event. */
@Entity
@Table(name = "test_notes")
public class TestNote extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "aggregate_id")
    public String aggregateId;

    public int position;
    public String secret;

    @Column(name = "data_key_id")
    public UUID dataKeyId;
}
