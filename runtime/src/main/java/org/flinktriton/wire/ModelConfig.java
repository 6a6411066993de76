package org.flinktriton.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;

/**
 * Triton's model configuration, the answer to {@code GET /v2/models/{m}[/versions/{v}]/config}: the
 * model's {@code max_batch_size} and its inputs and outputs, whose {@code dims} leave out the batch
 * dimension. Immutable; the client reads it, the testkit writes it.
 *
 * <pre>{@code
 * ModelConfig config = ModelConfig.parse(body, "GET /v2/models/add_sub/config");
 * int limit = config.maxBatchSize().orElse(-1);
 * }</pre>
 *
 * <p>Parsing reads only what this model holds and takes the rest in stride: a missing or {@code
 * null} {@code max_batch_size} reads as absent, inputs and outputs without a name are left out, and
 * {@code dims} that are not an array of integers read as empty. A {@code max_batch_size} that is
 * not a whole number of at least 0 is a {@link TritonProtocolException}.
 */
public final class ModelConfig {
    private final String name;
    private final String platform;
    private final Integer maxBatchSize;
    private final List<TensorConfig> inputs;
    private final List<TensorConfig> outputs;
    private final boolean dynamicBatching;
    private final boolean decoupled;

    /**
     * @param name null when the document names no model
     * @param platform null when the document names no platform
     * @param maxBatchSize null when the document states none
     * @param dynamicBatching whether the document has a {@code dynamic_batching} section
     */
    public ModelConfig(
            String name,
            String platform,
            Integer maxBatchSize,
            List<TensorConfig> inputs,
            List<TensorConfig> outputs,
            boolean dynamicBatching) {
        this(name, platform, maxBatchSize, inputs, outputs, dynamicBatching, false);
    }

    /**
     * @param maxBatchSize null when the document states none
     * @param dynamicBatching whether the document has a {@code dynamic_batching} section
     * @param decoupled whether {@code model_transaction_policy.decoupled} is true: the model
     *     answers a request with zero or more responses, only over a stream
     */
    public ModelConfig(
            String name,
            String platform,
            Integer maxBatchSize,
            List<TensorConfig> inputs,
            List<TensorConfig> outputs,
            boolean dynamicBatching,
            boolean decoupled) {
        this.name = name;
        this.platform = platform;
        this.maxBatchSize = maxBatchSize;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.dynamicBatching = dynamicBatching;
        this.decoupled = decoupled;
    }

    /**
     * Parses a configuration document.
     *
     * @param source the request it answers, such as {@code GET /v2/models/m/config}, for messages
     * @throws TritonProtocolException when the body is not a JSON object or {@code max_batch_size}
     *     is not valid
     */
    public static ModelConfig parse(byte[] body, String source) {
        JsonNode json = JsonDocuments.object(body, source);
        Integer maxBatchSize = null;
        JsonNode max = json.get("max_batch_size");
        if (max != null && max.isIntegralNumber() && max.asLong() >= 0) {
            maxBatchSize = (int) Math.min(Integer.MAX_VALUE, max.asLong());
        } else if (max != null && !max.isNull()) {
            throw new TritonProtocolException(source + " has an invalid max_batch_size " + max);
        }
        JsonNode dynamicBatching = json.get("dynamic_batching");
        return new ModelConfig(
                JsonDocuments.text(json.get("name")),
                JsonDocuments.text(json.get("platform")),
                maxBatchSize,
                tensors(json.get("input"), true),
                tensors(json.get("output"), false),
                dynamicBatching != null && dynamicBatching.isObject(),
                decoupled(json.get("model_transaction_policy")));
    }

    private static boolean decoupled(JsonNode policy) {
        if (policy == null || !policy.isObject()) {
            return false;
        }
        JsonNode decoupled = policy.get("decoupled");
        return decoupled != null && decoupled.asBoolean(false);
    }

    private static List<TensorConfig> tensors(JsonNode array, boolean inputs) {
        List<TensorConfig> tensors = new ArrayList<>();
        if (array == null || !array.isArray()) {
            return tensors;
        }
        for (JsonNode node : array) {
            String name = JsonDocuments.text(node.get("name"));
            if (name == null) {
                continue;
            }
            String dataType = JsonDocuments.text(node.get("data_type"));
            JsonNode optional = node.get("optional");
            tensors.add(
                    new TensorConfig(
                            name,
                            dataType == null ? "" : dataType,
                            dims(node.get("dims")),
                            inputs && optional != null && optional.asBoolean(false)));
        }
        return tensors;
    }

    private static long[] dims(JsonNode node) {
        if (node == null || !node.isArray()) {
            return new long[0];
        }
        long[] dims = new long[node.size()];
        for (int d = 0; d < dims.length; d++) {
            if (!node.get(d).isIntegralNumber()) {
                return new long[0];
            }
            dims[d] = node.get(d).asLong();
        }
        return dims;
    }

