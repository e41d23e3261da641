package org.relais.blocks.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.relais.blocks.security.CallerContext;
import org.relais.blocks.security.Permission;
import org.relais.blocks.security.PermissionPolicy;

/**
 * A component that has just started and not yet read the agency directory does not know any agency: that is not the
 * caller's fault. It must answer "retry" (503), not "your agency is unknown" (403), which the steady-stream fault test
 * caught as a case closure refused right after the case-service restarted.
 */
class DirectoryLoadingTest {

    private final CallerContext caseworker = new CallerContext("s", "u", "c", "ngo", Set.of("caseworker", "referrer"));

    @Test
    void anAgencyNotYetReadIsALoadingDirectoryAndAnUnknownOneOnlyOnceItIsRead() {
        AgencyDirectory directory = new AgencyDirectory();
        PermissionPolicy policy = new PermissionPolicy(directory);
        assertEquals(PermissionPolicy.Outcome.DIRECTORY_LOADING, policy.decide(caseworker, Permission.CASE_WORK));
        directory.markCaughtUp();
        assertEquals(PermissionPolicy.Outcome.AGENCY_UNKNOWN, policy.decide(caseworker, Permission.CASE_WORK));
    }
}
