package org.relais.blocks.directory;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.oidc.client.filter.OidcClientFilter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The part of Keycloak's admin REST API the directory reads, with the service's own client (its service
 * account holds realm-management's view-users and query-users; the OIDC client filter brings its token).
 * Where it is: {@code quarkus.rest-client.keycloak-admin.url} (each service maps it to
 * {@code relais.directory.keycloak-url}), with its connect and read timeouts beside it. Reads only, so a
 * call that got no answer (no connection, none in time) is tried again twice.
 */
@RegisterRestClient(configKey = "keycloak-admin")
@OidcClientFilter
@Path("/admin/realms/{realm}")
@Produces(MediaType.APPLICATION_JSON)
public interface KeycloakAdminApi {

    /** The users whose attributes match {@code q} (e.g. {@code agency:<id>}, a substring match). */
    @GET
    @Path("/users")
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = ProcessingException.class)
    RestResponse<JsonNode> users(
            @PathParam("realm") String realm,
            @QueryParam("q") String q,
            @QueryParam("briefRepresentation") boolean briefRepresentation,
            @QueryParam("max") int max);

    /** The realm roles a user holds, directly or through groups and composite roles. */
    @GET
    @Path("/users/{id}/role-mappings/realm/composite")
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = ProcessingException.class)
    RestResponse<JsonNode> realmRoles(@PathParam("realm") String realm, @PathParam("id") String userId);
}
