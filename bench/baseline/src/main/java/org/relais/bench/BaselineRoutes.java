package org.relais.bench;

import io.quarkus.vertx.web.Param;
import io.quarkus.vertx.web.Route;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * The same row the referral-service reads, by primary key; the same read recorded in an audit row before it is
 * answered (one transaction, answered after the commit); and a plain insert of such a row.
 */
@ApplicationScoped
public class BaselineRoutes {

    private final Pool client;

    public BaselineRoutes(Pool client) {
        this.client = client;
    }

    private static final String SELECT =
            "select id, reference, status, survivor_id, sending_agency_id, receiving_agency_id, "
                    + "priority, services, incident, consent, subject_ct, reason_ct, acknowledge_by, decide_by, overdue, created_at, "
                    + "updated_at, version from referrals where id = $1";

    @Route(path = "/referrals/:id", methods = Route.HttpMethod.GET, produces = "application/json")
    Uni<String> get(@Param("id") String id) {
        return client.preparedQuery(SELECT)
                .execute(Tuple.of(UUID.fromString(id)))
                .map(BaselineRoutes::json);
    }

    /**
     * The physical limit of a read that must be recorded before it is answered: the row and one audit row
     * (bench_audit, relais_audit's columns and indexes) in one transaction; the answer goes out after the commit.
     */
    @Route(path = "/audited/referrals/:id", methods = Route.HttpMethod.GET, produces = "application/json")
    Uni<String> audited(@Param("id") String id) {
        UUID uuid = UUID.fromString(id);
        return client.withTransaction(conn -> conn.preparedQuery(SELECT)
                .execute(Tuple.of(uuid))
                .call(rows -> conn.preparedQuery(
                                "insert into bench_audit (service, at, type, agency_id, actor, entity_id, "
                                        + "related_ids) values ('bench', $1, 'READ', 'police-casa-anfa', 'bench', $2, $3)")
                        .execute(Tuple.of(OffsetDateTime.now(), id, new JsonArray().add(id))))
                .map(BaselineRoutes::json));
    }

    private static String json(RowSet<Row> rows) {
        if (rows.size() == 0) {
            return "{}";
        }
        Row r = rows.iterator().next();
        JsonObject o = new JsonObject();
        for (int i = 0; i < r.size(); i++) {
            Object v = r.getValue(i);
            o.put(r.getColumnName(i), v == null ? null : v.toString());
        }
        return o.encode();
    }

    @Route(path = "/referrals", methods = Route.HttpMethod.POST, produces = "application/json")
    Uni<String> insert() {
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now();
        return client.preparedQuery(
                        "insert into bench_referrals (id, reference, status, survivor_id, sending_agency_id, "
                                + "receiving_agency_id, priority, services, consent, acknowledge_by, decide_by, created_by, created_at, "
                                + "updated_at, version) values ($1, $2, 'SENT', $3, 'police-casa-anfa', 'ngo-casa-ecoute', 'ROUTINE', "
                                + "'[\"SHELTER\"]', '{}', $4, $4, 'bench', $4, $4, 1)")
                .execute(Tuple.of(id, "BENCH-" + id, UUID.randomUUID(), now))
                .map(rows -> "{\"id\":\"" + id + "\"}");
    }
}
