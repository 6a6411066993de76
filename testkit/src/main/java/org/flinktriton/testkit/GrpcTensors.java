package org.flinktriton.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.InferParameter;
import org.flinktriton.grpc.internal.proto.InferTensorContents;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.wire.Tensor;

/**
 * Tensors between the gRPC messages and {@link Tensor}s: request inputs from {@code
 * raw_input_contents} (one entry per input, in input order) or from typed {@code contents}, and
 * response outputs into {@code raw_output_contents} or typed {@code contents}. What breaks the
 * protocol is a 400 {@link HttpError} naming the model and the tensor, with the HTTP face's words
 * where the fault is the same.
 */
final class GrpcTensors {
    private GrpcTensors() {}

    /** The request's input tensors, in request order. */
    static List<Tensor> inputs(ModelInferRequest request, TestModel model) {
        String context = "Inference request for model '" + model.name() + "'";
        int raw = request.getRawInputContentsCount();
        if (raw > 0 && raw != request.getInputsCount()) {
            throw HttpError.badRequest(
                    context
                            + ": raw_input_contents holds "
                            + raw
                            + " entries but the request has "
                            + request.getInputsCount()
                            + " inputs; send one entry per input, in input order, or none");
        }
        List<Tensor> inputs = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor input = request.getInputs(i);
            String what = context + ": input '" + input.getName() + "'";
            TritonDataType datatype = TritonDataType.fromWireName(input.getDatatype());
            if (datatype == null) {
                throw HttpError.badRequest(
                        what
                                + ": datatype '"
                                + input.getDatatype()
                                + "' is not a KServe v2 datatype");
            }
            long[] shape = toLongs(input.getShapeList());
            try {
                if (raw > 0) {
                    if (input.hasContents()) {
                        throw HttpError.badRequest(
                                what
                                        + " has both contents and an entry in raw_input_contents;"
                                        + " send it one way");
                    }
                    inputs.add(
                            Tensor.ofRaw(
                                    input.getName(),
                                    datatype,
                                    shape,
                                    request.getRawInputContents(i).toByteArray()));
                } else {
                    inputs.add(fromContents(input.getName(), datatype, shape, input, what));
                }
            } catch (TritonProtocolException e) {
                throw HttpError.badRequest(context + ": " + e.getMessage());
            }
        }
        return inputs;
    }

    private static Tensor fromContents(
            String name,
            TritonDataType datatype,
            long[] shape,
            ModelInferRequest.InferInputTensor input,
            String what) {
        InferTensorContents contents = input.getContents();
        int count = elementCount(shape, what);
        int found;
        ByteBuffer raw;
        switch (datatype) {
            case BOOL:
                found = contents.getBoolContentsCount();
                raw = buffer(found);
                for (int i = 0; i < found; i++) {
                    raw.put((byte) (contents.getBoolContents(i) ? 1 : 0));
                }
                break;
            case INT8:
            case INT16:
            case INT32:
                found = contents.getIntContentsCount();
                raw = buffer(found * datatype.byteSize());
                for (int i = 0; i < found; i++) {
                    putInt(raw, datatype, contents.getIntContents(i));
                }
                break;
            case UINT8:
            case UINT16:
            case UINT32:
                found = contents.getUintContentsCount();
                raw = buffer(found * datatype.byteSize());
                for (int i = 0; i < found; i++) {
                    putInt(raw, datatype, contents.getUintContents(i));
                }
                break;
            case INT64:
                found = contents.getInt64ContentsCount();
                raw = buffer(found * 8);
                contents.getInt64ContentsList().forEach(raw::putLong);
                break;
            case UINT64:
                found = contents.getUint64ContentsCount();
                raw = buffer(found * 8);
                contents.getUint64ContentsList().forEach(raw::putLong);
                break;
            case FP32:
                found = contents.getFp32ContentsCount();
                raw = buffer(found * 4);
                contents.getFp32ContentsList().forEach(raw::putFloat);
                break;
            case FP64:
                found = contents.getFp64ContentsCount();
                raw = buffer(found * 8);
                contents.getFp64ContentsList().forEach(raw::putDouble);
                break;
            case BYTES:
                found = contents.getBytesContentsCount();
                int size = 0;
                for (ByteString element : contents.getBytesContentsList()) {
                    size += 4 + element.size();
                }
                raw = buffer(size);
                for (ByteString element : contents.getBytesContentsList()) {
                    raw.putInt(element.size());
                    raw.put(element.asReadOnlyByteBuffer());
                }
                break;
            default: // FP16, BF16: no typed field carries them
                throw HttpError.badRequest(
                        what
                                + ": datatype "
                                + datatype
                                + " has no typed contents field; send it in raw_input_contents");
        }
        if (found != count) {
            throw HttpError.badRequest(
                    what
                            + " ("
                            + datatype
                            + Arrays.toString(shape)
                            + "): the shape holds "
                            + count
                            + " elements but contents holds "
                            + found
                            + (found == 0 ? " (no contents and no raw_input_contents)" : ""));
        }
        return Tensor.ofRaw(name, datatype, shape, raw.array());
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void putInt(ByteBuffer raw, TritonDataType datatype, int value) {
        switch (datatype.byteSize()) {
            case 1:
                raw.put((byte) value);
                break;
            case 2:
                raw.putShort((short) value);
                break;
            default:
                raw.putInt(value);
        }
    }

    private static int elementCount(long[] shape, String what) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw HttpError.badRequest(
                        what + ": shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            count = Math.multiplyExact(count, dim);
            if (count > Integer.MAX_VALUE) {
                throw HttpError.badRequest(
                        what + ": shape " + Arrays.toString(shape) + " has too many elements");
            }
        }
        return (int) count;
    }

    /** The request-level parameters as the HTTP face gives them: booleans, numbers, strings. */
    static Map<String, Object> parameters(Map<String, InferParameter> parameters) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, InferParameter> entry : parameters.entrySet()) {
            InferParameter parameter = entry.getValue();
            switch (parameter.getParameterChoiceCase()) {
                case BOOL_PARAM:
                    values.put(entry.getKey(), parameter.getBoolParam());
                    break;
                case INT64_PARAM:
                    values.put(entry.getKey(), parameter.getInt64Param());
                    break;
                case STRING_PARAM:
                    values.put(entry.getKey(), parameter.getStringParam());
                    break;
                case DOUBLE_PARAM:
                    values.put(entry.getKey(), parameter.getDoubleParam());
                    break;
                case UINT64_PARAM:
                    long bits = parameter.getUint64Param();
                    values.put(
                            entry.getKey(),
                            bits >= 0
                                    ? (Object) bits
                                    : new BigInteger(Long.toUnsignedString(bits)));
                    break;
                default:
                    values.put(entry.getKey(), null);
            }
        }
        return values;
    }

    /** One output's description, without its data. */
    static ModelInferResponse.InferOutputTensor.Builder output(Tensor tensor) {
        ModelInferResponse.InferOutputTensor.Builder output =
                ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName(tensor.name())
                        .setDatatype(tensor.datatype().name());
        for (long dim : tensor.shape()) {
            output.addShape(dim);
        }
        return output;
    }

    /** The tensor's elements in raw layout, not copied (a tensor never changes). */
    static ByteString raw(Tensor tensor) {
        return UnsafeByteOperations.unsafeWrap(tensor.data());
    }

    /** The tensor's elements as typed contents, as KServe answers a request sent that way. */
    static InferTensorContents contents(Tensor tensor) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        switch (tensor.datatype()) {
            case BOOL:
                for (boolean value : tensor.toBools()) {
                    contents.addBoolContents(value);
                }
                break;
            case INT8:
            case INT16:
            case INT32:
            case UINT8:
            case UINT16:
            case UINT32:
                ByteBuffer data = tensor.data().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < tensor.elementCount(); i++) {
                    int value = intAt(data, tensor.datatype(), i);
                    if (tensor.datatype().name().startsWith("U")) {
                        contents.addUintContents(value);
                    } else {
                        contents.addIntContents(value);
                    }
                }
                break;
            case INT64:
                for (long value : tensor.toInt64s()) {
                    contents.addInt64Contents(value);
                }
                break;
            case UINT64:
                for (long value : tensor.toInt64s()) {
                    contents.addUint64Contents(value);
                }
                break;
            case FP32:
                for (float value : tensor.toFloats()) {
                    contents.addFp32Contents(value);
                }
                break;
            case FP64:
                for (double value : tensor.toDoubles()) {
                    contents.addFp64Contents(value);
                }
                break;
            case BYTES:
                for (byte[] value : tensor.toByteArrays()) {
                    contents.addBytesContents(ByteString.copyFrom(value));
                }
                break;
            default:
                throw new IllegalArgumentException(
                        tensor.datatype() + " has no typed contents field");
        }
        return contents.build();
    }

    private static int intAt(ByteBuffer data, TritonDataType datatype, int index) {
        switch (datatype) {
            case INT8:
                return data.get(index);
            case UINT8:
                return Byte.toUnsignedInt(data.get(index));
            case INT16:
                return data.getShort(index * 2);
            case UINT16:
                return Short.toUnsignedInt(data.getShort(index * 2));
            default:
                return data.getInt(index * 4);
        }
    }

    /** Whether typed contents can carry this datatype. */
    static boolean hasContentsField(TritonDataType datatype) {
        return datatype != TritonDataType.FP16 && datatype != TritonDataType.BF16;
    }

    static long[] toLongs(List<Long> dims) {
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
        }
        return shape;
    }
}
