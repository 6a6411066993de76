package org.flinktriton.testkit;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.wire.Tensor;

/**
 * What a {@link ModelHandler} sees of one inference request, after the server has validated it
 * against the model: the input tensors by name (each with its full shape, batch dimension first
 * when the model batches), the batch size, and which outputs the response will carry.
 *
 * <pre>{@code
 * ModelHandler handler = request -> {
 *     int[] ids = request.input("IDS").toInt32s();             // batchSize() * 8 values
 *     long[] scores = new long[request.batchSize()];
 *     ...
 *     return List.of(Tensor.ofInt64s("SCORE", TritonDataType.INT64,
 *             request.outputShape("SCORE"), scores));          // [batchSize, 1]
 * };
 * }</pre>
 */
public final class ModelRequest {
    private final TestModel model;
    private final int batchSize;
    private final String id;
    private final Map<String, Object> parameters;
    private final Map<String, Tensor> inputs;
    private final Set<String> requestedOutputs;

    ModelRequest(
            TestModel model,
            int batchSize,
            String id,
            Map<String, Object> parameters,
            Map<String, Tensor> inputs,
            Set<String> requestedOutputs) {
        this.model = model;
        this.batchSize = batchSize;
        this.id = id;
        this.parameters = parameters;
        this.inputs = Collections.unmodifiableMap(inputs);
        this.requestedOutputs = Collections.unmodifiableSet(requestedOutputs);
    }

    /** The model the request is for. */
    public TestModel model() {
        return model;
    }

    /**
     * The number of records: the first dimension of every input when the model has {@code
     * max_batch_size > 0}, otherwise 1.
     */
    public int batchSize() {
        return batchSize;
    }

    /** Whether the model takes a batch dimension ({@code max_batch_size > 0}). */
    public boolean isBatched() {
        return model.isBatched();
    }

    /** The request's {@code id}, or null when it had none. */
    public String id() {
        return id;
    }

    /** The request-level {@code parameters} ({@code priority}, {@code timeout}, …); maybe empty. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /**
     * The input of that name, with its full shape.
     *
     * @throws IllegalArgumentException when the model declares no such input
     */
    public Tensor input(String name) {
        Tensor tensor = inputs.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException(
                    "Model '"
                            + model.name()
                            + "' has no input '"
                            + name
                            + "'; its inputs are "
                            + inputs.keySet());
        }
        return tensor;
    }

    /** All inputs by name, in the order the model declares them. */
    public Map<String, Tensor> inputs() {
        return inputs;
    }

    /**
     * The names of the outputs the response will carry: those the request asked for, or all the
     * model's outputs when it asked for none.
     */
    public Set<String> requestedOutputs() {
        return requestedOutputs;
    }

    /** Whether the response will carry output {@code name}. */
    public boolean isRequested(String name) {
        return requestedOutputs.contains(name);
    }

    /**
     * A full shape for a tensor of this request: {@code [batchSize, dims...]} when the model
     * batches, else {@code dims} as given.
     */
    public long[] batchShape(long... dims) {
        if (!isBatched()) {
            return dims.clone();
        }
        long[] shape = new long[dims.length + 1];
        shape[0] = batchSize;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return shape;
    }

    /**
     * The full shape of a declared output whose dimensions are all fixed: {@code [batchSize,
     * dims...]} when the model batches.
     *
     * @throws IllegalArgumentException when the model has no such output, or the output has a
     *     variable dimension (then build the shape with {@link #batchShape})
     */
    public long[] outputShape(String name) {
        TensorSpec spec = model.output(name);
        if (spec == null) {
            throw new IllegalArgumentException(
                    "Model '" + model.name() + "' has no output '" + name + "'");
        }
        if (spec.isVariable()) {
            throw new IllegalArgumentException(
                    "Output '"
                            + name
                            + "' of model '"
                            + model.name()
                            + "' has variable dims "
                            + Arrays.toString(spec.shape())
                            + "; build its shape with batchShape(...)");
        }
        return batchShape(Arrays.stream(spec.shape()).asLongStream().toArray());
    }

    @Override
    public String toString() {
        return "ModelRequest{model="
                + model.name()
                + ", batchSize="
                + batchSize
                + ", inputs="
                + inputs.values()
                + ", outputs="
                + requestedOutputs
                + '}';
    }
}
