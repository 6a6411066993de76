package org.flinktriton.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;

/**
 * {@link JsonHeaderReader} as it was before it streamed: the whole header read into a tree, then
 * walked. Its walk is kept verbatim as the reference that the streaming reader must match, tensor
 * for tensor and message for message; the parse and the per-value checks it shares with the reader
 * are the reader's own.
 */
final class TreeHeaderReader {
    private TreeHeaderReader() {}

    /** {@link ResponseDecoder#outputs} as it was: the outputs of the parsed header. */
    static List<Tensor> outputs(byte[] body, int headerLength) {
        String context = "Response";
        JsonNode header = JsonHeaderReader.parse(body, headerLength, context);
        int binaryStart = headerLength < 0 ? body.length : headerLength;
        return tensors(header.get("outputs"), body, binaryStart, "output", context, false, true);
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
                    context + ": '" + role + "s' is not an array but " + WireJson.describe(array));
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
                                + WireJson.describe(node));
            }
            JsonNode nameNode = node.get("name");
            if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isEmpty()) {
                throw new TritonProtocolException(
                        context + ": " + role + " #" + i + " has no name");
            }
            String name = nameNode.asText();
            String what = context + ": " + role + " '" + name + "'";
            TritonDataType datatype = JsonHeaderReader.datatype(node.get("datatype"), what);
            long[] shape = JsonHeaderReader.shape(node.get("shape"), what);
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
                tensors.add(
                        JsonHeaderReader.checked(name, datatype, shape, body, cursor, size, what));
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
                byte[] raw = JsonTensorData.toRaw(data, datatype, count, nullIsNaN, what);
                tensors.add(
                        JsonHeaderReader.checked(name, datatype, shape, raw, 0, raw.length, what));
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
}
