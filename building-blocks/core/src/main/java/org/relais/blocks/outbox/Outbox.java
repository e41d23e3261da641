package org.relais.blocks.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.jboss.logging.MDC;
import org.relais.blocks.audit.AuditLog;
import org.relais.blocks.events.CloudEvent;

/**
 * Writes an event to {@code relais_outbox} inside the caller's reactive transaction, so the event
 * commits with the change it describes or not at all, and records it in the audit log in that same
 * transaction. Only {@link OutboxRelay} talks to Kafka.
 */
@ApplicationScoped
public class Outbox {

    private final ObjectMapper mapper;
    private final AuditLog audit;
    private final OutboxConfig config;

    public Outbox(ObjectMapper mapper, AuditLog audit, OutboxConfig config) {
        this.mapper = mapper;
        this.audit = audit;
        this.config = config;
    }

    /** No event larger than the limit is ever written: Kafka can then never refuse one for its size. */
    private void checkSize(CloudEvent event, String payload) {
        int bytes = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > config.maxEventBytes()) {
            throw new org.relais.blocks.problem.ProblemException(new org.relais.blocks.problem.Problem(
                            org.relais.blocks.problem.ProblemType.TOO_LARGE,
                            413,
                            "The change would produce a " + event.type() + " event of " + bytes
                                    + " bytes; the limit is " + config.maxEventBytes() + " bytes")
                    .with("limit", config.maxEventBytes()));
        }
    }

    /**
     * @param topic      the aggregate's topic; the event's {@code subject} (the aggregate id) is its key
     * @param actor      who caused it ({@code preferred_username}, or the consumer that reacted)
     * @param relatedIds other records the audit trail should find this event under (the case of a referral...)
     */
    /**
     * The same, for code that works on a JDBC connection of its own (jobs on worker threads): inside the
     * transaction of {@code connection}.
     */
    public void append(
            java.sql.Connection connection, String topic, CloudEvent event, String actor, Collection<String> relatedIds)
            throws java.sql.SQLException {
        String payload = event.toJson(mapper);
        checkSize(event, payload);
        try (java.sql.PreparedStatement ps = connection.prepareStatement(
                "insert into relais_outbox (event_id, topic, aggregate_id, event_type, payload) values (?, ?, ?, ?, cast(? as jsonb))")) {
            ps.setObject(1, event.uuid());
            ps.setString(2, topic);
            ps.setString(3, event.subject());
            ps.setString(4, event.type());
            ps.setString(5, payload);
            ps.executeUpdate();
        }
        audit.record(connection, event.type(), event.time(), event.agencyid(), actor, event.subject(), relatedIds);
    }

    public Uni<Void> append(String topic, CloudEvent event, String actor, Collection<String> relatedIds) {
        CloudEvent traced = event.traceparent() == null && MDC.get("traceparent") instanceof String tp
                ? event.withTraceparent(tp)
                : event;
        String payload = traced.toJson(mapper);
        checkSize(traced, payload);
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into relais_outbox (event_id, topic, aggregate_id, event_type, payload) "
                                        + "values (?1, ?2, ?3, ?4, cast(cast(?5 as text) as jsonb))")
                        .setParameter(1, traced.uuid())
                        .setParameter(2, topic)
                        .setParameter(3, traced.subject())
                        .setParameter(4, traced.type())
                        .setParameter(5, payload)
                        .executeUpdate())
                .chain(() -> audit.record(
                        traced.type(), traced.time(), traced.agencyid(), actor, traced.subject(), relatedIds));
    }
}
