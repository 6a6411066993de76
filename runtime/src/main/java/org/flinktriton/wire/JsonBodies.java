package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;

/**
 * The JSON half of a KServe v2 body: writing a header whose tensors carry either {@code data} or
 * {@code binary_data_size}, and reading one back into {@link Tensor}s that point into the body.
 */
final class JsonBodies {
    /** Shared, thread-safe; NaN and infinities read both quoted and bare. */
    static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private JsonBodies() {}

    // ---- writing -----------------------------------------------------------------------------

    /** Builds one body: the caller writes header fields through {@link #json()}. */
    static final class Writer {
        private final ByteArrayBuilder header = new ByteArrayBuilder(512);
        private final JsonGenerator json;
        private final List<EncodedBody.Segment> segments = new ArrayList<>();

        Writer() {
            try {
                json = MAPPER.getFactory().createGenerator(header, JsonEncoding.UTF8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        JsonGenerator json() {
            return json;
        }

        /**
         * Writes {@code "field": [tensors...]}; a tensor whose {@code binary} flag is set gets
         * {@code binary_data_size} and its bytes follow the header, the others carry {@code data}.
         */
        void tensors(String field, List<Tensor> tensors, boolean[] binary) throws IOException {
            json.writeArrayFieldStart(field);
            for (int i = 0; i < tensors.size(); i++) {
                Tensor tensor = tensors.get(i);
                json.writeStartObject();
                json.writeStringField("name", tensor.name());
                json.writeStringField("datatype", tensor.datatype().name());
                json.writeArrayFieldStart("shape");
                for (long dim : tensor.shape()) {
                    json.writeNumber(dim);
                }
                json.writeEndArray();
                if (binary[i]) {
                    json.writeObjectFieldStart("parameters");
                    json.writeNumberField("binary_data_size", tensor.byteLength());
                    json.writeEndObject();
                    segments.add(
                            new EncodedBody.Segment(
                                    tensor.buffer(), tensor.offset(), tensor.byteLength()));
                } else {
                    json.writeFieldName("data");
                    writeData(json, tensor);
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        }

        EncodedBody finish() throws IOException {
            json.close();
            return new EncodedBody(header.toByteArray(), segments);
        }
    }

    /** Writes a tensor's elements as one flat JSON array. */
    static void writeData(JsonGenerator json, Tensor tensor) throws IOException {
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

    // ---- reading -----------------------------------------------------------------------------

    /**
     * Parses the JSON header of {@code body}: its first {@code headerLength} bytes, or all of it
     * when {@code headerLength} is negative (no {@code Inference-Header-Content-Length}).
     */
    static JsonNode header(byte[] body, int headerLength, String context) {
        int length = headerLength < 0 ? body.length : headerLength;
        if (length > body.length) {
            throw new TritonProtocolException(
                    context
                            + ": "
                            + EncodedBody.HEADER_LENGTH
                            + " is "
                            + length
                            + " but the body has only "
                            + body.length
                            + " bytes");
        }
        JsonNode header;
        try {
            header = MAPPER.readTree(body, 0, length);
        } catch (JsonProcessingException e) {
            throw new TritonProtocolException(
                    context + ": the header is not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new TritonProtocolException(
                    context + ": the header cannot be read (" + e.getMessage() + ")", e);
        }
        if (header == null || !header.isObject()) {
            throw new TritonProtocolException(
                    context
                            + ": the header is not a JSON object but "
                            + (header == null || header.isMissingNode()
                                    ? "empty"
                                    : header.getNodeType().name().toLowerCase()));
        }
        return header;
    }

    /**
     * Reads the tensors of {@code array} (a header's {@code inputs} or {@code outputs}). Binary
     * tensors take consecutive runs of {@code body} from {@code binaryStart}, in the order they
     * appear. With {@code strict}, bytes left over after the last binary tensor are an error. With
     * {@code nullIsNaN}, a JSON {@code null} in a floating-point tensor reads as NaN: KServe's
     * Python server writes every non-finite value so.
     */
    static List<Tensor> tensors(
            JsonNode array,
            byte[] body,
            int binaryStart,
            String role,
            String context,
            boolean strict,
            boolean nullIsNaN) {
        if (array == null || array.isNull() || array.isMissingNode()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new TritonProtocolException(
                    context + ": '" + role + "s' is not an array but " + describe(array));
        }
        List<Tensor> tensors = new ArrayList<>(array.size());
        int cursor = binaryStart;
        for (int i = 0; i < array.size(); i++) {
            JsonNode node = array.get(i);
            if (!node.isObject()) {
                throw new TritonProtocolException(
                        context
                                + ": "
                                + role
                                + " #"
                                + i
                                + " is not an object but "
                                + describe(node));
            }
            JsonNode nameNode = node.get("name");
            if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isEmpty()) {
                throw new TritonProtocolException(
                        context + ": " + role + " #" + i + " has no name");
            }
            String name = nameNode.asText();
            String what = context + ": " + role + " '" + name + "'";
            TritonDataType datatype = datatype(node.get("datatype"), what);
            long[] shape = shape(node.get("shape"), what);
            JsonNode parameters = node.get("parameters");
            JsonNode binarySize =
                    parameters != null && parameters.isObject()
                            ? parameters.get("binary_data_size")
                            : null;
            if (binarySize != null && !binarySize.isNull()) {
                if (!binarySize.isIntegralNumber()
                        || binarySize.bigIntegerValue().signum() < 0
                        || binarySize.bigIntegerValue().bitLength() > 31) {
                    throw new TritonProtocolException(
                            what + ": binary_data_size " + binarySize + " is not a valid size");
                }
                int size = binarySize.intValue();
                if (size > body.length - cursor) {
                    throw new TritonProtocolException(
                            what
                                    + ": binary_data_size "
                                    + size
                                    + " runs past the end of the body ("
                                    + Math.max(0, body.length - cursor)
                                    + " bytes remain)");
                }
                tensors.add(checked(name, datatype, shape, body, cursor, size, what));
                cursor += size;
            } else {
                JsonNode data = node.get("data");
                if (data == null || data.isNull()) {
                    throw new TritonProtocolException(
                            what + ": has neither 'data' nor a binary_data_size parameter");
                }
                int count;
                try {
                    count = Tensor.elementCount(name, shape);
                } catch (TritonProtocolException e) {
                    throw new TritonProtocolException(context + ": " + e.getMessage(), e);
                }
                byte[] raw = dataToRaw(data, datatype, count, nullIsNaN, what);
                tensors.add(checked(name, datatype, shape, raw, 0, raw.length, what));
            }
        }
        if (strict && cursor != body.length) {
            throw new TritonProtocolException(
                    context
                            + ": "
                            + (body.length - cursor)
                            + " bytes of binary data follow the last binary "
                            + role
                            + " and belong to none");
        }
        return tensors;
    }

    private static Tensor checked(
            String name,
            TritonDataType datatype,
            long[] shape,
            byte[] buf,
            int offset,
            int length,
            String what) {
        try {
            return Tensor.ofRaw(name, datatype, shape, buf, offset, length);
        } catch (TritonProtocolException e) {
            throw new TritonProtocolException(what + ": " + e.getMessage(), e);
        }
    }

    private static TritonDataType datatype(JsonNode node, String what) {
        TritonDataType datatype =
                node != null && node.isTextual()
                        ? TritonDataType.fromWireName(node.asText())
                        : null;
        if (datatype == null) {
            throw new TritonProtocolException(
                    what + ": datatype " + describe(node) + " is not a KServe v2 datatype");
        }
        return datatype;
    }

    private static long[] shape(JsonNode node, String what) {
        if (node == null || !node.isArray()) {
            throw new TritonProtocolException(
                    what + ": shape " + describe(node) + " is not an array of dimensions");
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = node.get(i);
            if (!dim.isIntegralNumber()
                    || dim.bigIntegerValue().signum() < 0
                    || dim.bigIntegerValue().bitLength() > 31) {
                throw new TritonProtocolException(
                        what + ": shape " + node + " has an invalid dimension " + dim);
            }
            shape[i] = dim.longValue();
        }
        return shape;
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "(missing)";
        }
        String text = node.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    /**
     * Converts JSON {@code data} (flat or nested, row-major) to the raw layout; with {@code
     * nullIsNaN} a {@code null} element of a floating-point tensor is NaN.
     */
    static byte[] dataToRaw(
            JsonNode data, TritonDataType datatype, int count, boolean nullIsNaN, String what) {
        if (!data.isArray()) {
            // A single value where one element is expected is how some servers send scalars.
            if (count != 1) {
                throw new TritonProtocolException(
                        what + ": data is " + describe(data) + ", not an array of " + count);
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
                what + ": data element " + index + " is " + describe(node) + ", not a " + datatype);
    }
}
