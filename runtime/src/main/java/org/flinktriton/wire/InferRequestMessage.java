package org.flinktriton.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flinktriton.TritonProtocolException;

/**
 * A parsed KServe v2 inference request, as a server sees it: the request id and parameters, the
 * input tensors (JSON {@code data} and binary ones alike) and the outputs asked for. The testkit
 * server is built on it.
 *
 * <pre>{@code
 * InferRequestMessage request = InferRequestMessage.parse(body, headerLength);
 * Tensor input0 = request.input("INPUT0");
 * }</pre>
 */
public final class InferRequestMessage {
    private final String id;
    private final Map<String, Object> parameters;
    private final List<Tensor> inputs;
    private final List<RequestedOutput> outputs;

    private InferRequestMessage(
            String id,
            Map<String, Object> parameters,
            List<Tensor> inputs,
            List<RequestedOutput> outputs) {
        this.id = id;
        this.parameters = parameters;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /**
     * Parses a request body.
     *
     * @param headerLength the {@code Inference-Header-Content-Length}, or -1 when the request had
     *     none (then the whole body is JSON)
     * @throws TritonProtocolException when the body breaks the protocol: not JSON, a datatype or
     *     shape that is not valid, a byte count that does not match, data left over
     */
    public static InferRequestMessage parse(byte[] body, int headerLength) {
        String context = "Inference request";
        JsonNode header = JsonHeaderReader.parse(body, headerLength, context);
        JsonNode idNode = header.get("id");
        String id = idNode == null || idNode.isNull() ? null : idNode.asText();
        Map<String, Object> parameters = parameters(header.get("parameters"), context);
        JsonNode inputsNode = header.get("inputs");
        if (inputsNode == null || !inputsNode.isArray()) {
            throw new TritonProtocolException(context + ": 'inputs' is missing or not an array");
        }
        int binaryStart = headerLength < 0 ? body.length : headerLength;
        List<Tensor> inputs =
                JsonHeaderReader.tensors(
                        inputsNode, body, binaryStart, "input", context, true, false);
        List<RequestedOutput> outputs = new ArrayList<>();
        JsonNode outputsNode = header.get("outputs");
        if (outputsNode != null && !outputsNode.isNull()) {
            if (!outputsNode.isArray()) {
                throw new TritonProtocolException(context + ": 'outputs' is not an array");
            }
            for (JsonNode output : outputsNode) {
                JsonNode name = output.get("name");
                if (name == null || !name.isTextual() || name.asText().isEmpty()) {
                    throw new TritonProtocolException(context + ": a requested output has no name");
                }
                Map<String, Object> outputParameters =
                        parameters(output.get("parameters"), context + ": output " + name);
                Object binary = outputParameters.get("binary_data");
                outputs.add(
                        new RequestedOutput(
                                name.asText(),
                                binary instanceof Boolean ? (Boolean) binary : null));
            }
        }
        return new InferRequestMessage(
                id,
                Collections.unmodifiableMap(parameters),
                List.copyOf(inputs),
                Collections.unmodifiableList(outputs));
    }

    private static Map<String, Object> parameters(JsonNode node, String context) {
        if (node == null || node.isNull()) {
            return new LinkedHashMap<>();
        }
        if (!node.isObject()) {
            throw new TritonProtocolException(context + ": 'parameters' is not an object");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            values.put(
                    field.getKey(), WireJson.MAPPER.convertValue(field.getValue(), Object.class));
        }
        return values;
    }

    /** The request's {@code id}, or null. */
    public String id() {
        return id;
    }

    /** The request-level {@code parameters} (numbers, strings, booleans); empty when none. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** The input tensors in request order. */
    public List<Tensor> inputs() {
        return inputs;
    }

    /** The input of that name, or null. */
    public Tensor input(String name) {
        for (Tensor input : inputs) {
            if (input.name().equals(name)) {
                return input;
            }
        }
        return null;
    }

    /** The outputs asked for, in request order; empty means "all outputs". */
    public List<RequestedOutput> outputs() {
        return outputs;
    }

    /**
     * Whether output {@code name} should be sent binary: its own {@code binary_data} parameter when
     * it has one, else the request's {@code binary_data_output}.
     */
    public boolean wantsBinary(String name) {
        for (RequestedOutput output : outputs) {
            if (output.name().equals(name) && output.binaryData() != null) {
                return output.binaryData();
            }
        }
        return Boolean.TRUE.equals(parameters.get("binary_data_output"));
    }

    /** One entry of a request's {@code outputs}. */
    public static final class RequestedOutput {
        private final String name;
        private final Boolean binaryData;

        RequestedOutput(String name, Boolean binaryData) {
            this.name = name;
            this.binaryData = binaryData;
        }

        public String name() {
            return name;
        }

        /** Its {@code binary_data} parameter, or null when it has none. */
        public Boolean binaryData() {
            return binaryData;
        }
    }
}
