package org.flinktriton.samples.kafka;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.flinktriton.flink.FailedInference;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.samples.common.RunSummary;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.Timed;
import org.flinktriton.samples.text.SentimentModel;

/**
 * From Kafka to Kafka: JSON review events from an input topic go through the {@code sentiment}
 * model and come out, enriched with their sentiment, in an output topic; events that cannot be read
 * or scored go to a dead-letter topic with the reason. The sink writes in Kafka transactions
 * committed with Flink's checkpoints, so a consumer with {@code isolation.level=read_committed}
 * sees every event's enriched record exactly once, whatever fails in between.
 *
 * <pre>{@code
 * # a local Kafka broker (in the sample's JVM) and the embedded test server
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.kafka.KafkaEnrichmentJob
 * # a Kafka cluster and a Triton serving samples/model_repository
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.kafka.KafkaEnrichmentJob \
 *     -Dsample.args="--bootstrap-servers kafka:9092 --endpoint http://triton:8000"
 * }</pre>
 *
 * <p>The job ({@link #pipeline}): a {@link KafkaSource} of the input topic → {@link
 * EventFunctions.ReadReviews}, which reads each value's {@code text} ({@link EventJson}) and sends
 * what is not a review to a side output → {@link TritonInference} of {@link ReviewEvent} with
 * {@code deadLetters()}, which writes the scores into each event and sends events the model failed
 * on for good to its dead-letter side output → the enriched events and both kinds of dead letter,
 * as {@link SinkRecord}s, into one exactly-once {@link KafkaSink} (one transaction per checkpoint
 * and subtask covers both topics). Bad events never fail the job.
 *
 * <p>What the sample does around it ({@link #run}): it starts a local broker ({@link LocalKafka})
 * unless {@code --bootstrap-servers} names a cluster, creates the topics that are missing, starts
 * the job, writes {@code --records} synthetic events ({@link EventWriter}; one in {@code
 * --bad-event-every} is bad) at {@code --records-per-second}, and reads the output topics as a
 * downstream consumer would ({@link CommittedReader}). The job reads the input topic from where its
 * consumer group left off (the beginning, the first time) to the end of the events the sample
 * wrote, and then finishes; the sample prints the first enriched events and dead letters and two
 * summary lines.
 *
 * <p>Guarantees: exactly once into Kafka for read_committed consumers (the source's offsets, the
 * batches in flight in the inference operator and the sink's transactions are in the same
 * checkpoint); at least once towards Triton (after a failure, batches whose results were not
 * committed are sent again). Results become visible when the checkpoint that covers them completes,
 * so {@code --checkpoint-interval-ms} is the latency a consumer sees; {@code
 * --transaction-timeout-ms} must outlast a checkpoint interval plus a recovery, and may not exceed
 * the brokers' {@code transaction.max.timeout.ms} (15 minutes by default).
 */
public final class KafkaEnrichmentJob {
    /** The job's name in Flink. */
    public static final String JOB_NAME = "flink-triton sample: Kafka enrichment";

    /**
     * How often a failed job is restarted before the sample gives up, unless the cluster's
     * configuration has a restart strategy.
     */
    static final int RESTART_ATTEMPTS = 3;

    private KafkaEnrichmentJob() {}

    /**
     * The sample's defaults: 10,000 events at 2,000 per second, batches of 64 (the model's
     * max_batch_size), checkpoints every second, and its own options.
     */
    public static SampleOptions.Builder defaults() {
        return SampleOptions.defaults(SentimentModel.NAME)
                .records(10_000)
                .recordsPerSecond(2_000)
                .maxBatchSize(SentimentModel.MAX_BATCH_SIZE)
                .option(
                        "--bootstrap-servers",
                        "HOST:PORT",
                        "a Kafka cluster (default: start a local broker)",
                        null)
                .option("--input-topic", "NAME", "the JSON events to enrich", "reviews")
                .option("--output-topic", "NAME", "the enriched events", "reviews-scored")
                .option(
                        "--dead-letter-topic",
                        "NAME",
                        "events that could not be read or scored, with the reason",
                        "reviews-dead-letters")
                .option(
                        "--group-id",
                        "ID",
                        "the source's consumer group: where the job resumes",
                        "flink-triton-kafka-enrichment")
                .option(
                        "--transactional-id-prefix",
                        "PREFIX",
                        "the sink's transactional ids; keep it stable across runs",
                        "flink-triton-kafka-enrichment")
                .intOption(
                        "--checkpoint-interval-ms",
                        "N",
                        "checkpoints, and so commits to the output topics",
                        1_000)
                .intOption(
                        "--transaction-timeout-ms",
                        "N",
                        "the sink's transaction.timeout.ms",
                        (int) Duration.ofMinutes(10).toMillis())
                .intOption("--partitions", "N", "partitions of the topics the sample creates", 2)
                .intOption(
                        "--bad-event-every",
                        "N",
                        "one synthetic event in N is bad, 0 for none",
                        1_000);
    }

