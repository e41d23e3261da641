package org.relais.blocks.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.audit.AuditStore;
import org.relais.blocks.audit.AuditVerifier;
import org.relais.blocks.audit.ChainVerification;
import org.relais.blocks.events.Topics;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TopicReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "blocks"))
class AuditChainIT {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    AuditStore store;
    @Inject
    ObjectMapper mapper;

    @Test
    void everyOutboxEventBecomesASealedAnchoredEntryAndTamperingIsFound() throws Exception {
        String agg = "audit-" + UUID.randomUUID();
        for (int i = 0; i < 12; i++) {
            given().post("/test/notes/" + agg + "/" + i).then().statusCode(200);
        }
        given().post("/test/notes/" + agg + "/99?fail=true").then().statusCode(500);
        await().atMost(Duration.ofSeconds(20)).until(() -> store.chain().stream().filter(e -> agg.equals(e.entityId())).count() == 12
                && store.sealingLag()[0] == 0);
        List<AuditEntry> chain = store.chain();
        assertEquals(12, store.about(List.of(agg), null, 0, 100).size(), "the rolled-back event left no entry");
        assertEquals("tester", store.about(List.of(agg), "agency-a", 0, 100).get(0).actor());
        assertEquals(0, store.about(List.of(agg), "agency-b", 0, 100).size());

        // the head is anchored outside the database
        List<AuditAnchor> anchors = anchors(chain.get(chain.size() - 1).seq());
        ChainVerification intact = AuditVerifier.verify("blocks-test", chain, anchors, 0, 0);
        assertTrue(intact.valid(), String.valueOf(intact));

        // an operator edits one entry in place with plain SQL
        long victim = chain.get(4).seq();
        BlocksTestSupport.execute(dataSource, "update relais_audit set actor = 'nobody' where seq = " + victim);
        ChainVerification edited = AuditVerifier.verify("blocks-test", store.chain(), anchors, 0, 0);
        assertFalse(edited.valid());
        assertEquals(victim, edited.firstBrokenSeq());

        // ... and then, knowing the scheme, rehashes everything after it: only the anchor can tell
        rehashFrom(victim);
        assertTrue(AuditVerifier.verify("blocks-test", store.chain(), List.of(), 0, 0).valid());
        assertFalse(AuditVerifier.verify("blocks-test", store.chain(), anchors, 0, 0).valid());

        // ... or deletes the tail
        BlocksTestSupport.execute(dataSource, "delete from relais_audit where seq > " + (victim + 1));
        ChainVerification truncated = AuditVerifier.verify("blocks-test", store.chain(), anchors, 0, 0);
        assertFalse(truncated.valid());
    }

    private List<AuditAnchor> anchors(long atLeast) {
        List<ConsumerRecord<String, String>> records = TopicReader.read(Topics.AUDIT_ANCHORS, r -> "blocks-test".equals(r.key()),
                rs -> rs.stream().anyMatch(r -> anchor(r).seq() >= atLeast), Duration.ofSeconds(20));
        List<AuditAnchor> anchors = new ArrayList<>();
        records.forEach(r -> anchors.add(anchor(r)));
        // anchors of earlier test databases under the same service name are not this chain's
        return anchors.stream().filter(a -> a.seq() <= atLeast).toList();
    }

    private AuditAnchor anchor(ConsumerRecord<String, String> r) {
        try {
            return mapper.readValue(r.value(), AuditAnchor.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void rehashFrom(long seq) throws Exception {
        List<AuditEntry> chain = store.chain();
        String prev = chain.stream().filter(e -> e.seq() == seq - 1).findFirst().map(AuditEntry::hash).orElse(AuditEntry.GENESIS);
        for (AuditEntry e : chain) {
            if (e.seq() < seq) {
                continue;
            }
            AuditEntry re = new AuditEntry(0, e.service(), e.at(), e.type(), e.agencyId(), e.actor(), e.entityId(), null, null)
                    .sealed(e.seq(), prev);
            BlocksTestSupport.execute(dataSource, "update relais_audit set prev_hash = '" + re.prevHash() + "', hash = '"
                    + re.hash() + "' where seq = " + e.seq());
            prev = re.hash();
        }
    }
}
