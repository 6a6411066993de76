package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;
import org.flinktriton.TritonException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.StreamTestTypes;
import org.flinktriton.client.StreamTestTypes.Token;
import org.flinktriton.client.StreamTestTypes.TokenRequest;
import org.flinktriton.client.TritonClientConfigOptions;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.flink.InferenceTypes.Labelled;
import org.flinktriton.flink.InferenceTypes.WrongRequest;
import org.flinktriton.testkit.TestCertificates;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives a {@link TritonInferenceFunction} directly, the way the operator does (open, batches,
 * timeout, close), against the test server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TritonInferenceFunctionTest {

    private static TritonTestServer server;

    private final List<TritonInferenceFunction<?, ?>> opened = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .grpc()
                        .model(
                                TestModels.addSub(
                                        "add_sub", TritonDataType.FP32, InferenceTypes.LENGTH, 8))
                        .model(StreamTestTypes.tokens("tokens"))
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void reset() throws InterruptedException {
        server.faults().clear();
        // A request an earlier test gave up on is still sleeping in its latency on the server.
        assertThat(server.stats().awaitIdle(Duration.ofSeconds(15))).isTrue();
        server.stats().reset();
    }

    @AfterEach
    void closeFunctions() throws Exception {
        for (TritonInferenceFunction<?, ?> function : opened) {
            function.close();
        }
    }

    private TritonInference.Builder<AddSubRequest, AddSubResult> builder() {
        return TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(server.endpoint());
    }

    private <I, O> TritonInferenceFunction<I, O> open(TritonInferenceFunction<I, O> function)
            throws Exception {
        function.open((OpenContext) null);
        opened.add(function);
        return function;
    }

    private static List<AddSubRequest> requests(int count) {
        List<AddSubRequest> requests = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            requests.add(AddSubRequest.of(id));
        }
        return requests;
    }

    @Test
    void aBatchIsOneInferCallSplitToTheModelsLimit() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(builder().build().function());
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(20), future.resultFuture());

        List<AddSubResult> results = new ArrayList<>(future.results());
        assertThat(results).hasSize(20);
        for (int id = 0; id < 20; id++) {
            assertThat(InferenceTypes.isSumOf(id, results.get(id).sum())).isTrue();
            assertThat(InferenceTypes.isDifferenceOf(id, results.get(id).difference())).isTrue();
        }
        // 32 per batch by default, but the model takes at most 8 per request.
        assertThat(server.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(8, 8, 4);
        assertThat(future.completions).hasSize(1);
    }

    @Test
    void theCombinerRunsWhereTheOperatorRunsTheSupplierInInputOrder() throws Exception {
        TritonInferenceFunction<AddSubRequest, Labelled> function =
                open(
                        builder()
                                .build()
                                .function(
                                        (request, result) ->
                                                new Labelled(
                                                        request.id,
                                                        result.sum()[0],
                                                        result.difference()[0])));
        RecordingFuture<Labelled> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(12), future.resultFuture());

        List<Labelled> results = new ArrayList<>(future.results());
        assertThat(future.suppliedBySupplier).isTrue();
        for (int id = 0; id < 12; id++) {
            assertThat(results.get(id)).isEqualTo(new Labelled(id, id, id));
        }
    }

    @Test
    void aServerErrorThatRetriesCannotCureFailsTheBatchNamingTheRecord() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(builder().retry(RetryPolicy.none()).build().function());
        server.faults().failNext(1, 503, "model is reloading");
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(3), future.resultFuture());

        assertThatThrownBy(future::results)
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("The record at position 0 of a batch of 3 failed")
                .hasMessageContaining("add_sub")
                .hasMessageContaining("model is reloading")
                .cause()
                .isInstanceOfSatisfying(
                        TritonServerException.class,
                        e -> {
                            assertThat(e.statusCode()).isEqualTo(503);
                            assertThat(e.error()).isEqualTo("model is reloading");
                        });
    }

    @Test
    void aTransientServerErrorIsRetried() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(builder().build().function());
        server.faults().failNext(2, 503, "model is reloading");
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(3), future.resultFuture());

        assertThat(future.results()).hasSize(3);
        assertThat(server.stats().responses(503)).isEqualTo(2);
    }

    @Test
    void inAJobRetriesGoOnPastMaxAttemptsUntilTheBatchTimeout() throws Exception {
        RetryPolicy twoAttempts =
                RetryPolicy.builder()
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20))
                        .build();
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(
                        builder()
                                .retry(twoAttempts)
                                .batchTimeout(Duration.ofSeconds(20))
                                .build()
                                .function());
        server.faults().failNext(5, 503, "model is reloading");
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(3), future.resultFuture());

        assertThat(future.results()).hasSize(3);
        assertThat(server.stats().responses(503)).isEqualTo(5);
    }

    @Test
    void withAFallbackATimedOutBatchEmitsTheFallbackOutputsInOrder() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(
                        builder()
                                .closeTimeout(Duration.ofSeconds(20))
                                .fallback(
                                        (request, failure) ->
                                                new AddSubResult(
                                                        new float[] {failure.retryable() ? 1 : 0},
                                                        new float[] {-request.id}))
                                .build()
                                .function());
        server.faults().latency(Duration.ofSeconds(3));
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();
        List<AddSubRequest> batch = requests(3);

        function.asyncInvokeBatch(batch, future.resultFuture());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();
        function.timeoutBatch(batch, future.resultFuture());

        assertThat(future.results())
                .extracting(result -> result.difference()[0], result -> result.sum()[0])
                .containsExactly(tuple(0f, 1f), tuple(-1f, 1f), tuple(-2f, 1f));
        assertThat(future.suppliedBySupplier).as("on the task thread").isTrue();
    }

    @Test
    void withDeadLettersATimedOutBatchBecomesDeadLettersWithoutAnHttpStatus() throws Exception {
        TritonInferenceFunction<AddSubRequest, Object> function = open(withDeadLetters());
        server.faults().latency(Duration.ofSeconds(3));
        RecordingFuture<Object> future = new RecordingFuture<>();
        List<AddSubRequest> batch = requests(2);

        function.asyncInvokeBatch(batch, future.resultFuture());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();
        function.timeoutBatch(batch, future.resultFuture());

        List<Either<AddSubResult, FailedInference<AddSubRequest>>> results =
                resultsOrDeadLetters(future);
        assertThat(results).hasSize(2);
        for (int i = 0; i < 2; i++) {
            Either<AddSubResult, FailedInference<AddSubRequest>> either = results.get(i);
            assertThat(either.isRight()).isTrue();
            FailedInference<AddSubRequest> dead = either.right();
            assertThat(dead.input()).isSameAs(batch.get(i));
            assertThat(dead.statusCode()).isEqualTo(-1);
            assertThat(dead.errorType()).isEqualTo("TritonTimeoutException");
            assertThat(dead.model()).isEqualTo("add_sub");
            assertThat(dead.message()).startsWith("Model 'add_sub': inference of a batch of 2");
            assertThat(dead.toString()).contains("no HTTP answer", "TritonTimeoutException");
        }
    }

    @Test
    void withDeadLettersARecordThatDoesNotFitItsSpecIsTheOnlyDeadLetter() throws Exception {
        TritonInferenceFunction<AddSubRequest, Object> function = open(withDeadLetters());
        RecordingFuture<Object> future = new RecordingFuture<>();
        List<AddSubRequest> batch = requests(6);
        batch.get(4).b = null;

        function.asyncInvokeBatch(batch, future.resultFuture());

        List<Either<AddSubResult, FailedInference<AddSubRequest>>> results =
                resultsOrDeadLetters(future);
        assertThat(results).hasSize(6);
        for (int i = 0; i < 6; i++) {
            Either<AddSubResult, FailedInference<AddSubRequest>> either = results.get(i);
            if (i != 4) {
                assertThat(InferenceTypes.isSumOf(i, either.left().sum())).isTrue();
                continue;
            }
            FailedInference<AddSubRequest> dead = either.right();
            assertThat(dead.input()).isSameAs(batch.get(4));
            assertThat(dead.errorType()).isEqualTo("TritonRecordException");
            assertThat(dead.message())
                    .startsWith("Model 'add_sub': ")
                    .contains("AddSubRequest.b is null", "'INPUT1'");
            assertThat(dead.attempts()).isZero();
        }
        // The five that fit went in one request; the one that did not was never sent.
        assertThat(server.stats().batchSizes("add_sub")).containsExactly(5);
    }

    /** A function whose outputs are results and dead letters, as the operator's are then. */
    private TritonInferenceFunction<AddSubRequest, Object> withDeadLetters() {
        return TritonInferenceFunction.<AddSubRequest, Object>of(
                        builder().build().clientOptions(), AddSubRequest.class, castOutput(), 8)
                .failurePolicy(FailurePolicy.deadLetters());
    }

    /** The outputs of a {@link #withDeadLetters()} function, in order. */
    @SuppressWarnings("unchecked")
    private static List<Either<AddSubResult, FailedInference<AddSubRequest>>> resultsOrDeadLetters(
            RecordingFuture<Object> future) throws Exception {
        List<Either<AddSubResult, FailedInference<AddSubRequest>>> results = new ArrayList<>();
        for (Object result : future.results()) {
            results.add((Either<AddSubResult, FailedInference<AddSubRequest>>) result);
        }
        return results;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Class<Object> castOutput() {
        return (Class) AddSubResult.class;
    }

    /**
     * With responses as they arrive, a batch that times out fails only its inputs that have not
     * ended: an input that ended keeps what it emitted, and the open one gets the fallback, with
     * the index its next response would have had.
     */
    @Test
    void asTheyArriveATimeoutFailsOnlyTheInputsStillOpen() throws Exception {
        server.faults().streamResponseDelay(Duration.ofSeconds(1));
        TritonInferenceFunction<TokenRequest, Token> function =
                open(
                        TritonInference.builder(TokenRequest.class, Token.class)
                                .endpoint(server.grpcEndpoint())
                                .model("tokens")
                                .emitResponsesAsTheyArrive()
                                .fallback((request, failure) -> new Token(request.id, -1))
                                .build()
                                .function((request, token, index) -> new Token(request.id, index)));
        RecordingFuture<Token> future = new RecordingFuture<>();
        List<TokenRequest> batch = List.of(new TokenRequest(0, 0), new TokenRequest(1, 100));

        function.asyncInvokeBatch(batch, future.resultFuture());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (future.early.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        // The next response of input 1 is a second away.
        function.timeoutBatch(batch, future.resultFuture());

        assertThat(future.early).containsExactly("0: end []", "1: [Token[id=1, index=0]]");
        assertThat(future.results()).containsExactly(new Token(1, 1));
        assertThat(future.suppliedBySupplier).isTrue();
    }

    @Test
    void aTimeoutFailsTheBatchNamingTheModelAndCancelsItsRequests() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(builder().closeTimeout(Duration.ofSeconds(20)).build().function());
        server.faults().latency(Duration.ofSeconds(3));
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();
        List<AddSubRequest> batch = requests(2);

        function.asyncInvokeBatch(batch, future.resultFuture());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();
        function.timeoutBatch(batch, future.resultFuture());

        assertThatThrownBy(future::results)
                .isInstanceOf(TritonTimeoutException.class)
                .hasMessageStartingWith(
                        "Model 'add_sub': inference of a batch of 2 records at "
                                + server.endpoint()
                                + " did not complete within the operator timeout")
                .hasMessageContaining("requests were cancelled");
        // Nothing is left in flight, so close does not wait for the slow answer.
        long start = System.nanoTime();
        function.close();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(future.completions).hasSize(1);
    }

    @Test
    void closeLetsACallInFlightFinish() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(builder().build().function());
        server.faults().latency(Duration.ofMillis(300));
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(4), future.resultFuture());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();
        function.close();

        assertThat(future.results()).hasSize(4);
        assertThatThrownBy(
                        () ->
                                function.asyncInvokeBatch(
                                        requests(1),
                                        new RecordingFuture<AddSubResult>().resultFuture()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after close()");
    }

    @Test
    void discardedCallsLeaveTheirBatchUnansweredAndCloseDoesNotWaitForThem() throws Exception {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(builder().closeTimeout(Duration.ofSeconds(20)).build().function());
        server.faults().latency(Duration.ofSeconds(6));
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();
        function.asyncInvokeBatch(requests(4), future.resultFuture());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();

        long start = System.nanoTime();
        function.discardCallsInFlight();
        function.close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(future.completions).isEmpty();
    }

    @Test
    void classesThatDoNotMatchTheModelFailOpenWithoutRestarts() {
        TritonInferenceFunction<WrongRequest, AddSubResult> function =
                TritonInference.builder(WrongRequest.class, AddSubResult.class)
                        .endpoint(server.endpoint())
                        .model("add_sub")
                        .build()
                        .function();

        assertThatThrownBy(() -> function.open((OpenContext) null))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .isInstanceOf(TritonSchemaException.class)
                .hasMessageStartingWith(
                        "Model 'add_sub': The annotated classes do not match the model (")
                .hasMessageContaining("INPUT0");
        assertThat(server.stats().inferRequests()).isZero();
    }

    @Test
    void trustsAPrivateCertificateThatTravelsInTheJobGraph() throws Exception {
        try (TritonTestServer https = httpsServer()) {
            TritonInferenceFunction<AddSubRequest, AddSubResult> shipped =
                    InstantiationUtil.clone(
                            TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                                    .endpoint(https.endpoint())
                                    .trustStore(TestCertificates.trustStore())
                                    .build()
                                    .function());
            TritonInferenceFunction<AddSubRequest, AddSubResult> function = open(shipped);
            RecordingFuture<AddSubResult> future = new RecordingFuture<>();

            function.asyncInvokeBatch(requests(10), future.resultFuture());

            List<AddSubResult> results = new ArrayList<>(future.results());
            assertThat(results).hasSize(10);
            for (int id = 0; id < 10; id++) {
                assertThat(InferenceTypes.isSumOf(id, results.get(id).sum())).isTrue();
            }
            assertThat(https.stats().records()).isEqualTo(10);
        }
    }

    @Test
    void maxResponseBytesTravelsInTheJobGraphAndFailsALargerAnswer() throws Exception {
        // The model's metadata (302 bytes) and config (765) fit; 8 records of two FP32[16]
        // outputs are 1,024 bytes of tensor data alone.
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(InstantiationUtil.clone(builder().maxResponseBytes(1000).build().function()));
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(8), future.resultFuture());

        assertThatThrownBy(future::results)
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("add_sub")
                .hasMessageContaining("over maxResponseBytes 1000")
                .hasMessageContaining("raise maxResponseBytes");
        assertThat(server.stats().records()).isEqualTo(8); // the server did answer
    }

    @Test
    void priorityAndServerTimeoutReachTheServerAsRequestParameters() throws Exception {
        TestModel addSub =
                TestModels.addSub("add_sub", TritonDataType.FP32, InferenceTypes.LENGTH, 8);
        AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
        try (TritonTestServer recording =
                TritonTestServer.builder()
                        .model(
                                addSub.toBuilder()
                                        .handler(
                                                request -> {
                                                    seen.set(request.parameters());
                                                    return addSub.handler().infer(request);
                                                })
                                        .build())
                        .start()) {
            TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                    open(
                            InstantiationUtil.clone(
                                    TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                                            .endpoint(recording.endpoint())
                                            .priority(2)
                                            .serverTimeout(Duration.ofMillis(1500))
                                            .build()
                                            .function()));
            RecordingFuture<AddSubResult> future = new RecordingFuture<>();

            function.asyncInvokeBatch(requests(3), future.resultFuture());

            assertThat(future.results()).hasSize(3);
            assertThat(seen.get()).containsOnlyKeys("priority", "timeout");
            assertThat(seen.get().get("priority")).hasToString("2");
            assertThat(seen.get().get("timeout")).hasToString("1500000"); // microseconds
        }
    }

    @Test
    void clientOptionsConfigureTheFunctionAndTravelInTheJobGraph() throws Exception {
        TritonClientOptions options =
                TritonClientOptions.builder()
                        .endpoint(server.endpoint())
                        .model("add_sub")
                        .maxRecordsPerRequest(3)
                        .build();
        TritonInference<AddSubRequest, AddSubResult> inference =
                TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                        .clientOptions(options)
                        .build();
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                open(InstantiationUtil.clone(inference.function()));
        RecordingFuture<AddSubResult> future = new RecordingFuture<>();

        function.asyncInvokeBatch(requests(7), future.resultFuture());

        assertThat(future.results()).hasSize(7);
        assertThat(inference.clientOptions().maxRecordsPerRequest()).hasValue(3);
        assertThat(inference.clientOptions().endpoint()).isEqualTo(options.endpoint());
        // The operator's batches keep their default; the options cap each request.
        assertThat(inference.batchOptions().maxBatchSize()).isEqualTo(32);
        assertThat(server.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(3, 3, 1);
    }

    @Test
    void optionsFromAFlinkConfigurationReachAnHttpsServer(@TempDir Path dir) throws Exception {
        Path pem = dir.resolve("ca.pem");
        Certificate certificate =
                TestCertificates.trustStore()
                        .getCertificate(TestCertificates.trustStore().aliases().nextElement());
        Files.writeString(
                pem,
                "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(certificate.getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
        try (TritonTestServer https = httpsServer()) {
            Configuration config = new Configuration();
            config.set(TritonClientConfigOptions.ENDPOINT, https.endpoint());
            config.set(TritonClientConfigOptions.MODEL, "add_sub");
            config.set(TritonClientConfigOptions.TRUST_STORE_PEM, pem.toString());
            TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                    open(
                            InstantiationUtil.clone(
                                    TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                                            .clientOptions(TritonClientOptions.fromConfig(config))
                                            .build()
                                            .function()));
            RecordingFuture<AddSubResult> future = new RecordingFuture<>();

            function.asyncInvokeBatch(requests(5), future.resultFuture());

            assertThat(future.results()).hasSize(5);
            assertThat(https.stats().records()).isEqualTo(5);
        }
    }

    @Test
    void anUntrustedCertificateFailsOpenWithAHint() {
        try (TritonTestServer https = httpsServer()) {
            TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                    TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                            .endpoint(https.endpoint())
                            .build()
                            .function();

            assertThatThrownBy(() -> function.open((OpenContext) null))
                    .isInstanceOf(TritonException.class)
                    .hasMessageContaining("certificate was rejected")
                    .hasMessageContaining("trustStore");
        }
    }

    private static TritonTestServer httpsServer() {
        return TritonTestServer.builder()
                .https(TestCertificates.serverContext())
                .model(TestModels.addSub("add_sub", TritonDataType.FP32, InferenceTypes.LENGTH, 8))
                .start();
    }

    @Test
    void anUnknownModelFailsOpenAndLeavesRestartsToFlink() {
        TritonInferenceFunction<AddSubRequest, AddSubResult> function =
                builder().model("not_deployed").build().function();

        assertThatThrownBy(() -> function.open((OpenContext) null))
                .isInstanceOf(TritonServerException.class)
                .hasMessageContaining("not_deployed");
    }

    /**
     * Records every completion attempt; runs a task-thread completion at once, as the mailbox
     * would. The function gets {@link #resultFuture()}, a future of the operator's kind on every
     * Flink version.
     */
    static final class RecordingFuture<T> implements BatchCompletion<T> {
        final List<Object> completions = new CopyOnWriteArrayList<>();
        final CompletableFuture<Collection<T>> first = new CompletableFuture<>();
        volatile boolean suppliedBySupplier;
        private final ResultFuture<T> resultFuture = BatchResultFuture.of(this);

        ResultFuture<T> resultFuture() {
            return resultFuture;
        }

        @Override
        public void complete(Collection<T> results) {
            completions.add(results);
            first.complete(results);
        }

        @Override
        public void completeExceptionally(Throwable error) {
            completions.add(error);
            first.completeExceptionally(error);
        }

        @Override
        public void completeOnTaskThread(Callable<? extends Collection<T>> results) {
            suppliedBySupplier = true;
            try {
                complete(results.call());
            } catch (Exception e) {
                completeExceptionally(e);
            }
        }

        /**
         * Early results, each as it was handed over, as "input: results" or "input: end results".
         */
        final List<String> early = new CopyOnWriteArrayList<>();

        @Override
        public void emitEarly(int input, Callable<? extends Collection<T>> results) {
            early(input + ": ", results);
        }

        @Override
        public void completeInput(int input, Callable<? extends Collection<T>> results) {
            early(input + ": end ", results);
        }

        private void early(String prefix, Callable<? extends Collection<T>> results) {
            try {
                early.add(prefix + results.call());
            } catch (Exception e) {
                completeExceptionally(e);
            }
        }

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(30);
        }

        /** The results, or the failure itself (not wrapped). */
        Collection<T> results() throws Exception {
            try {
                return first.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception) {
                    throw (Exception) cause;
                }
                throw e;
            }
        }
    }
}
