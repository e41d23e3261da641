package org.relais.blocks.audit;

import java.time.Instant;

/** A service's chain head at one moment, kept outside its database (on Kafka, and by the gateway). */
public record AuditAnchor(String service, long seq, String hash, Instant at) {}
