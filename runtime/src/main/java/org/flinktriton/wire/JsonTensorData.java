package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;

/**
 * A tensor's JSON {@code data}, per datatype, both ways: from the raw layout to one flat JSON array
 * ({@link #write}), and from JSON {@code data}, flat or nested, to the raw layout ({@link #toRaw}),
 * checking each element's range and type. Knows nothing of headers or bodies.
 */
final class JsonTensorData {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private JsonTensorData() {}

    /** Writes a tensor's elements as one flat JSON array. */
    static void write(JsonGenerator json, Tensor tensor) throws IOException {
        byte[] buf = tensor.buffer();
        int at = tensor.offset();
        int count = tensor.elementCount();
        json.writeStartArray();
        switch (tensor.datatype()) {
            case BOOL:
                for (int i = 0; i < count; i++) {
                    json.writeBoolean(buf[at + i] != 0);
                }
                break;
            case INT8:
                for (int i = 0; i < count; i++) {
                    json.writeNumber(buf[at + i]);
                }
                break;
            case UINT8:
                for (int i = 0; i < count; i++) {
                    json.writeNumber(buf[at + i] & 0xff);
                }
                break;
            case INT16:
                for (int i = 0; i < count; i++) {
                    json.writeNumber((short) RawLayout.SHORT.get(buf, at + 2 * i));
                }
                break;
            case UINT16:
                for (int i = 0; i < count; i++) {
                    json.writeNumber(((short) RawLayout.SHORT.get(buf, at + 2 * i)) & 0xffff);
                }
                break;
            case INT32:
                for (int i = 0; i < count; i++) {
                    json.writeNumber((int) RawLayout.INT.get(buf, at + 4 * i));
                }
                break;
            case UINT32:
                for (int i = 0; i < count; i++) {
                    json.writeNumber(
                            Integer.toUnsignedLong((int) RawLayout.INT.get(buf, at + 4 * i)));
                }
                break;
            case INT64:
                for (int i = 0; i < count; i++) {
                    json.writeNumber((long) RawLayout.LONG.get(buf, at + 8 * i));
                }
                break;
            case UINT64:
                for (int i = 0; i < count; i++) {
                    long value = (long) RawLayout.LONG.get(buf, at + 8 * i);
                    if (value >= 0) {
                        json.writeNumber(value);
                    } else {
                        json.writeNumber(new BigInteger(Long.toUnsignedString(value)));
                    }
                }
                break;
            case FP16:
                for (int i = 0; i < count; i++) {
                    json.writeNumber(
                            HalfFloats.fromHalf((short) RawLayout.SHORT.get(buf, at + 2 * i)));
                }
                break;
            case BF16:
                for (int i = 0; i < count; i++) {
                    json.writeNumber(
                            HalfFloats.fromBf16((short) RawLayout.SHORT.get(buf, at + 2 * i)));
                }
                break;
            case FP32:
                for (int i = 0; i < count; i++) {
                    json.writeNumber((float) RawLayout.FLOAT.get(buf, at + 4 * i));
                }
                break;
            case FP64:
                for (int i = 0; i < count; i++) {
                    json.writeNumber((double) RawLayout.DOUBLE.get(buf, at + 8 * i));
                }
                break;
            case BYTES:
                for (int i = 0; i < count; i++) {
                    int length = (int) RawLayout.bytesLength(buf, at);
                    json.writeString(new String(buf, at + 4, length, UTF_8));
                    at += 4 + length;
                }
                break;
            default:
                throw new IllegalStateException("Not a wire datatype: " + tensor.datatype());
        }
        json.writeEndArray();
    }

    /**
     * Converts JSON {@code data} (flat or nested, row-major) to the raw layout; with {@code
     * nullIsNaN} a {@code null} element of a floating-point tensor is NaN.
     */
    static byte[] toRaw(
            JsonNode data, TritonDataType datatype, int count, boolean nullIsNaN, String what) {
        if (!data.isArray()) {
            // A single value where one element is expected is how some servers send scalars.
            if (count != 1) {
                throw new TritonProtocolException(
                        what
                                + ": data is "
                                + WireJson.describe(data)
                                + ", not an array of "
                                + count);
            }
        }
        long perElement = datatype == TritonDataType.BYTES ? 16 : datatype.byteSize();
        RawTensorWriter out = new RawTensorWriter((int) Math.min(1 << 20, count * perElement));
        int found = flatten(data, datatype, out, 0, count, nullIsNaN, what);
        if (found != count) {
            throw new TritonProtocolException(
                    what + ": shape holds " + count + " elements but data holds " + found);
        }
        return Arrays.copyOf(out.buffer(), out.position());
    }

