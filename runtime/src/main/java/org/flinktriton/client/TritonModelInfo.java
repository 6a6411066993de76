package org.flinktriton.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.ModelMetadata;
import org.flinktriton.wire.TensorMetadata;

/**
 * What a server says about one model: its metadata ({@code GET /v2/models/{m}}) and, where the
 * server has Triton's {@code …/config} endpoint, the {@code max_batch_size} of its configuration.
 * Immutable; a {@link TritonModelClient} fetches it once and keeps it.
 *
 * <pre>{@code
 * TritonModelInfo info = client.modelInfo().join();
 * if (info.batched()) { ... info.input("INPUT0").get().shape() ... }   // [-1, 16]
 * }</pre>
 */
public final class TritonModelInfo {
    private final String name;
    private final List<String> versions;
    private final String platform;
    private final List<Tensor> inputs;
    private final List<Tensor> outputs;
    private final int maxBatchSize;
    private final boolean fromConfig;
    private final Set<String> optionalInputs;
    private final boolean decoupled;

    private TritonModelInfo(
            String name,
            List<String> versions,
            String platform,
            List<Tensor> inputs,
            List<Tensor> outputs,
            int maxBatchSize,
            boolean fromConfig,
            Set<String> optionalInputs,
            boolean decoupled) {
        this.name = name;
        this.versions = List.copyOf(versions);
        this.platform = platform;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.maxBatchSize = maxBatchSize;
        this.fromConfig = fromConfig;
        this.optionalInputs = Set.copyOf(optionalInputs);
        this.decoupled = decoupled;
    }

    /**
     * What the server says about {@code model}.
     *
     * @param config null when the server has no {@code …/config} endpoint
     */
    static TritonModelInfo of(String model, ModelMetadata metadata, ModelConfig config) {
        OptionalInt configMax = config == null ? OptionalInt.empty() : config.maxBatchSize();
        Set<String> optional = new HashSet<>();
        if (config != null) {
            for (ModelConfig.TensorConfig input : config.inputs()) {
                if (input.optional()) {
                    optional.add(input.name());
                }
            }
        }
        int maxBatchSize;
        if (configMax.isPresent()) {
            maxBatchSize = configMax.getAsInt();
        } else {
            boolean batched = !metadata.inputs().isEmpty();
            for (TensorMetadata input : metadata.inputs()) {
                batched &= input.rank() > 0 && input.dim(0) == -1;
            }
            maxBatchSize = batched ? -1 : 0;
        }
        return new TritonModelInfo(
                metadata.name() == null ? model : metadata.name(),
                metadata.versions(),
                metadata.platform(),
                tensors(metadata.inputs()),
                tensors(metadata.outputs()),
                maxBatchSize,
                configMax.isPresent(),
                optional,
                config != null && config.decoupled());
    }

    private static List<Tensor> tensors(List<TensorMetadata> metadata) {
        List<Tensor> tensors = new ArrayList<>(metadata.size());
        for (TensorMetadata tensor : metadata) {
            tensors.add(new Tensor(tensor));
        }
        return tensors;
    }

    /** The model's name as the server reports it. */
    public String name() {
        return name;
    }

    /** The versions the server lists; empty when it lists none. */
    public List<String> versions() {
        return versions;
    }

    /** The backend platform, such as {@code onnxruntime_onnx}, when the server names one. */
    public Optional<String> platform() {
        return Optional.ofNullable(platform);
    }

    /** The model's inputs; each shape includes the batch dimension ({@code -1}) when batched. */
    public List<Tensor> inputs() {
        return inputs;
    }

    /** The model's outputs; each shape includes the batch dimension ({@code -1}) when batched. */
    public List<Tensor> outputs() {
        return outputs;
    }

    /** The input called {@code name}, if the model has one. */
    public Optional<Tensor> input(String name) {
        return find(inputs, name);
    }

    /** The output called {@code name}, if the model has one. */
    public Optional<Tensor> output(String name) {
        return find(outputs, name);
    }

    /**
     * The model's {@code max_batch_size}: from the model configuration when the server has Triton's
     * {@code …/config} endpoint; otherwise 0 when the metadata shapes carry no batch dimension and
     * -1 when every input's shape starts with {@code -1} (the model batches, its limit is unknown).
     */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** Whether the model takes a batch dimension, that is, {@link #maxBatchSize()} is not 0. */
    public boolean batched() {
        return maxBatchSize != 0;
    }

    /** Whether {@link #maxBatchSize()} came from the server's model configuration. */
    public boolean hasConfig() {
        return fromConfig;
    }

    /**
     * Whether the model configuration says the model is decoupled ({@code
     * model_transaction_policy.decoupled}): it answers over a stream only, and a unary infer call
     * fails (Triton answers gRPC's {@code UNIMPLEMENTED}). False without a configuration.
     */
    public boolean decoupled() {
        return decoupled;
    }

    /** Inputs the configuration marks {@code optional}; empty without a configuration. */
    Set<String> optionalInputs() {
        return optionalInputs;
    }

    private static Optional<Tensor> find(List<Tensor> tensors, String name) {
        for (Tensor tensor : tensors) {
            if (tensor.name().equals(name)) {
                return Optional.of(tensor);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "TritonModelInfo{name="
                + name
                + ", versions="
                + versions
                + ", maxBatchSize="
                + maxBatchSize
                + (fromConfig ? " (config)" : " (metadata)")
                + ", inputs="
                + inputs
                + ", outputs="
                + outputs
                + '}';
    }

    /**
     * One tensor of the model's metadata: its name, its datatype as the server spells it and its
     * shape, where {@code -1} marks a variable dimension (the batch dimension among them).
     */
    public static final class Tensor {
        private final TensorMetadata metadata;

        private Tensor(TensorMetadata metadata) {
            this.metadata = metadata;
        }

        /** The tensor's name. */
        public String name() {
            return metadata.name();
        }

        /** The datatype as the server names it, such as {@code FP32}. */
        public String datatype() {
            return metadata.datatype();
        }

        /** The shape, including the batch dimension when the model batches; a copy. */
        public long[] shape() {
            return metadata.shape();
        }

        int rank() {
            return metadata.rank();
        }

        long dim(int i) {
            return metadata.dim(i);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor && metadata.equals(((Tensor) o).metadata);
        }

        @Override
        public int hashCode() {
            return metadata.hashCode();
        }

        /** For example {@code INPUT0 FP32[-1,16]}. */
        @Override
        public String toString() {
            return metadata.toString();
        }
    }
}
