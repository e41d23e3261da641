package org.relais.gateway.routing;

import io.vertx.core.http.HttpMethod;
import java.util.Optional;
import java.util.Set;
import org.relais.blocks.security.Permission;

/**
 * API guide section 7's routes and the permission each one needs (API guide section 2), decided from the
 * method and the path before any service sees the request. The services check again.
 */
public final class RouteTable {

    public enum Backend {
        REFERRAL,
        CASE,
        NOTIFICATION
    }

    public record Route(Backend backend, Permission permission, boolean stream) {}

    private static final Set<String> RESPOND_ACTIONS =
            Set.of("acknowledge", "accept", "decline", "redirect", "start", "hold", "complete", "fail");

    private RouteTable() {}

    /** The route for this request, or empty when no service serves the path. */
    public static Optional<Route> resolve(HttpMethod method, String path) {
        if (!path.startsWith("/api/v1/")) {
            return Optional.empty();
        }
        String[] s = path.substring("/api/v1/".length()).split("/", -1);
        boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
        return Optional.ofNullable(
                switch (s[0]) {
                    case "agencies" -> new Route(Backend.REFERRAL, agencies(method, s, read), false);
                    case "referrals" -> new Route(Backend.REFERRAL, referrals(method, s, read), false);
                    case "cases" ->
                        new Route(
                                Backend.CASE,
                                read
                                        ? Permission.CASE_READ
                                        : s.length == 3 && s[2].equals("assign")
                                                ? Permission.CASE_SUPERVISE
                                                : Permission.CASE_WORK,
                                false);
                    case "notifications" ->
                        new Route(
                                Backend.NOTIFICATION,
                                Permission.NOTIFICATION_READ,
                                read && s.length == 2 && s[1].equals("stream"));
                    case "webhooks" -> new Route(Backend.NOTIFICATION, Permission.WEBHOOK_MANAGE, false);
                    default -> null;
                });
    }

    private static Permission agencies(HttpMethod method, String[] s, boolean read) {
        if (read) {
            return Permission.DIRECTORY_READ;
        }
        if (method == HttpMethod.PUT && s.length == 3 && s[2].equals("capacity")) {
            return Permission.CAPACITY_UPDATE;
        }
        return Permission.DIRECTORY_WRITE;
    }

    private static Permission referrals(HttpMethod method, String[] s, boolean read) {
        if (read) {
            return Permission.REFERRAL_READ;
        }
        if (method == HttpMethod.POST && s.length == 3) {
            if (RESPOND_ACTIONS.contains(s[2])) {
                return Permission.REFERRAL_RESPOND;
            }
            if (s[2].equals("withdraw-consent")) {
                // sender or receiver: both parties hold referral:read; the service checks which one calls
                return Permission.REFERRAL_READ;
            }
        }
        return Permission.REFERRAL_CREATE;
    }
}
