package org.relais.blocks.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/** Kafka settings of the platform's own producer and consumers. */
@ConfigMapping(prefix = "relais.kafka")
public interface KafkaConfig {

    @WithName("bootstrap-servers")
    @WithDefault("${kafka.bootstrap.servers:127.0.0.1:9092}")
    String bootstrapServers();

    /** Partitions of the event topics when this service creates them. */
    @WithDefault("3")
    int partitions();

    @WithDefault("1")
    short replicationFactor();

    /** How long the producer keeps trying one send before the relay backs off and retries later. */
    @WithDefault("30s")
    Duration deliveryTimeout();

    @WithDefault("10s")
    Duration requestTimeout();
}
