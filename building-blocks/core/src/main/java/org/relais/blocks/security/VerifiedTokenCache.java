package org.relais.blocks.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.runtime.OidcIdentityProvider;
import io.quarkus.oidc.runtime.OidcUtils;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies each distinct access token once: a mobile client or a partner system sends the same token
 * on every request until it expires, and checking its RSA signature (and parsing it) again each time
 * was most of the gateway's CPU per request (BENCHMARKS.md). The first request of a token goes to
 * Quarkus' OIDC provider as before; the identity it yields is kept, keyed by the SHA-256 of the token,
 * until the token's own expiry, and only for a token the provider accepted (a tampered or foreign
 * token is a different string, so it misses and is refused as before).
 *
 * <p>Only the verification is cached: the augmentor ({@link RelaisIdentityAugmentor}) and the
 * permission, directory and suspension checks still run on every request, so a suspended agency is
 * refused at once. What a cache cannot see: a signing key withdrawn from the realm before the tokens
 * it signed expire (tokens live minutes). {@code relais.security.verified-token-cache.max-size} bounds
 * the entries (0 turns the cache off).
 */
@ApplicationScoped
public class VerifiedTokenCache implements IdentityProvider<TokenAuthenticationRequest> {

    private final OidcIdentityProvider oidc;
    private final int maxSize;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Counter hits;
    private final Counter misses;

    private record Entry(SecurityIdentity identity, long expiresAtMillis) {}

    public VerifiedTokenCache(
            OidcIdentityProvider oidc,
            MeterRegistry registry,
            @ConfigProperty(name = "relais.security.verified-token-cache.max-size", defaultValue = "10000")
                    int maxSize) {
        this.oidc = oidc;
        this.maxSize = maxSize;
        this.hits = Counter.builder("relais.security.verified.tokens")
                .tag("result", "hit")
                .description("Requests whose access token had been verified before")
                .register(registry);
        this.misses = Counter.builder("relais.security.verified.tokens")
                .tag("result", "miss")
                .description("Requests whose access token was verified (signature, issuer, expiry)")
                .register(registry);
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    /**
     * Before the OIDC provider, which it calls itself on a miss. Providers that do not say have priority
     * {@code SYSTEM_FIRST + 1}, as the OIDC provider does; a tie would leave the order to chance.
     */
    @Override
    public int priority() {
        return SYSTEM_FIRST + 1000;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(
            TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        if (maxSize <= 0
                || !(request.getToken() instanceof AccessTokenCredential)
                || request.getToken().getToken() == null) {
            return oidc.authenticate(request, context);
        }
        String key = digest(request.getToken().getToken());
        long now = System.currentTimeMillis();
        Entry entry = entries.get(key);
        RoutingContext rc = HttpSecurityUtils.getRoutingContextAttribute(request);
        if (entry != null && now < entry.expiresAtMillis()) {
            hits.increment();
            return Uni.createFrom().item(forRequest(entry.identity(), rc));
        }
        misses.increment();
        return oidc.authenticate(request, context).invoke(identity -> remember(key, identity, now));
    }

    private void remember(String key, SecurityIdentity identity, long now) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return;
        }
        long expiresAt = jwt.getExpirationTime() * 1000L;
        if (expiresAt <= now) {
            return;
        }
        if (entries.size() >= maxSize) {
            entries.values().removeIf(e -> e.expiresAtMillis() <= now);
            if (entries.size() >= maxSize) {
                entries.clear(); // a burst of distinct tokens: start over rather than grow
            }
        }
        // the identity without the request it was made for (a cached entry must not hold a finished request)
        entries.put(key, new Entry(forRequest(identity, null), expiresAt));
    }

    /** The cached identity bound to this request's routing context, as the OIDC provider binds a new one. */
    private static SecurityIdentity forRequest(SecurityIdentity identity, RoutingContext rc) {
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder(identity);
        if (rc == null) {
            builder.addAttribute(RoutingContext.class.getName(), null)
                    .addAttribute(AuthenticationRequestContext.class.getName(), null);
        } else {
            OidcUtils.setRoutingContextAttribute(builder, rc);
            OidcUtils.setBlockingApiAttribute(builder, rc);
        }
        return builder.build();
    }

    int size() {
        return entries.size();
    }

    private static String digest(String token) {
        try {
            return Base64.getEncoder()
                    .encodeToString(
                            MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
