package org.relais.notification.email;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.events.CloudEvent;
import org.relais.blocks.events.EventData;
import org.relais.blocks.outbox.Outbox;
import org.relais.blocks.security.Permission;
import org.relais.notification.PushGate;
import org.relais.notification.events.NotificationEvents;
import org.relais.notification.notices.Texts;

/**
 * Sends the duty e-mails of URGENT and EMERGENCY notifications over SMTP. A delivery is claimed with
 * {@code FOR UPDATE SKIP LOCKED} (one instance sends it), retried with exponential backoff while the SMTP
 * server is away (for more than 24 hours), and its outcome published as {@link NotificationEvents#DELIVERED}
 * or {@link NotificationEvents#FAILED} through the outbox. The e-mail holds the reference, priority and next step: no survivor data.
 */
@ApplicationScoped
public class DutyEmailSender {

    static final int MAX_ATTEMPTS = 40;
    static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    static final Duration LONGEST_RETRY = Duration.ofHours(1);

    private final AgroalDataSource dataSource;
    private final Mailer mailer;
    private final Texts texts;
    private final Outbox outbox;
    private final ObjectMapper mapper;

    private final AgencyDirectory directory;
    private final PushGate gate;

    public DutyEmailSender(
            AgroalDataSource dataSource,
            Mailer mailer,
            Texts texts,
            Outbox outbox,
            ObjectMapper mapper,
            AgencyDirectory directory,
            PushGate gate) {
        this.directory = directory;
        this.gate = gate;
        this.dataSource = dataSource;
        this.mailer = mailer;
        this.texts = texts;
        this.outbox = outbox;
        this.mapper = mapper;
    }

    /** Backoff before attempt n+1: 5 s doubling, at most an hour; 40 attempts span more than 24 hours. */
    static Duration backoff(int attempts) {
        long seconds = FIRST_RETRY.getSeconds() << Math.min(attempts, 20);
        return Duration.ofSeconds(Math.min(seconds, LONGEST_RETRY.getSeconds()));
    }

    @Scheduled(
            every = "${relais.email.send-every:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void sendDue() {
        try {
            while (sendBatch() > 0) {
                // drain what is due
            }
        } catch (SQLException e) {
            Log.warnf("duty e-mails postponed: %s", e.getMessage());
        }
    }

    private record Due(
            UUID id,
            String to,
            String language,
            String templateKey,
            String params,
            String agencyId,
            UUID notificationId,
            int attempts,
            String type) {}

    /**
     * Sends what is due for the agencies the directory lets be told now ({@link PushGate}): the e-mails of
     * a suspended agency, or of one whose entry narrows {@code notification:read} away, stay PENDING and
     * unattempted until it is restored.
     */
    int sendBatch() throws SQLException {
        List<String> open = directory.all().stream()
                .filter(a -> PushGate.open(a, Permission.NOTIFICATION_READ))
                .map(AgencyRecord::id)
                .toList();
        if (open.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            List<Due> due = new ArrayList<>();
            try (PreparedStatement ps =
                    c.prepareStatement("select d.id, d.to_address, d.language, n.template_key, n.params, n.agency_id, "
                            + "n.id, d.attempts, n.type from email_deliveries d join notifications n on n.id = d.notification_id "
                            + "where d.status = 'PENDING' and d.next_attempt_at <= now() and n.agency_id = any(?) "
                            + "order by d.next_attempt_at limit 20 for update of d skip locked")) {
                ps.setArray(1, c.createArrayOf("text", open.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Due(
                                rs.getObject(1, UUID.class),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getString(6),
                                rs.getObject(7, UUID.class),
                                rs.getInt(8),
                                rs.getString(9)));
                    }
                }
            }
            int sent = 0;
            for (Due d : due) {
                if (!gate.open(d.agencyId(), Permission.NOTIFICATION_READ)) {
                    continue; // suspended or narrowed since the claim: left as it was
                }
                Map<String, String> params =
                        mapper.convertValue(readTree(d.params()), new TypeReference<Map<String, String>>() {});
                Texts.Rendered text = texts.render(d.templateKey(), d.language(), params);
                try {
                    mailer.send(
                            Mail.withText(
                                    d.to(),
                                    "[Relais] " + text.title(),
                                    text.body()
                                            + "\n\n-- Relais. Ce message ne contient aucune donnée personnelle ; consultez la plateforme."));
                    update(
                            c,
                            "update email_deliveries set status = 'SENT', attempts = attempts + 1, sent_at = now(), last_error = null "
                                    + "where id = ?",
                            d.id());
                    event(c, d, NotificationEvents.DELIVERED, null);
                    sent++;
                } catch (RuntimeException e) {
                    int attempts = d.attempts() + 1;
                    String error = e.getClass().getSimpleName();
                    if (attempts >= MAX_ATTEMPTS) {
                        update(
                                c,
                                "update email_deliveries set status = 'FAILED', attempts = attempts + 1, last_error = '"
                                        + error + "' where id = ?",
                                d.id());
                        event(c, d, NotificationEvents.FAILED, error);
                    } else {
                        update(
                                c,
                                "update email_deliveries set attempts = attempts + 1, last_error = '" + error
                                        + "', next_attempt_at = now() + interval '"
                                        + backoff(attempts).getSeconds() + " seconds' where id = ?",
                                d.id());
                    }
                    Log.infof("duty e-mail %s not sent (attempt %d): %s", d.id(), attempts, error);
                }
            }
            c.commit();
            return sent;
        }
    }

    private void event(Connection c, Due d, String type, String error) throws SQLException {
        var data =
                EventData.of(NotificationEvents.Data.email(d.agencyId(), d.id(), d.notificationId(), d.type(), error));
        outbox.append(
                c,
                NotificationEvents.TOPIC,
                CloudEvent.of(
                        NotificationEvents.SOURCE, type, d.notificationId().toString(), d.agencyId(), data),
                "relais-notification-service",
                List.of());
    }

    private static void update(Connection c, String sql, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
    }

    private com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
