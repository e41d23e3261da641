package org.relais.gateway.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.blocks.kafka.TopicFollower;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps every chain head the services publish on {@code relais.audit-anchors} in the gateway's own
 * database, so a service's chain can be checked against heads its database does not control.
 */
@ApplicationScoped
public class AnchorKeeper {

    private final RelaisKafka kafka;
    private final AgroalDataSource dataSource;
    private final ObjectMapper mapper;
    private volatile TopicFollower follower;

    public AnchorKeeper(RelaisKafka kafka, AgroalDataSource dataSource, ObjectMapper mapper) {
        this.kafka = kafka;
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    void start(@Observes StartupEvent event) {
        follower = TopicFollower.start(kafka, Topics.AUDIT_ANCHORS, r -> keep(r.value()), () -> { });
    }

    void stop(@Observes ShutdownEvent event) {
        if (follower != null) {
            follower.stop();
        }
    }

    private void keep(String json) {
        if (json == null) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into audit_anchors (service, seq, hash, at) values (?, ?, ?, ?) on conflict do nothing")) {
            AuditAnchor a = mapper.readValue(json, AuditAnchor.class);
            ps.setString(1, a.service());
            ps.setLong(2, a.seq());
            ps.setString(3, a.hash());
            ps.setTimestamp(4, Timestamp.from(a.at()));
            ps.executeUpdate();
        } catch (Exception e) {
            Log.warnf("audit anchor not kept: %s", e.getClass().getSimpleName());
        }
    }

    /** The anchored heads of a service: the latest ones and the oldest ones. */
    public Map<Long, String> anchors(String service) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "(select seq, hash from audit_anchors where service = ? order by seq desc limit 30) union "
                        + "(select seq, hash from audit_anchors where service = ? order by seq limit 10)")) {
            ps.setString(1, service);
            ps.setString(2, service);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return out;
    }
}
