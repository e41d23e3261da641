package org.relais.blocks.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The request path's side of the audit chain: it only inserts unsealed entries, either in the caller's
 * transaction (a change and what it shows, together) or, for reads that change nothing, through the group-commit
 * {@link AuditWriter} ({@link #commitReads}); {@link AuditSealer} chains entries later in batches. Entries name ids,
 * types and actors, never survivor data.
 */
@ApplicationScoped
public class AuditLog {

    private final String service;
    private final ObjectMapper mapper;
    private final AuditWriter writer;

    public AuditLog(
            @ConfigProperty(name = "quarkus.application.name") String service,
            ObjectMapper mapper,
            AuditWriter writer) {
        this.service = service;
        this.mapper = mapper;
        this.writer = writer;
    }

    /** How a reader's entries are written: {@link #recordReads} (in its transaction) or {@link #commitReads}. */
    @FunctionalInterface
    public interface Reads {
        Uni<Void> record(String agencyId, String actor, List<ReadOf> reads);
    }

    /**
     * Records reads that change nothing, outside any transaction: completes once the entries are committed (a
     * batch shared with the reads of the same moment, see {@link AuditWriter}), fails with a 503 problem if they
     * could not be. The caller answers only after it completes.
     */
    public Uni<Void> commitReads(String agencyId, String actor, List<ReadOf> reads) {
        OffsetDateTime at = Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        List<AuditWriter.Row> rows = new ArrayList<>(reads.size());
        for (ReadOf r : reads) {
            rows.add(new AuditWriter.Row(
                    at,
                    AuditEntry.READ_TYPE,
                    agencyId,
                    actor,
                    r.entityId(),
                    relatedJson(r.entityId(), r.relatedIds())));
        }
        return writer.write(rows);
    }

    public String service() {
        return service;
    }

    /** Records that survivor data of {@code entityId} was returned to {@code actor} of {@code agencyId}. */
    public Uni<Void> recordRead(String agencyId, String actor, String entityId, Collection<String> relatedIds) {
        return recordReads(agencyId, actor, List.of(new ReadOf(entityId, relatedIds)));
    }

    /** One record read among several returned together (a page of a list). */
    public record ReadOf(String entityId, Collection<String> relatedIds) {}

    /**
     * Records that survivor data of each of {@code reads} was returned to {@code actor} of {@code agencyId}:
     * one entry per record, as {@link #recordRead} writes it, in one multi-row insert.
     */
    public Uni<Void> recordReads(String agencyId, String actor, List<ReadOf> reads) {
        if (reads.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime at = Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        StringBuilder sql = new StringBuilder(
                "insert into relais_audit (service, at, type, agency_id, actor, entity_id, related_ids) values ");
        List<Object> params =
                new ArrayList<>(java.util.Arrays.asList(service, at, AuditEntry.READ_TYPE, agencyId, actor));
        for (int i = 0; i < reads.size(); i++) {
            int p = params.size();
            sql.append(i == 0 ? "" : ", ")
                    .append("(?1, ?2, ?3, ?4, ?5, ?")
                    .append(p + 1)
                    .append(", cast(cast(?")
                    .append(p + 2)
                    .append(" as text) as jsonb))");
            params.add(reads.get(i).entityId());
            params.add(relatedJson(reads.get(i).entityId(), reads.get(i).relatedIds()));
        }
        return Panache.getSession()
                .chain(s -> {
                    var query = s.createNativeQuery(sql.toString());
                    for (int i = 0; i < params.size(); i++) {
                        query.setParameter(i + 1, params.get(i));
                    }
                    return query.executeUpdate();
                })
                .replaceWithVoid();
    }

    /** The same insert on a JDBC connection, inside its transaction. */
    public void record(
            java.sql.Connection connection,
            String type,
            Instant at,
            String agencyId,
            String actor,
            String entityId,
            Collection<String> relatedIds)
            throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement(
                "insert into relais_audit (service, at, type, agency_id, actor, entity_id, related_ids) values (?, ?, ?, ?, ?, ?, cast(? as jsonb))")) {
            ps.setString(1, service);
            ps.setObject(2, at.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC));
            ps.setString(3, type);
            ps.setString(4, agencyId);
            ps.setString(5, actor);
            ps.setString(6, entityId);
            ps.setString(7, relatedJson(entityId, relatedIds));
            ps.executeUpdate();
        }
    }

    private String relatedJson(String entityId, Collection<String> relatedIds) {
        Set<String> related = new LinkedHashSet<>();
        if (entityId != null) {
            related.add(entityId);
        }
        if (relatedIds != null) {
            relatedIds.stream().filter(id -> id != null && !id.isBlank()).forEach(related::add);
        }
        try {
            return mapper.writeValueAsString(related);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Uni<Void> record(
            String type, Instant at, String agencyId, String actor, String entityId, Collection<String> relatedIds) {
        String relatedJson = relatedJson(entityId, relatedIds);
        return Panache.getSession()
                .chain(s -> s.createNativeQuery(
                                "insert into relais_audit (service, at, type, agency_id, actor, entity_id, related_ids) "
                                        + "values (?1, ?2, ?3, ?4, ?5, ?6, cast(cast(?7 as text) as jsonb))")
                        .setParameter(1, service)
                        .setParameter(2, at.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC))
                        .setParameter(3, type)
                        .setParameter(4, agencyId)
                        .setParameter(5, actor)
                        .setParameter(6, entityId)
                        .setParameter(7, relatedJson)
                        .executeUpdate())
                .replaceWithVoid();
    }
}
