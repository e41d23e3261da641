package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.relais.blocks.audit.AnchorLookup;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.audit.AuditCheck;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.audit.AuditSealer;
import org.relais.blocks.audit.AuditStore;
import org.relais.blocks.audit.ChainVerification;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * A long chain (200,000 entries) verified in batches of 500 from the last anchor already verified: the
 * store never holds more than a batch, and an edited related_ids, a cut tail and a rewritten-and-rehashed
 * stretch are each found. The sealer is held off (its advisory lock) while the chain is written and tampered
 * with, and everything is put back after.
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class AuditStreamIT {

    private static final int N = 200_000;
    private static final int BATCH = 500;
    private static final int ANCHOR_EVERY = 10_000;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    AuditStore store;

    @Inject
    AuditCheck check;

    @Inject
    AuditSealer sealer;

    @Inject
    RelaisKafka kafka;

    @Inject
    ObjectMapper mapper;

    @Test
    void aLongChainIsVerifiedInBoundedBatchesAndTamperingIsFound() throws Exception {
        try (Connection lock = dataSource.getConnection();
                Statement s = lock.createStatement()) {
            s.execute("select pg_advisory_lock(" + AuditSealer.SEALER_LOCK + ")");
            try {
                run(lock, s);
            } finally {
                s.execute("select pg_advisory_unlock(" + AuditSealer.SEALER_LOCK + ")");
            }
        }
    }

    private void run(Connection lock, Statement s) throws Exception {
        long from = 0;
        String fromHash = AuditEntry.GENESIS;
        try (ResultSet rs =
                s.executeQuery("select seq, hash from relais_audit where seq is not null order by seq desc limit 1")) {
            if (rs.next()) {
                from = rs.getLong(1);
                fromHash = rs.getString(2);
            }
        }
        Map<Long, String> anchors = append(lock, from, fromHash);
        long head = from + N;

        store.takeLargestBatchHeld();
        ChainVerification v = check.verify("blocks-test", from, fromHash, null, anchors, List.of(), BATCH)
                .chain();
        assertTrue(v.valid(), String.valueOf(v));
        assertEquals(N, v.entries());
        assertEquals(head, v.sealedUpTo());
        assertTrue(store.takeLargestBatchHeld() <= BATCH, "never more than one batch of the chain in memory");

        // the verify endpoint walks the same way, from the anchored entry it is given
        long mid = nextAnchor(anchors, head - 15_000);
        given().auth()
                .oauth2(TestTokens.platformUser("auditor", "platform-auditor"))
                .queryParam("fromSeq", mid)
                .queryParam("fromHash", anchors.get(mid))
                .queryParam("anchorSeq", head)
                .when()
                .get("/internal/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("chain.valid", equalTo(true))
                .body("chain.entries", equalTo((int) (head - mid)))
                .body("hashesAt.'" + head + "'", equalTo(anchors.get(head)));

        // the head is anchored on Kafka by the sealer
        sealer.anchor();
        assertEquals(head, latestAnchor().seq());

        // related_ids changed on one entry, so that the trail would no longer find it under a record
        long victim = from + 123_457;
        String entity = one(s, "select entity_id from relais_audit where seq = " + victim);
        String related = one(s, "select related_ids::text from relais_audit where seq = " + victim);
        s.execute("update relais_audit set related_ids = '[]' where seq = " + victim);
        assertEquals(0, store.about(List.of(entity), null, from, 10).size(), "hidden from the trail");
        ChainVerification hidden = check.verify("blocks-test", from, fromHash, null, anchors, List.of(), BATCH)
                .chain();
        assertFalse(hidden.valid());
        assertEquals(victim, hidden.firstBrokenSeq());
        assertEquals("hash does not match the entry", hidden.reason());
        s.execute("update relais_audit set related_ids = '" + related + "' where seq = " + victim);

        // the tail cut: the anchors beyond the new end tell, and the sealer does not anchor the shorter chain
        long cut = head - 1_234;
        s.execute("create temp table audit_kept as select * from relais_audit where seq > " + (head - 6_000));
        s.execute("delete from relais_audit where seq > " + cut);
        ChainVerification truncated = check.verify("blocks-test", from, fromHash, null, anchors, List.of(), BATCH)
                .chain();
        assertFalse(truncated.valid());
        assertEquals(
                nextAnchor(anchors, cut + 1),
                truncated.firstBrokenSeq(),
                "the first anchor the cut chain does not reach");
        assertTrue(truncated.reason().contains("truncated"), truncated.reason());
        sealer.anchor();
        assertEquals(head, latestAnchor().seq(), "the cut chain is not anchored");
        s.execute("insert into relais_audit select * from audit_kept where seq > " + cut);

        // a stretch rewritten and rehashed consistently: only an anchor can tell
        long rewrite = head - 5_500;
        s.execute("update relais_audit set actor = 'someone-else' where seq = " + rewrite);
        String prev = one(s, "select hash from relais_audit where seq = " + (rewrite - 1));
        List<AuditEntry> tail = new java.util.ArrayList<>();
        store.stream(rewrite - 1, null, BATCH, tail::add);
        try (var ps = lock.prepareStatement("update relais_audit set prev_hash = ?, hash = ? where seq = ?")) {
            for (AuditEntry e : tail) {
                AuditEntry re = new AuditEntry(
                                0,
                                e.service(),
                                e.at(),
                                e.type(),
                                e.agencyId(),
                                e.actor(),
                                e.entityId(),
                                null,
                                null,
                                e.relatedIds())
                        .sealed(e.seq(), prev);
                ps.setString(1, re.prevHash());
                ps.setString(2, re.hash());
                ps.setLong(3, e.seq());
                ps.addBatch();
                prev = re.hash();
            }
            ps.executeBatch();
        }
        assertTrue(
                check.verify("blocks-test", from, fromHash, null, Map.of(), List.of(), BATCH)
                        .chain()
                        .valid(),
                "consistent in itself");
        ChainVerification rewritten = check.verify("blocks-test", from, fromHash, null, anchors, List.of(), BATCH)
                .chain();
        assertFalse(rewritten.valid());
        assertEquals(nextAnchor(anchors, rewrite), rewritten.firstBrokenSeq());
        // ... and from the last verified anchor after the rewrite point, the stored entry no longer is the anchored one
        long last = nextAnchor(anchors, rewrite);
        ChainVerification fromAnchor = check.verify(
                        "blocks-test", last, anchors.get(last), null, Map.of(), List.of(), BATCH)
                .chain();
        assertFalse(fromAnchor.valid());
        assertEquals(last, fromAnchor.firstBrokenSeq());
        sealer.anchor();
        assertEquals(head, latestAnchor().seq(), "the rewritten chain is not anchored");

        s.execute(
                "update relais_audit a set actor = k.actor, prev_hash = k.prev_hash, hash = k.hash from audit_kept k where a.seq = k.seq");
        s.execute("drop table audit_kept");
        assertTrue(
                check.verify("blocks-test", from, fromHash, null, anchors, List.of(), BATCH)
                        .chain()
                        .valid(),
                "put back");
    }

    private static long nextAnchor(Map<Long, String> anchors, long seq) {
        return new TreeMap<>(anchors).ceilingKey(seq);
    }

    private AuditAnchor latestAnchor() {
        return AnchorLookup.latest(kafka, mapper, "blocks-test", Duration.ofSeconds(20))
                .anchor()
                .orElseThrow();
    }

    private static String one(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Writes N sealed entries after {@code from} with COPY; answers the hashes at every ANCHOR_EVERY-th seq and the last. */
    private Map<Long, String> append(Connection c, long from, String fromHash) throws Exception {
        Map<Long, String> anchors = new TreeMap<>();
        String prev = fromHash;
        Instant t0 = Instant.parse("2026-11-23T10:00:00.000001Z");
        String run = UUID.randomUUID().toString().substring(0, 8);
        CopyIn copy = c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn("copy relais_audit (seq, service, at, type, agency_id, actor, "
                        + "entity_id, related_ids, prev_hash, hash, hash_version) from stdin");
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= N; i++) {
            long seq = from + i;
            String entity = "stream-" + run + "-" + i;
            AuditEntry e = new AuditEntry(
                            0,
                            "blocks-test",
                            t0.plusMillis(i),
                            i % 3 == 0 ? AuditEntry.READ_TYPE : "relais.test.noted",
                            "agency-a",
                            "tester",
                            entity,
                            null,
                            null,
                            List.of(entity, "case-" + run))
                    .sealed(seq, prev);
            prev = e.hash();
            if (seq % ANCHOR_EVERY == 0 || i == N) {
                anchors.put(seq, e.hash());
            }
            rows.append(seq)
                    .append('\t')
                    .append(e.service())
                    .append('\t')
                    .append(e.at())
                    .append('\t')
                    .append(e.type())
                    .append('\t')
                    .append(e.agencyId())
                    .append('\t')
                    .append(e.actor())
                    .append('\t')
                    .append(entity)
                    .append('\t')
                    .append("[\"")
                    .append(entity)
                    .append("\", \"case-")
                    .append(run)
                    .append("\"]")
                    .append('\t')
                    .append(e.prevHash())
                    .append('\t')
                    .append(e.hash())
                    .append("\t2\n");
            if (i % 5_000 == 0 || i == N) {
                byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
                copy.writeToCopy(bytes, 0, bytes.length);
                rows.setLength(0);
            }
        }
        copy.endCopy();
        return anchors;
    }
}
