package org.flinktriton.samples.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.flinktriton.samples.common.Micros;

/**
 * Reads topics as a downstream consumer of {@link KafkaEnrichmentJob} would: with {@code
 * isolation.level = read_committed}, so that it sees a record only once the job's transaction that
 * wrote it has committed (after the checkpoint that covers it), and never a record of an aborted
 * one. It reads from given offsets on a thread of its own while the job runs, noting when each
 * record arrived, until {@link #finish} tells it the job is done; it then reads on to the end of
 * every partition.
 *
 * <pre>{@code
 * try (CommittedReader reader = CommittedReader.start(bootstrapServers, startOffsets)) {
 *     ... run the job ...
 *     List<CommittedReader.Arrival> records = reader.finish(Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class CommittedReader implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, Long> start;
    private final List<Arrival> arrivals = new ArrayList<>();
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile Duration catchUp = Duration.ZERO;
    private volatile boolean caughtUp;

    /** A record and when this reader got it, in epoch microseconds. */
    public record Arrival(ConsumerRecord<byte[], byte[]> record, long arrivedMicros) {}

    private CommittedReader(String bootstrapServers, Map<TopicPartition, Long> start) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        this.consumer = new KafkaConsumer<>(config);
        this.start = Map.copyOf(start);
        this.thread = new Thread(this::read, "committed-reader");
        this.thread.setDaemon(true);
    }

    /** Starts reading every partition in {@code start} from its offset there. */
    public static CommittedReader start(String bootstrapServers, Map<TopicPartition, Long> start) {
        CommittedReader reader = new CommittedReader(bootstrapServers, start);
        reader.thread.start();
        return reader;
    }

    /** How many records have arrived so far. */
    public synchronized int arrived() {
        return arrivals.size();
    }

    /** How many records of {@code topic} have arrived so far. */
    public synchronized int arrived(String topic) {
        int count = 0;
        for (Arrival arrival : arrivals) {
            if (arrival.record().topic().equals(topic)) {
                count++;
            }
        }
        return count;
    }

    /**
     * Reads on to the end of every partition (for read_committed, the end of what is committed) and
     * returns every record read, in the order they arrived.
     *
     * @throws IllegalStateException when the end is not reached within {@code timeout}, or reading
     *     failed
     */
    public List<Arrival> finish(Duration timeout) throws InterruptedException {
        catchUp = timeout;
        finishing.set(true);
        thread.join(timeout.plusSeconds(10).toMillis());
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(5_000);
        }
        Throwable failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException("Reading the job's output failed: " + failed, failed);
        }
        if (!caughtUp) {
            throw new IllegalStateException(
                    "The job's output was not read to its end within " + timeout);
        }
        synchronized (this) {
            return List.copyOf(arrivals);
        }
    }

    /** Stops reading, if {@link #finish} has not; the records read so far are dropped. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void read() {
        try (consumer) {
            consumer.assign(start.keySet());
            start.forEach(consumer::seek);
            Map<TopicPartition, Long> end = null;
            long deadline = Long.MAX_VALUE;
            while (!Thread.currentThread().isInterrupted()) {
                var records = consumer.poll(POLL);
                long now = Micros.now();
                synchronized (this) {
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        arrivals.add(new Arrival(record, now));
                    }
                }
                if (finishing.get()) {
                    if (end == null) {
                        end = new HashMap<>(consumer.endOffsets(start.keySet()));
                        deadline = System.nanoTime() + catchUp.toNanos();
                    }
                    if (reached(end)) {
                        caughtUp = true;
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        return;
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!(e instanceof InterruptException)) {
                failure.set(e);
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }
}