    private static int flatten(
            JsonNode node,
            TritonDataType datatype,
            RawTensorWriter out,
            int index,
            int count,
            boolean nullIsNaN,
            String what) {
        if (node.isArray()) {
            for (JsonNode element : node) {
                index = flatten(element, datatype, out, index, count, nullIsNaN, what);
            }
            return index;
        }
        if (index >= count) {
            throw new TritonProtocolException(
                    what + ": data holds more than the " + count + " elements of its shape");
        }
        if (nullIsNaN && node.isNull() && isFloat(datatype)) {
            writeNaN(datatype, out);
        } else {
            writeElement(node, datatype, out, index, what);
        }
        return index + 1;
    }

    private static boolean isFloat(TritonDataType datatype) {
        return datatype == TritonDataType.FP16
                || datatype == TritonDataType.BF16
                || datatype == TritonDataType.FP32
                || datatype == TritonDataType.FP64;
    }

    private static void writeNaN(TritonDataType datatype, RawTensorWriter out) {
        switch (datatype) {
            case FP16:
                out.writeFp16(Float.NaN);
                break;
            case BF16:
                out.writeBf16(Float.NaN);
                break;
            case FP32:
                out.writeFp32(Float.NaN);
                break;
            default:
                out.writeFp64(Double.NaN);
                break;
        }
    }

    private static void writeElement(
            JsonNode node, TritonDataType datatype, RawTensorWriter out, int index, String what) {
        switch (datatype) {
            case BOOL:
                if (node.isBoolean()) {
                    out.writeBool(node.booleanValue());
                } else if (node.isIntegralNumber()
                        && node.canConvertToInt()
                        && (node.intValue() | 1) == 1) {
                    out.writeBool(node.intValue() == 1);
                } else {
                    throw badElement(node, datatype, index, what);
                }
                break;
            case INT8:
                out.writeInt8((byte) integer(node, -128, 127, datatype, index, what));
                break;
            case UINT8:
                out.writeInt8((byte) integer(node, 0, 255, datatype, index, what));
                break;
            case INT16:
                out.writeInt16(
                        (short)
                                integer(
                                        node,
                                        Short.MIN_VALUE,
                                        Short.MAX_VALUE,
                                        datatype,
                                        index,
                                        what));
                break;
            case UINT16:
                out.writeInt16((short) integer(node, 0, 65535, datatype, index, what));
                break;
            case INT32:
                out.writeInt32(
                        (int)
                                integer(
                                        node,
                                        Integer.MIN_VALUE,
                                        Integer.MAX_VALUE,
                                        datatype,
                                        index,
                                        what));
                break;
            case UINT32:
                out.writeInt32((int) integer(node, 0, 0xffff_ffffL, datatype, index, what));
                break;
            case INT64:
                if (!node.isIntegralNumber() || node.bigIntegerValue().bitLength() > 63) {
                    throw badElement(node, datatype, index, what);
                }
                out.writeInt64(node.longValue());
                break;
            case UINT64:
                if (!node.isIntegralNumber()
                        || node.bigIntegerValue().signum() < 0
                        || node.bigIntegerValue().compareTo(TWO_TO_64) >= 0) {
                    throw badElement(node, datatype, index, what);
                }
                out.writeInt64(node.bigIntegerValue().longValue());
                break;
            case FP16:
                out.writeFp16(single(node, datatype, index, what));
                break;
            case BF16:
                out.writeBf16(single(node, datatype, index, what));
                break;
            case FP32:
                out.writeFp32(single(node, datatype, index, what));
                break;
            case FP64:
                out.writeFp64(real(node, datatype, index, what));
                break;
            case BYTES:
                if (!node.isTextual()) {
                    throw badElement(node, datatype, index, what);
                }
                out.writeString(node.textValue());
                break;
            default:
                throw new IllegalStateException("Not a wire datatype: " + datatype);
        }
    }

    private static long integer(
            JsonNode node, long min, long max, TritonDataType datatype, int index, String what) {
        if (!node.isIntegralNumber() || node.bigIntegerValue().bitLength() > 63) {
            throw badElement(node, datatype, index, what);
        }
        long value = node.longValue();
        if (value < min || value > max) {
            throw badElement(node, datatype, index, what);
        }
        return value;
    }

    /** A single-precision value; a finite number beyond float's range is an error, not infinity. */
    private static float single(JsonNode node, TritonDataType datatype, int index, String what) {
        double value = real(node, datatype, index, what);
        float narrowed = (float) value;
        if (Float.isInfinite(narrowed) && !Double.isInfinite(value)) {
            throw badElement(node, datatype, index, what);
        }
        return narrowed;
    }

    private static double real(JsonNode node, TritonDataType datatype, int index, String what) {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "NaN":
                case "nan":
                    return Double.NaN;
                case "Infinity":
                case "inf":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                case "-inf":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw badElement(node, datatype, index, what);
    }

    private static TritonProtocolException badElement(
            JsonNode node, TritonDataType datatype, int index, String what) {
        return new TritonProtocolException(
                what
                        + ": data element "
                        + index
                        + " is "
                        + WireJson.describe(node)
                        + ", not a "
                        + datatype);
    }
}