    /**
     * Runs the sample; {@code --help} lists the options. Exits with 2 for a wrong command line and
     * with 1 when the job fails, printing the root cause first (see {@link SampleMain}).
     */
    public static void main(String[] args) {
        SampleMain.main(
                KafkaEnrichmentJob.class.getSimpleName(),
                defaults(),
                args,
                KafkaEnrichmentJob::run);
    }

    /** The Kafka side of the sample's options. */
    public record KafkaSettings(
            String bootstrapServers,
            String inputTopic,
            String outputTopic,
            String deadLetterTopic,
            String groupId,
            String transactionalIdPrefix,
            Duration checkpointInterval,
            Duration transactionTimeout) {

        /** The settings in {@code options}, with the cluster at {@code bootstrapServers}. */
        public static KafkaSettings of(SampleOptions options, String bootstrapServers) {
            return new KafkaSettings(
                    bootstrapServers,
                    options.option("--input-topic").orElseThrow(),
                    options.option("--output-topic").orElseThrow(),
                    options.option("--dead-letter-topic").orElseThrow(),
                    options.option("--group-id").orElseThrow(),
                    options.option("--transactional-id-prefix").orElseThrow(),
                    Duration.ofMillis(Math.max(1, options.intOption("--checkpoint-interval-ms"))),
                    Duration.ofMillis(options.intOption("--transaction-timeout-ms")));
        }
    }

    /** Runs the sample with {@code options}, printing its results to {@code out}. */
    public static void run(SampleOptions options, PrintStream out) throws Exception {
        Optional<String> cluster = options.option("--bootstrap-servers");
        try (LocalKafka local = cluster.isPresent() ? null : LocalKafka.start();
                SampleServer server = SampleServer.start(options, SentimentModel::embedded)) {
            String bootstrap = cluster.orElseGet(() -> local.bootstrapServers());
            KafkaSettings kafka = KafkaSettings.of(options, bootstrap);
            out.println(JOB_NAME + ": " + options);
            out.println(
                    "kafka: "
                            + (local != null ? local : bootstrap)
                            + "; "
                            + kafka.inputTopic()
                            + " -> "
                            + kafka.outputTopic()
                            + ", dead letters -> "
                            + kafka.deadLetterTopic()
                            + "; checkpoints every "
                            + kafka.checkpointInterval().toMillis()
                            + " ms, transactional ids "
                            + kafka.transactionalIdPrefix()
                            + "-*");

            Map<TopicPartition, Long> start;
            Map<TopicPartition, Long> stop;
            Map<TopicPartition, Long> outputStart = new HashMap<>();
            try (KafkaTopics topics = KafkaTopics.connect(bootstrap)) {
                topics.createMissing(
                        List.of(kafka.inputTopic(), kafka.outputTopic(), kafka.deadLetterTopic()),
                        options.intOption("--partitions"));
                start = topics.resumeOffsets(kafka.inputTopic(), kafka.groupId());
                stop =
                        EventWriter.endOffsets(
                                topics.endOffsets(kafka.inputTopic()), options.records());
                outputStart.putAll(topics.endOffsets(kafka.outputTopic()));
                outputStart.putAll(topics.endOffsets(kafka.deadLetterTopic()));
            }
            long events = 0;
            for (Map.Entry<TopicPartition, Long> partition : stop.entrySet()) {
                events += partition.getValue() - start.get(partition.getKey());
            }

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            if (env.getConfiguration()
                    .getOptional(RestartStrategyOptions.RESTART_STRATEGY)
                    .isEmpty()) {
                // Without one of the cluster's, a few restarts: enough for a lost task manager,
                // and a job that cannot work (a wrong endpoint) still ends.
                Configuration restarts = new Configuration();
                restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
                restarts.set(
                        RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                        RESTART_ATTEMPTS);
                restarts.set(
                        RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                        Duration.ofSeconds(1));
                env.configure(restarts);
            }
            pipeline(env, server.endpoint(), kafka, options, start, stop);

            OptionalLong requestsBefore = server.requests();
            List<CommittedReader.Arrival> arrivals;
            long pacedSinceMillis = Long.MIN_VALUE;
            try (CommittedReader reader = CommittedReader.start(bootstrap, outputStart)) {
                JobClient job = env.executeAsync(JOB_NAME);
                try {
                    EventWriter writer =
                            new EventWriter(
                                    bootstrap,
                                    kafka.inputTopic(),
                                    stop.size(),
                                    options.intOption("--bad-event-every"));
                    // The first event doubles as a probe: once its result is visible, the job runs
                    // and commits, and the others are written at their pace into a running job
                    // rather than piling up while it starts.
                    long first = writer.write(0, Math.min(1, options.records()), 0, () -> false);
                    while (first > 0
                            && reader.arrived() == 0
                            && !job.getJobExecutionResult().isDone()) {
                        Thread.sleep(20);
                    }
                    pacedSinceMillis = System.currentTimeMillis();
                    writer.write(
                            first,
                            options.records(),
                            options.recordsPerSecond(),
                            () -> job.getJobExecutionResult().isDone());
                } catch (RuntimeException e) {
                    job.cancel();
                    throw e;
                }
                job.getJobExecutionResult().get();
                arrivals = reader.finish(Duration.ofSeconds(60));
            }
            OptionalLong requestsAfter = server.requests();
            report(
                    options,
                    kafka,
                    events,
                    arrivals,
                    pacedSinceMillis,
                    requestsBefore,
                    requestsAfter,
                    out);
        }
    }

