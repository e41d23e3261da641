package org.relais.blocks.audit;

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

/** Reads the sealed chain: for verification, and the entries of a record for the audit trail. */
@ApplicationScoped
public class AuditStore {

    private static final String COLUMNS = "seq, service, at, type, agency_id, actor, entity_id, prev_hash, hash";

    private final AgroalDataSource dataSource;

    public AuditStore(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public List<AuditEntry> chain() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select " + COLUMNS + " from relais_audit where seq is not null order by seq")) {
            return read(rs);
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
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
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

    /** How many entries wait for the sealer, and the age in seconds of the oldest. */
    public double[] sealingLag() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*), coalesce(extract(epoch from now() - min(at)), 0) "
                     + "from relais_audit where seq is null")) {
            rs.next();
            return new double[] {rs.getLong(1), rs.getDouble(2)};
        }
    }

    private static List<AuditEntry> read(ResultSet rs) throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        while (rs.next()) {
            out.add(new AuditEntry(rs.getLong(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(),
                    rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
        }
        return out;
    }
}
