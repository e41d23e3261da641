package org.relais.blocks.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;

/**
 * The one decision, shared by the gateway and every service: may this caller use this permission now?
 * Roles come from the token; the agency's directory entry (active, {@code permissions}) is read at
 * each decision, so a suspension or narrowing applies without waiting for tokens to expire.
 */
@ApplicationScoped
public class PermissionPolicy {

    public enum Outcome {
        ALLOWED,
        ROLE_LACKS_PERMISSION,
        PLATFORM_USER,
        AGENCY_UNKNOWN,
        /**
         * The caller's agency is not known yet because the directory is still being read (a service just started):
         * not a refusal, a 503 to retry (a 403 here would tell a genuine agency it is not one).
         */
        DIRECTORY_LOADING,
        AGENCY_SUSPENDED,
        AGENCY_NARROWED
    }

    private final AgencyDirectory directory;

    public PermissionPolicy(AgencyDirectory directory) {
        this.directory = directory;
    }

    public Outcome decide(CallerContext caller, Permission permission) {
        if (!caller.rolesGrant(permission)) {
            return Outcome.ROLE_LACKS_PERMISSION;
        }
        if (caller.isPlatform()) {
            // the services' own clients hold 'internal' and no agency; they are trusted with what it grants
            return permission.openToPlatformUsers() || caller.isInternal() ? Outcome.ALLOWED : Outcome.PLATFORM_USER;
        }
        Optional<AgencyRecord> agency = directory.find(caller.agencyId());
        if (agency.isEmpty()) {
            return directory.caughtUp() ? Outcome.AGENCY_UNKNOWN : Outcome.DIRECTORY_LOADING;
        }
        if (!agency.get().active()) {
            return Outcome.AGENCY_SUSPENDED;
        }
        if (agency.get().permissions() != null && !agency.get().permissions().contains(permission.code())) {
            return Outcome.AGENCY_NARROWED;
        }
        return Outcome.ALLOWED;
    }

    public boolean allows(CallerContext caller, Permission permission) {
        return decide(caller, permission) == Outcome.ALLOWED;
    }
}
