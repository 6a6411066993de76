package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.assertj.core.api.AbstractStringAssert;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.client.ClientTestTypes.Vector;
import org.flinktriton.client.ClientTestTypes.VectorOut;
import org.flinktriton.client.ClientTestTypes.WrongRequest;
import org.flinktriton.client.ClientTestTypes.WrongResult;
import org.flinktriton.codec.TensorReader;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each kind of failure, and what its message says; those that do not depend on the protocol over
 * HTTP and gRPC, where the message names the gRPC status and the HTTP status it stands for.
 */
class TritonModelClientErrorsTest {
    private static final String SECRET = "s3cr3t-t0k3n";

    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        TestModel picky =
                TestModel.builder("picky")
                        .maxBatchSize(8)
                        .input("INPUT0", TritonDataType.FP32, 16)
                        .input("INPUT1", TritonDataType.FP32, 16)
                        .output("OUTPUT0", TritonDataType.FP32, 16)
                        .output("OUTPUT1", TritonDataType.FP32, 16)
                        .handler(
                                request -> {
                                    throw new IllegalArgumentException(
                                            "INPUT0 must not be negative");
                                })
                        .build();
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(picky)
                        .model(TestModels.identity("identity_fp32", 64, TritonDataType.FP32, -1))
                        .model(
                                TestModels.identity("chunked_fp32", 64, TritonDataType.FP32, -1)
                                        .toBuilder()
                                        .chunkedBinaryResponses(true)
                                        .build())
                        .grpc()
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.faults().clear();
        server.stats().reset();
    }

    /** Without retries: each test looks at the failure of one request. */
    private static TritonModelClient.Builder client(String model) {
        return client(Transport.HTTP, model);
    }

    private static TritonModelClient.Builder client(Transport transport, String model) {
        return TritonModelClient.builder()
                .endpoint(transport.endpoint(server))
                .model(model)
                .retry(RetryPolicy.none())
                .bearerToken(SECRET)
                .header("X-Api-Key", SECRET);
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    /**
     * The failure of {@code future}, unwrapped, checked to name the model once, in front, and to
     * hide secrets.
     */
    private static TritonException failure(CompletableFuture<?> future, String model) {
        Throwable thrown = catchThrowable(() -> future.orTimeout(15, SECONDS).join());
        assertThat(thrown).isInstanceOf(CompletionException.class);
        Throwable cause = thrown.getCause();
        assertThat(cause).isInstanceOf(TritonException.class);
        TritonException e = (TritonException) cause;
        String prefix = "Model '" + model + "': ";
        assertThat(e.getMessage())
                .startsWith(prefix)
                .isEqualTo(prefix + e.detail())
                .doesNotContain(SECRET);
        assertThat(e.model()).isEqualTo(model);
        return e;
    }

    /**
     * Checks the failure's exact type, whether it is retryable, and how its message starts; returns
     * the message's assertion for more.
     */
    private static AbstractStringAssert<?> assertFailure(
            TritonException e,
            Class<? extends TritonException> type,
            boolean retryable,
            String messageStart) {
        assertThat(e).isExactlyInstanceOf(type);
        assertThat(e.retryable()).as("retryable()").isEqualTo(retryable);
        return assertThat(e.getMessage()).startsWith(messageStart);
    }

    /**
     * How the message of an infer call the server failed starts: {@code POST …/infer (n records)
     * answered HTTP 503} over HTTP, {@code ModelInfer (n records) at grpc://… answered gRPC
     * UNAVAILABLE (as HTTP 503)} over gRPC.
     */
    private static String inferAnswered(
            Transport transport, String model, String records, int status, String grpcCode) {
        return transport == Transport.HTTP
                ? "Model '"
                        + model
                        + "': POST /v2/models/"
                        + model
                        + "/infer ("
                        + records
                        + ") answered HTTP "
                        + status
                : "Model '"
                        + model
                        + "': ModelInfer ("
                        + records
                        + ") at "
                        + server.grpcEndpoint()
                        + " answered gRPC "
                        + grpcCode
                        + " (as HTTP "
                        + status
                        + ")";
    }

    // ---- server errors -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void anErrorStatusBecomesATritonServerExceptionWithTheServersText(Transport transport) {
        server.faults().failNext(1, 503, "model is overloaded, retry later");
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            TritonException e = failure(client.infer(records(3), AddSubResult.class), "add_sub");

            assertThat(e).isInstanceOf(TritonServerException.class);
            TritonServerException server = (TritonServerException) e;
            assertThat(server.statusCode()).isEqualTo(503);
            assertThat(server.error()).isEqualTo("model is overloaded, retry later");
            assertThat(server.getMessage())
                    .startsWith(
                            inferAnswered(transport, "add_sub", "3 records", 503, "UNAVAILABLE"))
                    .endsWith(": model is overloaded, retry later");
            assertThat(server.retryable()).isTrue();
        }
    }

    @ParameterizedTest(name = "HTTP {0} retryable: {1}")
    @CsvSource({
        "408, true",
        "429, true",
        "502, true",
        "503, true",
        "504, true",
        "400, false",
        "404, false",
        "409, false",
        "500, false",
        "501, false"
    })
    void aStatusIsRetryableWhenItSaysNotNow(int status, boolean retryable) {
        // Twice: OkHttp itself tries a request once more after a 408.
        server.faults().failNext(2, status, "status " + status);
        try (TritonModelClient client = client("add_sub").build()) {
            TritonException e = failure(client.infer(records(1), AddSubResult.class), "add_sub");

            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(status);
            assertThat(e.getMessage())
                    .startsWith(
                            "Model 'add_sub': POST /v2/models/add_sub/infer (1 record) answered"
                                    + " HTTP "
                                    + status)
                    .endsWith(": status " + status);
            assertThat(e.retryable()).isEqualTo(retryable);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aModelsInvalidArgumentIs400WithItsMessage(Transport transport) {
        try (TritonModelClient client = client(transport, "picky").build()) {
            TritonException e = failure(client.infer(records(2), AddSubResult.class), "picky");

            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(400);
            assertThat(e.getMessage())
                    .startsWith(
                            inferAnswered(transport, "picky", "2 records", 400, "INVALID_ARGUMENT"))
                    .contains("INPUT0 must not be negative");
            assertThat(e.retryable()).isFalse();
        }
    }

    @Test
    void a400ToACompressedRequestHintsThatTheServerMayNotTakeCompression() {
        String hint = "the server may not accept compressed request bodies";
        try (TritonTestServer kserve =
                        TritonTestServer.builder()
                                .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                                .acceptCompressedRequests(false)
                                .start();
                TritonModelClient client =
                        client("add_sub")
                                .endpoint(kserve.endpoint())
                                .compressRequests(true)
                                .build()) {
            TritonException e = failure(client.infer(records(2), AddSubResult.class), "add_sub");

            assertFailure(
                            e,
                            TritonServerException.class,
                            false,
                            "Model 'add_sub': POST /v2/models/add_sub/infer (2 records) answered"
                                    + " HTTP 400")
                    .contains(": Unrecognized request format: str is not valid UTF-8")
                    .contains("gzip-compressed")
                    .contains(hint)
                    .endsWith("turn compressRequests off");
            assertThat(((TritonServerException) e).error())
                    .isEqualTo(
                            "Unrecognized request format: str is not valid UTF-8: surrogates not"
                                    + " allowed");
        }
        // No hint for a 400 to a plain request, nor for another status to a compressed one.
        try (TritonModelClient plain = client("picky").build();
                TritonModelClient compressed = client("add_sub").compressRequests(true).build()) {
            assertThat(failure(plain.infer(records(1), AddSubResult.class), "picky"))
                    .hasMessageContaining("HTTP 400")
                    .hasMessageNotContaining(hint);
            server.faults().failNext(1, 500, "boom");
            assertThat(failure(compressed.infer(records(1), AddSubResult.class), "add_sub"))
                    .hasMessageEndingWith(": boom");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void anUnknownModelFailsWith404FromTheMetadata(Transport transport) {
        try (TritonModelClient client = client(transport, "no_such_model").build()) {
            TritonException e =
                    failure(client.infer(records(1), AddSubResult.class), "no_such_model");

            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(404);
            assertThat(e.getMessage())
                    .startsWith(
                            transport == Transport.HTTP
                                    ? "Model 'no_such_model': GET /v2/models/no_such_model"
                                            + " answered HTTP 404"
                                    : "Model 'no_such_model': ModelMetadata at "
                                            + server.grpcEndpoint()
                                            + " answered gRPC NOT_FOUND (as HTTP 404)");
            assertThat(e.retryable()).isFalse();
        }
        assertThat(server.stats().inferRequests()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void oneFailedRequestFailsTheWholeCall(Transport transport) {
        server.faults().failEvery(3, 500, "boom");
        try (TritonModelClient client =
                client(transport, "add_sub").maxConcurrentRequests(1).build()) {
            TritonException e = failure(client.infer(records(40), AddSubResult.class), "add_sub");

            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).error()).isEqualTo("boom");
        }
    }

    // ---- transport failures ------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aRefusedConnectionIsARetryableConnectionFailure(Transport transport) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(
                                (transport == Transport.HTTP ? "" : "grpc://")
                                        + "127.0.0.1:"
                                        + port)
                        .model("add_sub")
                        // One attempt: the metadata fetch is retried like any request.
                        .retry(RetryPolicy.none())
                        .build()) {
            TritonException e = failure(client.infer(records(1), AddSubResult.class), "add_sub");

            assertFailure(
                            e,
                            TritonConnectionException.class,
                            true,
                            transport == Transport.HTTP
                                    ? "Model 'add_sub': cannot connect to http://127.0.0.1:"
                                            + port
                                            + " ("
                                    : "Model 'add_sub': ModelMetadata at grpc://127.0.0.1:"
                                            + port
                                            + " failed to connect: UNAVAILABLE")
                    .containsIgnoringCase("refused");
        }
    }

    @Test
    void anUnknownHostIsARetryableConnectionFailure() {
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint("http://no-such-host.invalid:8000")
                        .model("add_sub")
                        .retry(RetryPolicy.none())
                        .build()) {
            TritonException e = failure(client.modelInfo(), "add_sub");

            assertFailure(
                    e,
                    TritonConnectionException.class,
                    true,
                    "Model 'add_sub': cannot connect to http://no-such-host.invalid:8000" + " (");
        }
    }

    @Test
    void aDroppedConnectionIsARetryableConnectionFailure() {
        // Several, so that OkHttp's one silent retry on a fresh connection fails too.
        server.faults().dropNext(5);
        try (TritonModelClient client = client("add_sub").build()) {
            client.modelInfo().join();
            TritonException e = failure(client.infer(records(1), AddSubResult.class), "add_sub");

            assertFailure(
                    e,
                    TritonConnectionException.class,
                    true,
                    "Model 'add_sub': POST /v2/models/add_sub/infer (1 record) to "
                            + server.endpoint()
                            + " failed: the connection broke (");
        }
    }

    @Test
    void aBodyCutShortIsARetryableConnectionFailure() {
        server.faults().truncateNext(1);
        try (TritonModelClient client = client("add_sub").build()) {
            TritonException e = failure(client.infer(records(4), AddSubResult.class), "add_sub");

            assertFailure(
                    e,
                    TritonConnectionException.class,
                    true,
                    "Model 'add_sub': the response to POST /v2/models/add_sub/infer"
                            + " (4 records) from "
                            + server.endpoint()
                            + " broke off (");
        }
    }

    @Test
    void aMalformedBodyIsAProtocolErrorThatIsNotRetried() {
        server.faults().malformNext(1);
        try (TritonModelClient client = client("add_sub").build()) {
            TritonException e = failure(client.infer(records(4), AddSubResult.class), "add_sub");

            assertFailure(e, TritonProtocolException.class, false, "Model 'add_sub': Response: ")
                    .contains("not valid JSON");
        }
    }

    @Test
    void anAnswerThatIsNotHttpIsAProtocolErrorThatIsNotRetried() throws IOException {
        try (ServerSocket socket = rawServer("SMTP ready\r\n\r\n")) {
            String endpoint = "http://127.0.0.1:" + socket.getLocalPort();
            try (TritonModelClient client =
                    TritonModelClient.builder()
                            .endpoint(endpoint)
                            .model("add_sub")
                            .retry(RetryPolicy.none())
                            .build()) {
                TritonException e = failure(client.serverLive(), "add_sub");

                assertFailure(
                        e,
                        TritonProtocolException.class,
                        false,
                        "Model 'add_sub': GET /v2/health/live to "
                                + endpoint
                                + " failed: the answer is not valid HTTP (");
            }
        }
    }

    @Test
    void aTlsHandshakeTheServerCutsOffIsARetryableConnectionFailure() throws IOException {
        try (ServerSocket socket = rawServer("")) {
            String endpoint = "https://127.0.0.1:" + socket.getLocalPort();
            try (TritonModelClient client =
                    TritonModelClient.builder()
                            .endpoint(endpoint)
                            .model("add_sub")
                            .retry(RetryPolicy.none())
                            .build()) {
                TritonException e = failure(client.serverLive(), "add_sub");

                assertFailure(
                        e,
                        TritonConnectionException.class,
                        true,
                        "Model 'add_sub': TLS with " + endpoint + " failed (");
            }
        }
    }

    /**
     * A loopback server that reads what a connection sends first, answers {@code answer} and closes
     * it: answers that no HTTP server gives.
     */
    private static ServerSocket rawServer(String answer) throws IOException {
        ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor =
                new Thread(
                        () -> {
                            while (!socket.isClosed()) {
                                try (Socket accepted = socket.accept()) {
                                    accepted.getInputStream().read(new byte[4096]);
                                    accepted.getOutputStream().write(answer.getBytes(UTF_8));
                                } catch (IOException closedOrReset) {
                                    // the test checks what the client saw
                                }
                            }
                        },
                        "raw-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return socket;
    }

    /** Over gRPC the deadline also cancels the call on the wire: the server stops working on it. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aSlowAnswerTimesOutWithinBoundsAndIsRetryable(Transport transport) throws Exception {
        server.faults().latency(Duration.ofSeconds(3));
        try (TritonModelClient client =
                client(transport, "add_sub").requestTimeout(Duration.ofMillis(300)).build()) {
            client.modelInfo().join();
            long start = System.nanoTime();
            CompletableFuture<List<AddSubResult>> future =
                    client.infer(records(2), AddSubResult.class);
            TritonException e = failure(future, "add_sub");
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(e).isExactlyInstanceOf(TritonTimeoutException.class);
            if (transport == Transport.HTTP) {
                assertThat(e.getMessage())
                        .isEqualTo(
                                "Model 'add_sub': POST /v2/models/add_sub/infer (2 records) to "
                                        + server.endpoint()
                                        + " did not complete within requestTimeout 300 ms");
            } else {
                assertThat(e.getMessage())
                        .startsWith(
                                "Model 'add_sub': ModelInfer (2 records) at "
                                        + server.grpcEndpoint()
                                        + " passed its deadline (requestTimeout) and was"
                                        + " cancelled: gRPC DEADLINE_EXCEEDED");
            }
            assertThat(e.retryable()).isTrue();
            assertThat(elapsedMillis).isBetween(280L, 1_500L);
            // Flink serializes a task's failure, causes and all.
            assertThat(serialized(e))
                    .isExactlyInstanceOf(TritonTimeoutException.class)
                    .hasMessage(e.getMessage());
        }
        if (transport == Transport.GRPC) {
            // The server saw the call end before its answer: cancelled, not left to run.
            assertThat(server.stats().awaitIdle(Duration.ofSeconds(4))).isTrue();
            assertThat(server.stats().cancelled()).isEqualTo(1);
        }
    }

    private static Throwable serialized(Throwable e) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(e);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Throwable) in.readObject();
        }
    }

    @Test
    void aHangAfterQuickAnswersTimesOutAtItsOwnDeadline() {
        // The deadline watcher sleeps through the quick calls' deadlines, planned for the first
        // one; the hanging call must still fail at its own.
        try (TritonModelClient client =
                client("add_sub").requestTimeout(Duration.ofMillis(300)).build()) {
            for (int i = 0; i < 50; i++) {
                assertThat(client.infer(records(2), AddSubResult.class).join()).hasSize(2);
            }
            server.faults().latency(Duration.ofSeconds(3));
            long start = System.nanoTime();
            TritonException e = failure(client.infer(records(2), AddSubResult.class), "add_sub");
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(e).isExactlyInstanceOf(TritonTimeoutException.class);
            assertThat(elapsedMillis).isBetween(280L, 1_500L);

            server.faults().latency(Duration.ZERO);
            assertThat(client.infer(records(2), AddSubResult.class).join()).hasSize(2);
        }
    }

    @Test
    void anInterruptedDeadlineWatcherGoesOnEnforcingTheTimeout() throws Exception {
        server.faults().latency(Duration.ofSeconds(3));
        try (TritonModelClient client =
                client("add_sub").requestTimeout(Duration.ofMillis(300)).build()) {
            client.modelInfo().join();
            CompletableFuture<List<AddSubResult>> first =
                    client.infer(records(2), AddSubResult.class);
            // The watcher sleeps until the first call's deadline: interrupt it there, as a
            // library that interrupts every thread it finds would.
            deadlineWatcher().interrupt();

            assertThat(failure(first, "add_sub")).isExactlyInstanceOf(TritonTimeoutException.class);
            long start = System.nanoTime();
            TritonException later =
                    failure(client.infer(records(2), AddSubResult.class), "add_sub");
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(later).isExactlyInstanceOf(TritonTimeoutException.class);
            assertThat(elapsedMillis).isBetween(280L, 1_500L);
        }
    }

    /** The client's deadline watcher, once it waits for a deadline. */
    private static Thread deadlineWatcher() throws InterruptedException {
        long until = System.nanoTime() + SECONDS.toNanos(5);
        while (System.nanoTime() < until) {
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (thread.getName().endsWith(" deadlines")
                        && thread.getState() == Thread.State.TIMED_WAITING) {
                    return thread;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no deadline watcher waits for a deadline");
    }

    // ---- fatal errors --------------------------------------------------------------------------

    /**
     * {@link AddSubResult}'s generated codec, except that reading an output throws {@code error}.
     */
    private static TritonOutputCodec<AddSubResult> throwingOnRead(Error error) {
        TritonOutputCodec<AddSubResult> real = TritonCodecs.forOutput(AddSubResult.class);
        return new TritonOutputCodec<>() {
            @Override
            public Class<AddSubResult> type() {
                return real.type();
            }

            @Override
            public List<TensorSpec> outputs() {
                return real.outputs();
            }

            @Override
            public AddSubResult read(TensorReader in) {
                throw error;
            }
        };
    }

    @Test
    void aFatalErrorFailsTheCallAsItselfAndGoesOnToTheThreadsHandler() throws Exception {
        TritonInputCodec<AddSubRequest> input = TritonCodecs.forInput(AddSubRequest.class);
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        // One request at a time: the later calls pass only if each failed request gave its
        // permit back.
        try (TritonModelClient client = client("add_sub").maxConcurrentRequests(1).build()) {
            OutOfMemoryError oom = new OutOfMemoryError("Java heap space (a test's)");
            Throwable thrown =
                    catchThrowable(
                            () ->
                                    client.infer(records(2), input, throwingOnRead(oom))
                                            .get(15, SECONDS));

            assertThat(thrown).isInstanceOf(ExecutionException.class);
            assertThat(thrown.getCause()).isSameAs(oom);
            long until = System.nanoTime() + SECONDS.toNanos(5);
            while (!uncaught.contains(oom) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(uncaught).containsExactly(oom);

            // inferEach: not an outcome that a job would dead-letter, but the whole call.
            NoClassDefFoundError linkage = new NoClassDefFoundError("com/acme/Missing");
            thrown =
                    catchThrowable(
                            () ->
                                    client.inferEach(records(2), input, throwingOnRead(linkage))
                                            .get(15, SECONDS));

            assertThat(thrown).isInstanceOf(ExecutionException.class);
            assertThat(thrown.getCause()).isSameAs(linkage);
            assertThat(client.infer(records(2), AddSubResult.class).get(15, SECONDS)).hasSize(2);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void anErrorThatIsNotFatalIsARequestFailure() {
        AssertionError bug = new AssertionError("a bug in a codec");
        try (TritonModelClient client = client("add_sub").build()) {
            TritonException e =
                    failure(
                            client.infer(
                                    records(2),
                                    TritonCodecs.forInput(AddSubRequest.class),
                                    throwingOnRead(bug)),
                            "add_sub");

            assertFailure(
                            e,
                            TritonException.class,
                            false,
                            "Model 'add_sub': handling the response to POST"
                                    + " /v2/models/add_sub/infer (2 records) failed")
                    .contains("a bug in a codec");
            assertThat(e.getCause()).isSameAs(bug);
        }
    }

    // ---- response size cap -------------------------------------------------------------------

    @Test
    void refusesAResponseOverTheCapByItsContentLength() {
        assertRefusedOverCap("identity_fp32");
    }

    @Test
    void refusesAChunkedResponseOverTheCapByCounting() {
        assertRefusedOverCap("chunked_fp32");
    }

    private static void assertRefusedOverCap(String model) {
        float[] big = new float[50_000]; // 200 kB out
        float[] small = new float[1_000];
        Arrays.fill(big, 1.5f);
        try (TritonModelClient client = client(model).maxResponseBytes(100_000).build()) {
            TritonException e =
                    failure(client.infer(List.of(new Vector(big)), VectorOut.class), model);

            assertThat(e.getClass()).isEqualTo(TritonException.class);
            assertThat(e.getMessage())
                    .startsWith(
                            "Model '"
                                    + model
                                    + "': the response to POST /v2/models/"
                                    + model
                                    + "/infer (1 record) was refused: ")
                    .contains("over maxResponseBytes 100000");
            assertThat(e.retryable()).isFalse();

            List<VectorOut> fits = client.infer(List.of(new Vector(small)), VectorOut.class).join();
            assertThat(fits.get(0).values()).hasSize(1_000);
        }
    }

    // ---- bad records and schema mismatches ---------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aRecordThatDoesNotFitItsSpecFailsBeforeAnythingIsSent(Transport transport) {
        List<AddSubRequest> records = records(3);
        records.get(1).a = new float[15];
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            TritonException e = failure(client.infer(records, AddSubResult.class), "add_sub");

            assertFailure(
                            e,
                            TritonRecordException.class,
                            false,
                            "Model 'add_sub': ClientTestTypes.AddSubRequest.a has length 15 in dimension 0")
                    .contains("'INPUT0'")
                    .contains("16");
            assertThat(server.stats().inferRequests()).isZero();

            // inferEach: that record alone fails, unsent; the others go in one request.
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records, AddSubResult.class).orTimeout(30, SECONDS).join();
            assertThat(outcomes)
                    .extracting(InferenceOutcome::succeeded)
                    .containsExactly(true, false, true);
            assertThat(outcomes.get(1).failure())
                    .isExactlyInstanceOf(TritonRecordException.class)
                    .hasMessageStartingWith(
                            "Model 'add_sub': ClientTestTypes.AddSubRequest.a has length 15");
            assertThat(outcomes.get(1).attempts()).isZero();
            assertThat(outcomes.get(2).output().sum()[0]).isEqualTo(records.get(2).a[0] + 1);
            assertThat(server.stats().inferRequests()).isEqualTo(1);
        }
    }

    @Test
    void aModelNamedLikeATensorIsNamedOnceInFront() {
        server.addModel(TestModels.addSub("INPUT0", TritonDataType.FP32, 16, 8));
        List<AddSubRequest> records = records(2);
        records.get(0).a = new float[15];
        try (TritonModelClient client = client("INPUT0").build()) {
            TritonException e = failure(client.infer(records, AddSubResult.class), "INPUT0");

            assertThat(e).isExactlyInstanceOf(TritonRecordException.class);
            assertThat(e.getMessage())
                    .startsWith("Model 'INPUT0': ClientTestTypes.AddSubRequest.a has length 15")
                    .contains("tensor 'INPUT0'");
            assertThat(e.getMessage().split("Model 'INPUT0'", -1)).hasSize(2);

            server.faults().failNext(1, 400, "input 'INPUT0' is wrong");
            TritonException status =
                    failure(client.infer(records(1), AddSubResult.class), "INPUT0");
            assertThat(status.getMessage())
                    .startsWith("Model 'INPUT0': POST /v2/models/INPUT0/infer (1 record)")
                    .endsWith(": input 'INPUT0' is wrong");
        } finally {
            server.removeModel("INPUT0");
        }
    }

    @Test
    void aNullRecordFailsClearly() {
        List<AddSubRequest> records = records(3);
        records.set(2, null);
        try (TritonModelClient client = client("add_sub").build()) {
            TritonException e = failure(client.infer(records, AddSubResult.class), "add_sub");

            assertThat(e.getMessage()).isEqualTo("Model 'add_sub': record 2 of 3 is null");
            assertThat(e.retryable()).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aSchemaMismatchListsEveryProblemAndSendsNothing(Transport transport) {
        List<WrongRequest> records = List.of(new WrongRequest(new int[8], 1f));
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            TritonException e = failure(client.infer(records, WrongResult.class), "add_sub");

            assertThat(e).isInstanceOf(TritonSchemaException.class);
            assertThat(e.retryable()).isFalse();
            List<String> mismatches = ((TritonSchemaException) e).mismatches();
            assertThat(mismatches).hasSize(5);
            assertThat(mismatches)
                    .anySatisfy(
                            m ->
                                    assertThat(m)
                                            .contains("'INPUT0'")
                                            .contains("INT32")
                                            .contains("FP32"))
                    .anySatisfy(
                            m ->
                                    assertThat(m)
                                            .contains("'INPUT0'")
                                            .contains("[8]")
                                            .contains("[16]"))
                    .anySatisfy(m -> assertThat(m).contains("'EXTRA'").contains("does not have"))
                    .anySatisfy(m -> assertThat(m).contains("INPUT1").contains("requires"))
                    .anySatisfy(m -> assertThat(m).contains("'OUTPUT9'"));
            assertThat(e.getMessage())
                    .startsWith(
                            "Model 'add_sub': The annotated classes do not match the model"
                                    + " (5 mismatches):\n  - ");

            assertThatThrownBy(() -> client.validate(WrongRequest.class, WrongResult.class))
                    .isInstanceOf(TritonSchemaException.class)
                    .hasMessage(e.getMessage());
            client.validate(AddSubRequest.class, AddSubResult.class);
        }
        assertThat(server.stats().inferRequests()).isZero();
    }

    @Test
    void aBatchDimensionTheModelDoesNotHaveIsASchemaMismatch() {
        // max_batch_size 0 with dims [-1, 16]: the leading -1 is data, not a batch dimension.
        TestModel unbatched =
                TestModel.builder("unbatched")
                        .input("INPUT0", TritonDataType.FP32, -1, 16)
                        .input("INPUT1", TritonDataType.FP32, -1, 16)
                        .output("OUTPUT0", TritonDataType.FP32, -1, 16)
                        .output("OUTPUT1", TritonDataType.FP32, -1, 16)
                        .handler(request -> List.of())
                        .build();
        server.addModel(unbatched);
        try (TritonModelClient client = client("unbatched").build()) {
            assertThatThrownBy(() -> client.validate(AddSubRequest.class, AddSubResult.class))
                    .isInstanceOf(TritonSchemaException.class)
                    .hasMessageStartingWith(
                            "Model 'unbatched': The annotated classes do not match the model"
                                    + " (4 mismatches):")
                    .hasMessageContaining("the model takes no batch dimension");
            failure(client.infer(records(2), AddSubResult.class), "unbatched");
        } finally {
            server.removeModel("unbatched");
        }
        assertThat(server.stats().inferRequests()).isZero();
    }

    @Test
    void validateNamesTheModelOfAClassWithoutCodec() {
        try (TritonModelClient client = client("add_sub").build()) {
            assertThatThrownBy(() -> client.validate(String.class, AddSubResult.class))
                    .isInstanceOf(TritonException.class)
                    .hasMessageStartingWith("Model 'add_sub': ")
                    .hasMessageContaining(String.class.getName())
                    .satisfies(e -> assertThat(((TritonException) e).retryable()).isFalse());
        }
    }

    // ---- builder -----------------------------------------------------------------------------

    @Test
    void buildNamesWhatIsMissing() {
        assertThatThrownBy(() -> TritonModelClient.builder().model("m").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs an endpoint");
        assertThatThrownBy(() -> TritonModelClient.builder().endpoint("http://h:1").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a model name");
        assertThatThrownBy(
                        () ->
                                TritonModelClient.builder()
                                        .endpoint("http://h:1")
                                        .modelFrom(Vector.class)
                                        .build())
                .hasMessageContaining(Vector.class.getName() + " has no @TritonModel name");
        assertThatThrownBy(() -> TritonModelClient.builder().endpoint("ftp://h"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TritonModelClient.builder().endpoint("http://u:" + SECRET + "@h"))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> TritonModelClient.builder().header("X-Key", SECRET + "\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> TritonModelClient.builder().header("Content-Type", "text/plain"))
                .hasMessageContaining("set by the client");
        assertThatThrownBy(() -> TritonModelClient.builder().maxConcurrentRequests(0))
                .hasMessageContaining("maxConcurrentRequests");
    }

    @Test
    void toStringShowsNoHeaderValues() {
        try (TritonModelClient client = client("add_sub").build()) {
            assertThat(client.toString()).contains("add_sub").doesNotContain(SECRET);
        }
    }
}
