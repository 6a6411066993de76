package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.flinktriton.testkit.InferTest.shape;
import static org.flinktriton.testkit.V2Http.infer;
import static org.flinktriton.testkit.V2Http.post;
import static org.flinktriton.testkit.V2Http.postJson;
import static org.flinktriton.testkit.V2Http.request;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.V2Http.Body;
import org.flinktriton.testkit.V2Http.Response;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each way a request can break Triton's rules: status 400 and a message naming model and tensor.
 */
class ValidationTest {
    static TritonTestServer server;
    static String simple;
    static String unbatched;
    static String variable;

    static final Tensor A = ints("INPUT0", 1, 16);
    static final Tensor B = ints("INPUT1", 1, 16);

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.simple())
                        .model(TestModels.identity("unbatched", 0, TritonDataType.FP32, 4))
                        .model(TestModels.identity("variable", 4, TritonDataType.INT32, -1, 2))
                        .model(TestModels.identity("halves", 4, TritonDataType.FP16, 2))
                        .maxRequestSize(100_000)
                        .start();
        simple = server.endpoint() + "/v2/models/simple/infer";
        unbatched = server.endpoint() + "/v2/models/unbatched/infer";
        variable = server.endpoint() + "/v2/models/variable/infer";
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theValidRequestPasses() {
        assertThat(infer(simple, request().json(A).json(B).build()).status).isEqualTo(200);
    }

    @Test
    void unknownInput() {
        Response response =
                infer(simple, request().json(A).json(B).json(ints("INPUT2", 1, 16)).build());
        assertRejected(
                response,
                "[request id: <id_unknown>] unexpected inference input 'INPUT2' for model"
                        + " 'simple'; it expects ['INPUT0', 'INPUT1']");
    }

    @Test
    void missingInput() {
        assertRejected(
                infer(simple, request().id("r7").json(A).build()),
                "[request id: r7] expected 2 inputs but got 1 inputs for model 'simple'. Got"
                        + " input(s) ['INPUT0'], but missing required input(s) ['INPUT1']. Please"
                        + " provide all required input(s).");
    }

    @Test
    void duplicateInput() {
        assertRejected(
                infer(simple, request().json(A).json(B).binary(A).build()),
                "[request id: <id_unknown>] input 'INPUT0' already exists in request for model"
                        + " 'simple'");
    }

    @Test
    void unknownOrRepeatedRequestedOutput() {
        assertRejected(
                infer(simple, request().json(A).json(B).output("OUTPUT9").build()),
                "[request id: <id_unknown>] unexpected inference output 'OUTPUT9' for model"
                        + " 'simple'; it has ['OUTPUT0', 'OUTPUT1']");
        assertRejected(
                infer(
                        simple,
                        request().json(A).json(B).output("OUTPUT0").output("OUTPUT0").build()),
                "[request id: <id_unknown>] output 'OUTPUT0' is requested twice in the request"
                        + " for model 'simple'");
    }

    @Test
    void datatypeMismatch() {
        Tensor floats = Tensor.ofFloats("INPUT1", TritonDataType.FP32, shape(1, 16), new float[16]);
        assertRejected(
                infer(simple, request().json(A).binary(floats).build()),
                "[request id: <id_unknown>] inference input 'INPUT1' data-type is 'FP32', but model"
                        + " 'simple' expects 'INT32'");
    }

    @Test
    void shapeMismatchInFixedDimOrRank() {
        assertRejected(
                infer(simple, request().json(A).json(ints("INPUT1", 1, 8)).build()),
                "[request id: <id_unknown>] unexpected shape for input 'INPUT1' for model"
                        + " 'simple'. Expected [-1,16], got [1,8]. ");
        assertRejected(
                infer(simple, request().json(A).json(ints("INPUT1", 1, 16, 1)).build()),
                "[request id: <id_unknown>] unexpected shape for input 'INPUT1' for model"
                        + " 'simple'. Expected [-1,16], got [1,16,1]. ");
    }

    @Test
    void missingBatchDimensionOnABatchingModel() {
        Tensor flat = Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(16), new int[16]);
        assertRejected(
                infer(simple, request().json(flat).json(B).build()),
                "[request id: <id_unknown>] unexpected shape for input 'INPUT0' for model"
                        + " 'simple'. Expected [-1,16], got [16]. NOTE: model 'simple' has"
                        + " max_batch_size 8, so each input shape starts with the batch"
                        + " dimension.");
    }

    @Test
    void batchDimensionOnAModelWithMaxBatchSizeZero() {
        Tensor batched = Tensor.ofFloats("INPUT0", TritonDataType.FP32, shape(1, 4), new float[4]);
        assertRejected(
                infer(unbatched, request().json(batched).build()),
                "[request id: <id_unknown>] unexpected shape for input 'INPUT0' for model"
                        + " 'unbatched'. Expected [4], got [1,4]. NOTE: model 'unbatched' has"
                        + " max_batch_size 0: its inputs take no batch dimension, one record per"
                        + " request.");
        Tensor plain = Tensor.ofFloats("INPUT0", TritonDataType.FP32, shape(4), new float[4]);
        assertThat(infer(unbatched, request().json(plain).build()).status).isEqualTo(200);
    }

    @Test
    void batchLargerThanMaxBatchSizeOrEmpty() {
        assertRejected(
                infer(
                        simple,
                        request()
                                .binary(ints("INPUT0", 9, 16))
                                .binary(ints("INPUT1", 9, 16))
                                .build()),
                "[request id: <id_unknown>] inference request batch-size must be <= 8 for"
                        + " 'simple', got 9 in input 'INPUT0'");
        assertRejected(
                infer(
                        simple,
                        request()
                                .binary(ints("INPUT0", 0, 16))
                                .binary(ints("INPUT1", 0, 16))
                                .build()),
                "[request id: <id_unknown>] inference request batch-size must be >= 1 for"
                        + " 'simple', got 0 in input 'INPUT0'");
    }

    @Test
    void inconsistentBatchSizes() {
        assertRejected(
                infer(
                        simple,
                        request().json(ints("INPUT0", 2, 16)).json(ints("INPUT1", 3, 16)).build()),
                "[request id: <id_unknown>] input 'INPUT1' batch size 3 does not match other"
                        + " inputs for 'simple' (input 'INPUT0' has 2)");
    }

    @Test
    void variableDimsAcceptAnySizeButFixedOnesAreChecked() {
        Tensor ok = Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(2, 5, 2), new int[20]);
        assertThat(infer(variable, request().binary(ok).build()).status).isEqualTo(200);
        Tensor bad = Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape(2, 5, 3), new int[30]);
        assertRejected(
                infer(variable, request().binary(bad).build()),
                "[request id: <id_unknown>] unexpected shape for input 'INPUT0' for model"
                        + " 'variable'. Expected [-1,-1,2], got [2,5,3]. ");
    }

    @Test
    void halfFloatsMustTravelBinary() {
        Tensor halves =
                Tensor.ofFloats("INPUT0", TritonDataType.FP16, shape(1, 2), new float[] {1, 2});
        String url = server.endpoint() + "/v2/models/halves/infer";
        assertRejected(
                infer(url, request().json(halves).build()),
                "[request id: <id_unknown>] input 'INPUT0' for model 'halves': datatype FP16 is"
                        + " not supported in JSON; send it as binary data (binary_data_size)");
        Response binary = infer(url, request().binary(halves).build());
        assertThat(binary.status).isEqualTo(200);
        assertThat(binary.outputs().get("OUTPUT0").toFloats()).containsExactly(1f, 2f);
    }

    @Test
    void byteCountsThatDoNotMatch() {
        Body body = request().json(A).binary(B).build();
        byte[] shortBody = java.util.Arrays.copyOf(body.bytes, body.bytes.length - 4);
        Response response =
                post(
                        simple,
                        shortBody,
                        "Inference-Header-Content-Length",
                        Integer.toString(body.headerLength));
        assertRejected(
                response,
                "Inference request for model 'simple': input 'INPUT1': "
                        + "binary_data_size 64 runs past the end of the body (60 bytes remain)");

        String json =
                "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,16],"
                        + "\"data\":[1,2,3]}]}";
        assertThat(postJson(simple, json).error())
                .startsWith("Inference request for model 'simple': input 'INPUT0'")
                .contains("shape holds 16 elements but data holds 3");

        byte[] extra = java.util.Arrays.copyOf(body.bytes, body.bytes.length + 3);
        assertThat(
                        post(
                                        simple,
                                        extra,
                                        "Inference-Header-Content-Length",
                                        Integer.toString(body.headerLength))
                                .error())
                .contains("3 bytes of binary data follow the last binary input");
    }

    @Test
    void headerLengthBeyondTheBodyOrNotANumber() {
        Body body = request().json(A).json(B).build();
        assertRejected(
                post(
                        simple,
                        body.bytes,
                        "Inference-Header-Content-Length",
                        Integer.toString(body.bytes.length + 1)),
                "Inference request for model 'simple': Inference-Header-Content-Length is "
                        + (body.bytes.length + 1)
                        + " but the body has only "
                        + body.bytes.length
                        + " bytes");
        assertRejected(
                post(simple, body.bytes, "Inference-Header-Content-Length", "-3"),
                "Inference-Header-Content-Length '-3' is not a valid length in bytes");
    }

    @Test
    void bodiesThatAreNotTheProtocol() {
        assertThat(post(simple, "not json".getBytes(UTF_8)).error())
                .startsWith("Inference request for model 'simple': the header is not valid JSON");
        assertThat(postJson(simple, "[1,2]").error())
                .isEqualTo(
                        "Inference request for model 'simple': the header is not a JSON object"
                                + " but array");
        assertThat(
                        postJson(
                                        simple,
                                        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP8\","
                                                + "\"shape\":[1]}]}")
                                .error())
                .contains("input 'INPUT0'")
                .contains("FP8");
    }

    @Test
    void tooLargeBodies() throws Exception {
        Response response = post(simple, new byte[100_001]);
        assertRejected(
                response,
                "Request body of 100001 bytes exceeds this server's limit of"
                        + " 100000 bytes (Triton's --http-max-input-size)");

        byte[] bomb = InferTest.compress(new byte[300_000], "gzip");
        assertThat(bomb.length).isLessThan(100_000);
        assertRejected(
                post(simple, bomb, "Content-Encoding", "gzip"),
                "Request body of more than 100000 bytes exceeds this server's limit of 100000"
                        + " bytes (Triton's --http-max-input-size)");
    }

    private static void assertRejected(Response response, String error) {
        assertThat(response.status).as(response.toString()).isEqualTo(400);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.error()).isEqualTo(error);
    }

    static Tensor ints(String name, long... shape) {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return Tensor.ofInt32s(name, TritonDataType.INT32, shape, new int[(int) count]);
    }
}
