package org.relais.gateway.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.relais.blocks.audit.AuditEntry;

/** The audit chains the stub services hold: a few sealed entries each, about one referral and its case. */
final class AuditStubs {

    static final String REFERRAL_ID = "0193a0c2-0000-7000-8000-000000000001";
    static final String CASE_ID = "0193a0c2-0000-7000-8000-0000000000c1";
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    /** Set by a test to make the case-service's stored chain disagree with what was anchored. */
    static volatile boolean tamperCaseChain;

    private AuditStubs() {}

    static List<AuditEntry> chain(String service) {
        List<AuditEntry> out = new ArrayList<>();
        String prev = AuditEntry.GENESIS;
        Instant t0 = Instant.parse("2026-11-23T10:00:00.000001Z");
        Object[][] rows = switch (service) {
            case "referral" ->
                new Object[][] {
                    {0, "relais.referral.sent", "police-casa-anfa", "police-caseworker", REFERRAL_ID},
                    {2, AuditEntry.READ_TYPE, "ngo-casa-ecoute", "ngo-caseworker", REFERRAL_ID},
                    {3, "relais.referral.accepted", "ngo-casa-ecoute", "ngo-caseworker", REFERRAL_ID}
                };
            case "case" ->
                new Object[][] {
                    {4, "relais.case.opened", "ngo-casa-ecoute", "relais-case-service", CASE_ID},
                    {6, AuditEntry.READ_TYPE, "ngo-casa-ecoute", "ngo-caseworker", CASE_ID}
                };
            default -> new Object[][] {};
        };
        long seq = 1;
        for (Object[] r : rows) {
            AuditEntry e = new AuditEntry(
                            0,
                            service + "-service",
                            t0.plusSeconds((Integer) r[0]),
                            (String) r[1],
                            (String) r[2],
                            (String) r[3],
                            (String) r[4],
                            null,
                            null)
                    .sealed(seq++, prev);
            out.add(e);
            prev = e.hash();
        }
        return out;
    }

    static String answer(String service, String path, String query)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        List<AuditEntry> chain = chain(service);
        if (path.endsWith("/entries")) {
            boolean agencyOnly = query != null && query.contains("agencyId=police-casa-anfa");
            return MAPPER.writeValueAsString(chain.stream()
                    .filter(e -> !agencyOnly || "police-casa-anfa".equals(e.agencyId()))
                    .toList());
        }
        Map<Long, String> hashes = new TreeMap<>();
        for (AuditEntry e : chain) {
            hashes.put(e.seq(), tamperCaseChain && service.equals("case") && e.seq() == 2 ? "0".repeat(64) : e.hash());
        }
        AuditEntry head = chain.isEmpty() ? null : chain.get(chain.size() - 1);
        return MAPPER.writeValueAsString(Map.of(
                "chain",
                Map.of(
                        "service",
                        service + "-service",
                        "entries",
                        chain.size(),
                        "head",
                        head == null ? AuditEntry.GENESIS : head.hash(),
                        "sealedUpTo",
                        head == null ? 0 : head.seq(),
                        "valid",
                        true,
                        "unsealed",
                        0,
                        "sealingLagSeconds",
                        0),
                "hashesAt",
                hashes));
    }
}
