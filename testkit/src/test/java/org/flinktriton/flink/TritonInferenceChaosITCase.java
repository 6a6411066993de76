package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.flinktriton.flink.ResilienceSinks.DEAD;
import static org.flinktriton.flink.ResilienceSinks.OUTPUTS;
import static org.flinktriton.flink.ResilienceSinks.OUTPUT_COUNT;
import static org.flinktriton.flink.ResilienceSinks.WRONG;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
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
 * The chaos run: 100,000 records at parallelism 4 on 2 TaskManagers, checkpoints every 200
 * ms, against a server that answers 5 % of requests 503, 2 % 429 with {@code Retry-After: 1},
 * resets 1 % of connections, goes away for 3 s mid-run and rejects any batch with one of 10 poison
 * records. With dead letters on, the job finishes without a single restart, every other record's
 * output comes exactly once, and the dead-letter output holds exactly the 10 poison records. With
 * the default policy the poison fails the job, naming the record's position and the server's error.
 * The faults are seeded. Both cases run over HTTP and over gRPC, where the testkit answers the same
 * faults with {@code UNAVAILABLE} (503, resets), {@code RESOURCE_EXHAUSTED} with a {@code
 * retry-after} trailer (429) and {@code INVALID_ARGUMENT} (poison), with the same exact counts.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TritonInferenceChaosITCase {
    private static final int PARALLELISM = 4;
    private static final int RECORDS = 100_000;
    private static final Set<Long> POISON =
            Set.of(
                    17L, 9_001L, 20_000L, 33_333L, 47_474L, 50_505L, 64_000L, 77_777L, 88_888L,
                    99_998L);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    private static final AtomicInteger OPENS = new AtomicInteger();

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 32))
                        .workerThreads(64)
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
        ResilienceSinks.clear();
        OPENS.set(0);
    }

    private static void chaos() {
        server.faults()
                .seed(11)
                .failRate(0.05, 503, "injected: model reloading")
                .failRate(0.02, 429, "injected: too many requests", Duration.ofSeconds(1))
                .resetRate(0.01)
                .poison(record -> POISON.contains((long) record.doubleValue("INPUT0")));
    }

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(200);
        // Restarts allowed, so that one would show (as more opens) rather than fail the job.
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);
        return env;
    }

    private static DataStream<AddSubRequest> requests(StreamExecutionEnvironment env) {
        return env.fromSequence(0, RECORDS - 1)
                .map(AddSubRequest::of)
                .returns(AddSubRequest.class)
                .map(new OpenCounter());
    }

    private static TritonInference.Builder<AddSubRequest, AddSubResult> inference(
            Transport transport) {
        return TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(transport.endpoint(server))
                .maxBatchSize(32)
                .maxBatchDelay(Duration.ofMillis(10))
                .capacity(4);
    }

    /** Waits until {@code outputs} results are out, then takes the server away for 3 s. */
    private static CompletableFuture<Void> outageAfter(long outputs, JobClient job)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (OUTPUT_COUNT.get() < outputs) {
            assertThat(System.nanoTime()).as("outputs before the outage").isLessThan(deadline);
            assertThat(job.getJobStatus().get().isGloballyTerminalState())
                    .as("the job still runs before the outage")
                    .isFalse();
            Thread.sleep(5);
        }
        return server.outage(Duration.ofSeconds(3));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void withDeadLettersTheJobRidesOutTheChaosWithoutARestart(Transport transport)
            throws Exception {
        chaos();
        StreamExecutionEnvironment env = environment();
        TritonInference<AddSubRequest, AddSubResult> inference =
                inference(transport).deadLetters().build();
        SingleOutputStreamOperator<AddSubResult> results = inference.apply(requests(env));
        results.sinkTo(new ResilienceSinks.OutputSink());
        results.getSideOutput(inference.deadLetterTag())
                .sinkTo(new ResilienceSinks.DeadLetterSink());
        long start = System.nanoTime();
        JobClient job = env.executeAsync("TritonInference: chaos with dead letters");

        CompletableFuture<Void> outage = outageAfter(RECORDS / 3, job);
        job.getJobExecutionResult().get(240, TimeUnit.SECONDS);
        outage.get(30, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        System.out.printf(
                "TritonInference chaos over %s: %d ms, %d infer requests, 503 %d, 429 %d, resets %d,"
                        + " poison answers %d, outages %d, dead letters %d%n",
                transport,
                millis,
                server.stats().inferRequests(),
                server.stats().injectedFailures(503),
                server.stats().injectedFailures(429),
                server.stats().resets(),
                server.stats().poisonAnswers(),
                server.stats().outages(),
                DEAD.size());
        assertThat(OPENS.get()).as("opens: no restart").isEqualTo(PARALLELISM);
        assertThat(server.stats().outages()).isEqualTo(1);
        assertThat(server.stats().injectedFailures(503)).isPositive();
        assertThat(server.stats().injectedFailures(429)).isPositive();
        assertThat(server.stats().resets()).isPositive();
        assertThat(WRONG).isEmpty();
        assertThat(OUTPUT_COUNT.get()).isEqualTo(RECORDS - POISON.size());
        for (long id = 0; id < RECORDS; id++) {
            AtomicInteger count = OUTPUTS.get(id);
            if (POISON.contains(id)) {
                assertThat(count).as("output of poison record %d", id).isNull();
            } else {
                assertThat(count).as("output of record %d", id).isNotNull();
                assertThat(count.get()).as("outputs of record %d", id).isEqualTo(1);
            }
        }
        assertThat(DEAD)
                .extracting(dead -> dead.input().id)
                .containsExactlyInAnyOrderElementsOf(POISON);
        for (FailedInference<AddSubRequest> dead : DEAD) {
            assertThat(dead.statusCode()).isEqualTo(400);
            assertThat(dead.attempts()).isPositive();
            assertThat(dead.message()).contains("poison record at index 0 of 1");
            if (transport == Transport.GRPC) {
                assertThat(dead.message()).contains("gRPC INVALID_ARGUMENT");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void byDefaultThePoisonFailsTheJobNamingTheRecordAndTheServersError(Transport transport)
            throws Exception {
        chaos();
        StreamExecutionEnvironment env = environment();
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(noRestarts);
        inference(transport).build().apply(requests(env)).sinkTo(new ResilienceSinks.OutputSink());

        Throwable failure = catchThrowable(() -> env.execute("TritonInference: chaos, default"));

        assertThat(failure).isNotNull();
        TritonException cause =
                ExceptionUtils.findThrowable(failure, TritonException.class).orElseThrow();
        assertThat(cause)
                .hasMessageMatching("(?s)The record at position \\d+ of a batch of \\d+ failed.*")
                .hasMessageContaining("HTTP 400")
                .hasMessageContaining("poison record at index 0 of 1")
                .hasMessageContaining(transport == Transport.GRPC ? "gRPC INVALID_ARGUMENT" : "");
        assertThat(WRONG).isEmpty();
        for (long id : POISON) {
            assertThat(OUTPUTS).as("poison record %d", id).doesNotContainKey(id);
        }
    }

    /** Counts opens of its subtasks: attempts × parallelism. */
    static final class OpenCounter extends RichMapFunction<AddSubRequest, AddSubRequest> {
        private static final long serialVersionUID = 1L;

        @Override
        public void open(OpenContext openContext) {
            OPENS.incrementAndGet();
        }

        @Override
        public AddSubRequest map(AddSubRequest value) {
            return value;
        }
    }
}
