package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.flink.InferenceTypes.Enriched;
import org.flinktriton.flink.InferenceTypes.Labelled;
import org.flinktriton.flink.InferenceTypes.Vector;
import org.flinktriton.flink.InferenceTypes.VectorOut;
import org.flinktriton.flink.InferenceTypes.WrongRequest;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TritonInference} in real jobs: a MiniCluster of 2 task managers with 2 slots each, jobs of
 * parallelism 4, against a {@link TritonTestServer} in the same JVM. Sources, the inference
 * operator and sinks chain into one task per subtask, so every subtask is its own failover region.
 * Each job runs over HTTP and over gRPC ({@code grpc://}, the only change).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TritonInferenceITCase {

    private static final int PARALLELISM = 4;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(clusterConfiguration())
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    // Shared with the sinks and functions, which the job runs from serialized copies.
    private static final Map<Long, AtomicInteger> OUTPUTS = new ConcurrentHashMap<>();
    private static final AtomicLong OUTPUT_COUNT = new AtomicLong();
    private static final Queue<String> WRONG = new ConcurrentLinkedQueue<>();

    private static Configuration clusterConfiguration() {
        Configuration configuration = new Configuration();
        configuration.set(JobManagerOptions.EXECUTION_FAILOVER_STRATEGY, "region");
        return configuration;
    }

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        // 1 ms per request keeps the operator's capacity busy: the load under
                        // which batches should fill up.
                        .model(
                                TestModels.withCost(
                                        TestModels.addSub(
                                                "add_sub",
                                                TritonDataType.FP32,
                                                InferenceTypes.LENGTH,
                                                32),
                                        Duration.ofMillis(1),
                                        Duration.ZERO))
                        // 5 ms per request stretches the failover job over many checkpoints.
                        .model(
                                TestModels.withCost(
                                        TestModels.addSub(
                                                "add_sub_slow",
                                                TritonDataType.FP32,
                                                InferenceTypes.LENGTH,
                                                16),
                                        Duration.ofMillis(5),
                                        Duration.ZERO))
                        .model(TestModels.identity("identity_nobatch", 0, TritonDataType.FP32, 4))
                        .workerThreads(64)
                        .compressResponses(false)
                        .grpc()
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.faults().clear();
        server.stats().reset();
        OUTPUTS.clear();
        OUTPUT_COUNT.set(0);
        WRONG.clear();
        FailoverRecorder.reset();
        OpenCounter.OPENS.set(0);
    }

    /**
     * 100,000 records, maxBatchSize 32 (the model's max_batch_size), 4 batches in flight per
     * subtask. Every output is checked and counted; the server's batches are never larger than 32
     * and, since the sources outrun the model, average at least 0.9 × 32 (only the last batch of
     * each subtask and a batch flushed by the delay under a CPU stall can be partial; measured:
     * about 31.96 on 2 shared cores). The same job over gRPC ({@code grpc://}, the only change)
     * holds to the same counts.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void everyRecordGetsItsCorrectOutputExactlyOnceInFullBatches(Transport transport)
            throws Exception {
        int records = 100_000;
        int maxBatchSize = 32;
        StreamExecutionEnvironment env = environment();

        TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(transport.endpoint(server))
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(Duration.ofMillis(20))
                .capacity(4)
                .build()
                .apply(requests(env, records))
                .sinkTo(new RecordingSink<>(TritonInferenceITCase::checkSumAndDifference));
        long start = System.nanoTime();
        env.execute("TritonInference: 100,000 records");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertExactlyOnce(records);
        List<Integer> batches = server.stats().batchSizes("add_sub");
        double mean = batches.stream().mapToInt(Integer::intValue).average().orElse(0);
        System.out.printf(
                "TritonInference ITCase over %s: %d records in %d ms, %d requests, mean batch"
                        + " %.2f, histogram %s%n",
                transport,
                records,
                millis,
                batches.size(),
                mean,
                server.stats().batchSizeHistogram());
        assertThat(server.stats().records("add_sub")).isEqualTo(records);
        assertThat(batches).allSatisfy(size -> assertThat(size).isBetween(1, maxBatchSize));
        assertThat(mean).isGreaterThanOrEqualTo(0.9 * maxBatchSize);
    }

    /**
     * Checkpoints every 100 ms; once one has completed and a tenth of the outputs are out, the
     * server answers the next three infer requests with 503. Each one fails its task with the
     * {@code TritonServerException}; the fixed-delay restart strategy restarts the failed region
     * from the last completed checkpoint.
     *
     * <p>None lost: every record has an output. Duplicate bound for this non-transactional,
     * collecting sink: an output is emitted again only if it was emitted after the checkpoint its
     * subtask restored from. The {@link FailoverRecorder} counts, at each restore, the outputs its
     * subtask emitted since that checkpoint's snapshot (the replay window); the duplicates must not
     * exceed the sum of those windows (in theory they equal it).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void afterServerFailuresAndRestartsNoOutputIsLost(Transport transport) throws Exception {
        int records = 50_000;
        StreamExecutionEnvironment env = environment();
        env.enableCheckpointing(100);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        env.configure(restarts);

        TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(transport.endpoint(server))
                .model("add_sub_slow")
                .maxBatchSize(16)
                .maxBatchDelay(Duration.ofMillis(5))
                .capacity(2)
                .ordered(false)
                // Without retries, so that the 503s fail tasks: restarts must lose nothing either.
                .retry(RetryPolicy.none())
                .build()
                .apply(requests(env, records))
                .map(new FailoverRecorder())
                .sinkTo(new RecordingSink<>(TritonInferenceITCase::checkSumAndDifference));
        long start = System.nanoTime();
        JobClient job = env.executeAsync("TritonInference: failover");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(FailoverRecorder.CHECKPOINT_COMPLETED.get()
                && OUTPUT_COUNT.get() >= records / 10)) {
            assertThat(System.nanoTime()).as("a checkpoint completes in time").isLessThan(deadline);
            assertThat(job.getJobStatus().get().isGloballyTerminalState())
                    .as("the job still runs when the faults are armed")
                    .isFalse();
            Thread.sleep(5);
        }
        long armedAt = OUTPUT_COUNT.get();
        server.faults().failNext(3, 503, "injected: model unavailable");
        job.getJobExecutionResult().get(90, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        long duplicates = OUTPUT_COUNT.get() - records;
        System.out.printf(
                "TritonInference failover over %s: %d ms, faults armed after %d outputs, %d answered 503,"
                        + " %d restores, %d outputs, %d duplicates, replay windows %d%n",
                transport,
                millis,
                armedAt,
                server.stats().responses(503),
                FailoverRecorder.RESTORES.get(),
                OUTPUT_COUNT.get(),
                duplicates,
                FailoverRecorder.WINDOWS.get());
        assertThat(server.stats().responses(503)).isEqualTo(3);
        assertThat(FailoverRecorder.RESTORES.get()).isBetween(1, 3);
        assertThat(WRONG).isEmpty();
        assertThat(OUTPUTS).hasSize(records);
        for (long id = 0; id < records; id++) {
            assertThat(OUTPUTS.get(id)).as("outputs of record %d", id).isNotNull();
            assertThat(OUTPUTS.get(id).get())
                    .as("outputs of record %d", id)
                    .isBetween(1, 1 + FailoverRecorder.RESTORES.get());
        }
        assertThat(duplicates).isBetween(0L, FailoverRecorder.WINDOWS.get());
    }

    /**
     * INT32 [8] where the model has FP32 [16]: the job fails as it starts, with the schema message,
     * before any infer request, and without restarts although a restart strategy is set.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aJobWhoseClassesDoNotMatchTheModelFailsAtStart(Transport transport) {
        StreamExecutionEnvironment env = environment();
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);
        DataStream<WrongRequest> requests =
                env.fromSequence(1, 1_000)
                        .map(id -> new WrongRequest())
                        .returns(WrongRequest.class);

        TritonInference.builder(WrongRequest.class, AddSubResult.class)
                .endpoint(transport.endpoint(server))
                .model("add_sub")
                .build()
                .apply(requests)
                // Opens before the inference operator (a chain opens from its tail): counts the
                // attempts.
                .map(new OpenCounter<>())
                .sinkTo(new DiscardingSink<>());

        assertThatThrownBy(() -> env.execute("TritonInference: schema mismatch"))
                .satisfies(
                        failure -> {
                            assertThat(
                                            ExceptionUtils.findThrowable(
                                                    failure, SuppressRestartsException.class))
                                    .isPresent();
                            Optional<TritonSchemaException> schema =
                                    ExceptionUtils.findThrowable(
                                            failure, TritonSchemaException.class);
                            assertThat(schema).isPresent();
                            assertThat(schema.get().getMessage())
                                    .startsWith(
                                            "Model 'add_sub': The annotated classes do not match"
                                                    + " the model (")
                                    .contains("INPUT0");
                            assertThat(schema.get().mismatches()).isNotEmpty();
                        });
        assertThat(server.stats().inferRequests()).isZero();
        assertThat(OpenCounter.OPENS.get()).as("attempts × subtasks").isBetween(1, PARALLELISM);
    }

    /** One class with inputs and an output: the job emits the records it sent, filled in. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void enrichesRecordsWithTheirOutputs(Transport transport) throws Exception {
        int records = 5_000;
        StreamExecutionEnvironment env = environment();
        DataStream<Enriched> input =
                env.fromSequence(0, records - 1).map(Enriched::of).returns(Enriched.class);

        TritonInference.builder(Enriched.class, Enriched.class)
                .endpoint(transport.endpoint(server))
                .model("add_sub")
                .maxBatchSize(32)
                .build()
                .apply(input)
                .sinkTo(
                        new RecordingSink<>(
                                enriched -> {
                                    if (!InferenceTypes.isSumOf(enriched.id, enriched.sum)
                                            || !("record-" + enriched.id).equals(enriched.label)) {
                                        throw new IllegalArgumentException(
                                                "wrong enrichment of " + enriched.id);
                                    }
                                    return enriched.id;
                                }));
        env.execute("TritonInference: enrichment");

        assertExactlyOnce(records);
    }

    /** The combiner pairs each request with its result, in order, also in unordered mode. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void combinesEachInputWithItsOutput(Transport transport) throws Exception {
        int records = 5_000;
        StreamExecutionEnvironment env = environment();

        TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(transport.endpoint(server))
                .maxBatchSize(32)
                .ordered(false)
                .build()
                .apply(
                        requests(env, records),
                        (request, result) ->
                                new Labelled(request.id, result.sum()[0], result.difference()[0]),
                        Labelled.class)
                .sinkTo(
                        new RecordingSink<>(
                                labelled -> {
                                    if (labelled.firstSum() != labelled.id()
                                            || labelled.firstDifference() != labelled.id()) {
                                        throw new IllegalArgumentException(labelled.toString());
                                    }
                                    return labelled.id();
                                }));
        env.execute("TritonInference: combiner");

        assertExactlyOnce(records);
    }

    /**
     * A model with max_batch_size 0 takes one record per request; with maxBatchSize unset the
     * operator still batches (32), and the client sends each record of a batch on its own.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aModelWithoutBatchingGetsOneRecordPerRequest(Transport transport) throws Exception {
        int records = 2_000;
        StreamExecutionEnvironment env = environment();
        DataStream<Vector> vectors =
                env.fromSequence(0, records - 1).map(Vector::of).returns(Vector.class);

        TritonInference<Vector, VectorOut> inference =
                TritonInference.builder(Vector.class, VectorOut.class)
                        .endpoint(transport.endpoint(server))
                        .model("identity_nobatch")
                        .build();
        assertThat(inference.batchOptions().maxBatchSize()).isEqualTo(32);
        inference
                .apply(
                        vectors,
                        (vector, out) -> {
                            float[] expected = Vector.of(vector.id).values;
                            if (!Arrays.equals(expected, out.values())) {
                                throw new IllegalArgumentException("wrong echo of " + vector.id);
                            }
                            return vector.id;
                        },
                        Long.class)
                .sinkTo(new RecordingSink<>(id -> id));
        env.execute("TritonInference: max_batch_size 0");

        assertExactlyOnce(records);
        assertThat(server.stats().inferRequests("identity_nobatch")).isEqualTo(records);
        assertThat(server.stats().batchSizes("identity_nobatch")).containsOnly(1);
    }

    // ---------------------------------------------------------------------------------------

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        return env;
    }

    private static DataStream<AddSubRequest> requests(StreamExecutionEnvironment env, int records) {
        return env.fromSequence(0, records - 1).map(AddSubRequest::of).returns(AddSubRequest.class);
    }

    private static long checkSumAndDifference(AddSubResult result) {
        long id = (long) result.difference()[0];
        if (!InferenceTypes.isDifferenceOf(id, result.difference())
                || !InferenceTypes.isSumOf(id, result.sum())) {
            throw new IllegalArgumentException("wrong result for record " + id);
        }
        return id;
    }

    private static void assertExactlyOnce(int records) {
        assertThat(WRONG).as("wrong outputs").isEmpty();
        assertThat(OUTPUT_COUNT.get()).as("outputs").isEqualTo(records);
        assertThat(OUTPUTS).hasSize(records);
        for (long id = 0; id < records; id++) {
            AtomicInteger count = OUTPUTS.get(id);
            assertThat(count).as("output of record %d", id).isNotNull();
            assertThat(count.get()).as("outputs of record %d", id).isEqualTo(1);
        }
    }

    /** Finds the record id of an output, or throws when the output is wrong. */
    @FunctionalInterface
    interface OutputCheck<T> extends Serializable {
        long idOf(T output);
    }

    /** Counts outputs per record id; not transactional, so a replay shows as duplicates. */
    static final class RecordingSink<T> extends WriterSink<T> {
        private static final long serialVersionUID = 1L;

        private final OutputCheck<T> check;

        RecordingSink(OutputCheck<T> check) {
            this.check = check;
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(T value, Context context) {
                    long id;
                    try {
                        id = check.idOf(value);
                    } catch (RuntimeException e) {
                        if (WRONG.size() < 10) {
                            WRONG.add(e.getMessage());
                        }
                        return;
                    }
                    OUTPUTS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    OUTPUT_COUNT.incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    /**
     * Passes outputs on and measures the replay window of every restore: how many outputs its
     * subtask had emitted after the snapshot of the checkpoint it restores from. Counts are logical
     * (reset to the checkpoint's count on restore), so a window is never counted twice.
     */
    static final class FailoverRecorder extends RichMapFunction<AddSubResult, AddSubResult>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;

        static final AtomicBoolean CHECKPOINT_COMPLETED = new AtomicBoolean();
        static final AtomicInteger RESTORES = new AtomicInteger();
        static final AtomicLong WINDOWS = new AtomicLong();
        private static final Map<Integer, AtomicLong> EMITTED = new ConcurrentHashMap<>();
        private static final Map<String, Long> AT_SNAPSHOT = new ConcurrentHashMap<>();

        private transient AtomicLong emitted;
        private transient int subtask;

        static void reset() {
            CHECKPOINT_COMPLETED.set(false);
            RESTORES.set(0);
            WINDOWS.set(0);
            EMITTED.clear();
            AT_SNAPSHOT.clear();
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            emitted = EMITTED.computeIfAbsent(subtask, k -> new AtomicLong());
            long before = emitted.get();
            long base = 0;
            if (context.getRestoredCheckpointId().isPresent()) {
                RESTORES.incrementAndGet();
                base =
                        AT_SNAPSHOT.getOrDefault(
                                subtask + "@" + context.getRestoredCheckpointId().getAsLong(), 0L);
            }
            WINDOWS.addAndGet(Math.max(0, before - base));
            emitted.set(base);
        }

        @Override
        public AddSubResult map(AddSubResult result) {
            emitted.incrementAndGet();
            return result;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            AT_SNAPSHOT.put(subtask + "@" + context.getCheckpointId(), emitted.get());
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINT_COMPLETED.set(true);
        }
    }

    /** Counts how often its subtasks open, that is, attempts × parallelism. */
    static final class OpenCounter<T> extends RichMapFunction<T, T> {
        private static final long serialVersionUID = 1L;

        static final AtomicInteger OPENS = new AtomicInteger();

        @Override
        public void open(OpenContext openContext) {
            OPENS.incrementAndGet();
        }

        @Override
        public T map(T value) {
            return value;
        }
    }
}
