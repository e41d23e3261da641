package org.relais.gateway.routing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;

/** Where the services are and how long the gateway waits for them. */
@ConfigMapping(prefix = "relais.gateway")
public interface GatewayConfig {

    /**
     * Base URLs of the referral-service's instances, comma-separated (one is fine), e.g.
     * {@code http://127.0.0.1:8081,http://127.0.0.1:8091}: requests are spread over them round robin.
     */
    @WithName("referral-url")
    List<String> referralUrls();

    /** Base URLs of the case-service's instances, as {@link #referralUrls()}. */
    @WithName("case-url")
    List<String> caseUrls();

    /** Base URLs of the notification-service's instances, as {@link #referralUrls()}. */
    @WithName("notification-url")
    List<String> notificationUrls();

    /** The first referral-service instance: for what calls one instance only (the audit fan-out, the API documents). */
    default String referralUrl() {
        return first(referralUrls());
    }

    /** The first case-service instance, as {@link #referralUrl()}. */
    default String caseUrl() {
        return first(caseUrls());
    }

    /** The first notification-service instance, as {@link #referralUrl()}. */
    default String notificationUrl() {
        return first(notificationUrls());
    }

    /** The instances' base URLs, trimmed, none empty. */
    static List<String> instances(List<String> urls) {
        List<String> all =
                urls.stream().map(String::trim).filter(u -> !u.isEmpty()).toList();
        if (all.isEmpty()) {
            throw new IllegalStateException("A service needs at least one base URL");
        }
        return all;
    }

    private static String first(List<String> urls) {
        return instances(urls).get(0);
    }

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
