package org.flinktriton.samples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.flinktriton.samples.cluster.StandaloneFlinkCluster.ClusterProcess;
import org.flinktriton.samples.kafka.CommittedReader;
import org.flinktriton.samples.kafka.EventJson;
import org.flinktriton.samples.kafka.KafkaEnrichmentJob;
import org.flinktriton.samples.kafka.LocalKafka;
import org.flinktriton.samples.kafka.SinkRecord;
import org.flinktriton.samples.text.SentimentModel;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@link KafkaEnrichmentJob} from the samples' fat jar with {@code flink run} on a standalone
 * Flink cluster of separate JVMs (a JobManager and two task managers, {@link
 * StandaloneFlinkCluster}), against a Kafka broker ({@link LocalKafka}) and the embedded Triton
 * server with 1 % 503s, both in the test's JVM on {@code 127.0.0.1}. While the sample writes its
 * events at a steady pace, the test kills the task manager that runs most of the job's subtasks
 * with SIGKILL (after results have been committed), and checks that Flink restores the job from its
 * checkpoint, that {@code flink run} exits with 0 and prints its summary without a warning, and
 * that a read_committed consumer finds one record per event in the output topics: every good event
 * enriched, every bad one a dead letter, none twice, nothing else.
 *
 * <p>The fat jar carries the Kafka connector and Kafka's clients, the cluster's class path (as a
 * Flink distribution's {@code lib/}) neither: this is also the test that the job's classes load as
 * they would on a real cluster. Run it alone with {@code mvn -B -pl samples -am verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=KafkaEnrichmentJobClusterIT}.
 */
class KafkaEnrichmentJobClusterIT {
    private static final int EVENTS = 20_000;
    private static final int PER_SECOND = 1_000;
    private static final int BAD_EVERY = 1_000;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyEventComesOutExactlyOnceAfterATaskManagerIsKilled() throws Exception {
        Path jar = FailoverRun.samplesJar();
        Path dir = FailoverRun.clusterDir("flink-cluster-kafka");

        long started = System.nanoTime();
        try (LocalKafka kafka = LocalKafka.start();
                TritonTestServer server =
                        TritonTestServer.builder()
                                .model(SentimentModel.embedded(SentimentModel.NAME))
                                .start()) {
            server.faults().seed(23).failRate(0.01, 503, "model is overloaded");
            StandaloneFlinkCluster cluster =
                    FailoverRun.cluster(dir, FailoverRun.flinkClassPath()).start();
            try {
                cluster.awaitTaskManagers(Duration.ofMinutes(2));
                double clusterSeconds = secondsSince(started);
                Map<TopicPartition, Long> outputs = new HashMap<>();
                for (String topic : List.of("reviews-scored", "reviews-dead-letters")) {
                    for (int p = 0; p < 2; p++) {
                        outputs.put(new TopicPartition(topic, p), 0L);
                    }
                }

                FailoverRun run =
                        FailoverRun.submit(
                                cluster,
                                jar,
                                KafkaEnrichmentJob.class.getName(),
                                List.of(
                                        "--bootstrap-servers",
                                        kafka.bootstrapServers(),
                                        "--endpoint",
                                        server.endpoint(),
                                        "--records",
                                        String.valueOf(EVENTS),
                                        "--records-per-second",
                                        String.valueOf(PER_SECOND),
                                        "--bad-event-every",
                                        String.valueOf(BAD_EVERY),
                                        "--parallelism",
                                        "2",
                                        "--verbose"));
                ClusterProcess client = run.client();
                List<ClusterProcess> all = new ArrayList<>(cluster.taskManagers().values());
                all.add(client);
                String job = run.job();

                List<CommittedReader.Arrival> arrivals;
                String victim;
                try (CommittedReader reader =
                        awaitTopics(kafka.bootstrapServers(), outputs, client)) {
                    // Mid-job: results committed (so a checkpoint completed), the job running.
                    StandaloneFlinkCluster.await(
                            "committed results while the job runs",
                            Duration.ofMinutes(1),
                            () -> {
                                StandaloneFlinkCluster.requireAlive(all);
                                return reader.arrived() >= 2_000
                                        ? cluster.tryGet(job)
                                                .filter(StandaloneFlinkCluster::allTasksRunning)
                                        : Optional.empty();
                            });
                    victim = run.killBusiestTaskManager();
                    int committedAtKill = reader.arrived();
                    double killedAtSeconds = secondsSince(started);

                    assertThat(client.process().waitFor(3, TimeUnit.MINUTES))
                            .as("the client to finish (flink run waits for the job)")
                            .isTrue();
                    assertThat(client.process().exitValue())
                            .as("flink run's exit code; its output:%n%s", client.output())
                            .isZero();
                    arrivals = reader.finish(Duration.ofMinutes(1));
                    System.out.printf(
                            Locale.ROOT,
                            "%s: cluster up in %.1f s; killed %s at %.1f s with %d records"
                                    + " committed; client done at %.1f s%n%s%n",
                            KafkaEnrichmentJobClusterIT.class.getSimpleName(),
                            clusterSeconds,
                            victim,
                            killedAtSeconds,
                            committedAtKill,
                            secondsSince(started),
                            client.output()
                                    .lines()
                                    .filter(l -> l.startsWith("summary:") || l.startsWith("kafka:"))
                                    .collect(Collectors.joining("\n")));
                }

                run.assertRestoredAfterLosing(victim);
                int bad = EVENTS / BAD_EVERY;
                assertThat(client.output())
                        .contains(
                                "kafka: "
                                        + EVENTS
                                        + " events from reviews: "
                                        + (EVENTS - bad)
                                        + " enriched into reviews-scored, "
                                        + bad
                                        + " dead letters into reviews-dead-letters")
                        .doesNotContain("WARNING");
                checkExactlyOnce(arrivals);
            } catch (Throwable failure) {
                System.err.println(
                        "Flink cluster logs (" + cluster.logDir() + "):" + cluster.logTails(40));
                throw failure;
            } finally {
                cluster.close();
            }
        }
    }

    /** The topics exist once the sample has created them; then a reader starts on them. */
    private static CommittedReader awaitTopics(
            String bootstrapServers, Map<TopicPartition, Long> outputs, ClusterProcess client) {
        StandaloneFlinkCluster.await(
                "the sample to create its topics and start the job",
                Duration.ofMinutes(1),
                () -> {
                    StandaloneFlinkCluster.requireAlive(List.of(client));
                    return client.output().contains("JobID") ? Optional.of(true) : Optional.empty();
                });
        return CommittedReader.start(bootstrapServers, outputs);
    }

    private static void checkExactlyOnce(List<CommittedReader.Arrival> arrivals) {
        Set<Long> enriched = new TreeSet<>();
        Set<Long> deadLetters = new TreeSet<>();
        Set<String> sources = new TreeSet<>();
        for (CommittedReader.Arrival arrival : arrivals) {
            ConsumerRecord<byte[], byte[]> record = arrival.record();
            long id = Long.parseLong(new String(record.key(), StandardCharsets.UTF_8));
            sources.add(
                    new String(
                            record.headers().lastHeader(SinkRecord.SOURCE_HEADER).value(),
                            StandardCharsets.UTF_8));
            boolean added =
                    record.topic().equals("reviews-scored")
                            ? enriched.add(id)
                            : deadLetters.add(id);
            assertThat(added).as("event %s once", id).isTrue();
            if (record.topic().equals("reviews-scored")) {
                assertThat(EventJson.parse(record.value()).path("sentiment").path("label").asText())
                        .isNotEmpty();
            }
        }
        Set<Long> bad = new TreeSet<>();
        Set<Long> good = new TreeSet<>();
        for (long id = 0; id < EVENTS; id++) {
            (EventJson.isBad(id, BAD_EVERY) ? bad : good).add(id);
        }
        assertThat(enriched).containsExactlyElementsOf(good);
        assertThat(deadLetters).containsExactlyElementsOf(bad);
        assertThat(arrivals).hasSize(EVENTS);
        assertThat(sources).hasSize(EVENTS);
    }

    private static double secondsSince(long nanos) {
        return FailoverRun.secondsSince(nanos);
    }
}
