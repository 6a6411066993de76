package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.DataType;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.flinktriton.grpc.internal.proto.InferTensorContents;
import org.flinktriton.grpc.internal.proto.ModelConfig;
import org.flinktriton.grpc.internal.proto.ModelConfigRequest;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelMetadataRequest;
import org.flinktriton.grpc.internal.proto.ModelMetadataResponse;
import org.flinktriton.grpc.internal.proto.ModelReadyRequest;
import org.flinktriton.grpc.internal.proto.ServerLiveRequest;
import org.flinktriton.grpc.internal.proto.ServerMetadataRequest;
import org.flinktriton.grpc.internal.proto.ServerReadyRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gRPC face over real loopback gRPC, with grpc-java's generated blocking stub as the client:
 * health, metadata and config, inference with raw and typed contents, validation errors with the
 * HTTP face's messages.
 */
class GrpcFaceTest {
    static TritonTestServer server;
    static ManagedChannel channel;
    static GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .grpc()
                        .model(TestModels.simple())
                        .model(TestModels.identity("identity_bytes", 4, TritonDataType.BYTES, -1))
                        .model(TestModels.identity("identity_fp16", 4, TritonDataType.FP16, -1))
                        .model(TestModels.everyDatatype("echo_unbatched", 0, 2))
                        .model(
                                TestModels.addSub("kserve", TritonDataType.FP32, 4, 8).toBuilder()
                                        .genericKServe()
                                        .build())
                        .start();
        channel = GrpcClients.plaintext(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    @AfterEach
    void reset() {
        server.setReady(true);
        server.stats().reset();
    }

    private static GRPCInferenceServiceBlockingStub stub() {
        return stub.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    @Test
    void endpointNamesTheGrpcPort() {
        assertThat(server.grpcEndpoint()).isEqualTo("grpc://127.0.0.1:" + server.grpcPort());
        assertThat(server.grpcPort()).isNotEqualTo(server.port());
        assertThat(server.hasGrpc()).isTrue();
    }

    @Test
    void healthFollowsReadiness() {
        assertThat(stub().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        assertThat(stub().modelReady(ModelReadyRequest.newBuilder().setName("simple").build()))
                .extracting(r -> r.getReady())
                .isEqualTo(true);
        server.setReady(false);
        assertThat(stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
                .isFalse();
        assertThat(
                        stub().modelReady(ModelReadyRequest.newBuilder().setName("simple").build())
                                .getReady())
                .isFalse();
        server.setReady(true);
        server.setModelReady("simple", false);
        try {
            assertThat(
                            stub().modelReady(
                                            ModelReadyRequest.newBuilder()
                                                    .setName("simple")
                                                    .build())
                                    .getReady())
                    .isFalse();
        } finally {
            server.setModelReady("simple", true);
        }
        assertThat(
                        stub().modelReady(ModelReadyRequest.newBuilder().setName("nope").build())
                                .getReady())
                .isFalse();
        assertThat(stub().serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName())
                .isEqualTo("flink-triton-testkit");
    }

    @Test
    void metadataHasTheBatchDimension() {
        ModelMetadataResponse metadata =
                stub().modelMetadata(ModelMetadataRequest.newBuilder().setName("simple").build());
        assertThat(metadata.getName()).isEqualTo("simple");
        assertThat(metadata.getVersionsList()).containsExactly("1");
        assertThat(metadata.getInputsList())
                .extracting(t -> t.getName() + ":" + t.getDatatype() + t.getShapeList())
                .containsExactly("INPUT0:INT32[-1, 16]", "INPUT1:INT32[-1, 16]");
        assertThat(metadata.getOutputsList())
                .extracting(t -> t.getName() + ":" + t.getDatatype() + t.getShapeList())
                .containsExactly("OUTPUT0:INT32[-1, 16]", "OUTPUT1:INT32[-1, 16]");

        StatusRuntimeException unknown =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub().modelMetadata(
                                                ModelMetadataRequest.newBuilder()
                                                        .setName("nope")
                                                        .build()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getStatus().getDescription())
                .isEqualTo("Request for unknown model: 'nope' is not found");
    }

    @Test
    void configHasDimsWithoutTheBatchDimension() {
        ModelConfig config =
                stub().modelConfig(ModelConfigRequest.newBuilder().setName("simple").build())
                        .getConfig();
        assertThat(config.getName()).isEqualTo("simple");
        assertThat(config.getMaxBatchSize()).isEqualTo(8);
        assertThat(config.getInputList())
                .extracting(t -> t.getName() + ":" + t.getDataType() + t.getDimsList())
                .containsExactly("INPUT0:TYPE_INT32[16]", "INPUT1:TYPE_INT32[16]");
        assertThat(config.getOutput(0).getDataType()).isEqualTo(DataType.TYPE_INT32);
        assertThat(config.hasDynamicBatching()).isTrue();
        assertThat(config.hasModelTransactionPolicy()).isTrue();
        assertThat(config.getModelTransactionPolicy().getDecoupled()).isFalse();

        ModelConfig unbatched =
                stub().modelConfig(
                                ModelConfigRequest.newBuilder().setName("echo_unbatched").build())
                        .getConfig();
        assertThat(unbatched.getMaxBatchSize()).isZero();
        assertThat(unbatched.hasDynamicBatching()).isFalse();
        assertThat(unbatched.getInputList())
                .extracting(t -> t.getName() + ":" + t.getDataType())
                .contains("BYTES:TYPE_STRING", "BF16:TYPE_BF16");
    }

    @Test
    void kserveStyleModelHasNoConfig() {
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub().modelConfig(
                                                ModelConfigRequest.newBuilder()
                                                        .setName("kserve")
                                                        .build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void infersFromRawContents() {
        ModelInferResponse response = stub().modelInfer(simpleRaw(2, 0, "req-1").build());

        assertThat(response.getModelName()).isEqualTo("simple");
        assertThat(response.getModelVersion()).isEqualTo("1");
        assertThat(response.getId()).isEqualTo("req-1");
        assertThat(response.getOutputsList())
                .extracting(t -> t.getName() + ":" + t.getDatatype() + t.getShapeList())
                .containsExactly("OUTPUT0:INT32[2, 16]", "OUTPUT1:INT32[2, 16]");
        assertThat(response.getRawOutputContentsCount()).isEqualTo(2);
        int[] sum = ints(response.getRawOutputContents(0));
        int[] difference = ints(response.getRawOutputContents(1));
        assertThat(sum).hasSize(32);
        for (int i = 0; i < 32; i++) {
            assertThat(sum[i]).isEqualTo(i + 1);
            assertThat(difference[i]).isEqualTo(i - 1);
        }
        assertThat(server.stats().inferRequests("simple")).isEqualTo(1);
        assertThat(server.stats().batchSizes("simple")).containsExactly(2);
        assertThat(server.stats().responses(200)).isEqualTo(1);
    }

    @Test
    void infersFromTypedContents() {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("simple");
        for (String name : List.of("INPUT0", "INPUT1")) {
            InferTensorContents.Builder contents = InferTensorContents.newBuilder();
            for (int i = 0; i < 16; i++) {
                contents.addIntContents(name.equals("INPUT0") ? i : 1);
            }
            request.addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                            .setName(name)
                            .setDatatype("INT32")
                            .addShape(1)
                            .addShape(16)
                            .setContents(contents));
        }
        ModelInferResponse response = stub().modelInfer(request.build());

        // Triton answers raw whatever the request used.
        assertThat(response.getRawOutputContentsCount()).isEqualTo(2);
        assertThat(ints(response.getRawOutputContents(0))[15]).isEqualTo(16);
    }

    @Test
    void kserveStyleModelAnswersTypedContentsToTypedRequests() {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("kserve");
        for (String name : List.of("INPUT0", "INPUT1")) {
            request.addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                            .setName(name)
                            .setDatatype("FP32")
                            .addShape(1)
                            .addShape(4)
                            .setContents(
                                    InferTensorContents.newBuilder()
                                            .addFp32Contents(1)
                                            .addFp32Contents(2)
                                            .addFp32Contents(3)
                                            .addFp32Contents(4)));
        }
        ModelInferResponse typed = stub().modelInfer(request.build());
        assertThat(typed.getRawOutputContentsCount()).isZero();
        assertThat(typed.getOutputs(0).getContents().getFp32ContentsList())
                .containsExactly(2f, 4f, 6f, 8f);

        ByteBuffer raw = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        raw.putFloat(1).putFloat(2).putFloat(3).putFloat(4);
        ModelInferRequest.Builder rawRequest = request.clone();
        for (int i = 0; i < 2; i++) {
            rawRequest.setInputs(i, rawRequest.getInputs(i).toBuilder().clearContents());
            rawRequest.addRawInputContents(ByteString.copyFrom(raw.array()));
        }
        ModelInferResponse answeredRaw = stub().modelInfer(rawRequest.build());
        assertThat(answeredRaw.getRawOutputContentsCount()).isEqualTo(2);
        assertThat(answeredRaw.getOutputs(0).hasContents()).isFalse();
    }

    @Test
    void bytesTravelRawAndTyped() {
        String[] texts = {"héllo", "", "gRPC"};
        ByteBuffer raw = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (String text : texts) {
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            raw.putInt(utf8.length).put(utf8);
        }
        ModelInferRequest.InferInputTensor input =
                ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("INPUT0")
                        .setDatatype("BYTES")
                        .addShape(1)
                        .addShape(3)
                        .build();
        ModelInferResponse fromRaw =
                stub().modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("identity_bytes")
                                        .addInputs(input)
                                        .addRawInputContents(
                                                ByteString.copyFrom(raw.array(), 0, raw.position()))
                                        .build());
        assertThat(fromRaw.getRawOutputContents(0).toByteArray())
                .isEqualTo(java.util.Arrays.copyOf(raw.array(), raw.position()));

        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (String text : texts) {
            contents.addBytesContents(ByteString.copyFromUtf8(text));
        }
        ModelInferResponse fromTyped =
                stub().modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("identity_bytes")
                                        .addInputs(input.toBuilder().setContents(contents))
                                        .build());
        assertThat(fromTyped.getRawOutputContents(0)).isEqualTo(fromRaw.getRawOutputContents(0));
    }

    @Test
    void answersOnlyTheRequestedOutputs() {
        ModelInferResponse response =
                stub().modelInfer(
                                simpleRaw(1, 0, "")
                                        .addOutputs(
                                                ModelInferRequest.InferRequestedOutputTensor
                                                        .newBuilder()
                                                        .setName("OUTPUT1"))
                                        .build());
        assertThat(response.getOutputsList())
                .extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("OUTPUT1");
        assertThat(response.getRawOutputContentsCount()).isEqualTo(1);
        assertThat(ints(response.getRawOutputContents(0))[3]).isEqualTo(2);
    }

    @Test
    void validationErrorsAreInvalidArgumentWithTheHttpMessages() {
        assertThat(failure(simpleRaw(9, 0, "").build()))
                .isEqualTo(
                        "INVALID_ARGUMENT: [request id: <id_unknown>] inference request"
                                + " batch-size must be <= 8 for 'simple', got 9 in input"
                                + " 'INPUT0'");
        ModelInferRequest wrongType =
                simpleRaw(1, 0, "r")
                        .setInputs(
                                1,
                                simpleRaw(1, 0, "r").getInputs(1).toBuilder().setDatatype("FP32"))
                        .build();
        assertThat(failure(wrongType))
                .isEqualTo(
                        "INVALID_ARGUMENT: [request id: r] inference input 'INPUT1' data-type is"
                                + " 'FP32', but model 'simple' expects 'INT32'");
        ModelInferRequest missing = simpleRaw(1, 0, "").removeInputs(1).build();
        assertThat(failure(missing))
                .startsWith(
                        "INVALID_ARGUMENT: Inference request for model 'simple':"
                                + " raw_input_contents holds 2 entries")
                .contains("1 inputs");
        ModelInferRequest.Builder oneInput = simpleRaw(1, 0, "").removeInputs(1);
        ModelInferRequest missingBoth =
                oneInput.clearRawInputContents()
                        .addRawInputContents(simpleRaw(1, 0, "").getRawInputContents(0))
                        .build();
        assertThat(failure(missingBoth))
                .contains("expected 2 inputs but got 1 inputs for model 'simple'")
                .contains("missing required input(s) ['INPUT1']");
        ModelInferRequest shortBytes =
                simpleRaw(1, 0, "")
                        .setRawInputContents(0, ByteString.copyFrom(new byte[10]))
                        .build();
        assertThat(failure(shortBytes))
                .startsWith("INVALID_ARGUMENT: Inference request for model 'simple': ")
                .contains("'INPUT0'", "expected 64 bytes", "found 10");
        ModelInferRequest unknownOutput =
                simpleRaw(1, 0, "")
                        .addOutputs(
                                ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                        .setName("OUTPUT9"))
                        .build();
        assertThat(failure(unknownOutput)).contains("unexpected inference output 'OUTPUT9'");
        assertThat(failure(simpleRaw(1, 0, "").setModelName("nope").build()))
                .isEqualTo("NOT_FOUND: Request for unknown model: 'nope' is not found");
        assertThat(server.stats().responses(400)).isEqualTo(6);
        assertThat(server.stats().responses(404)).isEqualTo(1);
    }

    @Test
    void halfFloatsHaveNoTypedContents() {
        ModelInferRequest request =
                ModelInferRequest.newBuilder()
                        .setModelName("identity_fp16")
                        .addInputs(
                                ModelInferRequest.InferInputTensor.newBuilder()
                                        .setName("INPUT0")
                                        .setDatatype("FP16")
                                        .addShape(1)
                                        .addShape(1)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addFp32Contents(1)))
                        .build();
        assertThat(failure(request))
                .isEqualTo(
                        "INVALID_ARGUMENT: Inference request for model 'identity_fp16': input 'INPUT0':"
                                + " datatype FP16 has no typed contents field; send it in"
                                + " raw_input_contents");
    }

    @Test
    void unreadyModelIsUnavailable() {
        server.setModelReady("simple", false);
        try {
            assertThat(failure(simpleRaw(1, 0, "").build()))
                    .isEqualTo("UNAVAILABLE: Model 'simple' is not ready");
        } finally {
            server.setModelReady("simple", true);
        }
    }

    static String failure(ModelInferRequest request) {
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class, () -> stub().modelInfer(request));
        assertThat(e).as("a failure").isNotNull();
        return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }

    /** A request to {@code simple}: INPUT0 counts up from {@code start}, INPUT1 is all ones. */
    static ModelInferRequest.Builder simpleRaw(int batch, int start, String id) {
        ModelInferRequest.Builder request =
                ModelInferRequest.newBuilder().setModelName("simple").setId(id);
        ByteBuffer input0 = ByteBuffer.allocate(batch * 64).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer input1 = ByteBuffer.allocate(batch * 64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < batch * 16; i++) {
            input0.putInt(start + i);
            input1.putInt(1);
        }
        for (String name : List.of("INPUT0", "INPUT1")) {
            request.addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                            .setName(name)
                            .setDatatype("INT32")
                            .addShape(batch)
                            .addShape(16));
        }
        return request.addRawInputContents(ByteString.copyFrom(input0.array()))
                .addRawInputContents(ByteString.copyFrom(input1.array()));
    }

    static int[] ints(ByteString raw) {
        ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int[] values = new int[buffer.remaining() / 4];
        buffer.asIntBuffer().get(values);
        return values;
    }
}
