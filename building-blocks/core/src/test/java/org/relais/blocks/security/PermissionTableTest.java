package org.relais.blocks.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The permission table of API guide section 2, written out here independently of {@link Permission}. */
class PermissionTableTest {

    private static final List<String> ROLES = List.of(
            "referrer",
            "caseworker",
            "supervisor",
            "agency-admin",
            "auditor",
            "platform-auditor",
            "platform-admin",
            "internal");

    // one row per permission, an x per role column in the order of ROLES, copied from the contract
    private static final String TABLE = """
            directory:read     x x x x x x x x
            directory:write    . . . . . . x .
            capacity:update    . . x x . . . .
            referral:create    x x x . . . . .
            referral:read      x x x . . . . x
            referral:respond   . x x . . . . .
            case:read          . x x . . . . x
            case:work          . x x . . . . .
            case:supervise     . . x . . . . .
            notification:read  x x x x . . . .
            webhook:manage     . . . x . . . .
            audit:read-agency  . . . . x . . .
            audit:read-all     . . . . . x . x
            """;

    private static Map<String, Set<String>> expected() {
        Map<String, Set<String>> table = new HashMap<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] cells = line.trim().split("\\s+");
            Set<String> roles = new TreeSet<>();
            for (int i = 0; i < ROLES.size(); i++) {
                if (cells[i + 1].equals("x")) {
                    roles.add(ROLES.get(i));
                }
            }
            table.put(cells[0], roles);
        }
        return table;
    }

    @Test
    void everyPermissionGrantsExactlyTheContractRoles() {
        Map<String, Set<String>> expected = expected();
        assertEquals(
                expected.keySet(),
                new TreeSet<>(
                        Arrays.stream(Permission.values()).map(Permission::code).toList()));
        for (Permission p : Permission.values()) {
            assertEquals(expected.get(p.code()), new TreeSet<>(p.roles()), p.code());
        }
    }

    @Test
    void platformUsersAreAdmittedOnlyToDirectoryAndAuditReadAll() {
        for (Permission p : Permission.values()) {
            boolean open = p.code().startsWith("directory:") || p.code().equals("audit:read-all");
            assertEquals(open, p.openToPlatformUsers(), p.code());
        }
    }

    @Test
    void compositeRolesGrantWhatTheirPartsGrant() {
        // tokens carry composites expanded: a caseworker's token holds referrer too
        CallerContext caseworker = new CallerContext("s", "u", "c", "ngo", Set.of("caseworker", "referrer"));
        assertTrue(caseworker.rolesGrant(Permission.REFERRAL_CREATE));
        assertTrue(caseworker.rolesGrant(Permission.CASE_WORK));
        assertFalse(caseworker.rolesGrant(Permission.CASE_SUPERVISE));
        assertFalse(caseworker.rolesGrant(Permission.WEBHOOK_MANAGE));
    }
}
