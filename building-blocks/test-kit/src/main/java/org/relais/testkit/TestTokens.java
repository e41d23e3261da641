package org.relais.testkit;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Signs access tokens shaped like the realm's (issuer, audience {@code relais-api}, {@code agency},
 * expanded {@code realm_access.roles}) with a key pair made for this JVM; the application under test
 * verifies them with the matching public key, as it verifies Keycloak's with the realm's JWKS.
 */
public final class TestTokens {

    public static final String ISSUER = "https://relais.test/realms/relais";
    public static final String AUDIENCE = "relais-api";

    private static final KeyPair KEYS = generate();

    /** Composite roles of the realm, expanded as Keycloak expands them in tokens. */
    private static final Map<String, List<String>> COMPOSITES = Map.of(
            "caseworker", List.of("referrer"),
            "supervisor", List.of("caseworker", "referrer"));

    private TestTokens() {}

    public static Map<String, String> oidcConfig() {
        return Map.of(
                "quarkus.oidc.public-key",
                        Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded()),
                "quarkus.oidc.token.issuer", ISSUER,
                "quarkus.oidc.token.audience", AUDIENCE);
    }

    /** A token of a user of {@code agency} holding {@code roles} (composites expanded). */
    public static String user(String agency, String username, String... roles) {
        return builder(agency, username, "relais-mobile", roles).sign(KEYS.getPrivate());
    }

    /** A token of a platform user: no {@code agency} claim. */
    public static String platformUser(String username, String... roles) {
        return builder(null, username, "relais-mobile", roles).sign(KEYS.getPrivate());
    }

    /** A token of an agency's service account (client credentials). */
    public static String serviceAccount(String agency, String clientId, String... roles) {
        return builder(agency, "service-account-" + clientId, clientId, roles).sign(KEYS.getPrivate());
    }

    /** A valid token that expires after {@code lifetime}. */
    public static String expiringIn(Duration lifetime, String agency, String username, String... roles) {
        return builder(agency, username, "relais-mobile", roles)
                .issuedAt(Instant.now())
                .expiresAt(Instant.now().plus(lifetime))
                .sign(KEYS.getPrivate());
    }

    /** A token that expired a minute ago. */
    public static String expired(String agency, String username, String... roles) {
        return builder(agency, username, "relais-mobile", roles)
                .issuedAt(Instant.now().minus(Duration.ofMinutes(10)))
                .expiresAt(Instant.now().minus(Duration.ofMinutes(1)))
                .sign(KEYS.getPrivate());
    }

    public static JwtClaimsBuilder builder(String agency, String username, String azp, String... roles) {
        Set<String> expanded = new LinkedHashSet<>(Arrays.asList(roles));
        for (String role : roles) {
            expanded.addAll(COMPOSITES.getOrDefault(role, List.of()));
        }
        JwtClaimsBuilder b = Jwt.issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(UUID.nameUUIDFromBytes(username.getBytes()).toString())
                .claim("preferred_username", username)
                .claim("azp", azp)
                .claim("realm_access", Map.of("roles", List.copyOf(expanded)))
                .expiresIn(Duration.ofMinutes(30));
        if (agency != null) {
            b.claim("agency", agency);
        }
        return b;
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
