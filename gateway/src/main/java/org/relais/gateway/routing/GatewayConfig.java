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

    /** Pooled connections per backend, for everything but live streams. */
    @WithDefault("64")
    int poolSize();

    /** Live streams: a pool of their own and the room each user, agency and the gateway has for them. */
    Streams streams();

    /** Consecutive failures (no connection, no answer in time) that open a backend's circuit. */
    @WithDefault("5")
    int circuitFailureThreshold();

    /** How long an open circuit refuses requests before one trial request goes through. */
    @WithDefault("10s")
    Duration circuitOpenFor();

    interface Streams {

        /** Live streams open at once through this gateway, and the size of their own connection pool. */
        @WithDefault("2000")
        int maxTotal();

        /** Live streams one user (the token's subject) may hold open at once. */
        @WithDefault("5")
        int perUser();

        /** Live streams the members and service accounts of one agency may hold open at once. */
        @WithDefault("200")
        int perAgency();

        /** The Retry-After of a stream refused for want of room. */
        @WithDefault("30s")
        Duration retryAfter();
    }
}
