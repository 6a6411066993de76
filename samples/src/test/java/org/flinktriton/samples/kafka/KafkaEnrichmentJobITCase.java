package org.flinktriton.samples.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.Terminal;
import org.flinktriton.samples.text.Reviews;
import org.flinktriton.samples.text.SentimentModel;
import org.flinktriton.samples.text.TextScorer;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs {@link KafkaEnrichmentJob} against a real Kafka broker ({@link LocalKafka}) on a MiniCluster
 * of two task managers, kills one of them mid-run, and checks with a read_committed consumer that
 * every event came out exactly once: enriched with the right scores, or as a dead letter with its
 * reason.
 */
class KafkaEnrichmentJobITCase {
    private static final int EVENTS = 50_000;
    private static final int BAD_EVERY = 500;

    /** The model rejects every review with this text: those events are the model's dead letters. */
    private static final String POISON = Reviews.text(341);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            // Each task manager gets subtasks, so the one killed takes some along.
                            .setConfiguration(spreadOut())
                            .build());

    private static LocalKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = LocalKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Configuration spreadOut() {
        Configuration config = new Configuration();
        config.set(
                TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE,
                TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        return config;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyEventComesOutExactlyOnceAfterATaskManagerIsKilled(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        long started = System.nanoTime();
        SampleOptions options =
                KafkaEnrichmentJob.defaults()
                        .records(EVENTS)
                        .parallelism(2)
                        .set("--input-topic", "itc-reviews")
                        .set("--output-topic", "itc-reviews-scored")
                        .set("--dead-letter-topic", "itc-reviews-dead-letters")
                        .set("--group-id", "itc")
                        .set("--transactional-id-prefix", "itc")
                        .set("--checkpoint-interval-ms", "500")
                        .set("--bad-event-every", Integer.toString(BAD_EVERY))
                        .build();
        KafkaEnrichmentJob.KafkaSettings settings =
                KafkaEnrichmentJob.KafkaSettings.of(options, kafka.bootstrapServers());

        try (TritonTestServer server =
                        TritonTestServer.builder()
                                .model(SentimentModel.embedded(SentimentModel.NAME))
                                .start();
                KafkaTopics topics = KafkaTopics.connect(kafka.bootstrapServers())) {
            server.faults()
                    .seed(23)
                    .failRate(0.01, 503, "model is overloaded")
                    .poison(record -> record.stringValue("TEXT").equals(POISON));
            topics.createMissing(
                    List.of(
                            settings.inputTopic(),
                            settings.outputTopic(),
                            settings.deadLetterTopic()),
                    2);
            Map<TopicPartition, Long> start = topics.resumeOffsets(settings.inputTopic(), "itc");
            Map<TopicPartition, Long> stop =
                    EventWriter.endOffsets(topics.endOffsets(settings.inputTopic()), EVENTS);
            Map<TopicPartition, Long> outputs = new HashMap<>();
            outputs.putAll(topics.endOffsets(settings.outputTopic()));
            outputs.putAll(topics.endOffsets(settings.deadLetterTopic()));

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            Configuration restarts = new Configuration();
            restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
            restarts.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(500));
            env.configure(restarts);
            KafkaEnrichmentJob.pipeline(env, server.endpoint(), settings, options, start, stop);

            EventWriter writer =
                    new EventWriter(kafka.bootstrapServers(), settings.inputTopic(), 2, BAD_EVERY);
            CommittedReader reader = CommittedReader.start(kafka.bootstrapServers(), outputs);
            JobClient job = env.executeAsync("kafka enrichment, a task manager killed");
            JobID jobId = job.getJobID();

            // Half the events, then a task manager killed once some results are committed (a
            // checkpoint has completed), then the other half: the job cannot have finished.
            writer.write(0, EVENTS / 2, 0, () -> false);
            awaitCommitted(reader, settings.outputTopic(), 2_000, job);
            double killedAtSeconds = secondsSince(started);
            int committedAtKill = reader.arrived();
            miniCluster.terminateTaskManager(0).get(1, TimeUnit.MINUTES);
            writer.write(EVENTS / 2, EVENTS, 0, () -> false);

            job.getJobExecutionResult().get(4, TimeUnit.MINUTES);
            double finishedAtSeconds = secondsSince(started);
            List<CommittedReader.Arrival> arrivals = reader.finish(Duration.ofMinutes(1));
            long restored =
                    miniCluster
                            .getArchivedExecutionGraph(jobId)
                            .get(1, TimeUnit.MINUTES)
                            .getCheckpointStatsSnapshot()
                            .getCounts()
                            .getNumberOfRestoredCheckpoints();
            miniCluster.startTaskManager();

            assertThat(restored).as("restores from a checkpoint").isGreaterThanOrEqualTo(1);
            assertThat(server.stats().injectedFailures(503)).as("503s injected").isPositive();
            checkOutput(settings, arrivals);
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d events; task manager killed at %.1f s with %d records committed;"
                            + " job finished at %.1f s; %d inference requests, %d of them 503,"
                            + " %d poisoned; %d restore(s)%n",
                    KafkaEnrichmentJobITCase.class.getSimpleName(),
                    EVENTS,
                    killedAtSeconds,
                    committedAtKill,
                    finishedAtSeconds,
                    server.stats().inferRequests(),
                    server.stats().injectedFailures(503),
                    server.stats().poisonAnswers(),
                    restored);
        }
    }

    /** Every event exactly once, in the right topic, with the right content; nothing else. */
    private static void checkOutput(
            KafkaEnrichmentJob.KafkaSettings settings, List<CommittedReader.Arrival> arrivals) {
        TextScorer scorer = TextScorer.load();
        Map<Long, Integer> enriched = new TreeMap<>();
        Map<Long, Integer> invalid = new TreeMap<>();
        Map<Long, Integer> rejected = new TreeMap<>();
        Set<String> sources = new HashSet<>();
        for (CommittedReader.Arrival arrival : arrivals) {
            ConsumerRecord<byte[], byte[]> record = arrival.record();
            JsonNode value = EventJson.parse(record.value());
            long id = Long.parseLong(new String(record.key(), StandardCharsets.UTF_8));
            sources.add(
                    new String(
                            record.headers().lastHeader(SinkRecord.SOURCE_HEADER).value(),
                            StandardCharsets.UTF_8));
            if (record.topic().equals(settings.outputTopic())) {
                enriched.merge(id, 1, Integer::sum);
                String text = Reviews.text(id);
                float[] scores = scorer.scores(text);
                assertThat(value.get("id").asLong()).isEqualTo(id);
                assertThat(value.get("text").asText()).isEqualTo(text);
                JsonNode sentiment = value.get("sentiment");
                assertThat(sentiment.get("label").asText()).isEqualTo(TextScorer.label(scores));
                for (int i = 0; i < scores.length; i++) {
                    assertThat(sentiment.get(TextScorer.LABELS.get(i)).floatValue())
                            .as("event %s, %s", id, TextScorer.LABELS.get(i))
                            .isEqualTo(scores[i]);
                }
                assertThat(value.size()).as("fields of %s", value).isEqualTo(3);
                assertThat(record.headers().lastHeader(SinkRecord.DONE_MICROS_HEADER)).isNotNull();
            } else {
                assertThat(record.topic()).isEqualTo(settings.deadLetterTopic());
                assertThat(value.get("event").asText())
                        .isEqualTo(EventJson.synthetic(id, BAD_EVERY));
                assertThat(value.get("model").asText()).isEqualTo(SentimentModel.NAME);
                if (value.get("errorType").asText().equals(EventJson.INVALID_EVENT)) {
                    invalid.merge(id, 1, Integer::sum);
                    assertThat(value.get("reason").asText())
                            .endsWith(
                                    (id / BAD_EVERY) % 2 == 0
                                            ? "not JSON: Unrecognized token 'review': was"
                                                    + " expecting (JSON String, Number, Array,"
                                                    + " Object or token 'null', 'true' or 'false')"
                                            : "missing field 'text'");
                    assertThat(value.get("statusCode").asInt()).isEqualTo(-1);
                } else {
                    rejected.merge(id, 1, Integer::sum);
                    assertThat(value.get("errorType").asText()).isEqualTo("TritonServerException");
                    assertThat(value.get("statusCode").asInt()).isEqualTo(400);
                    assertThat(value.get("reason").asText()).contains("poison record");
                    assertThat(value.get("attempts").asInt()).isPositive();
                }
            }
        }

        Set<Long> expectBad = new TreeSet<>();
        Set<Long> expectPoisoned = new TreeSet<>();
        Set<Long> expectEnriched = new TreeSet<>();
        for (long id = 0; id < EVENTS; id++) {
            if (EventJson.isBad(id, BAD_EVERY)) {
                expectBad.add(id);
            } else if (Reviews.text(id).equals(POISON)) {
                expectPoisoned.add(id);
            } else {
                expectEnriched.add(id);
            }
        }
        assertThat(expectPoisoned).hasSizeGreaterThan(50);
        assertThat(enriched.keySet()).containsExactlyElementsOf(expectEnriched);
        assertThat(invalid.keySet()).containsExactlyElementsOf(expectBad);
        assertThat(rejected.keySet()).containsExactlyElementsOf(expectPoisoned);
        List<Long> twice = new ArrayList<>();
        for (Map<Long, Integer> counts : List.of(enriched, invalid, rejected)) {
            counts.forEach(
                    (id, count) -> {
                        if (count != 1) {
                            twice.add(id);
                        }
                    });
        }
        assertThat(twice).as("events with more than one record").isEmpty();
        assertThat(arrivals).hasSize(EVENTS);
        assertThat(sources).as("distinct input records").hasSize(EVENTS);
    }

    private static void awaitCommitted(
            CommittedReader reader, String topic, int records, JobClient job)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (reader.arrived(topic) < records) {
            assertThat(job.getJobExecutionResult().isDone())
                    .as("the job ended before %s records were committed", records)
                    .isFalse();
            assertThat(System.nanoTime())
                    .as("%s committed records within 2 minutes", records)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    @Test
    void runsWithItsOwnBrokerAndPrintsWhatCameOut() {
        Terminal run =
                Terminal.run(
                        "KafkaEnrichmentJob",
                        KafkaEnrichmentJob::defaults,
                        KafkaEnrichmentJob::run,
                        "--records",
                        "300",
                        "--records-per-second",
                        "0",
                        "--bad-event-every",
                        "100",
                        "--show",
                        "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("kafka: a local Kafka broker at 127.0.0.1:")
                .contains(
                        "  {\"id\":0,\"text\":\"The battery is great.\",\"sentiment\":"
                                + "{\"label\":\"positive\",")
                .contains("  dead letter: {\"reason\":\"Event reviews/")
                .contains("summary: 296 records, ")
                .contains(
                        "kafka: 300 events from reviews: 297 enriched into reviews-scored, 3 dead"
                                + " letters into reviews-dead-letters (read_committed); visible p50")
                .doesNotContain("WARNING");
    }

    @Test
    void wrongOptionsDeadEndpointAndNoRecordsAreClearAtTheTerminal() {
        Terminal.checkCommandLine(
                "KafkaEnrichmentJob",
                KafkaEnrichmentJob::defaults,
                KafkaEnrichmentJob::run,
                SentimentModel.NAME,
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--input-topic",
                "cli-reviews",
                "--output-topic",
                "cli-reviews-scored",
                "--dead-letter-topic",
                "cli-dead-letters",
                "--group-id",
                "cli");
    }
}
