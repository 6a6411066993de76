package org.flinktriton.samples.kafka;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes {@link KafkaEnrichmentJob}'s synthetic events ({@link EventJson#synthetic}) to its input
 * topic, as an application upstream of the job would: event {@code i} to partition {@code i % p},
 * keyed by its number, at a steady pace or as fast as the broker takes them. The producer is
 * idempotent with {@code acks=all}, so each event lands exactly once, at the next offset of its
 * partition: a job that stops at the end offsets {@link #endOffsets} computes reads exactly them.
 *
 * <pre>{@code
 * EventWriter writer = new EventWriter(bootstrapServers, "reviews", 2, 1000);
 * Map<TopicPartition, Long> stop = EventWriter.endOffsets(startOffsets, 10_000);
 * writer.write(0, 10_000, 2_000, () -> false);
 * }</pre>
 */
public final class EventWriter {
    private final String bootstrapServers;
    private final String topic;
    private final int partitions;
    private final int badEvery;

    /**
     * A writer to {@code topic}, which has {@code partitions} partitions; one in {@code badEvery}
     * events is a bad one (0 for none).
     */
    public EventWriter(String bootstrapServers, String topic, int partitions, int badEvery) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.partitions = partitions;
        this.badEvery = badEvery;
    }

    /**
     * Where each partition ends once {@code count} events from event 0 on have been written to a
     * topic whose partitions end at {@code before}.
     */
    public static Map<TopicPartition, Long> endOffsets(
            Map<TopicPartition, Long> before, long count) {
        int partitions = before.size();
        Map<TopicPartition, Long> after = new HashMap<>();
        before.forEach(
                (partition, offset) -> {
                    int p = partition.partition();
                    long events = count / partitions + (p < count % partitions ? 1 : 0);
                    after.put(partition, offset + events);
                });
        return after;
    }

    /**
     * Writes events {@code from} to {@code to - 1}, {@code perSecond} per second (0: unpaced), and
     * waits until the broker has them all; stops early, and returns how many were written, when
     * {@code stop} says so (it is asked every few events).
     *
     * @throws IllegalStateException when the broker refused an event
     */
    public long write(long from, long to, int perSecond, BooleanSupplier stop) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long written = 0;
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (long id = from; id < to; id++) {
                if (failure.get() != null || (id % 64 == 0 && stop.getAsBoolean())) {
                    break;
                }
                if (perSecond > 0) {
                    long due = started + (id - from) * TimeUnit.SECONDS.toNanos(1) / perSecond;
                    for (long wait = due - System.nanoTime(); wait > 0; ) {
                        LockSupport.parkNanos(wait);
                        wait = due - System.nanoTime();
                    }
                }
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                (int) (id % partitions),
                                Long.toString(id).getBytes(StandardCharsets.UTF_8),
                                EventJson.synthetic(id, badEvery).getBytes(StandardCharsets.UTF_8)),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
                written++;
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "Writing events to " + topic + " failed: " + failure.get(), failure.get());
        }
        return written;
    }
}
