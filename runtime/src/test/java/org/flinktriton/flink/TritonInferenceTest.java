package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.InvalidProgramException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.util.InstantiationUtil;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;
import org.flinktriton.client.TritonClientOptions;
import org.junit.jupiter.api.Test;

/**
 * The builder and the job graph it produces, without a server; the testkit's {@code
 * TritonInferenceITCase} runs the jobs.
 */
class TritonInferenceTest {

    private static final String ENDPOINT = "http://127.0.0.1:8000";

    private final StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment();

    @TritonModel(name = "add_sub", version = "1")
    public static class Request {
        @TritonInput(
                name = "INPUT0",
                shape = {4})
        public float[] a;

        @TritonInput(
                name = "INPUT1",
                shape = {4})
        public float[] b;
    }

    public static class Unnamed {
        @TritonInput(
                name = "INPUT0",
                shape = {4})
        public float[] a;
    }

    public record Result(
            @TritonOutput(
                            name = "OUTPUT0",
                            shape = {4})
                    float[] sum) {}

    public record Labelled(String label, float first) {}

    /** No codec: the processor never saw it. */
    public static class NotAnnotated {
        public float[] a;
    }

    @Test
    void takesTheModelAndVersionFromTritonModel() {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT).build();

        assertThat(inference.model()).isEqualTo("add_sub");
        assertThat(inference.modelVersion()).contains("1");
        assertThat(inference.name()).isEqualTo("TritonInference(add_sub, version 1)");
    }

    @Test
    void aGivenModelWinsAndDropsTheAnnotatedVersion() {
        TritonInference<Request, Result> renamed =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .model("add_sub_v2")
                        .build();
        TritonInference<Request, Result> pinned =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .modelVersion("3")
                        .build();

        assertThat(renamed.model()).isEqualTo("add_sub_v2");
        assertThat(renamed.modelVersion()).isEmpty();
        assertThat(renamed.name()).isEqualTo("TritonInference(add_sub_v2)");
        assertThat(pinned.model()).isEqualTo("add_sub");
        assertThat(pinned.modelVersion()).contains("3");
    }

    @Test
    void buildNamesWhatIsMissing() {
        assertThatThrownBy(() -> TritonInference.builder(Request.class, Result.class).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonInference for Request -> Result needs an endpoint (call"
                                + " endpoint(\"http://triton:8000\"))");

        assertThatThrownBy(() -> TritonInference.builder(Unnamed.class, Result.class).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonInference for Unnamed -> Result needs an endpoint (call"
                                + " endpoint(\"http://triton:8000\")) and a model (call"
                                + " model(\"name\"), or annotate "
                                + Unnamed.class.getName()
                                + " with @TritonModel(name = ...))");

        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Unnamed.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .build())
                .hasMessageContaining("needs a model")
                .hasMessageNotContaining("endpoint");
    }

    @Test
    void buildRequiresGeneratedCodecsForBothRoles() {
        assertThatThrownBy(
                        () ->
                                TritonInference.builder(NotAnnotated.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .model("m")
                                        .build())
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("No generated codec")
                .hasMessageContaining("annotationProcessorPaths");

        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Request.class, Request.class)
                                        .endpoint(ENDPOINT)
                                        .build())
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("no @TritonOutput fields");
    }

    @Test
    void rejectsBadSettingsWhereTheyAreGiven() {
        TritonInference.Builder<Request, Result> builder =
                TritonInference.builder(Request.class, Result.class);

        assertThatThrownBy(() -> builder.endpoint("ftp://x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.endpoint("http://user:secret@triton:8000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> builder.header("Content-Type", "text/plain"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.maxBatchSize(0))
                .hasMessage("maxBatchSize must be at least 1, not 0");
        assertThatThrownBy(() -> builder.maxConcurrentRequests(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> builder.endpoint(ENDPOINT).capacity(0).timeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity must be at least 1")
                .hasMessageContaining("timeout must be between 1 ms and 365 days");
        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Request.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .requestTimeout(Duration.ofSeconds(-1))
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> builder.maxResponseBytes(0))
                .hasMessage("maxResponseBytes must be between 1 and 2147483631, not 0");
        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Request.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .maxResponseBytes(1L << 40)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxResponseBytes must be between 1 and");
        assertThatThrownBy(() -> builder.priority(-1))
                .hasMessage("priority must not be negative, not -1");
        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Request.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .serverTimeout(Duration.ofSeconds(-1))
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverTimeout");
    }

    @Test
    void clientOptionsSetEveryClientSettingAndLaterSettersChangeOne() {
        TritonClientOptions options =
                TritonClientOptions.builder()
                        .endpoint(ENDPOINT)
                        .model("add_sub_v2")
                        .bearerToken("t0k3n")
                        .maxBatchSize(8)
                        .build();

        TritonInference<Request, Result> given =
                TritonInference.builder(Request.class, Result.class).client(options).build();
        TritonInference<Request, Result> changed =
                TritonInference.builder(Request.class, Result.class)
                        .client(options)
                        .requestTimeout(Duration.ofSeconds(5))
                        .maxBatchSize(4)
                        .build();

        // The options' model wins over @TritonModel, whose version is dropped with it; in a job,
        // retries last until the batch timeout.
        TritonClientOptions inJob =
                options.toBuilder()
                        .retry(options.retry().toBuilder().maxAttempts(Integer.MAX_VALUE).build())
                        .build();
        assertThat(given.clientOptions()).isEqualTo(inJob);
        assertThat(given.name()).isEqualTo("TritonInference(add_sub_v2)");
        assertThat(given.requestBatchSize()).contains(8);
        assertThat(given.batchOptions()).isEqualTo(AsyncBatchOptions.defaults());
        assertThat(changed.clientOptions())
                .isEqualTo(
                        inJob.toBuilder()
                                .requestTimeout(Duration.ofSeconds(5))
                                .maxBatchSize(4)
                                .build());
        assertThat(changed.batchOptions().maxBatchSize()).isEqualTo(4);
    }

    @Test
    void aTrustStoreWithoutCertificatesIsRefused() throws Exception {
        KeyStore empty = KeyStore.getInstance(KeyStore.getDefaultType());
        empty.load(null, null);

        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Request.class, Result.class)
                                        .trustStore(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no certificate");
    }

    @Test
    void defaultsAreTheOperatorsWithRequestsSizedByTheModel() {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT).build();

        assertThat(inference.batchOptions()).isEqualTo(AsyncBatchOptions.defaults());
        assertThat(inference.batchOptions().maxBatchSize()).isEqualTo(32);
        assertThat(inference.requestBatchSize()).isEmpty();
        assertThat(inference.ordered()).isTrue();
        assertThat(inference.endpoint()).isEqualTo(ENDPOINT);
    }

    @Test
    void maxBatchSizeBoundsBatchesAndRequests() {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .maxBatchSize(64)
                        .maxBatchDelay(Duration.ofMillis(5))
                        .timeout(Duration.ofSeconds(7))
                        .capacity(2)
                        .ordered(false)
                        .build();

        assertThat(inference.batchOptions())
                .isEqualTo(
                        AsyncBatchOptions.builder()
                                .maxBatchSize(64)
                                .maxBatchDelay(Duration.ofMillis(5))
                                .timeout(Duration.ofSeconds(7))
                                .capacity(2)
                                .build());
        assertThat(inference.requestBatchSize()).contains(64);
        assertThat(inference.ordered()).isFalse();
    }

    @Test
    void batchOptionsSetAllFourAndLaterSettersOverrideThem() {
        AsyncBatchOptions options =
                AsyncBatchOptions.builder().maxBatchSize(16).capacity(8).build();

        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .batchOptions(options)
                        .capacity(3)
                        .build();

        assertThat(inference.batchOptions()).isEqualTo(options.toBuilder().capacity(3).build());
        assertThat(inference.requestBatchSize()).contains(16);
    }

    @Test
    void applyAddsTheBatchOperatorWithTheOutputClassesType() {
        DataStream<Request> requests = env.fromData(new Request());

        SingleOutputStreamOperator<Result> results =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .build()
                        .apply(requests);

        assertThat(results.getType()).isEqualTo(TypeInformation.of(Result.class));
        assertThat(results.getName()).isEqualTo("TritonInference(add_sub, version 1)");
        OneInputTransformation<?, ?> transformation =
                (OneInputTransformation<?, ?>) results.getTransformation();
        assertThat(transformation.getOperatorFactory())
                .isInstanceOf(AsyncBatchWaitOperatorFactory.class);
        assertThat(transformation.getInputs()).containsExactly(requests.getTransformation());
    }

    @Test
    void applyWithACombinerEmitsTheCombinedType() {
        DataStream<Request> requests = env.fromData(new Request());
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT).build();

        SingleOutputStreamOperator<Labelled> byClass =
                inference.apply(
                        requests,
                        (request, result) -> new Labelled("x", result.sum()[0]),
                        Labelled.class);
        SingleOutputStreamOperator<List<Float>> byType =
                inference.apply(
                        requests,
                        (request, result) -> List.of(result.sum()[0]),
                        Types.LIST(Types.FLOAT));

        assertThat(byClass.getType()).isEqualTo(TypeInformation.of(Labelled.class));
        assertThat(byType.getType()).isEqualTo(Types.LIST(Types.FLOAT));
    }

    @Test
    void aCombinerThatCannotBeSerializedFailsWhileTheGraphIsBuilt() {
        DataStream<Request> requests = env.fromData(new Request());
        Object notSerializable = new Object();
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT).build();

        assertThatThrownBy(
                        () ->
                                inference.apply(
                                        requests,
                                        (request, result) ->
                                                new Labelled(
                                                        notSerializable.toString(),
                                                        result.sum()[0]),
                                        Labelled.class))
                .isInstanceOf(InvalidProgramException.class);
    }

    @Test
    void headerValuesAppearNowhereAndSurviveSerialization() throws Exception {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .header("X-Api-Key", "key-123")
                        .header("Authorization", "Basic old")
                        .bearerToken("t0k3n")
                        .build();
        TritonInferenceFunction<Request, Result> function = inference.function();
        TritonInferenceFunction<Request, Result> copy = InstantiationUtil.clone(function);

        assertThat(inference.headerNames()).containsExactly("X-Api-Key", "Authorization");
        assertThat(inference.toString())
                .contains("X-Api-Key: <hidden>", "Authorization: <hidden>")
                .doesNotContain("key-123", "t0k3n", "old");
        assertThat(function.toString()).doesNotContain("key-123", "t0k3n");
        assertThat(copy.toString()).isEqualTo(function.toString());
        assertThat(copy.model()).isEqualTo("add_sub");
        assertThat(copy.inputType()).isEqualTo(Request.class);
        assertThat(copy.modelOutputType()).isEqualTo(Result.class);
    }

    @Test
    void theFunctionRefusesBatchesBeforeOpen() {
        TritonInferenceFunction<Request, Result> function =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .build()
                        .function();

        assertThatThrownBy(() -> function.asyncInvokeBatch(List.of(new Request()), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before open()");
    }

    @Test
    void anUnreachableServerFailsOpenWithoutSuppressingRestarts() throws Exception {
        TritonInferenceFunction<Request, Result> function =
                TritonInference.builder(Request.class, Result.class)
                        // Port 1 on loopback: refused at once.
                        .endpoint("http://127.0.0.1:1")
                        .connectTimeout(Duration.ofSeconds(2))
                        .build()
                        .function();

        try {
            assertThatThrownBy(() -> function.open((OpenContext) null))
                    .isExactlyInstanceOf(TritonConnectionException.class)
                    .hasMessageStartingWith(
                            "Model 'add_sub' version 1: cannot connect to http://127.0.0.1:1 (");
        } finally {
            function.close();
        }
    }
}
