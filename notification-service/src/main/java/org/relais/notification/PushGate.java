package org.relais.notification;

import jakarta.enterprise.context.ApplicationScoped;
import org.relais.blocks.directory.AgencyDirectory;
import org.relais.blocks.directory.AgencyRecord;
import org.relais.blocks.security.Permission;

/**
 * Whether the directory lets an agency be pushed to now, read at every push: live streams need
 * {@code notification:read}, duty e-mails too, webhook deliveries {@code webhook:manage}. A suspended
 * agency, one whose entry narrows that permission away, and one the directory does not know are held:
 * what is due for them stays stored, unsent and unattempted, and goes out once the directory allows it.
 */
@ApplicationScoped
public class PushGate {

    private final AgencyDirectory directory;

    public PushGate(AgencyDirectory directory) {
        this.directory = directory;
    }

    public boolean open(String agencyId, Permission permission) {
        return directory.find(agencyId).map(a -> open(a, permission)).orElse(false);
    }

    public static boolean open(AgencyRecord agency, Permission permission) {
        return agency.active()
                && (agency.permissions() == null || agency.permissions().contains(permission.code()));
    }
}
