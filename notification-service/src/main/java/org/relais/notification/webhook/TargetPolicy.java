package org.relais.notification.webhook;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Where a webhook may deliver (CONTRACT section 6): https to a public address, or a host the agency lists
 * in {@code webhookAllowedHosts} (names or CIDRs); the demo profile also allows loopback. The address is
 * resolved once and checked; the dispatcher connects to that very address (no DNS rebinding).
 */
public final class TargetPolicy {

    private TargetPolicy() {
    }

    /** The checked address to connect to, or empty with the reason in {@code why[0]}. */
    public static Optional<InetAddress> check(URI url, List<String> allowedHosts, boolean allowLoopback, String[] why) {
        if (url.getScheme() == null || !(url.getScheme().equals("https") || url.getScheme().equals("http")) || url.getHost() == null) {
            why[0] = "must be an absolute http(s) URL";
            return Optional.empty();
        }
        if (url.getUserInfo() != null) {
            why[0] = "must not carry credentials";
            return Optional.empty();
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(url.getHost());
        } catch (UnknownHostException e) {
            why[0] = "host does not resolve";
            return Optional.empty();
        }
        boolean listed = allowedHosts.stream().anyMatch(h -> h.equalsIgnoreCase(url.getHost()) || inCidr(address, h));
        boolean loopback = address.isLoopbackAddress();
        boolean internal = loopback || address.isSiteLocalAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()
                || address.isMulticastAddress() || isUniqueLocal(address);
        if (listed || (loopback && allowLoopback)) {
            return Optional.of(address);
        }
        if (internal) {
            why[0] = "targets a private or loopback address that the agency does not allow";
            return Optional.empty();
        }
        if (!url.getScheme().equals("https")) {
            why[0] = "must use https";
            return Optional.empty();
        }
        return Optional.of(address);
    }

    static boolean inCidr(InetAddress address, String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return false;
        }
        try {
            byte[] net = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            byte[] addr = address.getAddress();
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            if (net.length != addr.length || bits < 0 || bits > net.length * 8) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((net[i / 8] & mask) != (addr[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException | NumberFormatException e) {
            return false;
        }
    }

    private static boolean isUniqueLocal(InetAddress address) {
        return !(address instanceof Inet4Address) && (address.getAddress()[0] & 0xfe) == 0xfc;
    }
}
