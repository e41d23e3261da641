package org.relais.gateway.audit;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** How far each chain has been verified (table {@code audit_verified}): the newest anchored entry found intact. */
@ApplicationScoped
public class VerifiedMarks {

    public record Mark(long seq, String hash) {}

    private final AgroalDataSource dataSource;

    public VerifiedMarks(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<Mark> get(String service) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select seq, hash from audit_verified where service = ?")) {
            ps.setString(1, service);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Mark(rs.getLong(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    public void put(String service, Mark mark) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "insert into audit_verified (service, seq, hash) values (?, ?, ?) on conflict (service) do update "
                                + "set seq = excluded.seq, hash = excluded.hash, verified_at = now()")) {
            ps.setString(1, service);
            ps.setLong(2, mark.seq());
            ps.setString(3, mark.hash());
            ps.executeUpdate();
        }
    }
}
