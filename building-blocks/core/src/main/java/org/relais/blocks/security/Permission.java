package org.relais.blocks.security;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The permission table of API guide section 2: each permission and the realm roles that grant it.
 * The gateway applies it to every route and every service applies it again.
 */
public enum Permission {
    DIRECTORY_READ(
            "directory:read",
            "referrer",
            "caseworker",
            "supervisor",
            "agency-admin",
            "auditor",
            "platform-auditor",
            "platform-admin",
            "internal"),
    DIRECTORY_WRITE("directory:write", "platform-admin"),
    CAPACITY_UPDATE("capacity:update", "supervisor", "agency-admin"),
    REFERRAL_CREATE("referral:create", "referrer", "caseworker", "supervisor"),
    REFERRAL_READ("referral:read", "referrer", "caseworker", "supervisor", "internal"),
    REFERRAL_RESPOND("referral:respond", "caseworker", "supervisor"),
    CASE_READ("case:read", "caseworker", "supervisor", "internal"),
    CASE_WORK("case:work", "caseworker", "supervisor"),
    CASE_SUPERVISE("case:supervise", "supervisor"),
    NOTIFICATION_READ("notification:read", "referrer", "caseworker", "supervisor", "agency-admin"),
    WEBHOOK_MANAGE("webhook:manage", "agency-admin"),
    AUDIT_READ_AGENCY("audit:read-agency", "auditor"),
    AUDIT_READ_ALL("audit:read-all", "platform-auditor", "internal");

    private final String code;
    private final Set<String> roles;

    Permission(String code, String... roles) {
        this.code = code;
        this.roles = Set.of(roles);
    }

    public String code() {
        return code;
    }

    public Set<String> roles() {
        return roles;
    }

    /** Whether a caller without an agency (platform users, the services' own clients) may use it. */
    public boolean openToPlatformUsers() {
        return code.startsWith("directory:") || this == AUDIT_READ_ALL;
    }

    public static Optional<Permission> byCode(String code) {
        return Arrays.stream(values()).filter(p -> p.code.equals(code)).findFirst();
    }

    // Permission names used in @PermissionsAllowed, which needs compile-time constants.
    public static final String DIRECTORY_READ_CODE = "directory:read";
    public static final String DIRECTORY_WRITE_CODE = "directory:write";
    public static final String CAPACITY_UPDATE_CODE = "capacity:update";
    public static final String REFERRAL_CREATE_CODE = "referral:create";
    public static final String REFERRAL_READ_CODE = "referral:read";
    public static final String REFERRAL_RESPOND_CODE = "referral:respond";
    public static final String CASE_READ_CODE = "case:read";
    public static final String CASE_WORK_CODE = "case:work";
    public static final String CASE_SUPERVISE_CODE = "case:supervise";
    public static final String NOTIFICATION_READ_CODE = "notification:read";
    public static final String WEBHOOK_MANAGE_CODE = "webhook:manage";
    public static final String AUDIT_READ_AGENCY_CODE = "audit:read-agency";
    public static final String AUDIT_READ_ALL_CODE = "audit:read-all";
}
