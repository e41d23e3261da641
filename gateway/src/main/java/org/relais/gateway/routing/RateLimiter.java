package org.relais.gateway.routing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per client ({@code azp} and {@code sub} of the token): {@code requests-per-second}
 * refill up to {@code burst}; an agency may have its own rate. An exhausted bucket answers how long
 * until the next token, for {@code Retry-After}.
 */
@ApplicationScoped
public class RateLimiter {

    @ConfigMapping(prefix = "relais.gateway.rate-limit")
    public interface Config {
        @WithDefault("20")
        double requestsPerSecond();

        @WithDefault("40")
        int burst();

        /** Per-agency requests per second (burst: two seconds' worth), e.g. relais.gateway.rate-limit.agencies.ngo-casa-ecoute=50 */
        Map<String, Double> agencies();
    }

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(double tokens) {
            this.tokens = tokens;
            this.last = System.nanoTime();
        }
    }

    private final Config config;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(Config config) {
        this.config = config;
    }

    /** Empty if the request may pass; otherwise the seconds to wait. */
    public Optional<Long> acquire(String client, String agencyId) {
        Double own = agencyId == null ? null : config.agencies().get(agencyId);
        double rate = own != null ? own : config.requestsPerSecond();
        // an agency with its own rate gets a burst of two seconds' worth
        double burst = own != null ? Math.max(1, 2 * own) : Math.max(config.burst(), rate);
        Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(burst));
        synchronized (b) {
            long now = System.nanoTime();
            b.tokens = Math.min(burst, b.tokens + (now - b.last) / 1e9 * rate);
            b.last = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return Optional.empty();
            }
            return Optional.of((long) Math.ceil((1 - b.tokens) / rate));
        }
    }
}
