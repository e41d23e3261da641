package org.relais.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.oidc.client.filter.OidcClientFilter;
import io.quarkus.rest.client.reactive.Url;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * A service's audit chain ({@code /internal/v1/audit/*}, every service's AuditEndpoint), read with the
 * gateway's own client (the OIDC client filter brings its token). One client for every service: each call
 * names the service's base URL ({@code relais.gateway.*-url}); timeouts are
 * {@code quarkus.rest-client.service-audit.*}. Answers stay JSON trees: the gateway judges them itself.
 */
@RegisterRestClient(configKey = "service-audit")
@OidcClientFilter
@Path("/internal/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public interface ServiceAuditApi {

    @GET
    @Path("/entries")
    RestResponse<JsonNode> entries(
            @Url URI service,
            @QueryParam("afterSeq") long afterSeq,
            @QueryParam("limit") int limit,
            @QueryParam("relatedId") List<String> relatedIds,
            @QueryParam("agencyId") String agencyId);

    @GET
    @Path("/links")
    RestResponse<JsonNode> links(@Url URI service, @QueryParam("id") String id);

    @GET
    @Path("/verify")
    RestResponse<JsonNode> verify(
            @Url URI service,
            @QueryParam("fromSeq") long fromSeq,
            @QueryParam("fromHash") String fromHash,
            @QueryParam("toSeq") Long toSeq,
            @QueryParam("anchorSeq") List<Long> anchorSeqs);
}
