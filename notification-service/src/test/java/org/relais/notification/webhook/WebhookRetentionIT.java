package org.relais.notification.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.retention.RetentionJob;
import org.relais.testkit.RelaisTestResource;

/** Webhook attempts and finished deliveries are cleaned after their retention; a pending delivery never is. */
@QuarkusTest
@QuarkusTestResource(
        value = RelaisTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "notification"))
class WebhookRetentionIT {

    @Inject
    RetentionJob retention;

    @Inject
    AgroalDataSource dataSource;

    private long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void oldAttemptsAndFinishedDeliveriesGoPendingOnesStay() throws Exception {
        UUID webhook = UUID.randomUUID();
        UUID delivered = UUID.randomUUID();
        UUID pending = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate(
                    "insert into webhooks (id, agency_id, url, event_types, data_key_id, secret_ct, created_at, updated_at, version) "
                            + "values ('" + webhook
                            + "', 'retention-agency', 'https://example.org/hook', 'relais.referral.sent', gen_random_uuid(), "
                            + "'x', now() - interval '200 days', now(), 0)");
            for (Object[] d : new Object[][] {
                {delivered, "DELIVERED", "120 days"}, {pending, "PENDING", "120 days"}, {recent, "DELIVERED", "1 day"}
            }) {
                s.executeUpdate(
                        "insert into webhook_deliveries (id, webhook_id, event_id, message_id, event_type, payload, status, "
                                + "next_attempt_at, created_at) values ('" + d[0] + "', '" + webhook
                                + "', gen_random_uuid(), 'msg', "
                                + "'relais.referral.sent', '{}', '" + d[1] + "', now(), now() - interval '" + d[2]
                                + "')");
                s.executeUpdate(
                        "insert into webhook_attempts (id, delivery_id, at, status_code, latency_ms) values (gen_random_uuid(), '"
                                + d[0] + "', now() - interval '" + d[2] + "', 200, 12)");
            }
            retention.run();
            retention.run(); // the second pass finds the delivery whose attempts the first removed
            assertEquals(0, count(s, "select count(*) from webhook_deliveries where id = '" + delivered + "'"));
            assertEquals(
                    1,
                    count(s, "select count(*) from webhook_deliveries where id = '" + pending + "'"),
                    "pending: kept");
            assertEquals(
                    0,
                    count(s, "select count(*) from webhook_attempts where delivery_id = '" + pending + "'"),
                    "old attempt: gone");
            assertEquals(1, count(s, "select count(*) from webhook_deliveries where id = '" + recent + "'"));
            assertEquals(1, count(s, "select count(*) from webhook_attempts where delivery_id = '" + recent + "'"));
        }
    }
}
