package org.relais.blocks.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The services' default trusted proxies are CIDR ranges only. Quarkus reads any other entry (a bare IPv6 address such
 * as {@code ::1} included) as a host name and resolves it through DNS on every request: the benchmarks found every
 * request to every service waiting on that lookup, up to its 5 s timeout where DNS does not answer.
 */
class TrustedProxiesConfigTest {

    private static final Pattern IPV4_CIDR = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");
    private static final Pattern IPV6_CIDR = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:]*/\\d{1,3}");

    @Test
    void everyDefaultTrustedProxyIsACidrRangeNotANameToLookUp() throws Exception {
        Properties p = new Properties();
        try (InputStream in =
                getClass().getClassLoader().getResourceAsStream("META-INF/microprofile-config.properties")) {
            p.load(in);
        }
        String value = p.getProperty("quarkus.http.proxy.trusted-proxies");
        Matcher withDefault = Pattern.compile("\\$\\{[A-Z_]+:(.*)}").matcher(value);
        String entries = withDefault.matches() ? withDefault.group(1) : value;
        assertFalse(entries.isBlank());
        for (String entry : entries.split(",")) {
            String e = entry.trim();
            assertTrue(
                    IPV4_CIDR.matcher(e).matches() || IPV6_CIDR.matcher(e).matches(),
                    e + " is not a CIDR range: Quarkus would look it up in DNS on every request");
        }
    }
}
