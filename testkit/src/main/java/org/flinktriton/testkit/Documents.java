package org.flinktriton.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.ModelMetadata;
import org.flinktriton.wire.TensorMetadata;

/**
 * The JSON documents of the GET paths: server metadata, repository index, model metadata, config.
 */
final class Documents {
    private final ModelRegistry registry;
    private final ObjectMapper mapper;

    Documents(ModelRegistry registry, ObjectMapper mapper) {
        this.registry = registry;
        this.mapper = mapper;
    }

    byte[] serverMetadata() throws JsonProcessingException {
        ObjectNode json = mapper.createObjectNode();
        json.put("name", "flink-triton-testkit");
        json.put("version", TritonTestServer.VERSION);
        json.putArray("extensions")
                .add("binary_tensor_data")
                .add("model_configuration")
                .add("model_repository");
        return mapper.writeValueAsBytes(json);
    }

    byte[] repositoryIndex() throws JsonProcessingException {
        ArrayNode index = mapper.createArrayNode();
        for (TestModel model : registry.models()) {
            ObjectNode entry = index.addObject();
            entry.put("name", model.name());
            entry.put("version", model.version());
            entry.put("state", registry.isModelReady(model.name()) ? "READY" : "UNAVAILABLE");
        }
        return mapper.writeValueAsBytes(index);
    }

    /**
     * KServe v2 model metadata: shapes with the batch dimension as -1 when the model batches; for a
     * model with {@link TestModel#nullOptionalFields()}, {@code null} versions and parameters.
     */
    byte[] metadata(TestModel model) throws IOException {
        ModelMetadata metadata =
                new ModelMetadata(
                        model.name(),
                        List.of(model.version()),
                        model.platform(),
                        tensorMetadata(model, model.inputs()),
                        tensorMetadata(model, model.outputs()));
        if (!model.nullOptionalFields()) {
            return metadata.toJson();
        }
        ObjectNode json = (ObjectNode) mapper.readTree(metadata.toJson());
        json.putNull("versions");
        for (JsonNode tensor : json.path("inputs")) {
            ((ObjectNode) tensor).putNull("parameters");
        }
        for (JsonNode tensor : json.path("outputs")) {
            ((ObjectNode) tensor).putNull("parameters");
        }
        return mapper.writeValueAsBytes(json);
    }

    private static List<TensorMetadata> tensorMetadata(TestModel model, List<TensorSpec> specs) {
        List<TensorMetadata> tensors = new ArrayList<>();
        for (TensorSpec spec : specs) {
            LongStream dims = Arrays.stream(spec.shape()).asLongStream();
            long[] shape =
                    (model.isBatched() ? LongStream.concat(LongStream.of(-1), dims) : dims)
                            .toArray();
            tensors.add(new TensorMetadata(spec.name(), spec.datatype().name(), shape));
        }
        return tensors;
    }

    /** Triton's model configuration: {@code dims} without the batch dimension. */
    byte[] config(TestModel model) {
        return new ModelConfig(
                        model.name(),
                        model.platform(),
                        model.maxBatchSize(),
                        tensorConfig(model.inputs()),
                        tensorConfig(model.outputs()),
                        model.isBatched(),
                        model.isDecoupled())
                .toJson();
    }

    private static List<ModelConfig.TensorConfig> tensorConfig(List<TensorSpec> specs) {
        List<ModelConfig.TensorConfig> tensors = new ArrayList<>();
        for (TensorSpec spec : specs) {
            tensors.add(
                    new ModelConfig.TensorConfig(
                            spec.name(),
                            ModelConfig.dataType(spec.datatype()),
                            Arrays.stream(spec.shape()).asLongStream().toArray(),
                            false));
        }
        return tensors;
    }
}
