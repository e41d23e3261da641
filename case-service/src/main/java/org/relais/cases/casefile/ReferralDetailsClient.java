package org.relais.cases.casefile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.oidc.client.OidcClient;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

import java.net.URI;
import java.util.UUID;

/**
 * The one synchronous call between services: the survivor details of a referral, read from the
 * referral-service with the case-service's own client (client credentials, {@code internal}). It has a
 * timeout, retries and a circuit breaker; when it fails the case stays {@code detailsPending}.
 */
@ApplicationScoped
public class ReferralDetailsClient {

    private final OidcClient oidc;
    private final WebClient web;
    private final URI base;
    private final ObjectMapper mapper;

    public ReferralDetailsClient(OidcClient oidc, Vertx vertx, ObjectMapper mapper,
                                 @ConfigProperty(name = "relais.cases.referral-url") String referralUrl) {
        this.oidc = oidc;
        this.mapper = mapper;
        this.base = URI.create(referralUrl);
        this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(2000).setIdleTimeout(5));
    }

    @Timeout(3000)
    @Retry(maxRetries = 2, delay = 200, jitter = 100)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5000, successThreshold = 1)
    public Uni<JsonNode> referral(UUID referralId) {
        return oidc.getTokens().chain(tokens -> Uni.createFrom().<HttpResponse<Buffer>>completionStage(web
                .get(base.getPort() < 0 ? 80 : base.getPort(), base.getHost(), "/api/v1/referrals/" + referralId)
                .putHeader("Authorization", "Bearer " + tokens.getAccessToken())
                .timeout(2500)
                .send().toCompletionStage()))
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("referral-service answered " + resp.statusCode());
                    }
                    try {
                        return mapper.readTree(resp.bodyAsString());
                    } catch (Exception e) {
                        throw new IllegalStateException("unreadable referral", e);
                    }
                });
    }
}
