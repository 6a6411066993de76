package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubEnriched;
import org.flinktriton.client.ClientTestTypes.AddSubEnrichedRecord;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.client.ClientTestTypes.AllTypesIn;
import org.flinktriton.client.ClientTestTypes.AllTypesOut;
import org.flinktriton.client.ClientTestTypes.Text;
import org.flinktriton.client.ClientTestTypes.TextOut;
import org.flinktriton.client.ClientTestTypes.Vector;
import org.flinktriton.client.ClientTestTypes.VectorOut;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inference through {@link TritonModelClient} against the testkit server over loopback HTTP and
 * gRPC: the checks that do not depend on the protocol run over both, the same models answering on
 * both faces; what is seen on the HTTP wire (WireTap) is checked over HTTP.
 */
class TritonModelClientInferenceTest {
    /** What the capturing model saw: request ids and request parameters. */
    private static final ConcurrentLinkedQueue<String> SEEN_IDS = new ConcurrentLinkedQueue<>();

    private static final ConcurrentLinkedQueue<Map<String, Object>> SEEN_PARAMETERS =
            new ConcurrentLinkedQueue<>();

    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        TestModel addSub = TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8);
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
                        .model(addSub)
                        .model(rename(capturing, "capturing"))
                        .model(TestModels.everyDatatype("echo_all", 8, 4))
                        .model(TestModels.identity("identity_fp32", 64, TritonDataType.FP32, -1))
                        .model(TestModels.identity("identity_bytes", 0, TritonDataType.BYTES, 1))
                        .model(
                                TestModels.addSub("kserve", TritonDataType.FP32, 16, 8).toBuilder()
                                        .genericKServe()
                                        .build())
                        .model(
                                TestModels.addSub("kserve_big", TritonDataType.FP32, 16, 64)
                                        .toBuilder()
                                        .genericKServe()
                                        .build())
                        .model(
                                TestModels.identity("kserve_identity", 8, TritonDataType.FP32, -1)
                                        .toBuilder()
                                        .genericKServe()
                                        .build())
                        .grpc()
                        .start();
    }

    private static TestModel rename(TestModel model, String name) {
        TestModel.Builder builder = TestModel.builder(name).maxBatchSize(model.maxBatchSize());
        model.inputs().forEach(builder::input);
        model.outputs().forEach(builder::output);
        builder.handler(model.handler())
                .configEndpoint(model.hasConfigEndpoint())
                .versionPaths(model.hasVersionPaths())
                .chunkedBinaryResponses(model.chunkedBinaryResponses())
                .nullOptionalFields(model.nullOptionalFields())
                .nonFiniteAsNull(model.nonFiniteAsNull());
        return builder.build();
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
        return client(Transport.HTTP, model);
    }

    private static TritonModelClient.Builder client(Transport transport, String model) {
        return TritonModelClient.builder().endpoint(transport.endpoint(server)).model(model);
    }

    /** Each transport with binaryData on and off (gRPC sends raw tensors either way). */
    static Stream<Arguments> transportsAndBinary() {
        return Stream.of(Transport.values())
                .flatMap(t -> Stream.of(Arguments.of(t, true), Arguments.of(t, false)));
    }

    // ---- datatypes ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} binaryData={1}")
    @MethodSource("transportsAndBinary")
    void everyDatatypeRoundTrips(Transport transport, boolean binary) {
        List<AllTypesIn> records = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            records.add(allTypes(k));
        }
        try (TritonModelClient client = client(transport, "echo_all").binaryData(binary).build()) {
            List<AllTypesOut> out =
                    client.infer(records, AllTypesOut.class).orTimeout(10, SECONDS).join();

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
        // max_batch_size 8: 10 records are two requests.
        assertThat(server.stats().batchSizes("echo_all")).containsExactlyInAnyOrder(8, 2);
    }

    /** Values at the edges of each type; FP16 and BF16 values are exactly representable. */
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

    // ---- batching ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void splitsLargeListsByMaxBatchSizeAndKeepsInputOrder(Transport transport) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            records.add(AddSubRequest.of(i));
        }
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            List<AddSubResult> out =
                    client.infer(records, AddSubResult.class).orTimeout(10, SECONDS).join();

            assertThat(out).hasSize(50);
            for (int i = 0; i < 50; i++) {
                assertThat(out.get(i).sum()[0]).isEqualTo(i + 1f);
                assertThat(out.get(i).sum()[15]).isEqualTo(i + 16f);
                assertThat(out.get(i).difference()[3]).isEqualTo(i + 2f);
            }
            assertThat(client.modelInfo().join().maxBatchSize()).isEqualTo(8);
        }
        assertThat(server.stats().inferRequests("add_sub")).isEqualTo(7);
        assertThat(server.stats().batchSizes("add_sub"))
                .containsExactlyInAnyOrder(8, 8, 8, 8, 8, 8, 2);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void maxBatchSizeOverrideLowersTheModelsLimit(Transport transport) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(AddSubRequest.of(i));
        }
        try (TritonModelClient client =
                client(transport, "add_sub").maxRecordsPerRequest(3).build()) {
            assertThat(client.infer(records, AddSubResult.class).join()).hasSize(10);
        }
        try (TritonModelClient client =
                client(transport, "add_sub").maxRecordsPerRequest(100).build()) {
            assertThat(client.infer(records, AddSubResult.class).join()).hasSize(10);
        }
        assertThat(server.stats().batchSizes("add_sub"))
                .containsExactlyInAnyOrder(3, 3, 3, 1, 8, 2);
    }

    @Test
    void takesItsSettingsFromOptionsAndLaterSettersWin() {
        TritonClientOptions options =
                TritonClientOptions.builder()
                        .endpoint(server.endpoint())
                        .model("not_deployed")
                        .maxRecordsPerRequest(3)
                        .build();
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(AddSubRequest.of(i));
        }
        try (TritonModelClient client =
                TritonModelClient.builder().clientOptions(options).model("add_sub").build()) {
            assertThat(client.infer(records, AddSubResult.class).join()).hasSize(10);
            assertThat(client.options()).isEqualTo(options.toBuilder().model("add_sub").build());
        }
        assertThat(server.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(3, 3, 3, 1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void enrichesMutableObjectsAndRebuildsJavaRecords(Transport transport) {
        List<AddSubEnriched> objects = new ArrayList<>();
        List<AddSubEnrichedRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            AddSubRequest source = AddSubRequest.of(i);
            AddSubEnriched object = new AddSubEnriched();
            object.a = source.a;
            object.b = source.b;
            object.label = "object " + i;
            objects.add(object);
            records.add(new AddSubEnrichedRecord("record " + i, source.a, source.b, null));
        }
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            List<AddSubEnriched> enriched = client.infer(objects, AddSubEnriched.class).join();
            List<AddSubEnrichedRecord> rebuilt =
                    client.infer(records, AddSubEnrichedRecord.class).join();

            for (int i = 0; i < 12; i++) {
                assertThat(enriched.get(i)).isSameAs(objects.get(i));
                assertThat(enriched.get(i).sum[0]).isEqualTo(i + 1f);
                assertThat(rebuilt.get(i).label()).isEqualTo("record " + i);
                assertThat(rebuilt.get(i).a()).isSameAs(records.get(i).a());
                assertThat(rebuilt.get(i).difference()[0]).isEqualTo(i - 1f);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void sendsOneRecordPerRequestToAModelWithoutBatchDimension(Transport transport) {
        List<Text> records = List.of(new Text("a"), new Text("bé"), new Text(""), new Text("四"));
        try (TritonModelClient client = client(transport, "identity_bytes").build()) {
            TritonModelInfo info = client.modelInfo().join();
            assertThat(info.batched()).isFalse();
            assertThat(info.input("INPUT0").orElseThrow().shape()).containsExactly(1);

            List<TextOut> out = client.infer(records, TextOut.class).join();

            assertThat(out).extracting(TextOut::text).containsExactly("a", "bé", "", "四");
        }
        assertThat(server.stats().inferRequests("identity_bytes")).isEqualTo(4);
        assertThat(server.stats().batchSizes("identity_bytes")).containsOnly(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void keepsRecordsWhoseVariableDimsDifferInSeparateRequests(Transport transport) {
        int[] lengths = {3, 5, 3, 5, 7, 3};
        List<Vector> records = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            float[] values = new float[lengths[i]];
            for (int j = 0; j < values.length; j++) {
                values[j] = i * 100 + j;
            }
            records.add(new Vector(values));
        }
        try (TritonModelClient client = client(transport, "identity_fp32").build()) {
            List<VectorOut> out = client.infer(records, VectorOut.class).join();

            for (int i = 0; i < lengths.length; i++) {
                assertThat(out.get(i).values()).containsExactly(records.get(i).values());
            }
        }
        assertThat(server.stats().batchSizes("identity_fp32")).containsExactlyInAnyOrder(3, 2, 1);
    }

    @Test
    void anEmptyListCompletesAtOnceWithoutARequest() {
        try (TritonModelClient client = client("add_sub").build()) {
            assertThat(client.infer(List.<AddSubRequest>of(), AddSubResult.class))
                    .isCompletedWithValue(List.of());
        }
        assertThat(server.stats().inferRequests()).isZero();
    }

    // ---- servers other than Triton -------------------------------------------------------------

    @Test
    void takesAServerWithoutConfigOrVersionPathsInStride() throws Exception {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(AddSubRequest.of(i));
        }
        // No …/config, 501 for /versions/ paths, chunked binary responses without Content-Length
        // or Content-Type, null optional fields.
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("kserve")
                                .modelVersion("1")
                                .maxRecordsPerRequest(
                                        8) // the server states no limit; it enforces 8
                                .build()) {
            TritonModelInfo info = client.modelInfo().join();
            assertThat(info.hasConfig()).isFalse();
            assertThat(info.maxBatchSize()).isEqualTo(-1);
            assertThat(info.batched()).isTrue();
            assertThat(client.modelReady().join()).isTrue();

            List<AddSubResult> out = client.infer(records, AddSubResult.class).join();

            assertThat(out).hasSize(20);
            assertThat(out.get(19).sum()[0]).isEqualTo(20f);
            assertThat(tap.received()).containsIgnoringCase("Transfer-Encoding: chunked");
            assertThat(tap.sent()).contains("POST /v2/models/kserve/infer ");
        }
        assertThat(server.stats().batchSizes("kserve")).containsExactlyInAnyOrder(8, 8, 4);
    }

    @Test
    void warnsOncePerClientWhenAVersionFallsBackToTheDefault() throws Exception {
        List<AddSubRequest> records = List.of(AddSubRequest.of(1), AddSubRequest.of(2));
        try (LogCapture log = new LogCapture(ModelEndpoints.class);
                WireTap tap = new WireTap(server.port())) {
            for (int client = 0; client < 2; client++) {
                try (TritonModelClient versioned =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("kserve")
                                .modelVersion("999")
                                .build()) {
                    // Several calls meet the 501 at once: still one warning.
                    List<CompletableFuture<Boolean>> probes = new ArrayList<>();
                    for (int probe = 0; probe < 4; probe++) {
                        probes.add(versioned.modelReady());
                    }
                    assertThat(probes).allSatisfy(probe -> assertThat(probe.join()).isTrue());
                    for (int call = 0; call < 3; call++) {
                        List<AddSubResult> out =
                                versioned.infer(records, AddSubResult.class).join();
                        assertThat(out.get(1).sum()[0]).isEqualTo(3f);
                    }
                    assertThat(versioned.modelReady().join()).isTrue();
                }
                // Each client finds the fallback for itself, and says so once.
                assertThat(log.lines()).hasSize(client + 1);
            }
            assertThat(log.lines().get(0))
                    .isEqualTo(
                            "WARN Model 'kserve' version 999: "
                                    + tap.endpoint()
                                    + " answered HTTP 501 to GET /v2/models/kserve/versions/999/ready"
                                    + " (it serves no /versions/ paths, as KServe's Python model"
                                    + " server); using the unversioned paths, so the server's"
                                    + " default version of the model answers, not necessarily"
                                    + " version 999");
            assertThat(tap.sent())
                    .contains("POST /v2/models/kserve/infer ")
                    .doesNotContain("/versions/999/infer");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void withoutAStatedLimitSendsTheWholeListInOneRequest(Transport transport) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(AddSubRequest.of(i));
        }
        try (TritonModelClient client = client(transport, "kserve_big").build()) {
            assertThat(client.infer(records, AddSubResult.class).join()).hasSize(40);
        }
        assertThat(server.stats().batchSizes("kserve_big")).containsExactly(40);
    }

    @Test
    void readsKServesNullForANonFiniteJsonFloatAsNaN() throws Exception {
        float[] values = {1.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        List<Vector> records =
                List.of(new Vector(values), new Vector(new float[] {2f, 3f, 4f, 5f}));
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient json =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("kserve_identity")
                                .binaryData(false)
                                .build()) {
            List<VectorOut> out = json.infer(records, VectorOut.class).join();

            assertThat(tap.received()).contains("[1.5,null,null,null,2.0");
            // JSON cannot tell the three apart: infinities come back as NaN.
            assertThat(out.get(0).values()).containsExactly(1.5f, Float.NaN, Float.NaN, Float.NaN);
            assertThat(out.get(1).values()).containsExactly(2f, 3f, 4f, 5f);
        }
        try (TritonModelClient binary = client("kserve_identity").build()) {
            assertThat(binary.infer(records, VectorOut.class).join().get(0).values())
                    .containsExactly(values);
        }
    }

    // ---- what goes over the wire ---------------------------------------------------------------

    @Test
    void binaryRequestsCarryTheHeaderLengthAndJsonRequestsAreJson() throws Exception {
        List<AddSubRequest> records = List.of(AddSubRequest.of(1));
        try (WireTap tap = new WireTap(server.port())) {
            try (TritonModelClient binary =
                    TritonModelClient.builder().endpoint(tap.endpoint()).model("add_sub").build()) {
                binary.infer(records, AddSubResult.class).join();
            }
            String sent = tap.sent();
            assertThat(sent).contains("Content-Type: application/octet-stream");
            assertThat(sent).containsPattern("Inference-Header-Content-Length: \\d+");
            assertThat(sent).contains("Accept-Encoding: identity");
            assertThat(tap.received()).containsPattern("(?i)Inference-Header-Content-Length: \\d+");
        }
        try (WireTap tap = new WireTap(server.port())) {
            try (TritonModelClient json =
                    TritonModelClient.builder()
                            .endpoint(tap.endpoint())
                            .model("add_sub")
                            .binaryData(false)
                            .build()) {
                json.infer(records, AddSubResult.class).join();
            }
            String sent = tap.sent();
            assertThat(sent).contains("Content-Type: application/json");
            assertThat(sent).doesNotContain("Inference-Header-Content-Length");
            assertThat(sent).contains("\"binary_data\":false");
            assertThat(tap.received())
                    .doesNotContainIgnoringCase("Inference-Header-Content-Length");
        }
    }

    @Test
    void compressesRequestsAndAcceptsCompressedResponses() throws Exception {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            records.add(AddSubRequest.of(i));
        }
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("add_sub")
                                .compressRequests(true)
                                .acceptCompressedResponses(true)
                                .build()) {
            List<AddSubResult> out = client.infer(records, AddSubResult.class).join();

            assertThat(out.get(7).difference()[0]).isEqualTo(6f);
            assertThat(tap.sent()).contains("Content-Encoding: gzip");
            assertThat(tap.sent()).contains("Accept-Encoding: gzip");
            assertThat(tap.received()).containsIgnoringCase("Content-Encoding: gzip");
        }
    }

    /**
     * Request ids, priority, server timeout and parameters reach the model; custom headers and the
     * bearer token arrive as HTTP headers, or as gRPC metadata, as the server records them.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void sendsRequestIdsPriorityTimeoutParametersAndHeaders(Transport transport) {
        SEEN_IDS.clear();
        SEEN_PARAMETERS.clear();
        AtomicInteger ids = new AtomicInteger();
        try (TritonModelClient client =
                client(transport, "capturing")
                        .requestIds(() -> "req-" + ids.incrementAndGet())
                        .priority(1)
                        .serverTimeout(Duration.ofMillis(1500))
                        .parameter("sequence_id", 42L)
                        .parameter("tag", "a")
                        .header("X-Tenant", "blue")
                        .bearerToken("t0k3n")
                        .build()) {
            client.infer(List.of(AddSubRequest.of(0), AddSubRequest.of(1)), AddSubResult.class)
                    .orTimeout(10, SECONDS)
                    .join();
        }
        assertThat(SEEN_IDS).containsExactly("req-1");
        Map<String, Object> parameters = SEEN_PARAMETERS.peek();
        assertThat(((Number) parameters.get("priority")).longValue()).isEqualTo(1L);
        assertThat(((Number) parameters.get("timeout")).longValue()).isEqualTo(1_500_000L);
        assertThat(((Number) parameters.get("sequence_id")).longValue()).isEqualTo(42L);
        assertThat(parameters).containsEntry("tag", "a");
        assertThat(server.stats().lastInferHeaders())
                .containsEntry("x-tenant", "blue")
                .containsEntry("authorization", "Bearer t0k3n");
        if (transport == Transport.GRPC) {
            assertThat(server.stats().lastInferHeaders())
                    .containsEntry("content-type", "application/grpc");
        }
    }

    @Test
    void takesTheModelNameAndVersionFromTritonModel() throws Exception {
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .modelFrom(AddSubRequest.class)
                                .build()) {
            assertThat(client.model()).isEqualTo("add_sub");
            assertThat(client.modelVersion()).contains("1");
            client.infer(List.of(AddSubRequest.of(0)), AddSubResult.class).join();
            assertThat(tap.sent()).contains("POST /v2/models/add_sub/versions/1/infer ");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void answersHealthAndReadiness(Transport transport) {
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            assertThat(client.serverLive().join()).isTrue();
            assertThat(client.serverReady().join()).isTrue();
            assertThat(client.modelReady().join()).isTrue();
            server.setModelReady("add_sub", false);
            try {
                assertThat(client.modelReady().join()).isFalse();
            } finally {
                server.setModelReady("add_sub", true);
            }
        }
        try (TritonModelClient client = client(transport, "no_such_model").build()) {
            assertThat(client.modelReady().join()).isFalse();
        }
    }
}
