package org.flinktriton.codec;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.flinktriton.wire.EncodedBody;

/**
 * Turns a request body into the response of a model that returns every input unchanged as an output
 * of the same name: the same tensors, under {@code outputs}, binary ones in the same raw bytes.
 * Lets tests round-trip values through encoder and decoder without a server.
 */
final class EchoServer {
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private EchoServer() {}

    /** A response body and its {@code Inference-Header-Content-Length} (-1 when all JSON). */
    record Response(byte[] body, int headerLength) {}

    static Response echo(EncodedBody request) {
        byte[] body = request.toByteArray();
        int headerLength = request.hasBinary() ? request.headerLength() : body.length;
        try {
            ObjectNode header = (ObjectNode) JSON.readTree(body, 0, headerLength);
            ObjectNode response = JSON.createObjectNode();
            response.put("model_name", "echo");
            response.set("outputs", header.get("inputs"));
            byte[] json = JSON.writeValueAsBytes(response);
            byte[] all = new byte[json.length + body.length - headerLength];
            System.arraycopy(json, 0, all, 0, json.length);
            System.arraycopy(body, headerLength, all, json.length, body.length - headerLength);
            return new Response(all, request.hasBinary() ? json.length : -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
