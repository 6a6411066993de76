package org.flinktriton.samples.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What {@link KafkaEnrichmentJob} asks a Kafka cluster's admin API: it creates its topics when they
 * are missing, and reads the offsets between which the job reads and the sample checks what the job
 * wrote. Every call waits at most {@link #TIMEOUT}.
 */
final class KafkaTopics implements AutoCloseable {
    /** The longest wait for one admin call. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Admin admin;

    private KafkaTopics(Admin admin) {
        this.admin = admin;
    }

    /** An admin client of the cluster at {@code bootstrapServers}. */
    static KafkaTopics connect(String bootstrapServers) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        return new KafkaTopics(Admin.create(config));
    }

    /**
     * Creates those of {@code topics} that do not exist, with {@code partitions} partitions and the
     * cluster's default replication factor.
     */
    void createMissing(Collection<String> topics, int partitions) throws Exception {
        Set<String> existing = get(admin.listTopics().names());
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : topics) {
            if (!existing.contains(topic)) {
                missing.add(
                        new NewTopic(
                                topic,
                                java.util.Optional.of(partitions),
                                java.util.Optional.empty()));
            }
        }
        try {
            get(admin.createTopics(missing).all());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** The partitions of {@code topic}, in order. */
    List<TopicPartition> partitions(String topic) throws Exception {
        return retrying(() -> describe(topic));
    }

    private List<TopicPartition> describe(String topic) throws Exception {
        Map<String, TopicDescription> described =
                get(admin.describeTopics(List.of(topic)).allTopicNames());
        List<TopicPartition> partitions = new ArrayList<>();
        described
                .get(topic)
                .partitions()
                .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return partitions;
    }

    /** The end of each partition of {@code topic}: where the next record will go. */
    Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        return offsets(topic, OffsetSpec.latest());
    }

    /**
     * Where a consumer group resumes in each partition of {@code topic}: its committed offset, or
     * the partition's earliest offset when it has none.
     */
    Map<TopicPartition, Long> resumeOffsets(String topic, String groupId) throws Exception {
        Map<TopicPartition, Long> offsets = offsets(topic, OffsetSpec.earliest());
        Map<TopicPartition, OffsetAndMetadata> committed =
                retrying(
                        () ->
                                get(
                                        admin.listConsumerGroupOffsets(groupId)
                                                .partitionsToOffsetAndMetadata()));
        committed.forEach(
                (partition, offset) -> {
                    if (offset != null && offsets.containsKey(partition)) {
                        offsets.put(partition, offset.offset());
                    }
                });
        return offsets;
    }

    private Map<TopicPartition, Long> offsets(String topic, OffsetSpec spec) throws Exception {
        return retrying(() -> listOffsets(topic, spec));
    }

    /**
     * Runs {@code call} again while it fails with a retriable error, for {@link #TIMEOUT} at most:
     * a topic just created is not known to every part of the broker at once, and asking for its
     * offsets then answers {@code UnknownTopicOrPartitionException}.
     */
    private static <T> T retrying(Callable<T> call) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return call.call();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private Map<TopicPartition, Long> listOffsets(String topic, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicPartition partition : partitions(topic)) {
            request.put(partition, spec);
        }
        // A HashMap: the source's OffsetsInitializer serializes it into the job.
        Map<TopicPartition, Long> offsets = new HashMap<>();
        get(admin.listOffsets(request).all())
                .forEach((partition, info) -> offsets.put(partition, info.offset()));
        return offsets;
    }

    private static <T> T get(KafkaFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        admin.close(TIMEOUT);
    }
}
