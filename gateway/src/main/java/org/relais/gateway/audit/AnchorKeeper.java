package org.relais.gateway.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.events.Topics;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.blocks.kafka.TopicFollower;

/**
 * Keeps every chain head the services publish on {@code relais.audit-anchors} in the gateway's own
 * database, so a service's chain can be checked against heads its database does not control. The
 * gateway's own heads are not kept here: a copy in the database the chain lives in proves nothing, so
 * its chain is checked against the topic itself ({@link org.relais.blocks.audit.AnchorLookup}).
 */
@ApplicationScoped
public class AnchorKeeper {

    private final RelaisKafka kafka;
    private final AgroalDataSource dataSource;
    private final ObjectMapper mapper;
    private volatile TopicFollower follower;

    private final String self;

    public AnchorKeeper(
            RelaisKafka kafka,
            AgroalDataSource dataSource,
            ObjectMapper mapper,
            @ConfigProperty(name = "quarkus.application.name") String self) {
        this.self = self;
        this.kafka = kafka;
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    void start(@Observes StartupEvent event) {
        follower = TopicFollower.start(kafka, Topics.AUDIT_ANCHORS, r -> keep(r.value()), () -> {});
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
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "insert into audit_anchors (service, seq, hash, at) values (?, ?, ?, ?) on conflict do nothing")) {
            AuditAnchor a = mapper.readValue(json, AuditAnchor.class);
            if (self.equals(a.service())) {
                return;
            }
            ps.setString(1, a.service());
            ps.setLong(2, a.seq());
            ps.setString(3, a.hash());
            ps.setTimestamp(4, Timestamp.from(a.at()));
            ps.executeUpdate();
        } catch (Exception e) {
            Log.warnf("audit anchor not kept: %s", e.getClass().getSimpleName());
        }
    }

    /** Up to {@code limit} anchored heads of a service after {@code afterSeq}, in seq order. */
    public Map<Long, String> anchorsAfter(String service, long afterSeq, int limit) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select seq, hash from audit_anchors where service = ? and seq > ? order by seq limit ?")) {
            ps.setString(1, service);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return out;
    }
}
