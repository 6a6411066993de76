package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.flinktriton.testkit.V2Http.infer;
import static org.flinktriton.testkit.V2Http.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.testkit.V2Http.Body;
import org.flinktriton.testkit.V2Http.Response;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Inference over loopback HTTP: values, JSON and binary both ways, outputs asked for, codings. */
class InferTest {
    static TritonTestServer server;
    static String base;

    @BeforeAll
    static void start() {
        TritonTestServer.Builder builder = TritonTestServer.builder();
        for (TritonDataType type : TritonDataType.values()) {
            if (type != TritonDataType.AUTO) {
                builder.model(TestModels.identity("identity_" + type, 4, type, -1));
            }
        }
        server =
                builder.model(TestModels.simple())
                        .model(TestModels.everyDatatype("echo_all", 4, -1))
                        .model(TestModels.addSub("add_sub_fp32", TritonDataType.FP32, -1, 4))
                        .model(TestModels.everyDatatype("echo_all_unbatched", 0, 2, 3))
                        .model(
                                TestModels.addSub("kserve", TritonDataType.FP32, 4, 8).toBuilder()
                                        .genericKServe()
                                        .build())
                        .model(
                                TestModel.builder("broken")
                                        .maxBatchSize(4)
                                        .input("X", TritonDataType.INT32, 2)
                                        .output("Y", TritonDataType.INT32, 2)
                                        .output("Z", TritonDataType.INT32, 2)
                                        .handler(InferTest::broken)
                                        .build())
                        .model(
                                TestModels.withCost(
                                        TestModels.identity("slow", 8, TritonDataType.INT8, 1),
                                        Duration.ofMillis(150),
                                        Duration.ofMillis(10)))
                        .start();
        base = server.endpoint();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static final int[] A = range(0, 16);
    static final int[] B = new int[16];

    static {
        java.util.Arrays.fill(B, 1);
    }

    @Test
    void simpleModelAnswersJsonLikeTriton() {
        Tensor a = Tensor.ofInt32s("INPUT0", TritonDataType.INT32, new long[] {1, 16}, A);
        Tensor b = Tensor.ofInt32s("INPUT1", TritonDataType.INT32, new long[] {1, 16}, B);
        Response response =
                infer(base + "/v2/models/simple/infer", request().id("42").json(a).json(b).build());

        assertThat(response.status).as(response.toString()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.header("Inference-Header-Content-Length")).isNull();
        JsonNode json = response.json();
        assertThat(json.path("model_name").asText()).isEqualTo("simple");
        assertThat(json.path("model_version").asText()).isEqualTo("1");
        assertThat(json.path("id").asText()).isEqualTo("42");
        JsonNode sum = json.path("outputs").get(0);
        assertThat(sum.path("name").asText()).isEqualTo("OUTPUT0");
        assertThat(sum.path("datatype").asText()).isEqualTo("INT32");
        assertThat(sum.path("shape").toString()).isEqualTo("[1,16]");
        assertThat(sum.path("data").toString())
                .isEqualTo("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]");
        assertThat(json.path("outputs").get(1).path("data").toString())
                .isEqualTo("[-1,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14]");
    }

    @Test
    void binaryBatchAsksForOneOutputBinary() {
        int[] a = range(0, 48);
        int[] b = range(100, 148);
        Body body =
                request()
                        .binary(Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(3, 16), a))
                        .binary(Tensor.ofInt32s("INPUT1", TritonDataType.INT32, shape(3, 16), b))
                        .output("OUTPUT1", true)
                        .build();
        Response response = infer(base + "/v2/models/simple/infer", body);

        assertThat(response.status).as(response.toString()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(response.headerLength()).isPositive();
        assertThat(response.json().path("outputs").size()).isEqualTo(1);
        assertThat(response.json().path("outputs").get(0).path("parameters").toString())
                .isEqualTo("{\"binary_data_size\":192}");
        assertThat(response.body.length).isEqualTo(response.headerLength() + 192);
        Tensor difference = response.outputs().get("OUTPUT1");
        assertThat(difference.shape()).containsExactly(3, 16);
        assertThat(difference.toInt32s()).containsOnly(-100);
    }

    @Test
    void fp32AddSubComputesEveryElementOfLongVectors() {
        int n = 3 * 700; // more than one 1024-element chunk, and not a multiple of it
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5f;
            b[i] = 1000 - i;
        }
        Body body =
                request()
                        .binary(Tensor.ofFloats("INPUT0", TritonDataType.FP32, shape(3, 700), a))
                        .binary(Tensor.ofFloats("INPUT1", TritonDataType.FP32, shape(3, 700), b))
                        .build();
        Response response = infer(base + "/v2/models/add_sub_fp32/infer", body);

        assertThat(response.status).as(response.toString()).isEqualTo(200);
        float[] sum = response.outputs().get("OUTPUT0").toFloats();
        float[] difference = response.outputs().get("OUTPUT1").toFloats();
        assertThat(sum).hasSize(n);
        assertThat(difference).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(sum[i]).as("OUTPUT0[%d]", i).isEqualTo(a[i] + b[i]);
            assertThat(difference[i]).as("OUTPUT1[%d]", i).isEqualTo(a[i] - b[i]);
        }
    }

    @Test
    void requestLevelBinaryDataOutputAppliesToAllButPerOutputWins() {
        Body body =
                request()
                        .binaryDataOutput(true)
                        .json(Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(1, 16), A))
                        .json(Tensor.ofInt32s("INPUT1", TritonDataType.INT32, shape(1, 16), B))
                        .output("OUTPUT0")
                        .output("OUTPUT1", false)
                        .build();
        Response response = infer(base + "/v2/models/simple/infer", body);

        JsonNode outputs = response.json().path("outputs");
        assertThat(outputs.get(0).path("parameters").path("binary_data_size").asInt())
                .isEqualTo(64);
        assertThat(outputs.get(1).has("data")).isTrue();
        assertThat(response.outputs().get("OUTPUT0").toInt32s()[15]).isEqualTo(16);
    }

    static Stream<Arguments> datatypesAndModes() {
        return Stream.of(TritonDataType.values())
                .filter(type -> type != TritonDataType.AUTO)
                .flatMap(
                        type ->
                                Stream.of(
                                        Arguments.of(type, true, true),
                                        Arguments.of(type, true, false),
                                        Arguments.of(type, false, true),
                                        Arguments.of(type, false, false)));
    }

    /** Every datatype through an identity model, JSON or binary in, JSON or binary out. */
    @ParameterizedTest(name = "{0} binary in: {1}, binary out: {2}")
    @MethodSource("datatypesAndModes")
    void everyDatatypeRoundTrips(TritonDataType type, boolean binaryIn, boolean binaryOut) {
        boolean half = type == TritonDataType.FP16 || type == TritonDataType.BF16;
        if (half && !binaryIn) {
            return; // refused, see ValidationTest
        }
        Tensor input = sample(type, shape(2, 3)).withName("INPUT0");
        V2Http.RequestBuilder request = request();
        if (binaryIn) {
            request.binary(input);
        } else {
            request.json(input);
        }
        Response response =
                infer(
                        base + "/v2/models/identity_" + type + "/infer",
                        request.output("OUTPUT0", binaryOut).build());

        assertThat(response.status).as(response.toString()).isEqualTo(200);
        JsonNode output = response.json().path("outputs").get(0);
        assertThat(output.path("datatype").asText()).isEqualTo(type.name());
        assertThat(output.path("shape").toString()).isEqualTo("[2,3]");
        assertThat(output.has("data")).isEqualTo(!binaryOut && !half);
        boolean real = half || type == TritonDataType.FP32 || type == TritonDataType.FP64;
        if (!binaryOut && !real) {
            assertThat(output.path("data").toString()).isEqualTo(V2Http.data(input).toString());
        }
        Tensor echoed = response.outputs().get("OUTPUT0");
        assertThat(echoed.rawBytes()).isEqualTo(input.rawBytes());
    }

    @Test
    void allDatatypesAtOnceWithoutBatchDimension() {
        V2Http.RequestBuilder request = request();
        int i = 0;
        for (TritonDataType type : TritonDataType.values()) {
            if (type == TritonDataType.AUTO) {
                continue;
            }
            Tensor input = sample(type, shape(2, 3));
            if (i++ % 2 == 0 || type == TritonDataType.FP16 || type == TritonDataType.BF16) {
                request.binary(input);
            } else {
                request.json(input);
            }
        }
        Response response = infer(base + "/v2/models/echo_all_unbatched/infer", request.build());

        assertThat(response.status).as(response.toString()).isEqualTo(200);
        Map<String, Tensor> outputs = response.outputs();
        assertThat(outputs).hasSize(14);
        for (TritonDataType type : TritonDataType.values()) {
            if (type != TritonDataType.AUTO) {
                assertThat(outputs.get(type.name()).rawBytes())
                        .as(type.name())
                        .isEqualTo(sample(type, shape(2, 3)).rawBytes());
            }
        }
        // Nothing asked binary: only FP16 and BF16, which JSON cannot carry, came binary.
        assertThat(response.json().toString())
                .contains(
                        "\"name\":\"FP16\",\"datatype\":\"FP16\",\"shape\":[2,3],"
                                + "\"parameters\":{\"binary_data_size\":12}");
    }

    @Test
    void compressedRequestsAreAccepted() throws Exception {
        Body body =
                request()
                        .json(Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(1, 16), A))
                        .binary(Tensor.ofInt32s("INPUT1", TritonDataType.INT32, shape(1, 16), B))
                        .build();
        for (String coding : new String[] {"gzip", "deflate", "raw-deflate"}) {
            Response response =
                    V2Http.post(
                            base + "/v2/models/simple/infer",
                            compress(body.bytes, coding),
                            "Content-Encoding",
                            coding.equals("raw-deflate") ? "deflate" : coding,
                            "Inference-Header-Content-Length",
                            Integer.toString(body.headerLength));
            assertThat(response.status).as(coding + ": " + response).isEqualTo(200);
            assertThat(response.outputs().get("OUTPUT0").toInt32s()[0]).isEqualTo(1);
        }
        Response bad =
                V2Http.post(
                        base + "/v2/models/simple/infer", body.bytes, "Content-Encoding", "gzip");
        assertThat(bad.status).isEqualTo(400);
        assertThat(bad.error()).contains("not valid gzip");
        Response unknown =
                V2Http.post(base + "/v2/models/simple/infer", body.bytes, "Content-Encoding", "br");
        assertThat(unknown.status).isEqualTo(400);
        assertThat(unknown.error()).contains("Unsupported Content-Encoding 'br'");
    }

    @Test
    void binaryResponsesAreCompressedWhenAskedFor() {
        Body body =
                request()
                        .binary(Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(1, 16), A))
                        .binary(Tensor.ofInt32s("INPUT1", TritonDataType.INT32, shape(1, 16), B))
                        .binaryDataOutput(true)
                        .build();
        Response response =
                infer(base + "/v2/models/simple/infer", body, "Accept-Encoding", "gzip");

        assertThat(response.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(response.plainBody().length).isEqualTo(response.headerLength() + 128);
        assertThat(response.outputs().get("OUTPUT1").toInt32s()).startsWith(-1, 0, 1);
    }

    @Test
    void genericKServeSendsBinaryChunkedWithoutLengthOrTypeAndNulls() {
        float[] ones = {1, 1, 1, 1};
        Body body =
                request()
                        .binary(Tensor.ofFloats("INPUT0", TritonDataType.FP32, shape(1, 4), ones))
                        .binary(Tensor.ofFloats("INPUT1", TritonDataType.FP32, shape(1, 4), ones))
                        .output("OUTPUT0", true)
                        .output("OUTPUT1", false)
                        .build();
        Response response = infer(base + "/v2/models/kserve/infer", body);

        assertThat(response.status).as(response.toString()).isEqualTo(200);
        assertThat(response.header("Content-Length")).isNull();
        assertThat(response.header("Content-Type")).isNull();
        assertThat(response.header("Transfer-Encoding")).isEqualTo("chunked");
        JsonNode json = response.json();
        assertThat(json.get("id").isNull()).isTrue();
        assertThat(json.get("parameters").isNull()).isTrue();
        assertThat(json.path("outputs").get(1).get("parameters").isNull()).isTrue();
        assertThat(response.outputs().get("OUTPUT0").toFloats()).containsOnly(2f);
        assertThat(response.outputs().get("OUTPUT1").toFloats()).containsOnly(0f);

        Response jsonOnly =
                infer(
                        base + "/v2/models/kserve/versions/1/infer",
                        request()
                                .json(
                                        Tensor.ofFloats(
                                                "INPUT0", TritonDataType.FP32, shape(1, 4), ones))
                                .json(
                                        Tensor.ofFloats(
                                                "INPUT1", TritonDataType.FP32, shape(1, 4), ones))
                                .build());
        assertThat(jsonOnly.status).isEqualTo(501);
    }

    @Test
    void handlerErrorsBecome400Or500AndBrokenOutputs500() {
        String[][] cases = {
            {"1", "400", "Model 'broken' rejected the request: X[0] must not be 1"},
            {"2", "500", "Model 'broken' failed: java.lang.IllegalStateException: out of memory"},
            {
                "3",
                "500",
                "Model 'broken': its handler returned no output 'Z', which the request"
                        + " asked for; it returned [Y]"
            },
            {
                "4",
                "500",
                "Model 'broken': its handler returned output 'Y' as INT64, but the model"
                        + " declares Y INT32[2]"
            },
            {
                "5",
                "500",
                "Model 'broken': its handler returned output 'Y' of shape [2], but the"
                        + " model declares Y INT32[2] and the batch size is 1, so expected [1,2]"
            },
            {
                "6",
                "500",
                "Model 'broken': its handler returned output 'W', which the model does"
                        + " not declare; it declares ['Y', 'Z']"
            },
            {"7", "500", "Model 'broken': its handler returned null instead of a list of outputs"},
        };
        for (String[] c : cases) {
            int[] x = {Integer.parseInt(c[0]), 0};
            Response response =
                    infer(
                            base + "/v2/models/broken/infer",
                            request()
                                    .json(
                                            Tensor.ofInt32s(
                                                    "X", TritonDataType.INT32, shape(1, 2), x))
                                    .build());
            assertThat(response.status).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
            assertThat(response.error()).as(c[0]).isEqualTo(c[2]);
        }
        Response fine =
                infer(
                        base + "/v2/models/broken/infer",
                        request()
                                .json(
                                        Tensor.ofInt32s(
                                                "X",
                                                TritonDataType.INT32,
                                                shape(2, 2),
                                                new int[] {0, 1, 2, 3}))
                                .build());
        assertThat(fine.status).as(fine.toString()).isEqualTo(200);
        assertThat(fine.outputs().get("Z").toInt32s()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void modelCostIsSleptPerRequestAndPerRecord() {
        Body body =
                request()
                        .binary(
                                Tensor.ofInt8s(
                                        "INPUT0", TritonDataType.INT8, shape(5, 1), new byte[5]))
                        .build();
        long start = System.nanoTime();
        Response response = infer(base + "/v2/models/slow/infer", body);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.status).isEqualTo(200);
        assertThat(millis).isBetween(200L, 2000L);
    }

    private static List<Tensor> broken(ModelRequest request) {
        int mode = request.input("X").toInt32s()[0];
        long[] shape = request.outputShape("Y");
        int[] values = request.input("X").toInt32s();
        switch (mode) {
            case 1:
                throw new IllegalArgumentException("X[0] must not be 1");
            case 2:
                throw new IllegalStateException("out of memory");
            case 3:
                return List.of(Tensor.ofInt32s("Y", TritonDataType.INT32, shape, values));
            case 4:
                return List.of(Tensor.ofInt64s("Y", TritonDataType.INT64, shape, new long[2]));
            case 5:
                return List.of(Tensor.ofInt32s("Y", TritonDataType.INT32, new long[] {2}, values));
            case 6:
                return List.of(Tensor.ofInt32s("W", TritonDataType.INT32, shape, values));
            case 7:
                return null;
            default:
                return List.of(
                        Tensor.ofInt32s("Y", TritonDataType.INT32, shape, values),
                        Tensor.ofInt32s("Z", TritonDataType.INT32, shape, values));
        }
    }

    // ---- samples -----------------------------------------------------------------------------

    /** Six values of each datatype that reach into its corners. */
    static Tensor sample(TritonDataType type, long[] shape) {
        String name = type.name();
        switch (type) {
            case BOOL:
                return Tensor.ofBools(
                        name, shape, new boolean[] {true, false, true, true, false, false});
            case INT8:
            case UINT8:
                return Tensor.ofInt8s(name, type, shape, new byte[] {0, 1, -1, 127, -128, 42});
            case INT16:
            case UINT16:
                return Tensor.ofInt16s(
                        name,
                        type,
                        shape,
                        new short[] {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 42});
            case INT32:
            case UINT32:
                return Tensor.ofInt32s(
                        name,
                        type,
                        shape,
                        new int[] {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 42});
            case INT64:
            case UINT64:
                return Tensor.ofInt64s(
                        name,
                        type,
                        shape,
                        new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 42});
            case FP16:
            case BF16:
            case FP32:
                return Tensor.ofFloats(
                        name,
                        type,
                        shape,
                        new float[] {0f, -0f, 1.5f, -2.25f, 65504f, Float.POSITIVE_INFINITY});
            case FP64:
                return Tensor.ofDoubles(
                        name,
                        shape,
                        new double[] {
                            0, -0.0, 1e-300, Double.MAX_VALUE, -3.5, Double.NEGATIVE_INFINITY
                        });
            case BYTES:
                return Tensor.ofStrings(
                        name,
                        shape,
                        new String[] {
                            "", "a", "h\u00e9llo", "\u6f22\u5b57", "with \"quotes\"", "\ud83d\ude00"
                        });
            default:
                throw new IllegalArgumentException(name);
        }
    }

    static long[] shape(long... dims) {
        return dims;
    }

    static int[] range(int from, int to) {
        int[] values = new int[to - from];
        for (int i = 0; i < values.length; i++) {
            values[i] = from + i;
        }
        return values;
    }

    static byte[] compress(byte[] bytes, String coding) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (coding.equals("gzip")) {
            try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                gzip.write(bytes);
            }
        } else {
            Deflater deflater =
                    new Deflater(Deflater.DEFAULT_COMPRESSION, coding.equals("raw-deflate"));
            try (DeflaterOutputStream zlib = new DeflaterOutputStream(out, deflater)) {
                zlib.write(bytes);
            }
            deflater.end();
        }
        return out.toByteArray();
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, UTF_8);
    }

    static TensorSpec spec(String name, TritonDataType type, int... dims) {
        return TensorSpec.of(name, type, dims);
    }
}
