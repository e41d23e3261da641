package org.relais.blocks.security;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;

/** The {@link CallerContext} of the current request. */
@ApplicationScoped
public class Callers {

    private final SecurityIdentity identity;

    public Callers(SecurityIdentity identity) {
        this.identity = identity;
    }

    public CallerContext current() {
        CallerContext caller = identity.getAttribute(CallerContext.class.getName());
        if (caller == null) {
            throw new UnauthorizedException();
        }
        return caller;
    }
}
