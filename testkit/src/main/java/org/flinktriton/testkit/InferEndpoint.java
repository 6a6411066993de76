package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.InferRequestMessage;
import org.flinktriton.wire.InferResponseMessage;
import org.flinktriton.wire.Tensor;

/**
 * Answers {@code POST …/infer}: injects the configured latency and faults, parses and validates the
 * request, refuses a batch with a poison record, runs the model's handler for the time the model
 * costs, and sends the outputs as the request asked for them.
 */
final class InferEndpoint {
    private static final Set<String> FLOATS = Set.of("FP16", "BF16", "FP32", "FP64");

    private final ModelRunner runner;
    private final FaultEngine faults;
    private final ObjectMapper mapper;
    private final ContentCoding coding;
    private final Replies replies;

    InferEndpoint(ModelRunner runner, ObjectMapper mapper, ContentCoding coding, Replies replies) {
        this.runner = runner;
        this.faults = runner.faults();
        this.mapper = mapper;
        this.coding = coding;
        this.replies = replies;
    }

    /** How an answer ended. */
    enum Outcome {
        ANSWERED,
        /** Dropped or truncated on purpose. */
        CUT_SHORT,
        /** Closed without an answer by the reset rate. */
        RESET
    }

    /** Answers one request for {@code model} ({@code version} null when the path has none). */
    Outcome infer(HttpExchange exchange, String modelName, String version)
            throws IOException, InterruptedException {
        byte[] body = coding.readBody(exchange);
        FaultEngine.Before before = runner.arrive();
        switch (before.kind) {
            case DROP:
                return Outcome.CUT_SHORT; // the handler closes the exchange: the socket closes
            case RESET:
                return Outcome.RESET;
            default:
                break;
        }
        TestModel model = runner.readyModel(modelName, version);
        int headerLength = headerLength(exchange.getRequestHeaders());
        InferRequestMessage message;
        try {
            message = InferRequestMessage.parse(body, headerLength);
        } catch (TritonProtocolException e) {
            throw HttpError.badRequest(forModel(e.getMessage(), model));
        }
        ModelRequest request =
                RequestValidator.validate(model, message, body, headerLength, mapper);
        List<Tensor> outputs = runner.run(request);

        boolean[] binary = new boolean[outputs.size()];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = message.wantsBinary(outputs.get(i).name());
        }
        EncodedBody encoded =
                InferResponseMessage.encode(
                        model.name(), model.version(), message.id(), outputs, binary);
        return send(exchange, model, encoded);
    }

    private Outcome send(HttpExchange exchange, TestModel model, EncodedBody encoded)
            throws IOException {
        Headers headers = exchange.getResponseHeaders();
        FaultEngine.After after = faults.afterInfer();
        if (after == FaultEngine.After.MALFORM) {
            byte[] broken =
                    ("{\"model_name\":\"" + model.name() + "\",\"outputs\":[{\"name\":")
                            .getBytes(UTF_8);
            headers.set("Content-Type", EncodedBody.JSON);
            replies.headers(exchange, 200, broken.length);
            exchange.getResponseBody().write(broken);
            return Outcome.ANSWERED;
        }
        int headerLength = encoded.headerLength();
        byte[] bytes = null;
        if (model.nullOptionalFields() || model.nonFiniteAsNull()) {
            bytes = withNulls(encoded, model);
            headerLength += bytes.length - (int) encoded.length();
        }
        boolean chunked = encoded.hasBinary() && model.chunkedBinaryResponses();
        if (encoded.hasBinary()) {
            headers.set(EncodedBody.HEADER_LENGTH, Integer.toString(headerLength));
        }
        if (!chunked) {
            headers.set("Content-Type", encoded.contentType());
        }
        String encoding = coding.responseCoding(exchange.getRequestHeaders());
        if (encoding != null || after == FaultEngine.After.TRUNCATE || bytes != null) {
            if (bytes == null) {
                bytes = encoded.toByteArray();
            }
            if (encoding != null) {
                bytes = ContentCoding.compress(bytes, encoding);
                headers.set("Content-Encoding", encoding);
            }
            if (after == FaultEngine.After.TRUNCATE) {
                // Promise the whole body, send half, and let the handler close the connection.
                replies.headers(exchange, 200, bytes.length);
                exchange.getResponseBody().write(bytes, 0, bytes.length / 2);
                exchange.getResponseBody().flush();
                return Outcome.CUT_SHORT;
            }
            replies.headers(exchange, 200, chunked ? 0 : bytes.length);
            exchange.getResponseBody().write(bytes);
            return Outcome.ANSWERED;
        }
        replies.headers(exchange, 200, chunked ? 0 : encoded.length());
        encoded.writeTo(exchange.getResponseBody());
        return Outcome.ANSWERED;
    }

    /**
     * The response with {@code null} for each optional field it leaves out, and for each non-finite
     * float in JSON data, as the model asks.
     */
    private byte[] withNulls(EncodedBody encoded, TestModel model) throws IOException {
        byte[] all = encoded.toByteArray();
        ObjectNode header = (ObjectNode) mapper.readTree(all, 0, encoded.headerLength());
        if (model.nullOptionalFields()) {
            if (!header.has("id")) {
                header.putNull("id");
            }
            header.putNull("parameters");
            for (JsonNode output : header.path("outputs")) {
                if (!output.has("parameters")) {
                    ((ObjectNode) output).putNull("parameters");
                }
            }
        }
        if (model.nonFiniteAsNull()) {
            for (JsonNode output : header.path("outputs")) {
                if (FLOATS.contains(output.path("datatype").asText())
                        && output.path("data").isArray()) {
                    nonFiniteToNull((ArrayNode) output.get("data"));
                }
            }
        }
        byte[] json = mapper.writeValueAsBytes(header);
        byte[] result = Arrays.copyOf(json, json.length + all.length - encoded.headerLength());
        System.arraycopy(
                all,
                encoded.headerLength(),
                result,
                json.length,
                all.length - encoded.headerLength());
        return result;
    }

    /** Replaces NaN and ±infinity, written as strings or bare, by {@code null}, at any depth. */
    private static void nonFiniteToNull(ArrayNode data) {
        for (int i = 0; i < data.size(); i++) {
            JsonNode element = data.get(i);
            if (element.isArray()) {
                nonFiniteToNull((ArrayNode) element);
            } else if (element.isTextual() || (element.isNumber() && !isFinite(element))) {
                data.setNull(i);
            }
        }
    }

    private static boolean isFinite(JsonNode number) {
        return Double.isFinite(number.doubleValue());
    }

    /** Puts the model into a parse error's opening words, so that every message names it. */
    private static String forModel(String message, TestModel model) {
        String opening = "Inference request";
        if (message.startsWith(opening)) {
            return opening
                    + " for model '"
                    + model.name()
                    + "'"
                    + message.substring(opening.length());
        }
        return "Inference request for model '" + model.name() + "': " + message;
    }

    private static int headerLength(Headers headers) {
        String value = headers.getFirst(EncodedBody.HEADER_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            int length = Integer.parseInt(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpError.badRequest(
                EncodedBody.HEADER_LENGTH + " '" + value + "' is not a valid length in bytes");
    }
}
