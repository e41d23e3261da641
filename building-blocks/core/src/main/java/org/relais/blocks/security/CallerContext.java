package org.relais.blocks.security;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is calling, from the access token: the {@code agency} claim (absent for platform users and the
 * services' own clients), the expanded realm roles, {@code sub}, {@code preferred_username}, {@code azp}.
 */
public record CallerContext(String subject, String username, String clientId, String agencyId, Set<String> roles) {

    public static final String INTERNAL_ROLE = "internal";

    public static CallerContext from(JsonWebToken jwt) {
        Set<String> roles = new LinkedHashSet<>();
        Object realmAccess = jwt.getClaim("realm_access");
        if (realmAccess instanceof Map<?, ?> map && map.get("roles") instanceof Collection<?> list) {
            list.forEach(r -> roles.add(String.valueOf(r).replace("\"", "")));
        } else if (realmAccess instanceof jakarta.json.JsonObject json && json.containsKey("roles")) {
            json.getJsonArray("roles")
                    .getValuesAs(jakarta.json.JsonString.class)
                    .forEach(s -> roles.add(s.getString()));
        }
        String agency =
                jwt.getClaim("agency") == null ? null : stripQuotes(String.valueOf((Object) jwt.getClaim("agency")));
        String username = jwt.getClaim("preferred_username") == null
                ? jwt.getSubject()
                : stripQuotes(String.valueOf((Object) jwt.getClaim("preferred_username")));
        String azp = jwt.getClaim("azp") == null ? null : stripQuotes(String.valueOf((Object) jwt.getClaim("azp")));
        return new CallerContext(
                jwt.getSubject(), username, azp, agency == null || agency.isBlank() ? null : agency, Set.copyOf(roles));
    }

    public boolean isPlatform() {
        return agencyId == null;
    }

    public boolean isInternal() {
        return roles.contains(INTERNAL_ROLE);
    }

    public boolean isServiceAccount() {
        return username != null && username.startsWith("service-account-");
    }

    /** Whether the caller's roles grant the permission, before any agency narrowing. */
    public boolean rolesGrant(Permission permission) {
        return permission.roles().stream().anyMatch(roles::contains);
    }

    private static String stripQuotes(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
