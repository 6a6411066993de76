package org.flinktriton.testkit;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.wire.HalfFloats;
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

    /** BYTES inputs decoded once per request, for {@link Record#stringValue}; one thread only. */
    private final Map<String, String[]> decodedStrings = new HashMap<>();

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

    /**
     * One record of the batch, to read its inputs' values; for {@link Faults#poison} predicates and
     * handlers that look at records one by one.
     *
     * @param index 0 to {@code batchSize() - 1}
     * @throws IndexOutOfBoundsException when the batch has no such record
     */
    public Record record(int index) {
        if (index < 0 || index >= batchSize) {
            throw new IndexOutOfBoundsException(
                    "Record " + index + " is not in a batch of " + batchSize);
        }
        return new Record(index);
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

    /**
     * A view of one record of a {@link ModelRequest}: the part of each input tensor that belongs to
     * record {@link #index()} (its slice of the batch dimension; the whole tensor when the model
     * does not batch). The {@code …Value} methods read the slice's first element, which is the
     * value itself for a scalar input ({@code dims [1]}) and often an id worth matching on.
     *
     * <pre>{@code
     * server.faults().poison(record -> record.longValue("ID") % 10_000 == 0);
     * server.faults().poison(record -> record.stringValue("TEXT").contains("<poison>"));
     * }</pre>
     */
    public final class Record {
        private final int index;

        private Record(int index) {
            this.index = index;
        }

        /** The record's position in its batch, from 0. */
        public int index() {
            return index;
        }

        /** The request (the whole batch) the record belongs to. */
        public ModelRequest request() {
            return ModelRequest.this;
        }

        /** Whether the request has an input of that name. */
        public boolean hasInput(String name) {
            return inputs.containsKey(name);
        }

        /**
         * The first element of this record's part of an integer or {@code BOOL} input (1 for true);
         * UINT8 to UINT32 as their unsigned value, UINT64 as its raw bits.
         *
         * @throws IllegalArgumentException when there is no such input, or it is not of an integer
         *     or BOOL type
         */
        public long longValue(String input) {
            Tensor tensor = input(input);
            ByteBuffer data = tensor.data();
            int at = firstElement(tensor) * tensor.datatype().byteSize();
            switch (tensor.datatype()) {
                case BOOL:
                case INT8:
                    return data.get(at);
                case UINT8:
                    return Byte.toUnsignedLong(data.get(at));
                case INT16:
                    return data.getShort(at);
                case UINT16:
                    return Short.toUnsignedLong(data.getShort(at));
                case INT32:
                    return data.getInt(at);
                case UINT32:
                    return Integer.toUnsignedLong(data.getInt(at));
                case INT64:
                case UINT64:
                    return data.getLong(at);
                default:
                    throw wrongType(tensor, "longValue", "an integer or BOOL type");
            }
        }

        /**
         * The first element of this record's part of a numeric input, as a double (integers
         * converted, FP16 and BF16 widened).
         *
         * @throws IllegalArgumentException when there is no such input, or it is BYTES
         */
        public double doubleValue(String input) {
            Tensor tensor = input(input);
            ByteBuffer data = tensor.data();
            int at = firstElement(tensor) * Math.max(1, tensor.datatype().byteSize());
            switch (tensor.datatype()) {
                case FP16:
                    return HalfFloats.fromHalf(data.getShort(at));
                case BF16:
                    return HalfFloats.fromBf16(data.getShort(at));
                case FP32:
                    return data.getFloat(at);
                case FP64:
                    return data.getDouble(at);
                case BYTES:
                    throw wrongType(tensor, "doubleValue", "a numeric type");
                default:
                    return longValue(input);
            }
        }

        /**
         * The first element of this record's part of a {@code BYTES} input, decoded as UTF-8.
         *
         * @throws IllegalArgumentException when there is no such input, or it is not BYTES
         */
        public String stringValue(String input) {
            Tensor tensor = input(input);
            if (tensor.datatype() != TritonDataType.BYTES) {
                throw wrongType(tensor, "stringValue", "BYTES");
            }
            String[] strings = decodedStrings.computeIfAbsent(input, name -> tensor.toStrings());
            return strings[firstElement(tensor)];
        }

        private int firstElement(Tensor tensor) {
            if (tensor.elementCount() == 0) {
                throw new IllegalArgumentException(
                        "Input '" + tensor.name() + "' of record " + index + " has no elements");
            }
            return index * (tensor.elementCount() / batchSize);
        }

        private IllegalArgumentException wrongType(Tensor tensor, String method, String wanted) {
            return new IllegalArgumentException(
                    "Input '"
                            + tensor.name()
                            + "' of model '"
                            + model.name()
                            + "' is "
                            + tensor.datatype()
                            + "; "
                            + method
                            + " reads "
                            + wanted);
        }

        @Override
        public String toString() {
            return "Record{index=" + index + " of " + batchSize + ", model=" + model.name() + '}';
        }
    }
}
