package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.flinktriton.flink.ResilienceSinks.DEAD;
import static org.flinktriton.flink.ResilienceSinks.OUTPUTS;
import static org.flinktriton.flink.ResilienceSinks.WRONG;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.testkit.ModelHandler;
import org.flinktriton.testkit.TestModel;
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
 * What becomes of records the server rejects, in real jobs: dead letters (exactly the poison
 * records, every other output exactly once, while transient 503s cost only retries), the default
 * (the job fails, naming the record's position and the server's error) and a fallback (its outputs
 * in the poison records' places, in order). The poison model answers 400 for any batch that holds a
 * record whose id is in {@link #POISON} ({@code INVALID_ARGUMENT} over gRPC). Each case runs over
 * HTTP and over gRPC, with the same exact counts.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TritonInferenceResilienceITCase {
    private static final Set<Long> POISON =
            Set.of(3L, 777L, 1_024L, 5_000L, 9_999L, 12_345L, 15_000L, 17_777L, 19_000L, 19_999L);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    private static final List<Long> ORDER =
            java.util.Collections.synchronizedList(new ArrayList<>());

    /** The messages of the failures a fallback was given. */
    private static final List<String> FALLBACK_FAILURES =
            java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startServer() {
        TestModel addSub = TestModels.addSub("poison", TritonDataType.FP32, 16, 32);
        ModelHandler model = addSub.handler();
        ModelHandler poisoned =
                request -> {
                    float[] a = request.input("INPUT0").toFloats();
                    for (int row = 0; row < request.batchSize(); row++) {
                        long id = (long) a[row * InferenceTypes.LENGTH];
                        if (POISON.contains(id)) {
                            throw new IllegalArgumentException("record " + id + " is poison");
                        }
                    }
                    return model.infer(request);
                };
        server =
                TritonTestServer.builder()
                        .model(addSub.toBuilder().handler(poisoned).build())
                        .workerThreads(32)
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
        ORDER.clear();
        FALLBACK_FAILURES.clear();
    }

    private static StreamExecutionEnvironment environment(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(noRestarts);
        return env;
    }

    private static DataStream<AddSubRequest> requests(StreamExecutionEnvironment env, int records) {
        return env.fromSequence(0, records - 1).map(AddSubRequest::of).returns(AddSubRequest.class);
    }

    private static TritonInference.Builder<AddSubRequest, AddSubResult> inference(
            Transport transport) {
        return TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(transport.endpoint(server))
                .model("poison")
                .maxBatchSize(32)
                .maxBatchDelay(Duration.ofMillis(5))
                .capacity(4)
                .retry(
                        RetryPolicy.builder()
                                .initialBackoff(Duration.ofMillis(20))
                                .maxBackoff(Duration.ofMillis(200))
                                .build());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void deadLettersHoldExactlyThePoisonRecordsAndEveryOtherOutputComesOnce(Transport transport)
            throws Exception {
        int records = 20_000;
        StreamExecutionEnvironment env = environment(4);
        env.enableCheckpointing(200);
        TritonInference<AddSubRequest, AddSubResult> inference =
                inference(transport).deadLetters().build();
        SingleOutputStreamOperator<AddSubResult> results = inference.apply(requests(env, records));
        results.sinkTo(new ResilienceSinks.OutputSink());
        results.getSideOutput(inference.deadLetterTag())
                .sinkTo(new ResilienceSinks.DeadLetterSink());
        // Transient trouble on top: answered 503 every 50th request, which retries absorb.
        server.faults().failEvery(50, 503, "injected: model reloading");

        JobExecutionResult result = env.execute("TritonInference: dead letters");

        // No restarts are configured: the job finishing at all means none was needed.
        assertThat(result.getJobExecutionResult()).isNotNull();
        assertThat(server.stats().responses(503)).isPositive();
        assertThat(WRONG).isEmpty();
        assertThat(OUTPUTS).hasSize(records - POISON.size());
        for (long id = 0; id < records; id++) {
            if (POISON.contains(id)) {
                assertThat(OUTPUTS).as("output of poison record %d", id).doesNotContainKey(id);
            } else {
                assertThat(OUTPUTS.get(id)).as("output of record %d", id).isNotNull();
                assertThat(OUTPUTS.get(id).get()).as("outputs of record %d", id).isEqualTo(1);
            }
        }
        assertThat(DEAD)
                .extracting(dead -> dead.input().id)
                .containsExactlyInAnyOrderElementsOf(POISON);
        for (FailedInference<AddSubRequest> dead : DEAD) {
            assertThat(dead.statusCode()).isEqualTo(400);
            assertThat(dead.model()).isEqualTo("poison");
            assertThat(dead.errorType()).isEqualTo("TritonServerException");
            assertThat(dead.message())
                    .startsWith("Model 'poison': ")
                    .contains("record " + dead.input().id + " is poison");
            // One request when the record travelled alone (a batch cut by its delay or by the end
            // of input), more when bisection isolated it or a 503 was retried: never unbounded.
            assertThat(dead.attempts()).isBetween(1, 40);
            assertThat(dead.failedAtMillis()).isPositive();
            assertThat(dead.toString()).contains("HTTP 400", "is poison");
            if (transport == Transport.GRPC) {
                assertThat(dead.message()).contains("gRPC INVALID_ARGUMENT");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void byDefaultAPoisonRecordFailsTheJobNamingItsPositionAndTheServersError(Transport transport) {
        StreamExecutionEnvironment env = environment(1);
        inference(transport)
                .maxBatchSize(8)
                .build()
                .apply(requests(env, 100))
                .sinkTo(new ResilienceSinks.OutputSink());

        Throwable failure = catchThrowable(() -> env.execute("TritonInference: poison fails"));

        assertThat(failure).isNotNull();
        TritonException cause =
                ExceptionUtils.findThrowable(failure, TritonException.class).orElseThrow();
        // Record 3 is the fourth of the first batch of 8.
        assertThat(cause)
                .hasMessageContaining("The record at position 3 of a batch of 8 failed")
                .hasMessageContaining("HTTP 400")
                .hasMessageContaining("record 3 is poison")
                .hasMessageContaining(transport == Transport.GRPC ? "gRPC INVALID_ARGUMENT" : "");
        assertThat(OUTPUTS).doesNotContainKey(3L);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aFallbackTakesThePoisonRecordsPlacesInOrder(Transport transport) throws Exception {
        int records = 2_000;
        StreamExecutionEnvironment env = environment(1);
        inference(transport)
                .fallback(
                        (request, failure) -> {
                            FALLBACK_FAILURES.add(failure.getMessage());
                            return new AddSubResult(
                                    new float[] {-1}, new float[] {-request.id - 1});
                        })
                .build()
                .apply(requests(env, records))
                .sinkTo(new OrderSink());

        env.execute("TritonInference: fallback");

        assertThat(ORDER).hasSize(records);
        for (int i = 0; i < records; i++) {
            long expected = POISON.contains((long) i) ? -i - 1 : i;
            assertThat(ORDER.get(i)).as("output %d", i).isEqualTo(expected);
        }
        assertThat(FALLBACK_FAILURES)
                .hasSize((int) POISON.stream().filter(id -> id < records).count())
                .allSatisfy(
                        message ->
                                assertThat(message)
                                        .contains("is poison")
                                        .contains(
                                                transport == Transport.GRPC
                                                        ? "gRPC INVALID_ARGUMENT"
                                                        : "HTTP 400"));
    }

    /** Keeps the order of outputs by their difference (the id, or -id-1 for a fallback). */
    static final class OrderSink extends WriterSink<AddSubResult> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<AddSubResult> createWriter(WriterInitContext context) {
            return new ResilienceSinks.Writer<>() {
                @Override
                public void write(AddSubResult result, Context context) {
                    ORDER.add((long) result.difference()[0]);
                }
            };
        }
    }
}
