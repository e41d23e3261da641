package org.relais.gateway.routing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Where the services are and how long the gateway waits for them. */
@ConfigMapping(prefix = "relais.gateway")
public interface GatewayConfig {

    /** Base URL of the referral-service, e.g. http://127.0.0.1:8081. */
    String referralUrl();

    String caseUrl();

    String notificationUrl();

    /** How long a backend may stay silent before the client gets a 504 (SSE streams are exempt). */
    @WithDefault("10s")
    Duration timeout();

    @WithDefault("2s")
    Duration connectTimeout();

    /** Largest request body accepted (413 above it). */
    @WithDefault("1048576")
    long maxBodySize();

    /** Pooled connections per backend. */
    @WithDefault("64")
    int poolSize();

    /** Consecutive failures (no connection, no answer in time) that open a backend's circuit. */
    @WithDefault("5")
    int circuitFailureThreshold();

    /** How long an open circuit refuses requests before one trial request goes through. */
    @WithDefault("10s")
    Duration circuitOpenFor();
}
