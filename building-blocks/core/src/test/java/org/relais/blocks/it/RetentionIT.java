package org.relais.blocks.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.idempotency.IdempotencyStore;
import org.relais.blocks.retention.RetentionJob;
import org.relais.testkit.RelaisTestResource;

/**
 * The plumbing's tables do not grow for ever: what is past its retention goes, what is still needed
 * stays; and once a record's survivor data is erased, no idempotency record keeps even a hash of it.
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class RetentionIT {

    @Inject
    RetentionJob retention;

    @Inject
    IdempotencyStore idempotency;

    @Inject
    AgroalDataSource dataSource;

    private long count(String sql) {
        return BlocksTestSupport.count(dataSource, sql);
    }

    @Test
    void whatIsPastItsRetentionGoesAndWhatIsStillNeededStays() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            // published long ago / recently / never (unpublished rows are never cleaned, however old)
            s.executeUpdate(
                    "insert into relais_outbox (event_id, topic, aggregate_id, event_type, payload, created_at, published_at) values "
                            + "(gen_random_uuid(), 't', 'old-" + run
                            + "', 'x', '{}', now() - interval '9 days', now() - interval '8 days'), "
                            + "(gen_random_uuid(), 't', 'new-" + run + "', 'x', '{}', now(), now()), "
                            + "(gen_random_uuid(), 't', 'stuck-" + run
                            + "', 'x', '{}', now() - interval '30 days', null)");
            s.executeUpdate("insert into relais_inbox (consumer, event_id, processed_at) values " + "('old-" + run
                    + "', gen_random_uuid(), now() - interval '31 days'), ('new-" + run
                    + "', gen_random_uuid(), now())");
            s.executeUpdate(
                    "insert into relais_idempotency (agency_id, idem_key, request_hash, state, created_at) values "
                            + "('old-" + run + "', 'k', 'h', 'DONE', now() - interval '3 days'), ('new-" + run
                            + "', 'k', 'h', 'DONE', now())");
        }
        assertTrue(retention.run() >= 3);
        assertEquals(0, count("select count(*) from relais_outbox where aggregate_id = 'old-" + run + "'"));
        assertEquals(1, count("select count(*) from relais_outbox where aggregate_id = 'new-" + run + "'"));
        assertEquals(1, count("select count(*) from relais_outbox where aggregate_id = 'stuck-" + run + "'"));
        assertEquals(0, count("select count(*) from relais_inbox where consumer = 'old-" + run + "'"));
        assertEquals(1, count("select count(*) from relais_inbox where consumer = 'new-" + run + "'"));
        assertEquals(0, count("select count(*) from relais_idempotency where agency_id = 'old-" + run + "'"));
        assertEquals(1, count("select count(*) from relais_idempotency where agency_id = 'new-" + run + "'"));
    }

    @Test
    void anErasedRequestsFingerprintIsForgottenAndItsKeyStillReplays() throws Throwable {
        String agency = "agency-" + UUID.randomUUID();
        String resource = UUID.randomUUID().toString();
        String hash =
                IdempotencyStore.requestHash("POST", "/api/v1/referrals", "{\"subject\": {\"fullName\": \"CANARY\"}}");
        IdempotencyStore.Fresh fresh = (IdempotencyStore.Fresh)
                VertxContextSupport.subscribeAndAwait(() -> idempotency.claim(agency, "k1", hash));
        VertxContextSupport.subscribeAndAwait(
                () -> Panache.withTransaction(() -> idempotency.complete(fresh, resource, 201)));
        assertThrows(
                Throwable.class,
                () -> VertxContextSupport.subscribeAndAwait(() -> idempotency.claim(agency, "k1", "another")),
                "before erasure a different body under the key is refused");

        VertxContextSupport.subscribeAndAwait(
                () -> Panache.withTransaction(() -> idempotency.forgetRequestsOf(List.of(resource))));
        assertEquals(
                0,
                count("select count(*) from relais_idempotency where request_hash = '" + hash + "'"),
                "no hash of her data kept");
        IdempotencyStore.Claim again =
                VertxContextSupport.subscribeAndAwait(() -> idempotency.claim(agency, "k1", hash));
        IdempotencyStore.Replay replay =
                assertInstanceOf(IdempotencyStore.Replay.class, again, "the retry still replays");
        assertEquals(resource, replay.resourceId());
        assertEquals(201, replay.status());
    }
}
