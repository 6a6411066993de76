package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.flinktriton.grpc.internal.proto.InferTensorContents;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Typed {@code contents} of every datatype that has a field, read into the raw layout the model
 * sees (narrow integers widened in {@code int_contents}/{@code uint_contents}, BOOL as 0/1, BYTES
 * length-prefixed), and written back as typed contents by a KServe-style model; and how model
 * failures come back over gRPC.
 */
class GrpcContentsTest {
    static TritonTestServer server;
    static ManagedChannel channel;
    static GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() {
        TritonTestServer.Builder builder = TritonTestServer.builder().grpc();
        for (TritonDataType type : TritonDataType.values()) {
            if (type != TritonDataType.AUTO) {
                builder.model(TestModels.identity("identity_" + type, 4, type, 2));
                builder.model(
                        TestModels.identity("kserve_" + type, 4, type, 2).toBuilder()
                                .genericKServe()
                                .build());
            }
        }
        server =
                builder.model(
                                TestModel.builder("broken")
                                        .maxBatchSize(4)
                                        .input("X", TritonDataType.INT32, 1)
                                        .output("Y", TritonDataType.INT32, 1)
                                        .handler(GrpcContentsTest::broken)
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

    /** Two elements of each datatype: typed contents and the raw bytes they stand for. */
    static InferTensorContents contents(TritonDataType type) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        switch (type) {
            case BOOL:
                return contents.addBoolContents(true).addBoolContents(false).build();
            case INT8:
            case INT16:
            case INT32:
                return contents.addIntContents(-1).addIntContents(2).build();
            case UINT8:
                return contents.addUintContents(255).addUintContents(2).build();
            case UINT16:
                return contents.addUintContents(65535).addUintContents(2).build();
            case UINT32:
                return contents.addUintContents(-1).addUintContents(2).build();
            case INT64:
                return contents.addInt64Contents(-1).addInt64Contents(2).build();
            case UINT64:
                return contents.addUint64Contents(-1).addUint64Contents(2).build();
            case FP32:
                return contents.addFp32Contents(-1.5f).addFp32Contents(2).build();
            case FP64:
                return contents.addFp64Contents(-1.5).addFp64Contents(2).build();
            case BYTES:
                return contents.addBytesContents(ByteString.copyFromUtf8("é"))
                        .addBytesContents(ByteString.EMPTY)
                        .build();
            default:
                throw new IllegalArgumentException(type.name());
        }
    }

    static byte[] raw(TritonDataType type) {
        ByteBuffer raw = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case BOOL:
                raw.put((byte) 1).put((byte) 0);
                break;
            case INT8:
            case UINT8:
                raw.put((byte) -1).put((byte) 2);
                break;
            case INT16:
            case UINT16:
                raw.putShort((short) -1).putShort((short) 2);
                break;
            case INT32:
            case UINT32:
                raw.putInt(-1).putInt(2);
                break;
            case INT64:
            case UINT64:
                raw.putLong(-1).putLong(2);
                break;
            case FP32:
                raw.putFloat(-1.5f).putFloat(2);
                break;
            case FP64:
                raw.putDouble(-1.5).putDouble(2);
                break;
            case BYTES:
                raw.putInt(2).put((byte) 0xC3).put((byte) 0xA9).putInt(0);
                break;
            default:
                throw new IllegalArgumentException(type.name());
        }
        byte[] bytes = new byte[raw.position()];
        raw.flip().get(bytes);
        return bytes;
    }

