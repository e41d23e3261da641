package org.relais.blocks.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    @Test
    void sortsMembersByUtf16CodeUnitsAndDropsWhitespace() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1);
        m.put("a", List.of(true, false));
        m.put("\u20ac", "euro");
        m.put("\r", "cr");
        m.put("\ufb33", "dalet"); // U+FB33 sorts after the surrogate pair of U+1F600 by UTF-16 code unit
        m.put("\ud83d\ude00", "emoji");
        m.put("1", null);
        assertEquals(
                "{\"\\r\":\"cr\",\"1\":null,\"a\":[true,false],\"b\":1,\"\u20ac\":\"euro\",\"\ud83d\ude00\":\"emoji\",\"\ufb33\":\"dalet\"}",
                CanonicalJson.of(m));
    }

    @Test
    void escapesStringsAsJsonStringifyDoes() {
        assertEquals(
                "\"\\u0000\\b\\t\\n\\f\\r\\u001f \\\"\\\\ / \u00e9\u0627\"",
                CanonicalJson.of("\u0000\b\t\n\f\r\u001f \"\\ / \u00e9\u0627"));
    }

    @Test
    void writesNumbersInEcmaScriptForm() {
        // examples from RFC 8785 appendix B
        assertEquals("0", CanonicalJson.of(0.0));
        assertEquals("1e+30", CanonicalJson.of(1e30));
        assertEquals("4.5", CanonicalJson.of(4.50));
        assertEquals("0.002", CanonicalJson.of(2e-3));
        assertEquals("1e-7", CanonicalJson.of(1e-7));
        assertEquals("333333333.3333333", CanonicalJson.of(333333333.33333329));
        assertEquals("100000000000000000000", CanonicalJson.of(1e20));
        assertEquals("-1.5", CanonicalJson.of(-1.5));
        assertEquals("9007199254740991", CanonicalJson.of(9007199254740991L));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.of(Double.NaN));
    }

    @Test
    void entryHashMatchesAnIndependentComputation() {
        // computed outside Java: sha256(prevHash + json.dumps(entry, sort_keys=True, separators=(',', ':')))
        AuditEntry entry = new AuditEntry(
                        0,
                        "referral-service",
                        Instant.parse("2026-11-23T10:15:30.123456Z"),
                        "relais.referral.sent",
                        "police-casa-anfa",
                        "police-caseworker",
                        "0193a0c2-0000-7000-8000-000000000001",
                        null,
                        null)
                .sealed(1, AuditEntry.GENESIS);
        assertEquals(
                "{\"actor\":\"police-caseworker\",\"agencyId\":\"police-casa-anfa\",\"at\":\"2026-11-23T10:15:30.123456Z\","
                        + "\"entityId\":\"0193a0c2-0000-7000-8000-000000000001\",\"prevHash\":\"" + AuditEntry.GENESIS
                        + "\",\"seq\":1,\"service\":\"referral-service\",\"type\":\"relais.referral.sent\"}",
                entry.canonicalJson());
        assertEquals("c998946aa5f43ea09bc6b89065d8beabad98792e64f9b638bf8321b63d93b4f4", entry.hash());
    }
}
