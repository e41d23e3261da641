package org.relais.referral.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.relais.testkit.RelaisTestResource;

/**
 * The sent and received lists a mobile client syncs stay index-backed at a million referrals, the
 * queried agency holding a fifth of them: the plan of the first page and of a page deep in the
 * cursor is an index scan in (agency, updatedAt, id) order, with the cursor as an index condition,
 * and no sort. The rows go into a copy of the migrated table (same columns and indexes) in a schema
 * of its own, so the other tests never see them. The queries are the SQL Hibernate renders for
 * ReferralReads.list: {@code agency = ? [and (updated_at, id) > (?, ?)] order by updated_at, id}.
 */
@QuarkusTest
@QuarkusTestResource(value = RelaisTestResource.class, initArgs = @ResourceArg(name = "database", value = "referral"))
@QuarkusTestResource(org.relais.testkit.KeycloakAdminStub.class)
class ReferralListPlanIT {

    private static final int ROWS = 1_000_000;

    private static Connection connect() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        return DriverManager.getConnection(url, "postgres", "postgres");
    }

    @BeforeAll
    static void seed() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("drop schema if exists plan_check cascade");
            s.execute("create schema plan_check");
            s.execute("create table plan_check.referrals (like public.referrals including all)");
            // five agencies, each receiving and sending a fifth; statuses as a busy network has them
            s.execute("""
                    insert into plan_check.referrals (id, reference, status, survivor_id, sending_agency_id,
                        receiving_agency_id, priority, services, consent, acknowledge_by, decide_by, created_by,
                        created_at, updated_at, version)
                    select gen_random_uuid(), 'REF-' || i,
                           (array['SENT','ACKNOWLEDGED','ACCEPTED','IN_PROGRESS','COMPLETED','COMPLETED','COMPLETED',
                                  'DECLINED','WITHDRAWN','FAILED'])[1 + i % 10],
                           gen_random_uuid(), 'agency-' || ((i / 5) % 5), 'agency-' || (i % 5),
                           (array['ROUTINE','ROUTINE','URGENT','EMERGENCY'])[1 + i % 4], '["SHELTER"]', '{}',
                           now(), now(), 'seed', now() - make_interval(secs => i), now() - make_interval(secs => i), 1
                    from generate_series(1, :rows) i
                    """.replace(":rows", String.valueOf(ROWS)));
            s.execute("analyze plan_check.referrals");
        }
    }

    @AfterAll
    static void drop() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("drop schema if exists plan_check cascade");
        }
    }

    @Test
    void theSeededTableHoldsAMillionWithAFifthForTheQueriedAgency() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select count(*), count(*) filter (where receiving_agency_id = 'agency-0') from plan_check.referrals")) {
            rs.next();
            assertEquals(ROWS, rs.getInt(1));
            assertEquals(ROWS / 5, rs.getInt(2));
        }
    }

    @Test
    void receivedAndSentListsAreIndexScansWithoutSortOnFirstAndDeepPages() throws Exception {
        for (String column : List.of("receiving_agency_id", "sending_agency_id")) {
            String first = "select * from plan_check.referrals where " + column
                    + " = 'agency-0' order by updated_at, id limit 51";
            assertIndexOrdered(column, plan(first), false);
            // a cursor 150,000 rows into the agency's 200,000
            String cursor;
            try (Connection c = connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select updated_at, id from plan_check.referrals where " + column
                            + " = 'agency-0' " + "order by updated_at, id offset 150000 limit 1")) {
                rs.next();
                cursor = "(updated_at, id) > ('" + rs.getString(1) + "', '" + rs.getString(2) + "')";
            }
            String deep = "select * from plan_check.referrals where " + column + " = 'agency-0' and " + cursor
                    + " order by updated_at, id limit 51";
            assertIndexOrdered(column, plan(deep), true);
        }
    }

    private static void assertIndexOrdered(String column, List<String> plan, boolean cursor) {
        String text = String.join("\n", plan);
        assertTrue(
                text.contains("Index Scan using")
                        && text.contains("(" + column + " = 'agency-0'::text)")
                        && plan.stream().anyMatch(l -> l.contains("Index Cond:") && l.contains(column)),
                "an index scan on " + column + ":\n" + text);
        assertFalse(text.contains("Sort"), "no sort:\n" + text);
        assertFalse(text.contains("Seq Scan"), "no sequential scan:\n" + text);
        if (cursor) {
            String indexCond = plan.stream()
                    .filter(l -> l.contains("Index Cond:"))
                    .findFirst()
                    .orElse("");
            assertTrue(
                    indexCond.contains("ROW(updated_at, id) > ROW("),
                    "the cursor seeks in the index instead of filtering what comes before it:\n" + text);
        }
    }

    private static List<String> plan(String sql) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("explain (analyze, buffers off) " + sql)) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        }
        return lines;
    }
}
