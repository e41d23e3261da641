package org.relais.blocks.crypto;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/**
 * Master keys (key-encryption keys) by id, each 32 bytes in base64; {@code active-master-key} wraps new
 * data keys. Rotation: add a key, make it active, let the re-encryption job rewrap the old data keys,
 * then retire the old key.
 */
@ConfigMapping(prefix = "relais.crypto")
public interface CryptoConfig {

    Map<String, String> masterKeys();

    String activeMasterKey();

    /** How many data keys the re-encryption job rewraps per batch. */
    @WithDefault("200")
    int rewrapBatchSize();
}