    /**
     * The document as UTF-8 JSON, with Triton's defaults for the fields this class does not hold
     * (backend, version policy, instance group…), so that it reads like Triton's own.
     */
    public byte[] toJson() {
        return JsonDocuments.write(
                json -> {
                    JsonDocuments.writeOptional(json, "name", name);
                    JsonDocuments.writeOptional(json, "platform", platform);
                    json.writeStringField("backend", "");
                    json.writeObjectFieldStart("version_policy");
                    json.writeObjectFieldStart("latest");
                    json.writeNumberField("num_versions", 1);
                    json.writeEndObject();
                    json.writeEndObject();
                    if (maxBatchSize != null) {
                        json.writeNumberField("max_batch_size", maxBatchSize);
                    }
                    json.writeArrayFieldStart("input");
                    for (TensorConfig input : inputs) {
                        json.writeStartObject();
                        writeNameAndType(json, input);
                        json.writeStringField("format", "FORMAT_NONE");
                        JsonDocuments.writeDims(json, "dims", input.dims);
                        json.writeBooleanField("is_shape_tensor", false);
                        json.writeBooleanField("allow_ragged_batch", false);
                        json.writeBooleanField("optional", input.optional);
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeArrayFieldStart("output");
                    for (TensorConfig output : outputs) {
                        json.writeStartObject();
                        writeNameAndType(json, output);
                        JsonDocuments.writeDims(json, "dims", output.dims);
                        json.writeStringField("label_filename", "");
                        json.writeBooleanField("is_shape_tensor", false);
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeArrayFieldStart("batch_input");
                    json.writeEndArray();
                    json.writeArrayFieldStart("batch_output");
                    json.writeEndArray();
                    if (name != null) {
                        json.writeArrayFieldStart("instance_group");
                        json.writeStartObject();
                        json.writeStringField("name", name + "_0");
                        json.writeStringField("kind", "KIND_CPU");
                        json.writeNumberField("count", 1);
                        json.writeEndObject();
                        json.writeEndArray();
                    }
                    if (dynamicBatching) {
                        json.writeObjectFieldStart("dynamic_batching");
                        json.writeEndObject();
                    }
                    if (decoupled) {
                        json.writeObjectFieldStart("model_transaction_policy");
                        json.writeBooleanField("decoupled", true);
                        json.writeEndObject();
                    }
                });
    }

    private static void writeNameAndType(JsonGenerator json, TensorConfig tensor)
            throws IOException {
        json.writeStringField("name", tensor.name);
        json.writeStringField("data_type", tensor.dataType);
    }

    /** {@code TYPE_FP32} and so on; Triton's configuration calls BYTES {@code TYPE_STRING}. */
    public static String dataType(TritonDataType datatype) {
        return datatype == TritonDataType.BYTES ? "TYPE_STRING" : "TYPE_" + datatype.name();
    }

    /** The model's name; null when the document names none. */
    String name() {
        return name;
    }

    /** The backend platform; null when the document names none. */
    String platform() {
        return platform;
    }

    /** The model's {@code max_batch_size}; empty when the document states none. */
    public OptionalInt maxBatchSize() {
        return maxBatchSize == null ? OptionalInt.empty() : OptionalInt.of(maxBatchSize);
    }

    /** The inputs, in the order the document lists them. */
    public List<TensorConfig> inputs() {
        return inputs;
    }

    List<TensorConfig> outputs() {
        return outputs;
    }

    /** Whether the document has a {@code dynamic_batching} section. */
    boolean dynamicBatching() {
        return dynamicBatching;
    }

    /**
     * Whether the model is decoupled ({@code model_transaction_policy.decoupled}): it may answer a
     * request with zero or more responses, which only a streaming call receives.
     */
    public boolean decoupled() {
        return decoupled;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelConfig)) {
            return false;
        }
        ModelConfig other = (ModelConfig) o;
        return Objects.equals(name, other.name)
                && Objects.equals(platform, other.platform)
                && Objects.equals(maxBatchSize, other.maxBatchSize)
                && inputs.equals(other.inputs)
                && outputs.equals(other.outputs)
                && dynamicBatching == other.dynamicBatching
                && decoupled == other.decoupled;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                name, platform, maxBatchSize, inputs, outputs, dynamicBatching, decoupled);
    }

    @Override
    public String toString() {
        return "ModelConfig{name="
                + name
                + ", maxBatchSize="
                + maxBatchSize
                + ", inputs="
                + inputs
                + ", outputs="
                + outputs
                + (dynamicBatching ? ", dynamic_batching" : "")
                + (decoupled ? ", decoupled" : "")
                + '}';
    }

    /**
     * One input or output of a {@link ModelConfig}: its name, its {@code data_type} as the
     * configuration spells it ({@code TYPE_FP32}), its {@code dims} without the batch dimension,
     * and for an input whether it is {@code optional} (an output never is).
     */
    public static final class TensorConfig {
        private final String name;
        private final String dataType;
        private final long[] dims;
        private final boolean optional;

        /**
         * @param dataType such as {@code TYPE_FP32}; empty when the configuration names none
         */
        public TensorConfig(String name, String dataType, long[] dims, boolean optional) {
            this.name = Objects.requireNonNull(name, "name");
            this.dataType = Objects.requireNonNull(dataType, "dataType");
            this.dims = dims.clone();
            this.optional = optional;
        }

        /** The tensor's name. */
        public String name() {
            return name;
        }

        String dataType() {
            return dataType;
        }

        /** The dims without the batch dimension; a copy. */
        long[] dims() {
            return dims.clone();
        }

        /** Whether the model runs without this input; false for an output. */
        public boolean optional() {
            return optional;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof TensorConfig)) {
                return false;
            }
            TensorConfig other = (TensorConfig) o;
            return name.equals(other.name)
                    && dataType.equals(other.dataType)
                    && Arrays.equals(dims, other.dims)
                    && optional == other.optional;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dataType, Arrays.hashCode(dims), optional);
        }

        @Override
        public String toString() {
            return name
                    + ' '
                    + dataType
                    + Arrays.toString(dims).replace(" ", "")
                    + (optional ? " optional" : "");
        }
    }
}
