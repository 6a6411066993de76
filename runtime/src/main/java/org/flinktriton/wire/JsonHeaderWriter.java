package org.flinktriton.wire;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one KServe v2 body: the caller writes the JSON header's fields through {@link #json()},
 * and {@link #tensors} writes a list of tensors, each carrying either {@code data} (converted by
 * {@link JsonTensorData}) or {@code binary_data_size}, whose raw bytes then follow the header.
 */
final class JsonHeaderWriter {

    private final ByteArrayBuilder header = new ByteArrayBuilder(512);
    private final JsonGenerator json;
    private final List<EncodedBody.Segment> segments = new ArrayList<>();

    JsonHeaderWriter() {
        try {
            json = WireJson.MAPPER.getFactory().createGenerator(header, JsonEncoding.UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonGenerator json() {
        return json;
    }

    /**
     * Writes {@code "field": [tensors...]}; a tensor whose {@code binary} flag is set gets {@code
     * binary_data_size} and its bytes follow the header, the others carry {@code data}.
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
                JsonTensorData.write(json, tensor);
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
