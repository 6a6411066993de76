package org.flinktriton.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.flinktriton.TritonProtocolException;

/**
 * KServe v2 model metadata, the answer to {@code GET /v2/models/{m}[/versions/{v}]}: the model's
 * name, versions, platform, inputs and outputs. A tensor's shape includes the batch dimension as
 * {@code -1} when the model batches. Immutable; the client reads it, the testkit writes it.
 *
 * <pre>{@code
 * ModelMetadata metadata = ModelMetadata.parse(body, "GET /v2/models/add_sub");
 * byte[] json = metadata.toJson();
 * }</pre>
 *
 * <p>Parsing takes any server's document in stride: a missing or {@code null} name, platform,
 * versions, inputs or outputs reads as absent, a tensor without a datatype has an empty one and a
 * tensor without a shape has rank 0. A tensor without a name, a shape that is not an array of
 * dimensions of at least -1, or inputs or outputs that are not an array are {@link
 * TritonProtocolException}s.
 */
public final class ModelMetadata {
    private final String name;
    private final List<String> versions;
    private final String platform;
    private final List<TensorMetadata> inputs;
    private final List<TensorMetadata> outputs;

    /**
     * @param name null when the document names no model
     * @param platform null when the document names no platform
     */
    public ModelMetadata(
            String name,
            List<String> versions,
            String platform,
            List<TensorMetadata> inputs,
            List<TensorMetadata> outputs) {
        this.name = name;
        this.versions = List.copyOf(versions);
        this.platform = platform;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /**
     * Parses a metadata document.
     *
     * @param source the request it answers, such as {@code GET /v2/models/m}, for messages
     * @throws TritonProtocolException when the body is not a JSON object or a tensor is broken
     */
    public static ModelMetadata parse(byte[] body, String source) {
        JsonNode json = JsonDocuments.object(body, source);
        return new ModelMetadata(
                JsonDocuments.text(json.get("name")),
                JsonDocuments.texts(json.get("versions")),
                JsonDocuments.text(json.get("platform")),
                tensors(json.get("inputs"), "input", source),
                tensors(json.get("outputs"), "output", source));
    }

    private static List<TensorMetadata> tensors(JsonNode array, String role, String source) {
        List<TensorMetadata> tensors = new ArrayList<>();
        if (array == null || array.isNull()) {
            return tensors;
        }
        if (!array.isArray()) {
            throw new TritonProtocolException(source + " has '" + role + "s' that is not an array");
        }
        for (JsonNode node : array) {
            String name = node.isObject() ? JsonDocuments.text(node.get("name")) : null;
            if (name == null || name.isEmpty()) {
                throw new TritonProtocolException(source + " lists an " + role + " without a name");
            }
            String datatype = JsonDocuments.text(node.get("datatype"));
            String what = source + ": " + role + " '" + name + "'";
            tensors.add(
                    new TensorMetadata(
                            name,
                            datatype == null ? "" : datatype,
                            shape(node.get("shape"), what)));
        }
        return tensors;
    }

    private static long[] shape(JsonNode node, String what) {
        if (node == null || node.isNull()) {
            return new long[0];
        }
        if (!node.isArray()) {
            throw new TritonProtocolException(what + " has a shape that is not an array: " + node);
        }
        long[] shape = new long[node.size()];
        for (int d = 0; d < shape.length; d++) {
            JsonNode dim = node.get(d);
            if (!dim.isIntegralNumber() || dim.asLong() < -1) {
                throw new TritonProtocolException(what + " has an invalid shape " + node);
            }
            shape[d] = dim.asLong();
        }
        return shape;
    }

    /** The document as UTF-8 JSON: name, versions, platform, inputs, outputs. */
    public byte[] toJson() {
        return JsonDocuments.write(
                json -> {
                    JsonDocuments.writeOptional(json, "name", name);
                    json.writeArrayFieldStart("versions");
                    for (String version : versions) {
                        json.writeString(version);
                    }
                    json.writeEndArray();
                    JsonDocuments.writeOptional(json, "platform", platform);
                    writeTensors(json, "inputs", inputs);
                    writeTensors(json, "outputs", outputs);
                });
    }

    private static void writeTensors(JsonGenerator json, String field, List<TensorMetadata> tensors)
            throws IOException {
        json.writeArrayFieldStart(field);
        for (TensorMetadata tensor : tensors) {
            json.writeStartObject();
            json.writeStringField("name", tensor.name());
            json.writeStringField("datatype", tensor.datatype());
            JsonDocuments.writeDims(json, "shape", tensor.shape());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /** The model's name; null when the document names none. */
    public String name() {
        return name;
    }

    /** The versions the document lists; empty when it lists none. */
    public List<String> versions() {
        return versions;
    }

    /**
     * The backend platform, such as {@code onnxruntime_onnx}; null when the document names none.
     */
    public String platform() {
        return platform;
    }

    /** The inputs, in the order the document lists them. */
    public List<TensorMetadata> inputs() {
        return inputs;
    }

    /** The outputs, in the order the document lists them. */
    public List<TensorMetadata> outputs() {
        return outputs;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelMetadata)) {
            return false;
        }
        ModelMetadata other = (ModelMetadata) o;
        return Objects.equals(name, other.name)
                && versions.equals(other.versions)
                && Objects.equals(platform, other.platform)
                && inputs.equals(other.inputs)
                && outputs.equals(other.outputs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, versions, platform, inputs, outputs);
    }

    @Override
    public String toString() {
        return "ModelMetadata{name="
                + name
                + ", versions="
                + versions
                + ", platform="
                + platform
                + ", inputs="
                + inputs
                + ", outputs="
                + outputs
                + '}';
    }
}
