import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * Raw Kafka produce-to-consume latency beside Relais's event propagation (BENCHMARKS.md item 4): records
 * sent at a fixed rate with acks=all, as the outbox relay sends them, to a topic a consumer follows; the
 * latency is the consumer's receipt time minus the time the producer was handed the record.
 * java -cp "deploy/local/target/lib/*" bench/tools/KafkaLatency.java <bootstrap> <rate> <seconds>
 */
public class KafkaLatency {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        String topic = "bench-latency-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", topic);
        c.put("auto.offset.reset", "earliest");
        c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        c.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "0");
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        int total = rate * seconds;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c); KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            Thread sender = new Thread(() -> {
                long start = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long target = start + i * 1_000_000_000L / rate;
                    while (System.nanoTime() < target) {
                        Thread.onSpinWait();
                    }
                    producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), Long.toString(System.nanoTime())));
                }
            });
            sender.start();
            long deadline = System.nanoTime() + (seconds + 30) * 1_000_000_000L;
            while (latencies.size() < total && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    latencies.add((System.nanoTime() - Long.parseLong(r.value())) / 1e6);
                }
            }
            sender.join();
        }
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("kafka_records=%d kafka_p50_ms=%.2f kafka_p99_ms=%.2f%n", sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99))));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
    }
}
