package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.flinktriton.TritonException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.client.ClientTestTypes.AllTypesIn;
import org.flinktriton.client.ClientTestTypes.AllTypesOut;
import org.flinktriton.client.ClientTestTypes.Text;
import org.flinktriton.client.ClientTestTypes.TextOut;
import org.flinktriton.client.ClientTestTypes.WrongRequest;
import org.flinktriton.client.ClientTestTypes.WrongResult;
import org.flinktriton.testkit.TestCertificates;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TritonModelClient} over {@code grpc://} against the testkit server's gRPC face on
 * loopback: the same models, faults and counters as its HTTP face, so each check reads as its HTTP
 * twin does.
 */
@Timeout(120)
class GrpcClientTest {
    private static TritonTestServer server;

    /** What the capturing model saw: request ids and request parameters. */
    private static final ConcurrentLinkedQueue<String> SEEN_IDS = new ConcurrentLinkedQueue<>();

    private static final ConcurrentLinkedQueue<Map<String, Object>> SEEN_PARAMETERS =
            new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() {
        TestModel addSub = TestModels.addSub("capturing", TritonDataType.FP32, 16, 8);
        TestModel capturing =
                addSub.toBuilder()
                        .handler(
                                request -> {
                                    SEEN_IDS.add(String.valueOf(request.id()));
                                    SEEN_PARAMETERS.add(request.parameters());
                                    return addSub.handler().infer(request);
                                })
                        .build();
        server =
                TritonTestServer.builder()
                        .grpc()
                        .model(capturing)
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(TestModels.everyDatatype("echo_all", 8, 4))
                        .model(TestModels.identity("identity_bytes", 0, TritonDataType.BYTES, 1))
                        .model(
                                TestModels.addSub("kserve", TritonDataType.FP32, 16, 64).toBuilder()
                                        .genericKServe()
                                        .build())
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

    private static TritonModelClient.Builder client(String model) {
        return TritonModelClient.builder().endpoint(server.grpcEndpoint()).model(model);
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
        if (thrown instanceof CompletionException) {
            thrown = thrown.getCause();
        }
        assertThat(thrown).isInstanceOf(TritonException.class);
        return (TritonException) thrown;
    }

    @Test
    void everyDatatypeRoundTripsRaw() {
        List<AllTypesIn> records = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            records.add(allTypes(k));
        }
        try (TritonModelClient client = client("echo_all").build()) {
            List<AllTypesOut> out =
                    client.infer(records, AllTypesOut.class).orTimeout(20, SECONDS).join();

            assertThat(out).hasSize(10);
            for (int k = 0; k < 10; k++) {
                AllTypesIn in = records.get(k);
                AllTypesOut echoed = out.get(k);
                assertThat(echoed.bools()).containsExactly(in.bools());
                assertThat(echoed.uint8s()).containsExactly(in.uint8s());
                assertThat(echoed.uint16s()).containsExactly(in.uint16s());
                assertThat(echoed.uint32s()).containsExactly(in.uint32s());
                assertThat(echoed.uint64s()).containsExactly(in.uint64s());
                assertThat(echoed.int8s()).containsExactly(in.int8s());
                assertThat(echoed.int16s()).containsExactly(in.int16s());
                assertThat(echoed.int32s()).containsExactly(in.int32s());
                assertThat(echoed.int64s()).containsExactly(in.int64s());
                assertThat(echoed.fp16s()).containsExactly(in.fp16s());
                assertThat(echoed.fp32s()).containsExactly(in.fp32s());
                assertThat(echoed.fp64s()).containsExactly(in.fp64s());
                assertThat(echoed.strings()).containsExactly(in.strings());
                assertThat(echoed.bf16s()).containsExactly(in.bf16s());
            }
        }
        // max_batch_size 8, learned from ModelConfig: 10 records are two requests.
        assertThat(server.stats().batchSizes("echo_all")).containsExactlyInAnyOrder(8, 2);
    }

    /** The values of the HTTP suite's every-datatype test. */
    private static AllTypesIn allTypes(int k) {
        return new AllTypesIn(
                new boolean[] {true, false, k % 2 == 0, true},
                new byte[] {0, (byte) k, (byte) 0x80, (byte) 0xff},
                new short[] {0, (short) k, (short) 0x8000, (short) 0xffff},
                new int[] {0, k, 0x8000_0000, 0xffff_ffff},
                new long[] {0, k, Long.MIN_VALUE, -1L},
                new byte[] {Byte.MIN_VALUE, -1, (byte) k, Byte.MAX_VALUE},
                new short[] {Short.MIN_VALUE, -1, (short) k, Short.MAX_VALUE},
                new int[] {Integer.MIN_VALUE, -1, k, Integer.MAX_VALUE},
                new long[] {Long.MIN_VALUE, -1, k, Long.MAX_VALUE},
                new float[] {0.5f, -2f, 1024f + k, 65504f},
                new float[] {1.5f, -0.25f, Float.MAX_VALUE, 1.0e-30f * (k + 1)},
                new double[] {Math.PI, -1e300, Double.MIN_VALUE, 0.1 * k},
                new String[] {"", "héllo " + k, "日本語", "a\u0000b"},
                new float[] {1.5f, -3f, 256f * (k + 1), 0.5f});
    }

    @Test
    void addSubSplitsByMaxBatchSizeAndKeepsOrder() {
        try (TritonModelClient client = client("add_sub").build()) {
            List<AddSubResult> out =
                    client.infer(records(20), AddSubResult.class).orTimeout(20, SECONDS).join();
            assertThat(out).hasSize(20);
            for (int i = 0; i < 20; i++) {
                AddSubRequest in = AddSubRequest.of(i);
                assertThat(out.get(i).sum()[3]).isEqualTo(in.a[3] + in.b[3]);
                assertThat(out.get(i).difference()[3]).isEqualTo(in.a[3] - in.b[3]);
            }
            assertThat(client.modelInfo().join().maxBatchSize()).isEqualTo(8);
        }
        assertThat(server.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(8, 8, 4);
    }

    @Test
    void modelWithoutBatchDimensionTakesOneRecordPerRequest() {
        try (TritonModelClient client = client("identity_bytes").build()) {
            List<TextOut> out =
                    client.infer(List.of(new Text("a"), new Text("bé")), TextOut.class)
                            .orTimeout(20, SECONDS)
                            .join();
            assertThat(out).extracting(TextOut::text).containsExactly("a", "bé");
        }
        assertThat(server.stats().inferRequests("identity_bytes")).isEqualTo(2);
    }

    @Test
    void aServerWithoutModelConfigFallsBackToTheMetadata() {
        // KServe's server answers ModelConfig with UNIMPLEMENTED, as its HTTP face has no /config.
        try (TritonModelClient client = client("kserve").build()) {
            List<AddSubResult> out =
                    client.infer(records(20), AddSubResult.class).orTimeout(20, SECONDS).join();
            assertThat(out).hasSize(20);
            assertThat(out.get(19).sum()[0])
                    .isEqualTo(AddSubRequest.of(19).a[0] + AddSubRequest.of(19).b[0]);
        }
        // No max_batch_size learned: the whole list in one request, as over HTTP.
        assertThat(server.stats().batchSizes("kserve")).containsExactly(20);
    }

    @Test
    void sendsRequestIdsPriorityTimeoutAndParameters() {
        SEEN_IDS.clear();
        SEEN_PARAMETERS.clear();
        try (TritonModelClient client =
                client("capturing")
                        .requestIds(() -> "req-7")
                        .priority(2)
                        .serverTimeout(Duration.ofMillis(250))
                        .parameter("sequence_id", 42)
                        .parameter("tag", "a")
                        .build()) {
            assertThat(client.infer(records(2), AddSubResult.class).orTimeout(20, SECONDS).join())
                    .hasSize(2);
        }
        assertThat(SEEN_IDS).containsExactly("req-7");
        Map<String, Object> parameters = SEEN_PARAMETERS.peek();
        assertThat(parameters)
                .containsEntry("priority", 2L)
                .containsEntry("timeout", 250_000L)
                .containsEntry("sequence_id", 42L)
                .containsEntry("tag", "a");
    }

    @Test
    void answersHealthAndReadiness() {
        try (TritonModelClient client = client("add_sub").build();
                TritonModelClient unknown = client("nope").build()) {
            assertThat(client.serverLive().join()).isTrue();
            assertThat(client.serverReady().join()).isTrue();
            assertThat(client.modelReady().join()).isTrue();
            assertThat(unknown.modelReady().join()).isFalse();
        }
    }

    @Test
    void schemaMismatchListsEveryDifference() {
        try (TritonModelClient client = client("add_sub").build()) {
            Throwable thrown =
                    catchThrowable(() -> client.validate(WrongRequest.class, WrongResult.class));
            assertThat(thrown)
                    .isInstanceOf(TritonSchemaException.class)
                    .hasMessageContaining("INPUT0")
                    .hasMessageContaining("EXTRA")
                    .hasMessageContaining("OUTPUT9");
        }
    }

    @Test
    void anUnknownModelIsNotFoundAnd404NotRetried() {
        try (TritonModelClient client = client("nope").build()) {
            TritonException e = failure(() -> client.infer(records(1), AddSubResult.class).join());
            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(404);
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage())
                    .startsWith("Model 'nope': ModelMetadata at " + server.grpcEndpoint())
                    .contains("gRPC NOT_FOUND");
        }
    }

    @Test
    void unavailableIsRetriedLike503() {
        server.faults().failNext(2, 503, "model is reloading");
        RetryPolicy quick =
                RetryPolicy.builder()
                        .maxAttempts(4)
                        .initialBackoff(Duration.ofMillis(10))
                        .maxBackoff(Duration.ofMillis(20))
                        .build();
        try (TritonModelClient client = client("add_sub").retry(quick).build()) {
            assertThat(client.infer(records(2), AddSubResult.class).orTimeout(20, SECONDS).join())
                    .hasSize(2);
            assertThat(client.retries()).isEqualTo(2);
        }
        assertThat(server.stats().injectedFailures(503)).isEqualTo(2);
    }

    @Test
    void invalidArgumentIsA400RecordErrorThatBisectionIsolates() {
        try (TritonModelClient client =
                client("add_sub").retry(RetryPolicy.none()).maxBisectionRequests(8).build()) {
            server.faults().failNext(1, 400, "bad record");
            TritonException e = failure(() -> client.infer(records(4), AddSubResult.class).join());
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(400);
            assertThat(e.getMessage()).contains("gRPC INVALID_ARGUMENT").contains("bad record");

            server.faults().failNext(1, 400, "bad record");
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records(4), AddSubResult.class).orTimeout(20, SECONDS).join();
            // The rejected request is split; both halves pass once the fault is spent.
            assertThat(outcomes).allSatisfy(o -> assertThat(o.succeeded()).isTrue());
        }
    }

    @Test
    void theBreakerOpensOnFailures() {
        server.faults().failRate(1.0, 503, "overloaded"); // UNAVAILABLE: counted, as 503 is
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder()
                        .windowSize(4)
                        .minimumCalls(4)
                        .failureThreshold(0.5)
                        .openDuration(Duration.ofSeconds(30))
                        .build();
        try (TritonModelClient client =
                client("add_sub").retry(RetryPolicy.none()).circuitBreaker(breaker).build()) {
            for (int i = 0; i < 4; i++) {
                failure(() -> client.infer(records(1), AddSubResult.class).join());
            }
            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);
            long sent = server.stats().inferRequests("add_sub");
            TritonException e = failure(() -> client.infer(records(1), AddSubResult.class).join());
            assertThat(e.getMessage()).contains("circuit");
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(sent);
        }
    }

    @Test
    void aRequestPastItsDeadlineIsCancelledOnTheWire() throws Exception {
        try (TritonModelClient client =
                client("add_sub")
                        .requestTimeout(Duration.ofMillis(300))
                        .retry(RetryPolicy.none())
                        .build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().latency(Duration.ofSeconds(5));
            long started = System.nanoTime();
            TritonException e = failure(() -> client.infer(records(1), AddSubResult.class).join());
            long millis = (System.nanoTime() - started) / 1_000_000;

            assertThat(e).isInstanceOf(TritonTimeoutException.class);
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("DEADLINE_EXCEEDED");
            assertThat(millis).isLessThan(3_000);
            // The server saw the call end before its answer: cancelled, not left to run.
            assertThat(server.stats().awaitIdle(Duration.ofSeconds(4))).isTrue();
            assertThat(server.stats().cancelled()).isEqualTo(1);
        }
    }

    @Test
    void gzipBothWaysRoundTrips() {
        try (TritonModelClient client =
                client("add_sub").compressRequests(true).acceptCompressedResponses(true).build()) {
            assertThat(client.infer(records(3), AddSubResult.class).orTimeout(20, SECONDS).join())
                    .hasSize(3);
        }
    }

    @Test
    void clientsOfOneServerShareOneChannel() {
        try (TritonModelClient a = client("add_sub").build();
                TritonModelClient b = client("echo_all").build()) {
            assertThat(a.transportUsers()).isEqualTo(2);
            assertThat(b.transportUsers()).isEqualTo(2);
        }
    }

    @Test
    void grpcsWithAPrivateCaAndMutualTls(@TempDir Path dir) throws Exception {
        try (TritonTestServer tls =
                TritonTestServer.builder()
                        .https(TestCertificates.mutualServerContext())
                        .requireClientCertificates()
                        .grpc()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .start()) {
            assertThat(tls.grpcEndpoint()).startsWith("grpcs://");
            KeyStore client = TestCertificates.clientKeyStore();
            String alias = client.aliases().nextElement();
            Path cert = pem(dir.resolve("client.pem"), "CERTIFICATE", client.getCertificate(alias));
            Key key = client.getKey(alias, TestCertificates.password());
            Path keyPem = dir.resolve("client-key.pem");
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));

            // Without a client certificate the server refuses the handshake.
            try (TritonModelClient anonymous =
                    TritonModelClient.builder()
                            .endpoint(tls.grpcEndpoint())
                            .model("add_sub")
                            .trustStore(TestCertificates.trustStore())
                            .retry(RetryPolicy.none())
                            .build()) {
                failure(() -> anonymous.serverLive().join());
            }
            for (String endpoint : List.of(tls.grpcEndpoint(), tls.endpoint())) {
                try (TritonModelClient mutual =
                        TritonModelClient.builder()
                                .endpoint(endpoint)
                                .model("add_sub")
                                .trustStore(TestCertificates.trustStore())
                                .clientCertificate(cert, keyPem)
                                .build()) {
                    assertThat(
                                    mutual.infer(records(2), AddSubResult.class)
                                            .orTimeout(20, SECONDS)
                                            .join())
                            .as(endpoint)
                            .hasSize(2);
                }
            }
        }
    }

    private static Path pem(Path file, String type, Certificate certificate) throws Exception {
        Files.writeString(file, pem(type, certificate.getEncoded()));
        return file;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN "
                + type
                + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END "
                + type
                + "-----\n";
    }
}
