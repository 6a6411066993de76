package org.flinktriton.grpc;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.InferTensorContents;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelInferResponse.InferOutputTensor;
import org.flinktriton.grpc.internal.proto.ModelInput;
import org.flinktriton.grpc.internal.proto.ModelMetadataResponse;
import org.flinktriton.grpc.internal.proto.ModelOutput;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.Tensor;
import org.flinktriton.wire.TensorMetadata;

/**
 * Protocol messages to the runtime's documents and tensors: metadata, configuration, and the
 * outputs of an answer, raw ({@code raw_output_contents}, the layout of HTTP's binary extension,
 * read in place without a copy) or typed ({@code contents}, as KServe's server answers a request
 * that was not raw).
 */
final class GrpcTensors {
    /** Stands for "the server has no configuration to give" where a null cannot. */
    static final ModelConfig NO_CONFIG =
            new ModelConfig(null, null, null, List.of(), List.of(), false);

    private GrpcTensors() {}

    static List<TensorMetadata> metadata(List<ModelMetadataResponse.TensorMetadata> tensors) {
        List<TensorMetadata> out = new ArrayList<>(tensors.size());
        for (ModelMetadataResponse.TensorMetadata tensor : tensors) {
            out.add(
                    new TensorMetadata(
                            tensor.getName(),
                            tensor.getDatatype(),
                            toArray(tensor.getShapeList())));
        }
        return out;
    }

    static ModelConfig config(org.flinktriton.grpc.internal.proto.ModelConfig config) {
        List<ModelConfig.TensorConfig> inputs = new ArrayList<>();
        for (ModelInput input : config.getInputList()) {
            inputs.add(
                    new ModelConfig.TensorConfig(
                            input.getName(),
                            input.getDataType().name(),
                            toArray(input.getDimsList()),
                            input.getOptional()));
        }
        List<ModelConfig.TensorConfig> outputs = new ArrayList<>();
        for (ModelOutput output : config.getOutputList()) {
            outputs.add(
                    new ModelConfig.TensorConfig(
                            output.getName(),
                            output.getDataType().name(),
                            toArray(output.getDimsList()),
                            false));
        }
        return new ModelConfig(
                config.getName().isEmpty() ? null : config.getName(),
                config.getPlatform().isEmpty() ? null : config.getPlatform(),
                Math.max(0, config.getMaxBatchSize()),
                inputs,
                outputs,
                config.hasDynamicBatching(),
                config.getModelTransactionPolicy().getDecoupled());
    }

