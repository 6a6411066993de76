package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.TritonServerException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TensorWriter;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.testkit.ModelHandler;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client's resilience, rule by rule: what is retried and what is not, backoff, {@code
 * Retry-After}, the budget, the circuit breaker, adaptive concurrency and the isolation of rejected
 * records by bisection. The rules that do not depend on the protocol are checked over HTTP and
 * gRPC, where the testkit answers the same faults with gRPC statuses ({@code UNAVAILABLE} for 503,
 * {@code INVALID_ARGUMENT} for 400).
 */
class TritonModelClientRetryTest {
    /** A record whose {@code INPUT0[0]} is this makes the poison model reject its whole request. */
    static final float POISON = -1f;

    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        TestModel addSub = TestModels.addSub("poison", TritonDataType.FP32, 16, 64);
        ModelHandler model = addSub.handler();
        ModelHandler poisoned =
                request -> {
                    float[] a = request.input("INPUT0").toFloats();
                    for (int row = 0; row < request.batchSize(); row++) {
                        if (a[row * 16] == POISON) {
                            throw new IllegalArgumentException(
                                    "record " + row + " of the batch is poison");
                        }
                    }
                    return model.infer(request);
                };
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(addSub.toBuilder().handler(poisoned).build())
                        .grpc()
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.endOutage(); // should a test have failed during one
        server.faults().clear();
        server.stats().reset();
    }

    private static TritonModelClient.Builder client(String model) {
        return client(Transport.HTTP, model);
    }

    private static TritonModelClient.Builder client(Transport transport, String model) {
        return TritonModelClient.builder().endpoint(transport.endpoint(server)).model(model);
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    private static TritonException failure(Runnable call) {
        Throwable thrown = catchThrowable(call::run);
        assertThat(thrown).isInstanceOf(CompletionException.class);
        assertThat(thrown.getCause()).isInstanceOf(TritonException.class);
        return (TritonException) thrown.getCause();
    }

    private static RetryPolicy fast(int attempts) {
        return RetryPolicy.builder()
                .maxAttempts(attempts)
                .initialBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(20))
                .build();
    }

    // ---- what is retried ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void retryableAnswersAreRetriedByDefault(Transport transport) {
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            server.faults().failNext(2, 503, "model is reloading");

            List<AddSubResult> out = client.infer(records(4), AddSubResult.class).join();

            assertThat(out).hasSize(4);
            assertThat(out.get(3).sum()[0]).isEqualTo(4f);
            assertThat(client.retries()).isEqualTo(2);
            assertThat(client.throttledResponses()).isEqualTo(2);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(3);
        }
    }

    @Test
    void aDroppedConnectionIsRetried() {
        try (TritonModelClient client = client("add_sub").retry(fast(5)).build()) {
            // OkHttp silently retries a connection that broke once; a second break reaches us.
            server.faults().dropNext(3);

            assertThat(client.infer(records(2), AddSubResult.class).join()).hasSize(2);
            assertThat(client.retries()).isBetween(1L, 2L);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aRejectedRequestIsNotRetried(Transport transport) {
        try (TritonModelClient client = client(transport, "add_sub").retry(fast(5)).build()) {
            server.faults().failNext(1, 400, "bad input");

            TritonException e = failure(() -> client.infer(records(2), AddSubResult.class).join());

            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(400);
            assertThat(client.retries()).isZero();
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void noneTurnsRetriesOff(Transport transport) {
        try (TritonModelClient client =
                client(transport, "add_sub").retry(RetryPolicy.none()).build()) {
            server.faults().failNext(1, 503, "unavailable");

            TritonException e = failure(() -> client.infer(records(2), AddSubResult.class).join());

            assertThat(e.retryable()).isTrue();
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void attemptsAreBounded(Transport transport) {
        try (TritonModelClient client = client(transport, "add_sub").retry(fast(3)).build()) {
            server.faults().failEvery(1, 503, "down");

            TritonException e = failure(() -> client.infer(records(2), AddSubResult.class).join());

            assertThat(((TritonServerException) e).statusCode()).isEqualTo(503);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(3);
            assertThat(client.retries()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aSplitCallResendsOnlyItsFailedRequest(Transport transport) {
        try (TritonModelClient client = client(transport, "add_sub").retry(fast(3)).build()) {
            server.faults().failNext(1, 503, "unavailable");

            // 32 records, max_batch_size 8: four requests, one of them answered 503 once.
            List<AddSubResult> out = client.infer(records(32), AddSubResult.class).join();

            assertThat(out).hasSize(32);
            assertThat(out.get(31).sum()[0]).isEqualTo(32f);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(5);
            // The model ran each record once: the 503 came before it.
            assertThat(server.stats().records("add_sub")).isEqualTo(32);
        }
    }

    // ---- backoff, Retry-After, budget -----------------------------------------------------------

    @Test
    void backoffGrowsExponentiallyWithinItsBounds() {
        RetryPolicy policy =
                RetryPolicy.builder()
                        .maxAttempts(4)
                        .initialBackoff(Duration.ofMillis(200))
                        .maxBackoff(Duration.ofMillis(300))
                        .jitter(0)
                        .build();
        try (TritonModelClient client = client("add_sub").retry(policy).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(3, 503, "unavailable");

            long start = System.nanoTime();
            client.infer(records(1), AddSubResult.class).join();
            long millis = (System.nanoTime() - start) / 1_000_000;

            // 200 ms, then 400 capped at 300, then 300 again.
            assertThat(millis).isBetween(800L, 800L + 3_000L);
        }
    }

    @Test
    void jitterSpreadsTheWaitAroundTheBackoff() {
        RetryPolicy policy =
                RetryPolicy.builder()
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(400))
                        .maxBackoff(Duration.ofMillis(400))
                        .jitter(0.5)
                        .build();
        try (TritonModelClient client = client("add_sub").retry(policy).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(1, 503, "unavailable");

            long start = System.nanoTime();
            client.infer(records(1), AddSubResult.class).join();
            long millis = (System.nanoTime() - start) / 1_000_000;

            // From 200 ms up to the maximum of 400 ms, which jitter never exceeds.
            assertThat(millis).isBetween(200L, 400L + 3_000L);
        }
    }

    @Test
    void retryAfterInSecondsIsHonoured() throws Exception {
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(proxy.endpoint())
                                .model("add_sub")
                                .retry(fast(3))
                                .build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            proxy.throttleNext(1, 429, "1");

            long start = System.nanoTime();
            assertThat(client.infer(records(2), AddSubResult.class).join()).hasSize(2);
            long millis = (System.nanoTime() - start) / 1_000_000;

            // The backoff alone would be 10 ms.
            assertThat(millis).isBetween(1_000L, 1_000L + 3_000L);
            assertThat(proxy.inferRequests()).isEqualTo(2);
            assertThat(client.throttledResponses()).isEqualTo(1);
        }
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() throws Exception {
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(proxy.endpoint())
                                .model("add_sub")
                                .retry(fast(3))
                                .build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            // HTTP dates have whole seconds: 3 s from now is at least 2 s away.
            String date =
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(
                            ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3));
            proxy.throttleNext(1, 503, date);

            long start = System.nanoTime();
            assertThat(client.infer(records(2), AddSubResult.class).join()).hasSize(2);
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(millis).isBetween(1_900L, 3_000L + 3_000L);
        }
    }

    @Test
    void aRetryAfterBeyondTheBudgetFailsAtOnceInsteadOfSleepingPastIt() throws Exception {
        RetryPolicy policy = fast(5).toBuilder().budget(Duration.ofSeconds(2)).build();
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(proxy.endpoint())
                                .model("add_sub")
                                .retry(policy)
                                .build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            proxy.throttleNext(1, 429, "30");

            long start = System.nanoTime();
            TritonException e = failure(() -> client.infer(records(2), AddSubResult.class).join());
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(((TritonServerException) e).statusCode()).isEqualTo(429);
            assertThat(((TritonServerException) e).retryAfter()).contains(Duration.ofSeconds(30));
            assertThat(millis).isLessThan(1_500L);
            assertThat(proxy.inferRequests()).isEqualTo(1);
        }
    }

    @Test
    void retriesStopWithinTheBudget() {
        RetryPolicy policy =
                RetryPolicy.builder()
                        .maxAttempts(1_000)
                        .initialBackoff(Duration.ofMillis(50))
                        .maxBackoff(Duration.ofMillis(100))
                        .budget(Duration.ofSeconds(1))
                        .build();
        try (TritonModelClient client = client("add_sub").retry(policy).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failEvery(1, 503, "down");

            long start = System.nanoTime();
            TritonException e = failure(() -> client.infer(records(1), AddSubResult.class).join());
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(e.retryable()).isTrue();
            // No wait ends after the budget; the last attempt may take a moment of its own.
            assertThat(millis).isBetween(800L, 1_000L + 2_000L);
            assertThat(client.retries()).isBetween(5L, 40L);
        }
    }

    // ---- the model's metadata ------------------------------------------------------------------

    @Test
    void aModelStillLoadingIsWaitedForAndTheWaitIsLogged() throws Exception {
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint());
                LogCapture log = new LogCapture(Resilience.class);
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(proxy.endpoint())
                                .model("add_sub")
                                .retry(fast(5))
                                .build()) {
            proxy.failMetadataNext(2, 503, "model add_sub is loading");

            client.validate(AddSubRequest.class, AddSubResult.class);

            assertThat(proxy.metadataRequests()).isEqualTo(3);
            assertThat(client.retries()).isEqualTo(2);
            assertThat(client.infer(records(2), AddSubResult.class).join()).hasSize(2);
            assertThat(log.lines())
                    .hasSize(2)
                    .allMatch(
                            line ->
                                    line.startsWith(
                                            "WARN Model 'add_sub' at "
                                                    + proxy.endpoint()
                                                    + " is not available yet, waiting for it: GET"
                                                    + " /v2/models/add_sub answered HTTP 503"))
                    .allMatch(line -> line.contains(": model add_sub is loading. Attempt "))
                    .anyMatch(line -> line.contains("Attempt 2 in "))
                    .anyMatch(line -> line.contains("Attempt 3 in "));
        }
    }

    @Test
    void aModelThatStaysUnavailableFailsWhenTheBudgetIsSpent() throws Exception {
        RetryPolicy policy = fast(100).toBuilder().budget(Duration.ofMillis(600)).build();
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(proxy.endpoint())
                                .model("add_sub")
                                .retry(policy)
                                .build()) {
            proxy.failMetadataNext(1_000, 503, "model add_sub is loading");
            long start = System.nanoTime();

            Throwable thrown =
                    catchThrowable(() -> client.validate(AddSubRequest.class, AddSubResult.class));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(thrown).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) thrown).statusCode()).isEqualTo(503);
            assertThat(thrown).hasMessageStartingWith("Model 'add_sub': GET /v2/models/add_sub");
            assertThat(millis).isBetween(400L, 600L + 3_000L);
            assertThat(proxy.metadataRequests()).isGreaterThan(3);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closingTheClientReleasesACallerWaitingForTheModel() throws Exception {
        RetryPolicy policy =
                RetryPolicy.builder()
                        .initialBackoff(Duration.ofMillis(200))
                        .maxBackoff(Duration.ofMillis(200))
                        .budget(Duration.ofSeconds(60))
                        .build();
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint())) {
            TritonModelClient client =
                    TritonModelClient.builder()
                            .endpoint(proxy.endpoint())
                            .model("add_sub")
                            .retry(policy)
                            .build();
            proxy.failMetadataNext(1_000, 503, "model add_sub is loading");
            Thread closer =
                    new Thread(
                            () -> {
                                try {
                                    Thread.sleep(500);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                client.close();
                            });
            closer.start();
            long start = System.nanoTime();

            Throwable thrown =
                    catchThrowable(() -> client.validate(AddSubRequest.class, AddSubResult.class));

            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(400L, 5_000L);
            assertThat(thrown)
                    .isInstanceOf(TritonException.class)
                    .hasMessageContaining("client closed");
            closer.join();
        }
    }

    @Test
    void anUnknownModelIsNotWaitedFor() throws Exception {
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.endpoint());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(proxy.endpoint())
                                .model("no_such_model")
                                .build()) {
            Throwable thrown =
                    catchThrowable(() -> client.validate(AddSubRequest.class, AddSubResult.class));

            assertThat(((TritonServerException) thrown).statusCode()).isEqualTo(404);
            assertThat(proxy.metadataRequests()).isEqualTo(1);
            assertThat(client.retries()).isZero();
        }
    }

    @Test
    void aServerRestartingAtStartIsWaitedFor() throws Exception {
        try (TritonModelClient client = client("add_sub").retry(fast(100)).build()) {
            server.outage(Duration.ofMillis(500));
            long start = System.nanoTime();

            client.validate(AddSubRequest.class, AddSubResult.class);

            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThan(300L);
            assertThat(client.retries()).isPositive();
        }
    }

    /**
     * Sends a request the server holds for 5 s, waits until it is there, then takes the server away
     * for {@code outage} with the request in flight (a gRPC server resets the streams of the calls
     * in flight), and returns the call.
     */
    private static CompletableFuture<List<AddSubResult>> cutOffByAnOutage(
            TritonModelClient client, Duration outage) throws Exception {
        assertThat(client.infer(records(1), AddSubResult.class).join()).hasSize(1);
        server.faults().latency(Duration.ofSeconds(5));
        CompletableFuture<List<AddSubResult>> call = client.infer(records(4), AddSubResult.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.stats().inferRequests("add_sub") < 2) {
            assertThat(System.nanoTime()).as("the request arrives").isLessThan(deadline);
            Thread.sleep(1);
        }
        // The latency goes only once the outage is on: cleared before, it would let a handler
        // that has counted the request but not yet read the latency answer at once.
        CompletableFuture<Void> over = server.outage(outage);
        server.faults().clear();
        over.get(10, TimeUnit.SECONDS);
        assertThat(server.stats().cutByOutage()).isEqualTo(1);
        return call;
    }

    /**
     * Over gRPC, as over HTTP (where OkHttp tries once more and is refused): a connection failure,
     * never a cancel nor a record's rejection.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aRequestCutOffByAnOutageFailsAsABrokenConnection(Transport transport) throws Exception {
        try (TritonModelClient client =
                client(transport, "add_sub").retry(RetryPolicy.none()).build()) {
            CompletableFuture<List<AddSubResult>> call =
                    cutOffByAnOutage(client, Duration.ofMillis(100));

            Throwable thrown = catchThrowable(() -> call.get(10, TimeUnit.SECONDS));
            assertThat(thrown).isInstanceOf(ExecutionException.class);
            assertThat(thrown.getCause()).isInstanceOf(TritonConnectionException.class);
            assertThat(((TritonException) thrown.getCause()).retryable()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aRequestCutOffByAnOutageIsSentAgainOnceTheServerIsBack(Transport transport)
            throws Exception {
        try (TritonModelClient client = client(transport, "add_sub").retry(fast(1000)).build()) {
            CompletableFuture<List<AddSubResult>> call =
                    cutOffByAnOutage(client, Duration.ofMillis(300));

            assertThat(call.get(10, TimeUnit.SECONDS)).hasSize(4);
            assertThat(client.retries()).isPositive();
        }
    }

    /**
     * After an outage longer than grpc-java's reconnect backoff (1 s, then 1.6 s, …), the first
     * request after it connects at once, as over HTTP, and is not retried until the channel's next
     * reconnect.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aRequestAfterALongOutageConnectsAtOnce(Transport transport) throws Exception {
        try (TritonModelClient client = client(transport, "add_sub").retry(fast(1000)).build()) {
            assertThat(client.infer(records(1), AddSubResult.class).join()).hasSize(1);
            server.outage(Duration.ofMillis(3500)).get(10, TimeUnit.SECONDS);
            long retriesBefore = client.retries();

            assertThat(client.infer(records(4), AddSubResult.class).join()).hasSize(4);
            assertThat(client.retries() - retriesBefore).isZero();
        }
    }

    // ---- circuit breaker ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void theBreakerOpensFailsFastAndClosesAfterAProbe(Transport transport) throws Exception {
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder()
                        .failureThreshold(0.5)
                        .minimumCalls(4)
                        .windowSize(4)
                        .openDuration(Duration.ofMillis(500))
                        .halfOpenProbes(1)
                        .build();
        try (TritonModelClient client =
                client(transport, "add_sub")
                        .retry(RetryPolicy.none())
                        .circuitBreaker(breaker)
                        .build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            assertThat(client.circuitState()).isEqualTo(CircuitState.CLOSED);
            server.faults().failNext(4, 503, "unavailable");
            for (int i = 0; i < 4; i++) {
                failure(() -> client.infer(records(1), AddSubResult.class).join());
            }
            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);

            TritonException fast =
                    failure(() -> client.infer(records(1), AddSubResult.class).join());

            assertThat(fast.retryable()).isTrue();
            assertThat(fast).hasMessageContaining("circuit breaker open");
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(4);
            assertThat(client.circuitBreakerRejections()).isEqualTo(1);

            Thread.sleep(700);
            // The first call after the open duration is the probe; it passes and closes the
            // breaker.
            assertThat(client.infer(records(1), AddSubResult.class).join()).hasSize(1);
            assertThat(client.circuitState()).isEqualTo(CircuitState.CLOSED);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(5);
        }
    }

    @Test
    void aFailedProbeOpensTheBreakerAgain() throws Exception {
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder()
                        .minimumCalls(2)
                        .windowSize(2)
                        .openDuration(Duration.ofMillis(300))
                        .halfOpenProbes(1)
                        .build();
        try (TritonModelClient client =
                client("add_sub").retry(RetryPolicy.none()).circuitBreaker(breaker).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(3, 503, "unavailable");
            failure(() -> client.infer(records(1), AddSubResult.class).join());
            failure(() -> client.infer(records(1), AddSubResult.class).join());
            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);

            Thread.sleep(450);
            failure(() -> client.infer(records(1), AddSubResult.class).join());

            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void rejectedRecordsDoNotOpenTheBreaker(Transport transport) {
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder().minimumCalls(2).windowSize(2).build();
        try (TritonModelClient client =
                client(transport, "add_sub")
                        .retry(RetryPolicy.none())
                        .circuitBreaker(breaker)
                        .build()) {
            server.faults().failNext(4, 400, "bad record");
            for (int i = 0; i < 4; i++) {
                failure(() -> client.infer(records(1), AddSubResult.class).join());
            }
            assertThat(client.circuitState()).isEqualTo(CircuitState.CLOSED);
        }
    }

    // ---- adaptive concurrency ------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void overloadHalvesTheLimitDownToOneAndSuccessesRestoreIt(Transport transport) {
        try (TritonModelClient client =
                client(transport, "add_sub")
                        .maxConcurrentRequests(8)
                        .retry(RetryPolicy.none())
                        .build()) {
            assertThat(client.concurrencyLimit()).isEqualTo(8);
            server.faults().failNext(4, 503, "overloaded");
            int[] expected = {4, 2, 1, 1};
            for (int limit : expected) {
                failure(() -> client.infer(records(1), AddSubResult.class).join());
                assertThat(client.concurrencyLimit()).isEqualTo(limit);
            }

            // One more per window of successes: 1 + 2 + … + 7 = 28 successes back to 8.
            int calls = 0;
            while (client.concurrencyLimit() < 8 && calls < 100) {
                client.infer(records(1), AddSubResult.class).join();
                calls++;
            }
            assertThat(client.concurrencyLimit()).isEqualTo(8);
            assertThat(calls).isEqualTo(28);
        }
    }

    @Test
    void theLimitBoundsTheRequestsInFlight() throws Exception {
        try (TritonModelClient client =
                client("add_sub").maxConcurrentRequests(8).retry(fast(3)).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(1, 429, "too many requests");
            client.infer(records(1), AddSubResult.class).join();
            assertThat(client.concurrencyLimit()).isEqualTo(4);
            server.faults().latency(Duration.ofMillis(100));
            server.stats().reset();

            // 64 records, 8 requests; at most 4 (or 5, as the limit grows) at a time.
            assertThat(client.infer(records(64), AddSubResult.class).join()).hasSize(64);

            assertThat(server.stats().peakInFlight()).isBetween(2, 5);
        }
    }

    @Test
    void withoutAdaptiveConcurrencyTheLimitStays() {
        try (TritonModelClient client =
                client("add_sub")
                        .maxConcurrentRequests(8)
                        .adaptiveConcurrency(false)
                        .retry(RetryPolicy.none())
                        .build()) {
            server.faults().failNext(1, 503, "overloaded");
            failure(() -> client.infer(records(1), AddSubResult.class).join());
            assertThat(client.concurrencyLimit()).isEqualTo(8);
        }
    }

    // ---- poison isolation ----------------------------------------------------------------------

    private static List<AddSubRequest> poisoned(int n, Set<Integer> poison) {
        List<AddSubRequest> records = records(n);
        for (int index : poison) {
            records.get(index).a[0] = POISON;
        }
        return records;
    }

    private static void assertIsolated(
            List<InferenceOutcome<AddSubResult>> outcomes, Set<Integer> poison) {
        assertThat(outcomes).hasSize(64);
        for (int i = 0; i < 64; i++) {
            InferenceOutcome<AddSubResult> outcome = outcomes.get(i);
            if (poison.contains(i)) {
                assertThat(outcome.succeeded()).as("record %d", i).isFalse();
                assertThat(outcome.failure()).isInstanceOf(TritonServerException.class);
                assertThat(((TritonServerException) outcome.failure()).statusCode()).isEqualTo(400);
                assertThat(outcome.failure())
                        .hasMessageStartingWith("Model 'poison': ")
                        .hasMessageContaining("is poison");
                // The whole batch, then one request per level down to the record: 7.
                assertThat(outcome.attempts()).isEqualTo(7);
            } else {
                assertThat(outcome.succeeded()).as("record %d", i).isTrue();
                assertThat(outcome.output().sum()[1]).isEqualTo(i + 2f);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void bisectionIsolatesOnePoisonRecordIn2Log2NExtraRequests(Transport transport) {
        try (TritonModelClient client = client(transport, "poison").build()) {
            Set<Integer> poison = Set.of(37);

            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(poisoned(64, poison), AddSubResult.class).join();

            assertIsolated(outcomes, poison);
            // 2 per level of a tree of depth log2(64) = 6; 400s are never retried.
            assertThat(client.bisectionRequests()).isEqualTo(12);
            assertThat(server.stats().inferRequests("poison")).isEqualTo(1 + 12);
            assertThat(client.retries()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void bisectionIsolatesThreePoisonRecords(Transport transport) {
        try (TritonModelClient client = client(transport, "poison").build()) {
            Set<Integer> poison = Set.of(0, 21, 63);

            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(poisoned(64, poison), AddSubResult.class).join();

            assertIsolated(outcomes, poison);
            // Failing requests of more than one record: the batch, both halves, and 4 more on
            // each record's own path (16, 8, 4, 2): 15, each split in 2. At most 3 × 12.
            assertThat(client.bisectionRequests()).isEqualTo(30);
            assertThat(server.stats().inferRequests("poison")).isEqualTo(1 + 30);
        }
    }

    @Test
    void withoutPoisonInferEachCostsOneRequest() {
        try (TritonModelClient client = client("poison").build()) {
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records(64), AddSubResult.class).join();

            assertThat(outcomes).allMatch(InferenceOutcome::succeeded);
            assertThat(outcomes).extracting(InferenceOutcome::attempts).containsOnly(1);
            assertThat(client.bisectionRequests()).isZero();
            assertThat(server.stats().inferRequests("poison")).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aServerThatStaysDownIsNotBisected(Transport transport) {
        try (TritonModelClient client = client(transport, "poison").retry(fast(2)).build()) {
            server.faults().failEvery(1, 503, "down");

            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records(64), AddSubResult.class).join();

            assertThat(outcomes).noneMatch(InferenceOutcome::succeeded);
            assertThat(outcomes).allMatch(o -> o.failure().retryable() && o.attempts() == 2);
            assertThat(client.bisectionRequests()).isZero();
            assertThat(server.stats().inferRequests("poison")).isEqualTo(2);
        }
    }

    @Test
    void aModelThatFailsEveryRequestCostsOneProbeAndOpensTheBreaker() {
        server.faults().failEvery(1, 500, "CUDA error: an illegal memory access was encountered");
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder()
                        .minimumCalls(10)
                        .windowSize(20)
                        .openDuration(Duration.ofSeconds(30))
                        .build();
        try (TritonModelClient client = client("poison").circuitBreaker(breaker).build()) {
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records(64), AddSubResult.class).join();

            assertThat(outcomes)
                    .allSatisfy(
                            outcome ->
                                    assertThat(
                                                    ((TritonServerException) outcome.failure())
                                                            .statusCode())
                                            .isEqualTo(500));
            // One probe down to single records: 2·log2(64) = 12 extra requests, not 126, within
            // the budget of 32. All 13 count as the server's failures, and open the breaker.
            assertThat(client.bisectionRequests()).isEqualTo(12);
            assertThat(server.stats().inferRequests("poison")).isEqualTo(13);
            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);

            List<InferenceOutcome<AddSubResult>> next =
                    client.inferEach(records(64), AddSubResult.class).join();

            assertThat(next)
                    .allSatisfy(
                            outcome ->
                                    assertThat(outcome.failure())
                                            .hasMessageContaining("circuit breaker open"));
            assertThat(server.stats().inferRequests("poison")).isEqualTo(13);
        }
    }

    @Test
    void rejectedRecordsInBothHalvesAreStillIsolatedAndDoNotOpenTheBreaker() {
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder().minimumCalls(2).windowSize(4).build();
        try (TritonModelClient client = client("poison").circuitBreaker(breaker).build()) {
            // The same status and text from both halves ("record 3 of the batch is poison").
            Set<Integer> poison = Set.of(3, 35);

            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(poisoned(64, poison), AddSubResult.class).join();

            for (int i = 0; i < 64; i++) {
                assertThat(outcomes.get(i).succeeded())
                        .as("record %d", i)
                        .isEqualTo(!poison.contains(i));
            }
            assertThat(client.bisectionRequests()).isEqualTo(22);
            assertThat(client.circuitState()).isEqualTo(CircuitState.CLOSED);
        }
    }

    @Test
    void manyRejectedRecordsSpendAtMostTheBudgetAndSaySo() throws Exception {
        // Every other record is poison: isolating all would take 126 extra requests.
        Set<Integer> poison = new HashSet<>();
        for (int i = 0; i < 64; i += 2) {
            poison.add(i);
        }
        try (LogCapture log = new LogCapture(Resilience.class);
                TritonModelClient client =
                        TritonModelClient.builder()
                                .clientOptions(
                                        TritonClientOptions.builder()
                                                .endpoint(server.endpoint())
                                                .model("poison")
                                                .maxBisectionRequests(16)
                                                .build())
                                .build()) {
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(poisoned(64, poison), AddSubResult.class).join();

            assertThat(client.bisectionRequests()).isEqualTo(16);
            assertThat(server.stats().inferRequests("poison")).isEqualTo(17);
            for (int index : poison) {
                assertThat(outcomes.get(index).succeeded()).isFalse();
            }
            // The probe reached single records, one passed, and the budget went on the rest.
            assertThat(outcomes).filteredOn(InferenceOutcome::succeeded).isNotEmpty();
            assertThat(log.lines())
                    .singleElement()
                    .asString()
                    .contains("spent its budget of 16 extra requests (maxBisectionRequests)");

            client.inferEach(poisoned(64, poison), AddSubResult.class).join();
            assertThat(log.lines()).hasSize(1);
        }
        try (TritonModelClient client = client("poison").build()) {
            server.stats().reset();
            client.inferEach(poisoned(64, poison), AddSubResult.class).join();

            // The default budget.
            assertThat(client.bisectionRequests()).isEqualTo(32);
            assertThat(server.stats().inferRequests("poison")).isEqualTo(33);
        }
    }

    /** {@link AddSubRequest}'s generated codec, failing to write records whose b[0] is 0. */
    private static TritonInputCodec<AddSubRequest> unwritableWhereBIsZero() {
        TritonInputCodec<AddSubRequest> real = TritonCodecs.forInput(AddSubRequest.class);
        return new TritonInputCodec<>() {
            @Override
            public Class<AddSubRequest> type() {
                return real.type();
            }

            @Override
            public List<TensorSpec> inputs() {
                return real.inputs();
            }

            @Override
            public void shape(AddSubRequest record, int input, int[] dims) {
                real.shape(record, input, dims);
            }

            @Override
            public void write(AddSubRequest record, int input, TensorWriter out) {
                if (record.b[0] == 0) {
                    throw new TritonRecordException("INPUT1 of this record cannot be written");
                }
                real.write(record, input, out);
            }
        };
    }

    @Test
    void aRecordThatCannotBeEncodedAndOneTheServerRejectsAreBothIsolated() {
        try (TritonModelClient client = client("poison").build()) {
            // Record 1 is rejected by the server, record 6 cannot be encoded: halves of 8.
            List<AddSubRequest> records = poisoned(8, Set.of(1));
            records.get(6).b[0] = 0;

            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(
                                    records,
                                    unwritableWhereBIsZero(),
                                    TritonCodecs.forOutput(AddSubResult.class))
                            .orTimeout(15, TimeUnit.SECONDS)
                            .join();

            assertThat(outcomes.get(1).failure()).isInstanceOf(TritonServerException.class);
            assertThat(outcomes.get(6).failure()).isInstanceOf(TritonRecordException.class);
            for (int i : List.of(0, 2, 3, 4, 5, 7)) {
                assertThat(outcomes.get(i).succeeded()).as("record %d", i).isTrue();
            }
        }
    }

    @Test
    void plainInferStillFailsTheWholeCall() {
        try (TritonModelClient client = client("poison").build()) {
            TritonException e =
                    failure(() -> client.infer(poisoned(64, Set.of(5)), AddSubResult.class).join());

            assertThat(((TritonServerException) e).statusCode()).isEqualTo(400);
            assertThat(server.stats().inferRequests("poison")).isEqualTo(1);
        }
    }

    @Test
    void outcomesKeepInputOrderAcrossSplitRequests() {
        try (TritonModelClient client = client("add_sub").build()) {
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records(20), AddSubResult.class).join();

            assertThat(outcomes)
                    .extracting(o -> o.output().sum()[0])
                    .containsExactlyElementsOf(
                            IntStream.range(0, 20).mapToObj(i -> i + 1f).toList());
        }
    }
}
