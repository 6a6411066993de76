package org.flinktriton.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.InferTensorContents;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelInferResponse.InferOutputTensor;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Answers as servers send them: raw (Triton) or typed contents (KServe), and broken ones. */
class GrpcTensorsTest {
    private static InferOutputTensor.Builder output(String name, String datatype, long... shape) {
        InferOutputTensor.Builder output =
                InferOutputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long dim : shape) {
            output.addShape(dim);
        }
        return output;
    }

    @Test
    void readsTypedContentsOfEveryFamily() {
        ModelInferResponse response =
                ModelInferResponse.newBuilder()
                        .addOutputs(
                                output("B", "BOOL", 2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addBoolContents(true)
                                                        .addBoolContents(false)))
                        .addOutputs(
                                output("U8", "UINT8", 2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addUintContents(255)
                                                        .addUintContents(1)))
                        .addOutputs(
                                output("I32", "INT32", 2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addIntContents(-7)
                                                        .addIntContents(Integer.MAX_VALUE)))
                        .addOutputs(
                                output("I64", "INT64", 1)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addInt64Contents(Long.MIN_VALUE)))
                        .addOutputs(
                                output("F", "FP32", 2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addFp32Contents(1.5f)
                                                        .addFp32Contents(-2f)))
                        .addOutputs(
                                output("D", "FP64", 1)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addFp64Contents(Math.PI)))
                        .addOutputs(
                                output("S", "BYTES", 1)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addBytesContents(
                                                                ByteString.copyFromUtf8("héllo"))))
                        .build();

        List<Tensor> tensors = GrpcTensors.outputs(response);

        assertThat(tensors)
                .extracting(Tensor::name)
                .containsExactly("B", "U8", "I32", "I64", "F", "D", "S");
        assertThat(tensors.get(0).toBools()).containsExactly(true, false);
        assertThat(tensors.get(1).datatype()).isEqualTo(TritonDataType.UINT8);
        assertThat(tensors.get(1).rawBytes()).containsExactly((byte) 0xff, (byte) 1);
        assertThat(tensors.get(2).toInt32s()).containsExactly(-7, Integer.MAX_VALUE);
        assertThat(tensors.get(3).toInt64s()).containsExactly(Long.MIN_VALUE);
        assertThat(tensors.get(4).toFloats()).containsExactly(1.5f, -2f);
        assertThat(tensors.get(5).toDoubles()).containsExactly(Math.PI);
        assertThat(tensors.get(6).toStrings()).containsExactly("héllo");
    }

    @Test
    void readsRawContentsInOutputOrder() {
        ModelInferResponse response =
                ModelInferResponse.newBuilder()
                        .addOutputs(output("S", "BYTES", 1))
                        .addOutputs(output("I", "INT32", 1))
                        .addRawOutputContents(
                                ByteString.copyFrom(new byte[] {2, 0, 0, 0, 'o', 'k'}))
                        .addRawOutputContents(ByteString.copyFrom(new byte[] {5, 0, 0, 0}))
                        .build();

        List<Tensor> tensors = GrpcTensors.outputs(response);

        assertThat(tensors.get(0).toStrings()).containsExactly("ok");
        assertThat(tensors.get(1).toInt32s()).containsExactly(5);
    }

    @Test
    void aBrokenAnswerNamesTheOutput() {
        ModelInferResponse short4 =
                ModelInferResponse.newBuilder()
                        .addOutputs(output("OUT", "FP32", 2))
                        .addRawOutputContents(ByteString.copyFrom(new byte[4]))
                        .build();
        assertThatThrownBy(() -> GrpcTensors.outputs(short4))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("OUT");

        ModelInferResponse missingRaw =
                ModelInferResponse.newBuilder()
                        .addOutputs(output("A", "FP32", 1))
                        .addOutputs(output("B", "FP32", 1))
                        .addRawOutputContents(ByteString.copyFrom(new byte[4]))
                        .build();
        assertThatThrownBy(() -> GrpcTensors.outputs(missingRaw))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("raw_output_contents");

        ModelInferResponse unknownType =
                ModelInferResponse.newBuilder()
                        .addOutputs(output("X", "FP128", 1))
                        .addRawOutputContents(ByteString.copyFrom(new byte[16]))
                        .build();
        assertThatThrownBy(() -> GrpcTensors.outputs(unknownType))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("'X'")
                .hasMessageContaining("FP128");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void typedContentsThatDoNotFitTheShapeAreAProtocolErrorNamingTheOutput(int values) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (int i = 0; i < values; i++) {
            contents.addFp32Contents(i).addBytesContents(ByteString.copyFromUtf8("x"));
        }
        for (String datatype : List.of("FP32", "BYTES")) {
            ModelInferResponse response =
                    ModelInferResponse.newBuilder()
                            .addOutputs(output("OUT", datatype, 2).setContents(contents))
                            .build();
            assertThatThrownBy(() -> GrpcTensors.outputs(response))
                    .as(datatype)
                    .isInstanceOf(TritonProtocolException.class)
                    .hasMessageStartingWith("Response: output 'OUT' (" + datatype + "[2])")
                    .hasMessageContaining(
                            "contents that do not fit its shape: " + values + " values for 2");
        }
    }

    @Test
    void readsTheConfigsLimitAndWhetherTheModelIsDecoupled() {
        org.flinktriton.wire.ModelConfig config =
                GrpcTensors.config(
                        org.flinktriton.grpc.internal.proto.ModelConfig.newBuilder()
                                .setName("m")
                                .setMaxBatchSize(8)
                                .setModelTransactionPolicy(
                                        org.flinktriton.grpc.internal.proto.ModelTransactionPolicy
                                                .newBuilder()
                                                .setDecoupled(true))
                                .build());
        assertThat(config.maxBatchSize()).hasValue(8);
        assertThat(config.decoupled()).isTrue();
    }

    @Test
    void rawOutputsAreReadInPlaceWithoutACopy() {
        byte[] wire = new byte[4 * 1024];
        ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 1.5f);
        ModelInferResponse response =
                ModelInferResponse.newBuilder()
                        .addOutputs(output("OUT", "FP32", 1024))
                        .addRawOutputContents(UnsafeByteOperations.unsafeWrap(wire))
                        .build();

        Tensor tensor = GrpcTensors.outputs(response).get(0);
        assertThat(tensor.toFloats()[0]).isEqualTo(1.5f);

        // The tensor reads the answer's own bytes: a copy would still say 1.5.
        ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, -3f);
        assertThat(tensor.toFloats()[0]).isEqualTo(-3f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 6 << 20}) // below and above grpc-java's 4 MiB parse buffer
    void answersAsGrpcJavaParsesThemAreReadInPlace(int bytes) throws Exception {
        ModelInferResponse sent =
                ModelInferResponse.newBuilder()
                        .addOutputs(output("OUT", "UINT8", bytes))
                        .addRawOutputContents(ByteString.copyFrom(new byte[bytes]))
                        .build();
        byte[] frame = sent.toByteArray();

        ModelInferResponse parsed =
                GRPCInferenceServiceGrpc.getModelInferMethod()
                        .parseResponse(new KnownLengthStream(frame));

        assertThat(GrpcTensors.readInPlace(parsed.getRawOutputContents(0))).isTrue();
        assertThat(GrpcTensors.outputs(parsed).get(0).byteLength()).isEqualTo(bytes);
    }

    @Test
    void aByteStringOfManyPiecesIsCopiedWhole() {
        byte[] first = new byte[200]; // large enough that concat keeps two pieces
        byte[] second = new byte[200];
        first[0] = 1;
        second[199] = 2;
        ByteString rope = ByteString.copyFrom(first).concat(ByteString.copyFrom(second));

        assertThat(GrpcTensors.readInPlace(rope)).isFalse();
        byte[] read = GrpcTensors.raw("R", TritonDataType.UINT8, new long[] {400}, rope).toInt8s();
        assertThat(read[0]).isEqualTo((byte) 1);
        assertThat(read[399]).isEqualTo((byte) 2);
    }

    /** A body as grpc-java hands it to a marshaller: a stream that knows its length. */
    private static final class KnownLengthStream extends ByteArrayInputStream
            implements KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }
}