    /** The outputs of an answer, in its order. */
    static List<Tensor> outputs(ModelInferResponse response) {
        int raw = response.getRawOutputContentsCount();
        int count = response.getOutputsCount();
        if (raw != 0 && raw != count) {
            throw new TritonProtocolException(
                    "Response: "
                            + count
                            + " outputs but "
                            + raw
                            + " raw_output_contents; each output needs its own");
        }
        List<Tensor> tensors = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            InferOutputTensor output = response.getOutputs(i);
            String name = output.getName();
            TritonDataType datatype = datatype(output.getDatatype(), name);
            long[] shape = toArray(output.getShapeList());
            if (raw != 0) {
                tensors.add(raw(name, datatype, shape, response.getRawOutputContents(i)));
            } else {
                tensors.add(typed(name, datatype, shape, output.getContents()));
            }
        }
        return tensors;
    }

    /**
     * A tensor over {@code bytes} without copying them: over the array the {@code ByteString} holds
     * (protobuf parses a {@code bytes} field into an array of its own, which nothing writes
     * afterwards), lent through {@link UnsafeByteOperations#unsafeWriteTo} and only ever read; the
     * runtime's {@code TensorReader} then reads the outputs from it as it reads HTTP's body. Only a
     * {@code ByteString} without one array (a rope, or a direct buffer) is copied.
     */
    static Tensor raw(String name, TritonDataType datatype, long[] shape, ByteString bytes) {
        ArrayLender lender = lend(bytes);
        if (lender != null) {
            return Tensor.ofRaw(name, datatype, shape, lender.array, lender.offset, lender.length);
        }
        return Tensor.ofRaw(name, datatype, shape, bytes.toByteArray());
    }

    /** Whether {@link #raw} reads {@code bytes} in place, without a copy. */
    static boolean readInPlace(ByteString bytes) {
        return lend(bytes) != null;
    }

    /** The one array behind {@code bytes}, or null when it has none. */
    private static ArrayLender lend(ByteString bytes) {
        ArrayLender lender = new ArrayLender();
        try {
            UnsafeByteOperations.unsafeWriteTo(bytes, lender);
        } catch (IOException e) {
            return null; // never thrown by the lender
        }
        return lender.parts == 1 && lender.array != null ? lender : null;
    }

    /** Takes note of the array a {@code ByteString} lends it; copies nothing. */
    private static final class ArrayLender extends ByteOutput {
        int parts;
        byte[] array;
        int offset;
        int length;

        @Override
        public void write(byte value) {
            parts++;
            array = null;
        }

        @Override
        public void write(byte[] value, int offset, int length) {
            parts++;
            array = null;
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
            if (++parts == 1) {
                this.array = value;
                this.offset = offset;
                this.length = length;
            }
        }

        @Override
        public void write(ByteBuffer value) {
            parts++;
            array = null;
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            if (++parts == 1 && value.hasArray()) {
                this.array = value.array();
                this.offset = value.arrayOffset() + value.position();
                this.length = value.remaining();
            }
        }
    }

    private static TritonDataType datatype(String wire, String name) {
        TritonDataType datatype;
        try {
            datatype = TritonDataType.fromWireName(wire);
        } catch (RuntimeException e) {
            datatype = null;
        }
        if (datatype == null || datatype == TritonDataType.AUTO) {
            throw new TritonProtocolException(
                    "Response: output '" + name + "' has an unknown datatype '" + wire + "'");
        }
        return datatype;
    }

    /**
     * A tensor from typed {@code contents}; contents that do not fit the output's shape (more or
     * fewer values than its elements) break the protocol.
     */
    private static Tensor typed(
            String name, TritonDataType datatype, long[] shape, InferTensorContents contents) {
        String output = "Response: output '" + name + "' (" + datatype + Arrays.toString(shape);
        long elements = 1;
        for (long dim : shape) {
            elements = dim < 0 ? -1 : elements * dim;
            if (elements < 0) {
                break;
            }
        }
        int values = valueCount(datatype, contents);
        if (values >= 0 && elements >= 0 && values != elements) {
            throw new TritonProtocolException(
                    output
                            + ") has contents that do not fit its shape: "
                            + values
                            + " values for "
                            + elements
                            + " elements");
        }
        try {
            return typedValues(name, datatype, shape, contents);
        } catch (IllegalArgumentException e) {
            throw new TritonProtocolException(
                    output + ") has contents that do not fit it: " + e.getMessage(), e);
        }
    }

    /** How many values {@code contents} holds in the field of {@code datatype}; -1: none. */
    private static int valueCount(TritonDataType datatype, InferTensorContents contents) {
        switch (datatype) {
            case BOOL:
                return contents.getBoolContentsCount();
            case INT8:
            case INT16:
            case INT32:
                return contents.getIntContentsCount();
            case UINT8:
            case UINT16:
            case UINT32:
                return contents.getUintContentsCount();
            case INT64:
                return contents.getInt64ContentsCount();
            case UINT64:
                return contents.getUint64ContentsCount();
            case FP16:
            case BF16:
            case FP32:
                return contents.getFp32ContentsCount();
            case FP64:
                return contents.getFp64ContentsCount();
            case BYTES:
                return contents.getBytesContentsCount();
            default:
                return -1;
        }
    }

    private static Tensor typedValues(
            String name, TritonDataType datatype, long[] shape, InferTensorContents contents) {
        switch (datatype) {
            case BOOL:
                {
                    boolean[] values = new boolean[contents.getBoolContentsCount()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = contents.getBoolContents(i);
                    }
                    return Tensor.ofBools(name, shape, values);
                }
            case INT8:
            case UINT8:
                {
                    List<Integer> ints =
                            signed(datatype)
                                    ? contents.getIntContentsList()
                                    : contents.getUintContentsList();
                    byte[] values = new byte[ints.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (byte) (int) ints.get(i);
                    }
                    return Tensor.ofInt8s(name, datatype, shape, values);
                }
            case INT16:
            case UINT16:
                {
                    List<Integer> ints =
                            signed(datatype)
                                    ? contents.getIntContentsList()
                                    : contents.getUintContentsList();
                    short[] values = new short[ints.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (short) (int) ints.get(i);
                    }
                    return Tensor.ofInt16s(name, datatype, shape, values);
                }
            case INT32:
            case UINT32:
                {
                    List<Integer> ints =
                            signed(datatype)
                                    ? contents.getIntContentsList()
                                    : contents.getUintContentsList();
                    int[] values = new int[ints.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = ints.get(i);
                    }
                    return Tensor.ofInt32s(name, datatype, shape, values);
                }
            case INT64:
            case UINT64:
                {
                    List<Long> longs =
                            datatype == TritonDataType.INT64
                                    ? contents.getInt64ContentsList()
                                    : contents.getUint64ContentsList();
                    return Tensor.ofInt64s(name, datatype, shape, toArray(longs));
                }
            case FP16:
            case BF16:
            case FP32:
                {
                    float[] values = new float[contents.getFp32ContentsCount()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = contents.getFp32Contents(i);
                    }
                    return Tensor.ofFloats(name, datatype, shape, values);
                }
            case FP64:
                {
                    double[] values = new double[contents.getFp64ContentsCount()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = contents.getFp64Contents(i);
                    }
                    return Tensor.ofDoubles(name, shape, values);
                }
            case BYTES:
                {
                    byte[][] values = new byte[contents.getBytesContentsCount()][];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = contents.getBytesContents(i).toByteArray();
                    }
                    return Tensor.ofByteArrays(name, shape, values);
                }
            default:
                throw new TritonProtocolException(
                        "Response: output '"
                                + name
                                + "' has datatype "
                                + datatype
                                + " in contents");
        }
    }

    private static boolean signed(TritonDataType datatype) {
        return datatype == TritonDataType.INT8
                || datatype == TritonDataType.INT16
                || datatype == TritonDataType.INT32;
    }

    private static long[] toArray(List<Long> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
