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
import org.apache.flink.configuration.Configuration;
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
import org.flinktriton.client.RetryPolicy;
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
                                + " endpoint(\"http://triton:8000\")) and a model name ("
                                + Unnamed.class.getName()
                                + " has no @TritonModel name: annotate it with"
                                + " @TritonModel(name = ...), or call model(\"name\"))");

        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Unnamed.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .build())
                .hasMessageContaining("needs a model name")
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
        assertThatThrownBy(() -> builder.maxRecordsPerRequest(0))
                .hasMessage("maxRecordsPerRequest must be at least 1, not 0");
        assertThatThrownBy(() -> builder.maxConcurrentRequests(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                builder.endpoint(ENDPOINT)
                                        .maxBatchSize(0)
                                        .capacity(0)
                                        .batchTimeout(Duration.ZERO)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBatchSize must be at least 1, but was 0")
                .hasMessageContaining("capacity must be at least 1")
                .hasMessageContaining("batchTimeout must be between 1 ms and 365 days");
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
                        .maxRecordsPerRequest(8)
                        .build();

        TritonInference<Request, Result> given =
                TritonInference.builder(Request.class, Result.class).clientOptions(options).build();
        TritonInference<Request, Result> changed =
                TritonInference.builder(Request.class, Result.class)
                        .clientOptions(options)
                        .requestTimeout(Duration.ofSeconds(5))
                        .maxBatchSize(4)
                        .build();

        // The options' model wins over @TritonModel, whose version is dropped with it; in a job,
        // retries last until the batch timeout.
        TritonClientOptions inJob = inJob(options, Duration.ofSeconds(60));
        assertThat(given.clientOptions()).isEqualTo(inJob);
        assertThat(given.name()).isEqualTo("TritonInference(add_sub_v2)");
        assertThat(given.batchOptions()).isEqualTo(AsyncBatchOptions.defaults());
        // Records per batch and per request are apart: neither setting touches the other.
        assertThat(changed.clientOptions())
                .isEqualTo(inJob.toBuilder().requestTimeout(Duration.ofSeconds(5)).build());
        assertThat(changed.clientOptions().maxRecordsPerRequest()).hasValue(8);
        assertThat(changed.batchOptions().maxBatchSize()).isEqualTo(4);
    }

    /** The options as a job uses them: retries until the batch timeout. */
    private static TritonClientOptions inJob(TritonClientOptions options, Duration batchTimeout) {
        return options.toBuilder()
                .retry(
                        options.retry().toBuilder()
                                .maxAttempts(Integer.MAX_VALUE)
                                .budget(batchTimeout)
                                .build())
                .build();
    }

    @Test
    void batchOptionsKeepTheClientsRecordsPerRequestFromTheConfiguration() {
        Configuration config = new Configuration();
        config.setString("flink-triton.client.endpoint", ENDPOINT);
        config.setString("flink-triton.client.model", "add_sub");
        config.setString("flink-triton.client.max-records-per-request", "8");
        config.setString("flink-triton.async-batch.max-batch-size", "64");

        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .clientOptions(TritonClientOptions.fromConfig(config))
                        .batchOptions(AsyncBatchOptions.fromConfig(config))
                        .build();

        assertThat(inference.batchOptions().maxBatchSize()).isEqualTo(64);
        assertThat(inference.clientOptions().maxRecordsPerRequest()).hasValue(8);
    }

    @Test
    void inAJobAnEnabledRetryPolicyRetriesUntilTheBatchTimeout() {
        TritonInference<Request, Result> defaults =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT).build();
        TritonInference<Request, Result> explicit =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .retry(
                                RetryPolicy.builder()
                                        .maxAttempts(3)
                                        .budget(Duration.ofSeconds(5))
                                        .build())
                        .batchTimeout(Duration.ofSeconds(40))
                        .build();
        TritonInference<Request, Result> off =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .retry(RetryPolicy.none())
                        .build();

        assertThat(defaults.clientOptions().retry().maxAttempts()).isEqualTo(Integer.MAX_VALUE);
        assertThat(defaults.clientOptions().retry().budget())
                .isEqualTo(defaults.batchOptions().batchTimeout())
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(explicit.clientOptions().retry().maxAttempts()).isEqualTo(Integer.MAX_VALUE);
        assertThat(explicit.clientOptions().retry().budget()).isEqualTo(Duration.ofSeconds(40));
        assertThat(off.clientOptions().retry()).isEqualTo(RetryPolicy.none());
    }

    @Test
    void theDefaultsRetryAHungRequestAtLeastTwiceWithinTheBatchTimeout() {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT).build();
        TritonClientOptions client = inference.clientOptions();
        RetryPolicy retry = client.retry();

        // A request that hangs spends requestTimeout; two retries wait two backoffs first.
        Duration threeAttempts =
                client.requestTimeout()
                        .multipliedBy(3)
                        .plus(retry.initialBackoff())
                        .plus(
                                Duration.ofMillis(
                                        (long)
                                                (retry.initialBackoff().toMillis()
                                                        * retry.multiplier()
                                                        * (1 + retry.jitter()))));
        assertThat(threeAttempts).isLessThanOrEqualTo(inference.batchOptions().batchTimeout());
    }

    @Test
    @SuppressWarnings("deprecation") // the old names, kept as aliases
    void theOldNamesStillWork() {
        TritonClientOptions options =
                TritonClientOptions.builder()
                        .endpoint(ENDPOINT)
                        .model("add_sub")
                        .maxRecordsPerRequest(8)
                        .build();

        TritonInference<Request, Result> old =
                TritonInference.builder(Request.class, Result.class)
                        .client(options)
                        .timeout(Duration.ofSeconds(7))
                        .build();
        TritonInference<Request, Result> renamed =
                TritonInference.builder(Request.class, Result.class)
                        .clientOptions(options)
                        .batchTimeout(Duration.ofSeconds(7))
                        .build();

        assertThat(old.clientOptions()).isEqualTo(renamed.clientOptions());
        assertThat(old.batchOptions()).isEqualTo(renamed.batchOptions());
        assertThat(old.batchOptions().timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(old.requestBatchSize()).contains(8);
    }

    @Test
    void deadLettersAndAFallbackTogetherAreRefused() {
        assertThatThrownBy(
                        () ->
                                TritonInference.builder(Request.class, Result.class)
                                        .endpoint(ENDPOINT)
                                        .deadLetters()
                                        .fallback((request, failure) -> new Result(new float[4]))
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonInference for Request -> Result: deadLetters() and fallback(...)"
                                + " are both set, but a record that failed for good either goes"
                                + " to the dead letters or is replaced by the fallback; keep one");
    }

    @Test
    void aFunctionPlacedByHandRefusesDeadLetters() {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .deadLetters()
                        .build();

        assertThatThrownBy(inference::function)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonInference(add_sub, version 1) is built with deadLetters(), which"
                                + " function() cannot serve: a function placed by hand has no side"
                                + " output for them. Use apply(stream) or apply(stream, combiner,"
                                + " type), which add the dead-letter output; or build without"
                                + " deadLetters() (with fallback(...) if failed records must not"
                                + " fail the task).");
        assertThatThrownBy(() -> inference.function((request, result) -> result.sum()[0]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("function(combiner) cannot serve")
                .hasMessageContaining("Use apply(stream)");
        assertThat(
                        TritonInference.builder(Request.class, Result.class)
                                .endpoint(ENDPOINT)
                                .fallback((request, failure) -> new Result(new float[4]))
                                .build()
                                .function())
                .isNotNull();
    }

    @Test
    void uidNamesTheBatchOperatorAndTheSplitterWithASuffix() {
        DataStream<Request> requests = env.fromData(new Request());
        TritonInference.Builder<Request, Result> builder =
                TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT);

        SingleOutputStreamOperator<Result> plain = builder.uid("scores").build().apply(requests);
        SingleOutputStreamOperator<Result> lettered =
                builder.uid("lettered").deadLetters().build().apply(requests);
        SingleOutputStreamOperator<Result> unnamed =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .deadLetters()
                        .build()
                        .apply(requests);

        assertThat(plain.getTransformation().getUid()).isEqualTo("scores");
        assertThat(((OneInputTransformation<?, ?>) plain.getTransformation()).getOperatorFactory())
                .isInstanceOf(AsyncBatchWaitOperatorFactory.class);
        // With dead letters, apply returns the splitter; the batch operator is its input.
        assertThat(lettered.getTransformation().getUid())
                .isEqualTo("lettered" + TritonInference.DEAD_LETTER_SPLITTER_UID_SUFFIX)
                .isEqualTo("lettered-dead-letter-splitter");
        OneInputTransformation<?, ?> batchOperator =
                (OneInputTransformation<?, ?>) lettered.getTransformation().getInputs().get(0);
        assertThat(batchOperator.getOperatorFactory())
                .isInstanceOf(AsyncBatchWaitOperatorFactory.class);
        assertThat(batchOperator.getUid()).isEqualTo("lettered");
        assertThat(unnamed.getTransformation().getUid()).isNull();
        assertThat(unnamed.getTransformation().getInputs().get(0).getUid()).isNull();
        assertThatThrownBy(() -> builder.uid(" ")).hasMessage("uid must not be blank");
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
        assertThat(inference.clientOptions().maxRecordsPerRequest()).isEmpty();
        assertThat(inference.ordered()).isTrue();
        assertThat(inference.endpoint()).isEqualTo(ENDPOINT);
    }

    @Test
    void maxBatchSizeBoundsBatchesNotRequests() {
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .maxBatchSize(64)
                        .maxBatchDelay(Duration.ofMillis(5))
                        .batchTimeout(Duration.ofSeconds(7))
                        .capacity(2)
                        .ordered(false)
                        .build();

        assertThat(inference.batchOptions())
                .isEqualTo(
                        AsyncBatchOptions.builder()
                                .maxBatchSize(64)
                                .maxBatchDelay(Duration.ofMillis(5))
                                .batchTimeout(Duration.ofSeconds(7))
                                .capacity(2)
                                .build());
        assertThat(inference.clientOptions().maxRecordsPerRequest()).isEmpty();
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
        assertThat(inference.clientOptions().maxRecordsPerRequest()).isEmpty();
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
    void aCombinerOfThreeParametersGetsTheResponseIndex() throws Exception {
        DataStream<Request> requests = env.fromData(new Request());
        TritonInference<Request, Result> inference =
                TritonInference.builder(Request.class, Result.class)
                        .endpoint(ENDPOINT)
                        .emitResponsesAsTheyArrive()
                        .build();

        SingleOutputStreamOperator<Labelled> indexed =
                inference.apply(
                        requests,
                        (request, result, index) -> new Labelled("#" + index, result.sum()[0]),
                        Labelled.class);
        TritonInferenceFunction<Request, Labelled> function =
                inference.function((request, result, index) -> new Labelled("#" + index, 0f));

        assertThat(indexed.getType()).isEqualTo(TypeInformation.of(Labelled.class));
        assertThat(inference.emitsResponsesAsTheyArrive()).isTrue();
        assertThat(inference.toString()).contains("responses as they arrive");
        assertThat(InstantiationUtil.clone(function).toString())
                .contains("(combined)", "responses as they arrive");
        assertThat(
                        TritonInference.builder(Request.class, Result.class)
                                .endpoint(ENDPOINT)
                                .build()
                                .emitsResponsesAsTheyArrive())
                .isFalse();
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
