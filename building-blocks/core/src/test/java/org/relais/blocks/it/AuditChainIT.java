package org.relais.blocks.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.audit.AuditSealer;
import org.relais.blocks.audit.AuditStore;
import org.relais.blocks.audit.AuditVerifier;
import org.relais.blocks.audit.ChainVerification;
import org.relais.blocks.events.Topics;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TopicReader;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class AuditChainIT {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    AuditStore store;

    @Inject
    ObjectMapper mapper;

    /** This test's stretch of the chain starts after {@code base}, whose hash is {@code baseHash}. */
    private long base;

    private String baseHash;

    @Test
    void everyOutboxEventBecomesASealedAnchoredEntryAndTamperingIsFound() throws Exception {
        String agg = "audit-" + UUID.randomUUID();
        for (int i = 0; i < 12; i++) {
            given().post("/test/notes/" + agg + "/" + i).then().statusCode(200);
        }
        given().post("/test/notes/" + agg + "/99?fail=true").then().statusCode(500);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> store.about(List.of(agg), null, 0, 100).size() == 12 && store.sealingLag()[0] == 0);
        List<AuditEntry> mine = store.about(List.of(agg), null, 0, 100);
        assertEquals(12, mine.size(), "the rolled-back event left no entry");
        assertEquals(
                "tester", store.about(List.of(agg), "agency-a", 0, 100).get(0).actor());
        assertEquals(0, store.about(List.of(agg), "agency-b", 0, 100).size());
        base = mine.get(0).seq() - 1;
        baseHash = mine.get(0).prevHash();
        List<AuditEntry> chain = chain();

        // the head is anchored outside the database
        Map<Long, String> anchors = anchors(chain.get(chain.size() - 1).seq());
        ChainVerification intact = verify(anchors);
        assertTrue(intact.valid(), String.valueOf(intact));

        // entries sealed now cover the records the trail finds them under
        assertEquals(2, mine.get(0).hashVersion());
        assertEquals(List.of(agg), mine.get(0).relatedIds());

        // an operator edits one entry in place with plain SQL (the sealer held off meanwhile; the chain is put back
        // after)
        long victim = mine.get(4).seq();
        try (Connection lock = dataSource.getConnection();
                Statement s = lock.createStatement()) {
            s.execute("select pg_advisory_lock(" + AuditSealer.SEALER_LOCK + ")");
            s.execute("create temp table audit_kept as select * from relais_audit where seq >= " + victim);
            try {
                tamper(victim, anchors);
            } finally {
                s.execute("delete from relais_audit where seq >= " + victim);
                s.execute("insert into relais_audit select * from audit_kept");
                s.execute("drop table audit_kept");
                s.execute("select pg_advisory_unlock(" + AuditSealer.SEALER_LOCK + ")");
            }
        }
        assertTrue(verify(anchors).valid(), "the chain is put back");
    }

    private void tamper(long victim, Map<Long, String> anchors) throws Exception {
        BlocksTestSupport.execute(dataSource, "update relais_audit set actor = 'nobody' where seq = " + victim);
        ChainVerification edited = verify(anchors);
        assertFalse(edited.valid());
        assertEquals(victim, edited.firstBrokenSeq());

        // ... and then, knowing the scheme, rehashes everything after it: only the anchor can tell
        rehashFrom(victim);
        assertTrue(verify(Map.of()).valid());
        assertFalse(verify(anchors).valid());

        // ... or deletes the tail
        BlocksTestSupport.execute(dataSource, "delete from relais_audit where seq > " + (victim + 1));
        ChainVerification truncated = verify(anchors);
        assertFalse(truncated.valid());
    }

    private ChainVerification verify(Map<Long, String> anchors) throws SQLException {
        AuditVerifier.Walk walk = new AuditVerifier.Walk(base, baseHash, anchors, List.of());
        store.stream(base, null, 100, walk::accept);
        return walk.finish("blocks-test", 0, 0);
    }

    /** This test's stretch of the chain: a few entries (AuditStreamIT walks a long one in batches). */
    private List<AuditEntry> chain() throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        store.stream(base, null, 100, out::add);
        return out;
    }

    private Map<Long, String> anchors(long atLeast) {
        List<ConsumerRecord<String, String>> records = TopicReader.read(
                Topics.AUDIT_ANCHORS,
                r -> "blocks-test".equals(r.key()),
                rs -> rs.stream().anyMatch(r -> anchor(r).seq() >= atLeast),
                Duration.ofSeconds(20));
        Map<Long, String> anchors = new TreeMap<>();
        // anchors of the chain before this test's stretch, or beyond it, are not what this test checks
        records.stream()
                .map(this::anchor)
                .filter(a -> a.seq() > base && a.seq() <= atLeast)
                .forEach(a -> anchors.put(a.seq(), a.hash()));
        return anchors;
    }

    private AuditAnchor anchor(ConsumerRecord<String, String> r) {
        try {
            return mapper.readValue(r.value(), AuditAnchor.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void rehashFrom(long seq) throws Exception {
        List<AuditEntry> chain = chain();
        String prev = chain.stream()
                .filter(e -> e.seq() == seq - 1)
                .findFirst()
                .map(AuditEntry::hash)
                .orElse(baseHash);
        for (AuditEntry e : chain) {
            if (e.seq() < seq) {
                continue;
            }
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
            BlocksTestSupport.execute(
                    dataSource,
                    "update relais_audit set prev_hash = '" + re.prevHash() + "', hash = '" + re.hash()
                            + "' where seq = " + e.seq());
            prev = re.hash();
        }
    }
}
