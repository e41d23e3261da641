package org.relais.blocks.testapp;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.relais.blocks.paging.PageRequest;

/** Endpoints for the protocol edges: the database failing in its usual ways, query instants, forwarding headers, body limits. */
@Path("/edges")
@Produces(MediaType.APPLICATION_JSON)
public class EdgesTestResource {

    /** A list query's {@code updatedSince} taken to the database, as the services' list queries do. */
    @GET
    @Path("/since")
    @WithSession
    public Uni<Map<String, Object>> since(@QueryParam("updatedSince") String updatedSince) {
        PageRequest page = PageRequest.of(null, null, updatedSince);
        Instant since = page.updatedSince() == null ? Instant.EPOCH : page.updatedSince();
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select count(*) from test_effects where ?1 < now()", Long.class)
                        .setParameter(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC))
                        .getSingleResult())
                .map(n -> Map.of("count", n));
    }

    /** One round trip to the database. */
    @GET
    @Path("/db/ping")
    @WithSession
    public Uni<Map<String, Object>> ping() {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select 1", Integer.class).getSingleResult())
                .map(n -> Map.of("ok", n));
    }

    /** Reads test_effects with a short lock timeout: 55P03 when a test holds the table locked. */
    @GET
    @Path("/db/locked")
    @WithTransaction
    public Uni<Map<String, Object>> locked() {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("set local lock_timeout = '300ms'")
                        .executeUpdate()
                        .chain(() -> s.createNativeQuery("select count(*) from test_effects", Long.class)
                                .getSingleResult()))
                .map(n -> Map.of("count", n));
    }

    /** A statement that outlives the statement timeout: 57014. */
    @GET
    @Path("/db/slow")
    @WithTransaction
    public Uni<Map<String, Object>> slow() {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("set local statement_timeout = '200ms'")
                        .executeUpdate()
                        .chain(() -> s.createNativeQuery("select cast(pg_sleep(3) as text)", String.class)
                                .getSingleResult()))
                .map(n -> Map.of("slept", true));
    }

    /** What the service believes about where the request came from. */
    @GET
    @Path("/origin")
    public Map<String, Object> origin(@Context UriInfo uri, @Context HttpServerRequest request) {
        return Map.of(
                "baseUri",
                uri.getBaseUri().toString(),
                "scheme",
                request.scheme(),
                "remote",
                request.remoteAddress() == null ? "" : request.remoteAddress().hostAddress());
    }

    /** Accepts a JSON body and says how long it was. */
    @POST
    @Path("/body")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> body(String body) {
        return Map.of("length", body.length());
    }
}
