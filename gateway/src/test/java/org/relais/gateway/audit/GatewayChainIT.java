package org.relais.gateway.audit;

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
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.relais.blocks.audit.AnchorLookup;
import org.relais.blocks.audit.AuditAnchor;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.audit.AuditSealer;
import org.relais.blocks.audit.AuditStore;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.kafka.RelaisKafka;
import org.relais.gateway.routing.BackendStubs;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

/**
 * The gateway's own chain (the requests it refused) is checked against its newest anchor on Kafka, never
 * against anything in the gateway's database: an edited related_ids, a cut tail and a rewritten-and-rehashed
 * chain are each found. The sealer is held off (its advisory lock) while the chain is tampered with, and the
 * chain is put back after.
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class GatewayChainIT {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    AuditStore store;

    @Inject
    AuditSealer sealer;

    @Inject
    RelaisKafka kafka;

    @Inject
    ObjectMapper mapper;

    @Inject
    AgencyDirectory directory;

    private final String auditor = TestTokens.platformUser("platform-auditor", "platform-auditor");

    @Test
    void theGatewaysChainIsCheckedAgainstItsAnchorOnKafka() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"police-casa-anfa\",\"active\":true}")));
        AuditEntry first = refusedAndAnchored();
        assertEquals(2, first.hashVersion());
        assertTrue(gateway(verify(false)).getBoolean("valid"));

        // the gateway's database holds no anchor of the gateway's own chain, and one forged there changes nothing
        assertEquals(0, count("select count(*) from audit_anchors where service = 'gateway'"));
        execute("insert into audit_anchors (service, seq, hash, at) values ('gateway', " + first.seq() + ", '"
                + "0".repeat(64) + "', now())");
        assertTrue(gateway(verify(true)).getBoolean("valid"));
        execute("delete from audit_anchors where service = 'gateway'");

        AuditEntry second = refusedAndAnchored();
        try (Connection lock = dataSource.getConnection();
                Statement s = lock.createStatement()) {
            s.execute("select pg_advisory_lock(" + AuditSealer.SEALER_LOCK + ")");
            s.execute("create temp table gateway_kept as select * from relais_audit where seq >= " + first.seq());
            try {
                tamper(s, first, second);
            } finally {
                s.execute("delete from relais_audit where seq >= " + first.seq());
                s.execute("insert into relais_audit select * from gateway_kept");
                s.execute("drop table gateway_kept");
                s.execute("select pg_advisory_unlock(" + AuditSealer.SEALER_LOCK + ")");
            }
        }
        assertTrue(gateway(verify(true)).getBoolean("valid"), "put back");
        assertTrue(gateway(verify(false)).getBoolean("valid"));
    }

    private void tamper(Statement s, AuditEntry first, AuditEntry second) throws Exception {
        // related_ids emptied, so that the record's trail no longer shows the refusal
        s.execute("update relais_audit set related_ids = '[]' where seq = " + second.seq());
        given().auth()
                .oauth2(auditor)
                .queryParam("referralId", second.entityId())
                .queryParam("partial", "true")
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(200)
                .body("items.findAll { it.service == 'gateway' }.size()", org.hamcrest.Matchers.equalTo(0));
        JsonPath hidden = gateway(verify(true));
        assertFalse(hidden.getBoolean("valid"));
        assertEquals(second.seq(), hidden.getLong("firstBrokenSeq"));
        s.execute(
                "update relais_audit set related_ids = '[\"" + second.entityId() + "\"]' where seq = " + second.seq());
        assertTrue(gateway(verify(true)).getBoolean("valid"));

        // the tail cut after the first refusal: the newest anchor on Kafka is beyond the end, and stays there
        s.execute("delete from relais_audit where seq > " + first.seq());
        AuditAnchor newest = latestAnchor(); // the sealer anchors nothing from here on
        JsonPath cut = gateway(verify(false));
        assertFalse(cut.getBoolean("valid"));
        assertEquals(newest.seq(), cut.getLong("firstBrokenSeq"));
        assertTrue(cut.getString("reason").contains("truncated"), cut.getString("reason"));
        assertFalse(gateway(verify(true)).getBoolean("valid"));
        sealer.anchor();
        assertEquals(newest.seq(), latestAnchor().seq(), "the shorter chain is not anchored");
        s.execute("insert into relais_audit select * from gateway_kept where seq > " + first.seq());
        assertTrue(gateway(verify(false)).getBoolean("valid"));

        // rewritten from the first refusal on and rehashed consistently: only the anchor can tell
        List<AuditEntry> tail = new ArrayList<>();
        store.stream(first.seq() - 1, null, 100, tail::add);
        String prev = tail.get(0).prevHash();
        for (AuditEntry e : tail) {
            AuditEntry re = new AuditEntry(
                            0,
                            e.service(),
                            e.at(),
                            e.type(),
                            e.agencyId(),
                            e.seq() == first.seq() ? "someone-else" : e.actor(),
                            e.entityId(),
                            null,
                            null,
                            e.relatedIds())
                    .sealed(e.seq(), prev);
            s.execute("update relais_audit set actor = '" + re.actor() + "', prev_hash = '" + re.prevHash()
                    + "', hash = '" + re.hash() + "' where seq = " + e.seq());
            prev = re.hash();
        }
        newest = latestAnchor();
        JsonPath rewritten = gateway(verify(false));
        assertFalse(rewritten.getBoolean("valid"));
        assertEquals(newest.seq(), rewritten.getLong("firstBrokenSeq"));
        assertFalse(gateway(verify(true)).getBoolean("valid"));
        sealer.anchor();
        assertEquals(newest.hash(), latestAnchor().hash(), "the rewritten chain is not anchored");
    }

    /** A request refused with a record named, sealed into the gateway's chain and anchored on Kafka. */
    private AuditEntry refusedAndAnchored() {
        String record = UUID.randomUUID().toString();
        String token = TestTokens.user("police-casa-anfa", "prober-" + record.substring(0, 8), "auditor");
        given().auth()
                .oauth2(token)
                .when()
                .get("/api/v1/referrals/" + record)
                .then()
                .statusCode(403);
        AuditEntry[] found = new AuditEntry[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<AuditEntry> mine = store.about(List.of(record), null, 0, 10);
            if (mine.isEmpty()) {
                return false;
            }
            found[0] = mine.get(0);
            return latestAnchor().seq() >= found[0].seq();
        });
        return found[0];
    }

    private AuditAnchor latestAnchor() {
        return AnchorLookup.latest(kafka, mapper, "gateway", Duration.ofSeconds(20))
                .anchor()
                .orElse(new AuditAnchor("gateway", 0, "", null));
    }

    private JsonPath verify(boolean full) {
        return given().auth()
                .oauth2(auditor)
                .queryParam("full", String.valueOf(full))
                .when()
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static JsonPath gateway(JsonPath verdict) {
        List<Map<String, Object>> services = verdict.getList("services");
        return new JsonPath(toJson(services.stream()
                .filter(s -> "gateway".equals(s.get("service")))
                .findFirst()
                .orElseThrow()));
    }

    private static String toJson(Map<String, Object> m) {
        try {
            return new ObjectMapper().writeValueAsString(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void execute(String sql) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
