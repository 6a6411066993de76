package org.flinktriton.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;

/**
 * Reads one KServe v2 body: parses its JSON header and turns the header's {@code inputs} or {@code
 * outputs} into {@link Tensor}s, which point into the body's binary part or hold the raw layout of
 * their JSON {@code data} (converted by {@link JsonTensorData}). Every fault is a {@link
 * TritonProtocolException} naming the tensor.
 *
 * <p>A response's outputs are streamed, not read into a tree ({@link #outputs}); a request's inputs
 * come from a tree. Both go through one reader of tensors, which reads a tree's tokens too.
 */
final class JsonHeaderReader {
    /**
     * Reads one value in the middle of a document as a tree: the mapper's own {@code readTree}
     * would take what follows the value for trailing tokens.
     */
    private static final ObjectReader VALUE =
            WireJson.MAPPER
                    .readerFor(JsonNode.class)
                    .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonHeaderReader() {}

    /**
     * Parses the JSON header of {@code body}: its first {@code headerLength} bytes, or all of it
     * when {@code headerLength} is negative (no {@code Inference-Header-Content-Length}).
     */
    static JsonNode parse(byte[] body, int headerLength, String context) {
        int length = headerLength(body, headerLength, context);
        JsonNode header;
        try {
            header = WireJson.MAPPER.readTree(body, 0, length);
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
     * The {@code outputs} of a response body, as {@link #tensors(JsonNode, byte[], int, String,
     * String, boolean, boolean) tensors} of {@link #parse parse}'s header would read them (role
     * {@code output}, not strict, null is NaN), but streamed: no tree but each JSON {@code data}.
     *
     * <p>The stream meets a fault earlier than a tree would: a tensor's fault before a syntax error
     * further on, the first of two {@code outputs} before the last one that a tree keeps. So when
     * the stream fails, the tree reads the header again and reports what it always reported.
     */
    static List<Tensor> outputs(byte[] body, int headerLength, String context) {
        List<Tensor> outputs = streamedOutputs(body, headerLength, context);
        if (outputs != null) {
            return outputs;
        }
        return tensors(
                parse(body, headerLength, context).get("outputs"),
                body,
                headerLength < 0 ? body.length : headerLength,
                "output",
                context,
                false,
                true);
    }

    /**
     * {@link #outputs}, streamed alone: null when the stream meets any fault but a header longer
     * than the body.
     */
    static List<Tensor> streamedOutputs(byte[] body, int headerLength, String context) {
        int length = headerLength(body, headerLength, context);
        try (JsonParser p = WireJson.MAPPER.getFactory().createParser(body, 0, length)) {
            return readOutputs(p, body, length, context);
        } catch (IOException | TritonProtocolException e) {
            return null; // the tree reports the header's fault, as it did before the stream
        }
    }

    /**
     * The last {@code outputs} of the header object {@code p} holds, or null when the header is not
     * one object alone (the tree then says what it is).
     */
    private static List<Tensor> readOutputs(
            JsonParser p, byte[] body, int binaryStart, String context) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        List<Tensor> outputs = List.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean isOutputs = "outputs".equals(p.currentName());
            p.nextToken();
            if (isOutputs) {
                outputs = tensors(p, body, binaryStart, "output", context, false, true);
            } else {
                skip(p);
            }
        }
        return p.nextToken() == null ? outputs : null;
    }

    /** The length of {@code body}'s JSON header, checked against the body. */
    private static int headerLength(byte[] body, int headerLength, String context) {
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
        return length;
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
        if (array == null || array.isMissingNode()) {
            return List.of();
        }
        try (JsonParser p = array.traverse(WireJson.MAPPER)) {
            p.nextToken();
            return tensors(p, body, binaryStart, role, context, strict, nullIsNaN);
        } catch (IOException e) {
            throw new UncheckedIOException("A tree's tokens cannot fail to read", e);
        }
    }

    /**
     * {@link #tensors(JsonNode, byte[], int, String, String, boolean, boolean)} of the value {@code
     * p} stands on, which it reads to its end. A tensor's keys may come in any order; the last of a
     * repeated key counts, as in a tree.
     */
    private static List<Tensor> tensors(
            JsonParser p,
            byte[] body,
            int binaryStart,
            String role,
            String context,
            boolean strict,
            boolean nullIsNaN)
            throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new TritonProtocolException(
                    context
                            + ": '"
                            + role
                            + "s' is not an array but "
                            + WireJson.describe(VALUE.readTree(p)));
        }
        List<Tensor> tensors = new ArrayList<>();
        int cursor = binaryStart;
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new TritonProtocolException(
                        context
                                + ": "
                                + role
                                + " #"
                                + i
                                + " is not an object but "
                                + WireJson.describe(VALUE.readTree(p)));
            }
            TensorFields fields = TensorFields.read(p);
            String name = fields.name;
            if (name == null || name.isEmpty()) {
                throw new TritonProtocolException(
                        context + ": " + role + " #" + i + " has no name");
            }
            String what = context + ": " + role + " '" + name + "'";
            TritonDataType datatype = fields.datatype(what);
            long[] shape = fields.shape != null ? fields.shape : shape(fields.shapeNode, what);
            int size = fields.sizeNode != null ? size(fields.sizeNode, what) : fields.size;
            if (size >= 0) {
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
                JsonNode data = fields.data;
                if (data == null) {
                    throw new TritonProtocolException(
                            what + ": has neither 'data' nor a binary_data_size parameter");
                }
                int count;
                try {
                    count = Tensor.elementCount(name, shape);
                } catch (TritonProtocolException e) {
                    throw new TritonProtocolException(context + ": " + e.getMessage(), e);
                }
                byte[] raw = JsonTensorData.toRaw(data, datatype, count, nullIsNaN, what);
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

    /**
     * The keys of one tensor object, read in any order before any is checked. A value of the
     * expected kind is kept plain; any other is kept as a tree, for the message that quotes it.
     */
    private static final class TensorFields {
        /** The name when it is a string, else null. */
        String name;

        /** The datatype when it is a string, else null and {@link #datatypeNode} holds it. */
        String datatypeText;

        JsonNode datatypeNode;

        /** The shape when it is an array of valid dimensions, else null. */
        long[] shape;

        /** The shape as a tree when {@link #shape} is null; null when there is none. */
        JsonNode shapeNode;

        /** The binary_data_size when it is a valid size, else -1. */
        int size = -1;

        /** The binary_data_size as a tree when it is neither a valid size nor null. */
        JsonNode sizeNode;

        /** The data, or null when there is none or it is null. */
        JsonNode data;

        /** Reads the object {@code p} stands on, to its end. */
        static TensorFields read(JsonParser p) throws IOException {
            TensorFields fields = new TensorFields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken token = p.nextToken();
                switch (key) {
                    case "name":
                        fields.name = token == JsonToken.VALUE_STRING ? p.getText() : null;
                        skip(p);
                        break;
                    case "datatype":
                        fields.datatypeText = token == JsonToken.VALUE_STRING ? p.getText() : null;
                        fields.datatypeNode =
                                fields.datatypeText == null ? VALUE.readTree(p) : null;
                        break;
                    case "shape":
                        fields.readShape(p);
                        break;
                    case "parameters":
                        fields.readParameters(p);
                        break;
                    case "data":
                        fields.data = token == JsonToken.VALUE_NULL ? null : VALUE.readTree(p);
                        break;
                    default:
                        skip(p);
                }
            }
            return fields;
        }

        private void readShape(JsonParser p) throws IOException {
            shape = null;
            shapeNode = null;
            if (p.currentToken() != JsonToken.START_ARRAY) {
                shapeNode = VALUE.readTree(p);
                return;
            }
            long[] dims = new long[4];
            int rank = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (!isSize(p)) {
                    // Rebuild the array as a tree, for the message that quotes it.
                    ArrayNode node = WireJson.MAPPER.createArrayNode();
                    for (int d = 0; d < rank; d++) {
                        node.add((int) dims[d]);
                    }
                    do {
                        node.add(VALUE.<JsonNode>readTree(p));
                    } while (p.nextToken() != JsonToken.END_ARRAY);
                    shapeNode = node;
                    return;
                }
                if (rank == dims.length) {
                    dims = Arrays.copyOf(dims, 2 * rank);
                }
                dims[rank++] = p.getIntValue();
            }
            shape = Arrays.copyOf(dims, rank);
        }

        private void readParameters(JsonParser p) throws IOException {
            size = -1;
            sizeNode = null;
            if (p.currentToken() != JsonToken.START_OBJECT) {
                skip(p);
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean sizeKey = "binary_data_size".equals(p.currentName());
                JsonToken token = p.nextToken();
                if (!sizeKey) {
                    skip(p);
                } else if (isSize(p)) {
                    size = p.getIntValue();
                    sizeNode = null;
                } else {
                    size = -1;
                    sizeNode = token == JsonToken.VALUE_NULL ? null : VALUE.readTree(p);
                }
            }
        }

        TritonDataType datatype(String what) {
            return JsonHeaderReader.datatype(
                    datatypeText != null
                            ? WireJson.MAPPER.getNodeFactory().textNode(datatypeText)
                            : datatypeNode,
                    what);
        }
    }

    /**
     * Skips the value {@code p} stands on, like {@link JsonParser#skipChildren}, but decodes its
     * strings as a tree would: skipping alone lets bytes pass that are not valid UTF-8.
     */
    private static void skip(JsonParser p) throws IOException {
        int depth = 0;
        do {
            JsonToken token = p.currentToken();
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            } else if (token == JsonToken.VALUE_STRING) {
                p.getTextLength();
            }
        } while (depth > 0 && p.nextToken() != null);
    }

    /** Whether {@code p} stands on an int that is a valid size or dimension (0 to 2^31 - 1). */
    private static boolean isSize(JsonParser p) throws IOException {
        return p.currentToken() == JsonToken.VALUE_NUMBER_INT
                && p.getNumberType() == JsonParser.NumberType.INT
                && p.getIntValue() >= 0;
    }

    /** A binary_data_size that is not a plain valid int: checked as the tree would. */
    private static int size(JsonNode binarySize, String what) {
        if (!binarySize.isIntegralNumber()
                || binarySize.bigIntegerValue().signum() < 0
                || binarySize.bigIntegerValue().bitLength() > 31) {
            throw new TritonProtocolException(
                    what + ": binary_data_size " + binarySize + " is not a valid size");
        }
        return binarySize.intValue();
    }

    static Tensor checked(
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

    static TritonDataType datatype(JsonNode node, String what) {
        TritonDataType datatype =
                node != null && node.isTextual()
                        ? TritonDataType.fromWireName(node.asText())
                        : null;
        if (datatype == null) {
            throw new TritonProtocolException(
                    what
                            + ": datatype "
                            + WireJson.describe(node)
                            + " is not a KServe v2 datatype");
        }
        return datatype;
    }

    static long[] shape(JsonNode node, String what) {
        if (node == null || !node.isArray()) {
            throw new TritonProtocolException(
                    what + ": shape " + WireJson.describe(node) + " is not an array of dimensions");
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
}
