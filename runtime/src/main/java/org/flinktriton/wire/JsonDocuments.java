package org.flinktriton.wire;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.flinktriton.TritonProtocolException;

/** Reading and writing the small JSON documents of the protocol: model metadata and config. */
final class JsonDocuments {
    /** Jackson's defaults, with which the client has always read these documents. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonDocuments() {}

    /** Writes the fields of one document. */
    interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    /** One JSON object holding {@code fields}, as UTF-8 bytes. */
    static byte[] write(Fields fields) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(512);
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(bytes, JsonEncoding.UTF8)) {
            json.writeStartObject();
            fields.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Parses {@code body}, which must hold a JSON object.
     *
     * @param source the request the document answers, such as {@code GET /v2/models/m}
     */
    static JsonNode object(byte[] body, String source) {
        JsonNode json;
        try {
            json = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new TritonProtocolException("the answer to " + source + " is not JSON", e);
        }
        if (json == null || !json.isObject()) {
            throw new TritonProtocolException("the answer to " + source + " is not a JSON object");
        }
        return json;
    }

    /** A scalar's text; null for a missing node, {@code null}, an array or an object. */
    static String text(JsonNode node) {
        return node == null || node.isNull() || !node.isValueNode() ? null : node.asText();
    }

    /** The scalars of an array, as text; empty for anything else. Nulls are left out. */
    static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        if (array != null && array.isArray()) {
            for (JsonNode element : array) {
                String text = text(element);
                if (text != null) {
                    texts.add(text);
                }
            }
        }
        return texts;
    }

    static void writeDims(JsonGenerator json, String field, long[] dims) throws IOException {
        json.writeArrayFieldStart(field);
        for (long dim : dims) {
            json.writeNumber(dim);
        }
        json.writeEndArray();
    }

    static void writeOptional(JsonGenerator json, String field, String value) throws IOException {
        if (value != null) {
            json.writeStringField(field, value);
        }
    }
}
