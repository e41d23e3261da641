package org.relais.blocks.security;

import io.quarkus.security.StringPermission;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.relais.blocks.problem.ProblemException;

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
                            Optional<Permission> permission = Permission.byCode(code);
                            if (permission.isEmpty()) {
                                return Uni.createFrom().item(false);
                            }
                            PermissionPolicy.Outcome outcome = policy.decide(caller, permission.get());
                            if (outcome == PermissionPolicy.Outcome.DIRECTORY_LOADING) {
                                return Uni.createFrom()
                                        .failure(ProblemException.unavailable(
                                                "The service is still reading the agency directory; retry shortly"));
                            }
                            return Uni.createFrom().item(outcome == PermissionPolicy.Outcome.ALLOWED);
                        })
                        .build());
    }
}
