package org.relais.notification.webhook;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Where a webhook may deliver (API guide section 6). A public target is https on port 443 and every
 * address its name resolves to is globally reachable: none of the IANA IPv4 and IPv6 special-purpose
 * ranges. A host the agency lists in {@code webhookAllowedHosts} (a name, or a CIDR holding the
 * address) may use http and any port, and so may loopback in the demo profile. The caller resolves the
 * name (asynchronously, {@link TargetResolver}) and connects to the address decided here, so a second
 * resolution cannot point the delivery elsewhere (no DNS rebinding).
 */
public final class TargetPolicy {

    /** The address to connect to, or why the target is refused. */
    public record Decision(InetAddress address, String refusal) {
        public boolean allowed() {
            return refusal == null;
        }

        static Decision refuse(String why) {
            return new Decision(null, why);
        }
    }

    private record Range(byte[] network, int bits, String name) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((network[i / 8] & mask) != (address[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    // IANA IPv4 Special-Purpose Address Registry, every entry not globally reachable, plus multicast
    // and the reserved 240/4 (which holds the limited broadcast address)
    private static final List<Range> V4 = List.of(
            range("0.0.0.0/8", "this network"),
            range("10.0.0.0/8", "private-use"),
            range("100.64.0.0/10", "shared address space (CGN)"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local"),
            range("172.16.0.0/12", "private-use"),
            range("192.0.0.0/24", "IETF protocol assignments"),
            range("192.0.2.0/24", "documentation (TEST-NET-1)"),
            range("192.88.99.0/24", "6to4 relay anycast"),
            range("192.168.0.0/16", "private-use"),
            range("198.18.0.0/15", "benchmarking"),
            range("198.51.100.0/24", "documentation (TEST-NET-2)"),
            range("203.0.113.0/24", "documentation (TEST-NET-3)"),
            range("224.0.0.0/4", "multicast"),
            range("240.0.0.0/4", "reserved"),
            range("255.255.255.255/32", "limited broadcast"));

    // IANA IPv6 Special-Purpose Address Registry; ::ffff:0:0/96 is judged by its embedded IPv4 address
    private static final List<Range> V6 = List.of(
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("::/96", "IPv4-compatible (deprecated)"),
            range("64:ff9b::/96", "NAT64 well-known prefix"),
            range("64:ff9b:1::/48", "NAT64 local-use"),
            range("100::/64", "discard-only"),
            range("2001::/32", "Teredo"),
            range("2001:2::/48", "benchmarking"),
            range("2001:10::/28", "ORCHID (deprecated)"),
            range("2001:20::/28", "ORCHIDv2"),
            range("2001::/23", "IETF protocol assignments"),
            range("2001:db8::/32", "documentation"),
            range("2002::/16", "6to4"),
            range("3fff::/20", "documentation"),
            range("5f00::/16", "segment routing (SRv6) SIDs"),
            range("fc00::/7", "unique-local"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "site-local (deprecated)"),
            range("ff00::/8", "multicast"));

    private static final Range GLOBAL_UNICAST = range("2000::/3", "global unicast");
    // written as bytes: InetAddress parses "::ffff:0:0" as the IPv4 address 0.0.0.0
    private static final Range V4_MAPPED = new Range(
            new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0}, 96, "IPv4-mapped");

    private TargetPolicy() {}

    /** What is wrong with the URL itself (scheme, host, credentials), or null: checked before any resolution. */
    public static String syntax(URI url) {
        if (url.getScheme() == null
                || !(url.getScheme().equals("https") || url.getScheme().equals("http"))
                || url.getHost() == null) {
            return "must be an absolute http(s) URL";
        }
        if (url.getUserInfo() != null) {
            return "must not carry credentials";
        }
        return null;
    }

    /** The host as a resolver takes it (an IPv6 literal without its brackets). */
    public static String host(URI url) {
        String h = url.getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /**
     * Decides over every address the host resolved to: all must be allowed (a name that also points
     * inside would otherwise pass by its public address); the first is the one to connect to.
     */
    public static Decision decide(
            URI url, List<InetAddress> addresses, List<String> allowedHosts, boolean allowLoopback) {
        String bad = syntax(url);
        if (bad != null) {
            return Decision.refuse(bad);
        }
        if (addresses.isEmpty()) {
            return Decision.refuse("host does not resolve");
        }
        boolean listedName =
                allowedHosts.stream().anyMatch(h -> h.equalsIgnoreCase(url.getHost()) || h.equalsIgnoreCase(host(url)));
        boolean https = url.getScheme().equals("https");
        int port = url.getPort() < 0 ? (https ? 443 : 80) : url.getPort();
        for (InetAddress address : addresses) {
            boolean listed = listedName || allowedHosts.stream().anyMatch(h -> inCidr(address, h));
            if (listed || (allowLoopback && address.isLoopbackAddress())) {
                continue;
            }
            String special = specialPurpose(address);
            if (special != null) {
                return Decision.refuse(
                        "targets a special-purpose address (" + special + ") that the agency does not allow");
            }
            if (!https) {
                return Decision.refuse("must use https");
            }
            if (port != 443) {
                return Decision.refuse("must use port 443 (other ports only for hosts the agency allows)");
            }
        }
        return new Decision(addresses.get(0), null);
    }

    /** The special-purpose range holding the address (its name), or null when it is globally reachable. */
    public static String specialPurpose(InetAddress address) {
        byte[] a = address.getAddress();
        if (address instanceof Inet4Address) {
            return first(V4, a);
        }
        if (V4_MAPPED.contains(a)) {
            // ::ffff:a.b.c.d reaches a.b.c.d: judged as that address
            byte[] v4 = java.util.Arrays.copyOfRange(a, 12, 16);
            String inner = first(V4, v4);
            return inner == null ? null : "IPv4-mapped " + inner;
        }
        String named = first(V6, a);
        if (named != null) {
            return named;
        }
        if (!GLOBAL_UNICAST.contains(a)) {
            // outside 2000::/3 nothing is allocated for global unicast
            return "not global unicast";
        }
        return null;
    }

    private static String first(List<Range> ranges, byte[] a) {
        for (Range r : ranges) {
            if (r.contains(a)) {
                return r.name();
            }
        }
        return null;
    }

    static boolean inCidr(InetAddress address, String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return false;
        }
        try {
            String net = cidr.substring(0, slash);
            if (!isLiteral(net)) {
                return false;
            }
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            byte[] network = InetAddress.getByName(net).getAddress();
            if (bits < 0 || bits > network.length * 8) {
                return false;
            }
            return new Range(network, bits, cidr).contains(address.getAddress());
        } catch (UnknownHostException | NumberFormatException e) {
            return false;
        }
    }

    /** An IP literal (parsing it never asks DNS). */
    static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static Range range(String cidr, String name) {
        int slash = cidr.indexOf('/');
        try {
            return new Range(
                    InetAddress.getByName(cidr.substring(0, slash)).getAddress(),
                    Integer.parseInt(cidr.substring(slash + 1)),
                    name);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }

    /** First and last address of a CIDR, for tests. */
    static InetAddress[] bounds(String cidr) throws UnknownHostException {
        int slash = cidr.indexOf('/');
        byte[] net = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
        int bits = Integer.parseInt(cidr.substring(slash + 1));
        int width = net.length * 8;
        BigInteger base = new BigInteger(1, net).shiftRight(width - bits).shiftLeft(width - bits);
        BigInteger last = base.or(BigInteger.ONE.shiftLeft(width - bits).subtract(BigInteger.ONE));
        return new InetAddress[] {address(base, net.length), address(last, net.length)};
    }

    static InetAddress address(BigInteger value, int length) throws UnknownHostException {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        // Inet6Address.getByAddress keeps ::ffff:a.b.c.d as IPv6 (InetAddress.getByAddress would not)
        return length == 4 ? InetAddress.getByAddress(out) : Inet6Address.getByAddress(null, out, -1);
    }
}
