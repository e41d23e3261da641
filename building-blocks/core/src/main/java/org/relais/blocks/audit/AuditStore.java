package org.relais.blocks.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads the sealed chain: in keyset batches for verification (never the whole chain at once), and the
 * entries of some records for the audit trail.
 */
@ApplicationScoped
public class AuditStore {

    private static final String COLUMNS =
            "seq, service, at, type, agency_id, actor, entity_id, prev_hash, hash, hash_version, "
                    + "related_ids::text";

    private final AgroalDataSource dataSource;
    private final ObjectMapper mapper;
    private final AtomicInteger largestBatch = new AtomicInteger();

    public AuditStore(AgroalDataSource dataSource, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    /**
     * Hands the sealed entries after {@code afterSeq} (up to {@code toSeq} when given) to {@code each} in seq
     * order, {@code batchSize} rows at a time, until it answers false. At most one batch is held at once.
     */
    public void stream(long afterSeq, Long toSeq, int batchSize, Predicate<AuditEntry> each) throws SQLException {
        long after = afterSeq;
        while (true) {
            List<AuditEntry> batch;
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("select " + COLUMNS
                            + " from relais_audit where seq > ? and seq <= ? order by seq limit ?")) {
                ps.setLong(1, after);
                ps.setLong(2, toSeq == null ? Long.MAX_VALUE : toSeq);
                ps.setInt(3, batchSize);
                ps.setFetchSize(batchSize);
                try (ResultSet rs = ps.executeQuery()) {
                    batch = read(rs);
                }
            }
            largestBatch.accumulateAndGet(batch.size(), Math::max);
            for (AuditEntry e : batch) {
                if (!each.test(e)) {
                    return;
                }
            }
            if (batch.size() < batchSize) {
                return;
            }
            after = batch.get(batch.size() - 1).seq();
        }
    }

    /** The most entries {@link #stream} has held at once since the last call. */
    public int takeLargestBatchHeld() {
        return largestBatch.getAndSet(0);
    }

    /** The stored hash of entry {@code seq}, if the chain has it. */
    public Optional<String> hashAt(long seq) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select hash from relais_audit where seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Sealed entries about any of {@code ids}, optionally of one agency, in seq order after {@code afterSeq}. */
    public List<AuditEntry> about(List<String> ids, String agencyId, long afterSeq, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from relais_audit where seq > ? and (");
        for (int i = 0; i < ids.size(); i++) {
            sql.append(i == 0 ? "" : " or ").append("related_ids @> jsonb_build_array(?::text)");
        }
        sql.append(")");
        if (agencyId != null) {
            sql.append(" and agency_id = ?");
        }
        sql.append(" order by seq limit ?");
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setLong(i++, afterSeq);
            for (String id : ids) {
                ps.setString(i++, id);
            }
            if (agencyId != null) {
                ps.setString(i++, agencyId);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                return read(rs);
            }
        }
    }

    /**
     * The other records that entries about {@code entityId} itself name (a case names the referral it was
     * opened from), so a trail asked for one can include the entries filed under the other.
     */
    public List<String> linked(String entityId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select distinct r.id from relais_audit a, jsonb_array_elements_text(a.related_ids) as r(id) "
                                + "where a.related_ids @> jsonb_build_array(?::text) and a.entity_id = ? and a.seq is not null "
                                + "and r.id <> ? order by r.id limit 20")) {
            ps.setString(1, entityId);
            ps.setString(2, entityId);
            ps.setString(3, entityId);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /** How many entries wait for the sealer, and the age in seconds of the oldest. */
    public double[] sealingLag() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*), coalesce(extract(epoch from now() - min(at)), 0) "
                        + "from relais_audit where seq is null")) {
            rs.next();
            return new double[] {rs.getLong(1), rs.getDouble(2)};
        }
    }

    private List<AuditEntry> read(ResultSet rs) throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        while (rs.next()) {
            AuditEntry e = new AuditEntry(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getObject(3, OffsetDateTime.class).toInstant(),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6),
                    rs.getString(7),
                    rs.getString(8),
                    rs.getString(9));
            out.add(rs.getInt(10) >= 2 ? e.withRelatedIds(relatedIds(mapper, rs.getString(11))) : e);
        }
        return out;
    }

    /**
     * The ids of a {@code related_ids} value. Anything but a string element (which the request path never
     * writes) is kept as its JSON text behind a NUL, so that it can never hash like a genuine id.
     */
    static List<String> relatedIds(ObjectMapper mapper, String json) {
        List<String> out = new ArrayList<>();
        try {
            JsonNode node = mapper.readTree(json == null ? "[]" : json);
            if (!node.isArray()) {
                out.add("\u0000" + node);
                return out;
            }
            node.forEach(n -> out.add(n.isTextual() ? n.asText() : "\u0000" + n));
        } catch (Exception e) {
            out.add("\u0000" + json);
        }
        return out;
    }
}