    /**
     * Adds the job to {@code env}: the input topic's events from {@code start} to {@code stop}
     * (unbounded when {@code stop} is null), enriched into the output topic, dead letters into the
     * dead-letter topic, with checkpoints every {@code kafka.checkpointInterval()}.
     */
    public static void pipeline(
            StreamExecutionEnvironment env,
            String endpoint,
            KafkaSettings kafka,
            SampleOptions options,
            Map<TopicPartition, Long> start,
            Map<TopicPartition, Long> stop) {
        env.setParallelism(options.parallelism());
        env.enableCheckpointing(
                kafka.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);

        var source =
                KafkaSource.<ReviewEvent>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopics(kafka.inputTopic())
                        .setGroupId(kafka.groupId())
                        .setStartingOffsets(OffsetsInitializer.offsets(start))
                        .setDeserializer(new EventFunctions.Deserializer())
                        // Skip what upstream transactions aborted, as any downstream reader should.
                        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        if (stop != null) {
            source.setBounded(OffsetsInitializer.offsets(stop));
        }
        DataStream<ReviewEvent> events =
                env.fromSource(
                                source.build(),
                                WatermarkStrategy.noWatermarks(),
                                "events from " + kafka.inputTopic())
                        .uid("kafka-events");

        TritonInference<ReviewEvent, ReviewEvent> inference =
                TritonInference.builder(ReviewEvent.class, ReviewEvent.class)
                        .endpoint(endpoint)
                        .model(options.model())
                        .maxBatchSize(options.maxBatchSize())
                        .maxBatchDelay(options.maxBatchDelay())
                        .batchTimeout(options.batchTimeout())
                        .capacity(options.capacity())
                        .deadLetters()
                        .uid("sentiment-inference")
                        .build();
        OutputTag<FailedInference<ReviewEvent>> invalid =
                new OutputTag<>("invalid events", inference.deadLetterTag().getTypeInfo());
        SingleOutputStreamOperator<ReviewEvent> reviews =
                events.process(new EventFunctions.ReadReviews(invalid, options.model()))
                        .returns(ReviewEvent.class)
                        .name("read reviews")
                        .uid("read-reviews");
        SingleOutputStreamOperator<ReviewEvent> scored = inference.apply(reviews);
        DataStream<FailedInference<ReviewEvent>> deadLetters =
                reviews.getSideOutput(invalid)
                        .union(scored.getSideOutput(inference.deadLetterTag()));

        DataStream<SinkRecord> records =
                scored.map(new EventFunctions.ToEnrichedRecord(kafka.outputTopic()))
                        .name("enriched events")
                        .uid("enriched-records")
                        .union(
                                deadLetters
                                        .map(
                                                new EventFunctions.ToDeadLetterRecord(
                                                        kafka.deadLetterTopic()))
                                        .name("dead letters")
                                        .uid("dead-letter-records"));
        records.sinkTo(
                        KafkaSink.<SinkRecord>builder()
                                .setBootstrapServers(kafka.bootstrapServers())
                                .setRecordSerializer(new SinkRecord.Serializer())
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix(kafka.transactionalIdPrefix())
                                .setProperty(
                                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                                        Long.toString(kafka.transactionTimeout().toMillis()))
                                .build())
                .name("to " + kafka.outputTopic() + " and " + kafka.deadLetterTopic())
                .uid("kafka-sink");
    }

