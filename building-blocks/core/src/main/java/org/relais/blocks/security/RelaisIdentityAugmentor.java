package org.relais.blocks.security;

import io.quarkus.security.StringPermission;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Lets resources declare {@code @PermissionsAllowed("referral:read")}: the identity's permission
 * checker asks the {@link PermissionPolicy}, so the table of API guide section 2 and the agency's
 * directory entry decide, exactly as in the gateway.
 */
@ApplicationScoped
public class RelaisIdentityAugmentor implements SecurityIdentityAugmentor {

    private final PermissionPolicy policy;

    public RelaisIdentityAugmentor(PermissionPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        CallerContext caller = CallerContext.from(jwt);
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder(identity)
                        .addAttribute(CallerContext.class.getName(), caller)
                        .addPermissionChecker(requested -> {
                            if (!(requested instanceof StringPermission sp)) {
                                return Uni.createFrom().item(false);
                            }
                            // @PermissionsAllowed("referral:read") arrives as name "referral" with action "read"
                            String code =
                                    sp.getActions() == null || sp.getActions().isEmpty()
                                            ? sp.getName()
                                            : sp.getName() + ":" + sp.getActions();
                            return Uni.createFrom()
                                    .item(Permission.byCode(code)
                                            .map(p -> policy.allows(caller, p))
                                            .orElse(false));
                        })
                        .build());
    }
}
