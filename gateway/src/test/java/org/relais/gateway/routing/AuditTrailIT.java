package org.relais.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.relais.blocks.audit.AuditEntry;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.testkit.RelaisTestResource;
import org.relais.testkit.TestTokens;

@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "gateway"))
@QuarkusTestResource(BackendStubs.class)
class AuditTrailIT {

    @Inject
    AgencyDirectory directory;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ObjectMapper mapper;

    private final String auditor = TestTokens.platformUser("platform-auditor", "platform-auditor");

    @BeforeEach
    void setUp() throws Exception {
        directory.apply(AgencyRecord.of(mapper.readTree("{\"id\":\"police-casa-anfa\",\"active\":true}")));
        AuditStubs.tamperCaseChain = false;
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("delete from audit_anchors where service in ('referral-service', 'case-service')");
            for (String service : List.of("referral", "case")) {
                List<AuditEntry> chain = AuditStubs.chain(service);
                AuditEntry head = chain.get(chain.size() - 1);
                s.execute("insert into audit_anchors (service, seq, hash, at) values ('" + service + "-service', "
                        + head.seq() + ", '" + head.hash() + "', now()), ('" + service + "-service', 2, '"
                        + chain.get(1).hash() + "', now()) on conflict do nothing");
            }
        }
    }

    /** The hash recomputed here from the contract's definition, independently of AuditEntry. */
    private static String recompute(Map<String, Object> e) throws Exception {
        Map<String, Object> sorted = new TreeMap<>(e);
        sorted.remove("hash");
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> f : sorted.entrySet()) {
            json.append(json.length() > 1 ? "," : "")
                    .append('"')
                    .append(f.getKey())
                    .append("\":");
            Object v = f.getValue();
            json.append(v == null ? "null" : v instanceof Number ? v.toString() : "\"" + v + "\"");
        }
        json.append('}');
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((e.get("prevHash") + json.toString()).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
    }

    @Test
    void theTrailMergesEveryServiceInTimeOrderWithHashesAnOutsiderCanRecompute() throws Exception {
        JsonPath trail = given().auth()
                .oauth2(auditor)
                .queryParam("referralId", AuditStubs.REFERRAL_ID)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(200)
                .body("complete", equalTo(true))
                .extract()
                .jsonPath();
        List<Map<String, Object>> items = trail.getList("items");
        assertEquals(
                List.of(
                        "relais.referral.sent",
                        AuditEntry.READ_TYPE,
                        "relais.referral.accepted",
                        "relais.case.opened",
                        AuditEntry.READ_TYPE),
                items.stream().map(i -> i.get("type")).toList());
        assertEquals(
                List.of("referral-service", "referral-service", "referral-service", "case-service", "case-service"),
                items.stream().map(i -> i.get("service")).toList());
        for (Map<String, Object> item : items) {
            assertEquals(item.get("hash"), recompute(item), "hash of " + item);
        }
        given().auth()
                .oauth2(auditor)
                .queryParam("referralId", AuditStubs.REFERRAL_ID)
                .queryParam("limit", 2)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(2))
                .body("nextCursor", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void anAgencyAuditorSeesOnlyItsAgencysEntries() {
        String agencyAuditor = TestTokens.user("police-casa-anfa", "police-auditor", "auditor");
        given().auth()
                .oauth2(agencyAuditor)
                .queryParam("referralId", AuditStubs.REFERRAL_ID)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(200)
                .body("items.agencyId", equalTo(List.of("police-casa-anfa")));
        given().auth()
                .oauth2(agencyAuditor)
                .when()
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.user("police-casa-anfa", "cw", "caseworker"))
                .queryParam("referralId", AuditStubs.REFERRAL_ID)
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(auditor)
                .queryParam("referralId", "not-a-uuid")
                .when()
                .get("/api/v1/audit/trail")
                .then()
                .statusCode(400);
    }

    @Test
    void verifyChecksEachChainAgainstTheAnchoredHeads() {
        given().auth()
                .oauth2(auditor)
                .when()
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true))
                .body("services.size()", equalTo(4))
                .body("services.find { it.service == 'gateway' }.valid", equalTo(true));
        AuditStubs.tamperCaseChain = true;
        given().auth()
                .oauth2(auditor)
                .when()
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("valid", equalTo(false))
                .body("services.find { it.service == 'case-service' }.valid", equalTo(false))
                .body("services.find { it.service == 'case-service' }.firstBrokenSeq", equalTo(2))
                .body("services.find { it.service == 'referral-service' }.valid", equalTo(true));
    }

    @Test
    void aRefusedRequestIsInTheGatewaysChainAndAFloodIsCappedPerCaller() throws Exception {
        String record = java.util.UUID.randomUUID().toString();
        String prober = "prober-" + record.substring(0, 8);
        // an auditor's token may not read referrals: refused, and recorded against the record it aimed at
        String token = TestTokens.user("police-casa-anfa", prober, "auditor");
        for (int i = 0; i < 12; i++) {
            given().auth()
                    .oauth2(token)
                    .when()
                    .get("/api/v1/referrals/" + record)
                    .then()
                    .statusCode(403);
        }
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(auditor)
                        .queryParam("referralId", record)
                        .when()
                        .get("/api/v1/audit/trail")
                        .then()
                        .statusCode(200)
                        .body(
                                "items.findAll { it.service == 'gateway' }.type",
                                org.hamcrest.Matchers.hasItem("relais.access.denied.role-lacks-permission"))
                        .body(
                                "items.findAll { it.service == 'gateway' }.actor",
                                org.hamcrest.Matchers.hasItem(prober)));
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(
                        "select count(*) from relais_audit where service = 'gateway' and actor = '" + prober + "'")) {
            rs.next();
            assertEquals(5, rs.getInt(1), "one caller's flood is capped at its per-minute budget");
        }
        given().port(org.relais.testkit.Management.port())
                .when()
                .get("/q/metrics")
                .then()
                .body(org.hamcrest.Matchers.containsString("relais_gateway_denials_unaudited_total"));
        given().auth()
                .oauth2(auditor)
                .when()
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("services.find { it.service == 'gateway' }.valid", equalTo(true));
    }
}
