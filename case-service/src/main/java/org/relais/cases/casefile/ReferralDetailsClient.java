package org.relais.cases.casefile;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.oidc.client.filter.OidcClientFilter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The one synchronous call between services: the survivor details of a referral, read from the referral-service
 * with the case-service's own client (client credentials, {@code internal}; the OIDC client filter brings the
 * token). Where it is and its connect and read timeouts: {@code quarkus.rest-client.referral-details.*}
 * ({@code relais.cases.referral-url}). A whole call has a timeout, retries and a circuit breaker; any answer but
 * a 2xx fails it, and the case stays {@code detailsPending} until {@link PendingDetails} tries again.
 */
@RegisterRestClient(configKey = "referral-details")
@OidcClientFilter
@Path("/api/v1/referrals")
public interface ReferralDetailsClient {

    /** The referral as the referral-service shows it to an internal client: {@code subject}, {@code consent}, .... */
    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(3000)
    @Retry(maxRetries = 2, delay = 200, jitter = 100)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5000, successThreshold = 1)
    Uni<JsonNode> referral(@PathParam("id") UUID referralId);
}
