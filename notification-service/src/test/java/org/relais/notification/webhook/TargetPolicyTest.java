package org.relais.notification.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every special-purpose range of the IANA registries is refused, from its first address to its last; its neighbours are not. */
class TargetPolicyTest {

    /** The ranges of the brief, written out independently of the policy's own table. */
    private static final List<String> SPECIAL = List.of(
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.88.99.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/4",
            "240.0.0.0/4",
            "255.255.255.255/32",
            "::/128",
            "::1/128",
            "64:ff9b::/96",
            "64:ff9b:1::/48",
            "100::/64",
            "2001::/23",
            "2001::/32",
            "2001:2::/48",
            "2001:10::/28",
            "2001:20::/28",
            "2001:db8::/32",
            "2002::/16",
            "fc00::/7",
            "fe80::/10",
            "ff00::/8",
            "fec0::/10");

    /** Addresses just outside a range that are globally reachable. */
    private static final List<String> PUBLIC_NEIGHBOURS = List.of(
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "191.255.255.255",
            "192.0.1.0",
            "192.0.1.255",
            "192.0.3.0",
            "192.88.98.255",
            "192.88.100.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
            "2000::",
            "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:200::",
            "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:db9::",
            "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2003::",
            "2a00:1450:4007:80e::200e",
            "93.184.216.34");

    @Test
    void everyAddressOfEverySpecialRangeIsRefusedAtBothEdges() throws Exception {
        for (String cidr : SPECIAL) {
            InetAddress[] bounds = TargetPolicy.bounds(cidr);
            for (InetAddress edge : bounds) {
                assertNotNull(TargetPolicy.specialPurpose(edge), cidr + ": " + edge.getHostAddress() + " passed");
                assertRefused("https://" + literal(edge) + "/hook", edge);
            }
            // one inside, between the edges
            BigInteger middle = new BigInteger(1, bounds[0].getAddress())
                    .add(new BigInteger(1, bounds[1].getAddress()))
                    .shiftRight(1);
            assertNotNull(
                    TargetPolicy.specialPurpose(TargetPolicy.address(middle, bounds[0].getAddress().length)), cidr);
        }
    }

    @Test
    void theNeighboursOfTheRangesArePublic() throws Exception {
        for (String a : PUBLIC_NEIGHBOURS) {
            InetAddress address = InetAddress.getByName(a);
            assertNull(TargetPolicy.specialPurpose(address), a + " refused");
            assertTrue(
                    TargetPolicy.decide(URI.create("https://partner.example/hook"), List.of(address), List.of(), false)
                            .allowed(),
                    a);
        }
    }

    @Test
    void anIpv4MappedAddressIsJudgedByItsEmbeddedAddressAnd6to4IsRefused() throws Exception {
        assertNotNull(
                TargetPolicy.specialPurpose(TargetPolicy.address(new BigInteger("ffff7f000001", 16), 16)),
                "::ffff:127.0.0.1");
        assertNotNull(
                TargetPolicy.specialPurpose(TargetPolicy.address(new BigInteger("ffffa9fea9fe", 16), 16)),
                "::ffff:169.254.169.254");
        assertNull(
                TargetPolicy.specialPurpose(TargetPolicy.address(new BigInteger("ffff5db8d822", 16), 16)),
                "::ffff:93.184.216.34");
        // 6to4 of a public and of a private address, Teredo, NAT64 of a public address: all special
        for (String a : List.of(
                "2002:5db8:d822::1",
                "2002:c0a8:0101::1",
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                "64:ff9b::5db8:d822",
                "64:ff9b:1::a00:1",
                "fec0::1",
                "3fff::1",
                "5f00::1",
                "4000::1",
                "::7f00:1")) {
            assertNotNull(TargetPolicy.specialPurpose(InetAddress.getByName(a)), a);
        }
    }

    @Test
    void publicTargetsOnlyOnHttpsPort443() throws Exception {
        List<InetAddress> pub = List.of(InetAddress.getByName("93.184.216.34"));
        assertTrue(TargetPolicy.decide(URI.create("https://partner.example/hook"), pub, List.of(), false)
                .allowed());
        assertTrue(TargetPolicy.decide(URI.create("https://partner.example:443/hook"), pub, List.of(), false)
                .allowed());
        assertEquals(
                "must use https",
                TargetPolicy.decide(URI.create("http://partner.example/hook"), pub, List.of(), false)
                        .refusal());
        assertTrue(TargetPolicy.decide(URI.create("https://partner.example:8443/hook"), pub, List.of(), false)
                .refusal()
                .contains("443"));
        // a name that also resolves inside is refused, whichever address comes first
        List<InetAddress> mixed = List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.1.2.3"));
        assertTrue(TargetPolicy.decide(URI.create("https://partner.example/hook"), mixed, List.of(), false)
                .refusal()
                .contains("private"));
        assertEquals(
                "host does not resolve",
                TargetPolicy.decide(URI.create("https://partner.example/hook"), List.of(), List.of(), false)
                        .refusal());
        assertEquals(
                "must not carry credentials",
                TargetPolicy.decide(URI.create("https://u:p@partner.example/hook"), pub, List.of(), false)
                        .refusal());
    }

    @Test
    void allowedHostsAndDemoLoopbackMayUseOtherPortsAndHttp() throws Exception {
        List<InetAddress> inside = List.of(InetAddress.getByName("10.9.3.4"));
        assertTrue(TargetPolicy.decide(URI.create("http://10.9.3.4:8080/hook"), inside, List.of("10.9.0.0/16"), false)
                .allowed());
        assertTrue(TargetPolicy.decide(
                        URI.create("http://hooks.agency.internal:9000/x"),
                        inside,
                        List.of("hooks.agency.internal"),
                        false)
                .allowed());
        assertTrue(!TargetPolicy.decide(
                        URI.create("http://10.8.3.4:8080/hook"),
                        List.of(InetAddress.getByName("10.8.3.4")),
                        List.of("10.9.0.0/16"),
                        false)
                .allowed());
        // a listed public host may use another port
        assertTrue(TargetPolicy.decide(
                        URI.create("https://partner.example:8443/hook"),
                        List.of(InetAddress.getByName("93.184.216.34")),
                        List.of("partner.example"),
                        false)
                .allowed());
        List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"));
        assertTrue(TargetPolicy.decide(URI.create("http://127.0.0.1:8099/hook"), loopback, List.of(), true)
                .allowed());
        assertTrue(!TargetPolicy.decide(URI.create("http://127.0.0.1:8099/hook"), loopback, List.of(), false)
                .allowed());
        assertTrue(TargetPolicy.decide(
                        URI.create("http://[::1]:8099/hook"), List.of(InetAddress.getByName("::1")), List.of(), true)
                .allowed());
    }

    private static void assertRefused(String url, InetAddress address) {
        TargetPolicy.Decision d = TargetPolicy.decide(URI.create(url), List.of(address), List.of(), false);
        assertTrue(!d.allowed() && d.refusal().contains("special-purpose"), url + " -> " + d);
    }

    private static String literal(InetAddress a) {
        String h = a.getHostAddress();
        int scope = h.indexOf('%');
        h = scope < 0 ? h : h.substring(0, scope);
        return h.indexOf(':') >= 0 ? "[" + h + "]" : h;
    }
}