    /**
     * Prints the first enriched events and dead letters, and the two summary lines: the first is
     * {@link RunSummary}'s, as in the other samples, over the enriched events written at the pace
     * (those written since {@code pacedSinceMillis}: not the probe, which waited for the job to
     * start), from when each was written to when it left the inference operator; the second counts
     * what the output topics hold and how long after writing each record became visible.
     */
    private static void report(
            SampleOptions options,
            KafkaSettings kafka,
            long events,
            List<CommittedReader.Arrival> arrivals,
            long pacedSinceMillis,
            OptionalLong requestsBefore,
            OptionalLong requestsAfter,
            PrintStream out) {
        List<Enriched> enriched = new ArrayList<>();
        List<String> deadLetters = new ArrayList<>();
        Set<String> sources = new HashSet<>();
        long[] visible = new long[arrivals.size()];
        int i = 0;
        for (CommittedReader.Arrival arrival : arrivals) {
            var record = arrival.record();
            String value = new String(record.value(), StandardCharsets.UTF_8);
            visible[i++] = arrival.arrivedMicros() - record.timestamp() * 1_000;
            Header source = record.headers().lastHeader(SinkRecord.SOURCE_HEADER);
            if (source != null) {
                sources.add(new String(source.value(), StandardCharsets.UTF_8));
            }
            if (record.topic().equals(kafka.outputTopic())) {
                Header done = record.headers().lastHeader(SinkRecord.DONE_MICROS_HEADER);
                long doneMicros =
                        done == null
                                ? arrival.arrivedMicros()
                                : Long.parseLong(
                                        new String(done.value(), StandardCharsets.US_ASCII));
                enriched.add(new Enriched(value, record.timestamp() * 1_000, doneMicros));
            } else {
                deadLetters.add(value);
            }
        }
        for (int shown = 0; shown < Math.min(options.show(), enriched.size()); shown++) {
            out.println("  " + enriched.get(shown).value());
        }
        for (int shown = 0; shown < Math.min(options.show(), deadLetters.size()); shown++) {
            out.println("  dead letter: " + deadLetters.get(shown));
        }
        if (enriched.size() + deadLetters.size() != events || sources.size() != arrivals.size()) {
            out.println(
                    "WARNING: "
                            + events
                            + " events went in, but "
                            + enriched.size()
                            + " enriched events and "
                            + deadLetters.size()
                            + " dead letters of "
                            + sources.size()
                            + " distinct events came out");
        }
        OptionalLong requests =
                requestsBefore.isPresent() && requestsAfter.isPresent()
                        ? OptionalLong.of(requestsAfter.getAsLong() - requestsBefore.getAsLong())
                        : OptionalLong.empty();
        List<Enriched> paced =
                enriched.stream()
                        .filter(e -> e.ingestMicros() >= pacedSinceMillis * 1_000)
                        .toList();
        out.println(RunSummary.of(paced.isEmpty() ? enriched : paced, requests));
        Arrays.sort(visible);
        out.println(
                String.format(
                        Locale.ROOT,
                        "kafka: %d events from %s: %d enriched into %s, %d dead letters into %s"
                                + " (read_committed); visible p50 %.0f ms, p99 %.0f ms after they"
                                + " were written",
                        events,
                        kafka.inputTopic(),
                        enriched.size(),
                        kafka.outputTopic(),
                        deadLetters.size(),
                        kafka.deadLetterTopic(),
                        percentile(visible, 50) / 1e3,
                        percentile(visible, 99) / 1e3));
    }

    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** An enriched event as the output topic holds it, with its two times. */
    private record Enriched(String value, long ingestMicros, long doneMicros) implements Timed {}
}