    private static ModelInferRequest typed(String model, TritonDataType type) {
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("INPUT0")
                                .setDatatype(type.name())
                                .addShape(1)
                                .addShape(2)
                                .setContents(contents(type)))
                .build();
    }

    @ParameterizedTest
    @EnumSource(
            value = TritonDataType.class,
            mode = EnumSource.Mode.EXCLUDE,
            names = {"AUTO", "FP16", "BF16"})
    void typedContentsReachTheModelAsTheirRawLayout(TritonDataType type) {
        ModelInferResponse response =
                stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                        .modelInfer(typed("identity_" + type, type));

        assertThat(response.getOutputs(0).getDatatype()).isEqualTo(type.name());
        assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, 2L);
        assertThat(response.getRawOutputContents(0).toByteArray()).isEqualTo(raw(type));
    }

    @ParameterizedTest
    @EnumSource(
            value = TritonDataType.class,
            mode = EnumSource.Mode.EXCLUDE,
            names = {"AUTO", "FP16", "BF16"})
    void aKServeStyleModelAnswersTypedContentsAsSent(TritonDataType type) {
        ModelInferResponse response =
                stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                        .modelInfer(typed("kserve_" + type, type));

        assertThat(response.getRawOutputContentsCount()).isZero();
        assertThat(response.getOutputs(0).getContents()).isEqualTo(contents(type));
    }

    @Test
    void halfFloatsAnswerRawEvenToAKServeStyleTypedRequest() {
        // No typed field carries FP16, so its inputs travel raw and so does the answer.
        ModelInferRequest request =
                ModelInferRequest.newBuilder()
                        .setModelName("kserve_FP16")
                        .addInputs(
                                ModelInferRequest.InferInputTensor.newBuilder()
                                        .setName("INPUT0")
                                        .setDatatype("FP16")
                                        .addShape(1)
                                        .addShape(2))
                        .addRawInputContents(ByteString.copyFrom(new byte[] {0, 60, 0, -64}))
                        .build();
        ModelInferResponse response =
                stub.withDeadlineAfter(20, TimeUnit.SECONDS).modelInfer(request);
        assertThat(response.getRawOutputContents(0).toByteArray()).containsExactly(0, 60, 0, -64);
    }

    @Test
    void typedContentsMustFillTheShape() {
        ModelInferRequest shortContents =
                typed("identity_INT32", TritonDataType.INT32).toBuilder()
                        .setInputs(
                                0,
                                typed("identity_INT32", TritonDataType.INT32)
                                        .getInputs(0)
                                        .toBuilder()
                                        .clearShape()
                                        .addShape(1)
                                        .addShape(3))
                        .build();
        StatusRuntimeException e = failure(shortContents);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription())
                .isEqualTo(
                        "Inference request for model 'identity_INT32': input 'INPUT0'"
                                + " (INT32[1, 3]): the shape holds 3 elements but contents holds 2");
    }

    @Test
    void modelFailuresComeBackAsTritonsStatuses() {
        assertThat(failure(broken(1)).getStatus().getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(failure(broken(1)).getStatus().getDescription())
                .isEqualTo("Model 'broken' rejected the request: no ones");
        assertThat(failure(broken(2)).getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(failure(broken(2)).getStatus().getDescription())
                .isEqualTo("Model 'broken' failed: java.lang.IllegalStateException: no twos");
        assertThat(failure(broken(3)).getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(failure(broken(3)).getStatus().getDescription())
                .contains("returned no output 'Y'");
        assertThat(failure(broken(4)).getStatus().getDescription())
                .isEqualTo("The test server failed: java.lang.AssertionError: no fours");
        assertThat(server.stats().responses(500)).isEqualTo(5);
    }

    private static ModelInferRequest broken(int value) {
        return ModelInferRequest.newBuilder()
                .setModelName("broken")
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("X")
                                .setDatatype("INT32")
                                .addShape(1)
                                .addShape(1)
                                .setContents(
                                        InferTensorContents.newBuilder().addIntContents(value)))
                .build();
    }

    private static List<Tensor> broken(ModelRequest request) {
        switch (request.input("X").toInt32s()[0]) {
            case 1:
                throw new IllegalArgumentException("no ones");
            case 2:
                throw new IllegalStateException("no twos");
            case 3:
                return List.of();
            default:
                throw new AssertionError("no fours");
        }
    }

    private static StatusRuntimeException failure(ModelInferRequest request) {
        try {
            stub.withDeadlineAfter(20, TimeUnit.SECONDS).modelInfer(request);
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("no failure for " + request);
    }
}
