package org.flinktriton.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TritonInputCodec;

/**
 * Encodes a batch of records into one KServe v2 inference request body through their generated
 * {@link TritonInputCodec}: each input becomes one tensor of shape {@code [N, ...dims]} (or {@code
 * [...dims]} for a model without a batch dimension), written in one pass into one buffer.
 *
 * <p>With binary data (the default) every tensor follows the JSON header raw; without, tensors go
 * as JSON {@code data}, except {@code FP16} and {@code BF16}, which only travel binary. Thread-safe
 * and reusable.
 *
 * <pre>{@code
 * RequestEncoder<AddSubRequest> encoder =
 *         RequestEncoder.builder(TritonCodecs.forInput(AddSubRequest.class))
 *                 .outputs(TritonCodecs.forOutput(AddSubResult.class).outputs())
 *                 .build();
 * EncodedBody body = encoder.encode(records);
 * }</pre>
 *
 * @param <T> the record type
 */
public final class RequestEncoder<T> {
    private final TritonInputCodec<T> codec;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final List<String> outputNames;
    private final boolean binary;
    private final boolean batched;

    /** Whether any input has a variable dimension, so that records may need separate requests. */
    private final boolean variable;

    /**
     * Whether every tensor travels binary with a size that follows from its shape (no {@code
     * BYTES}): then the JSON header depends only on the shapes and the parameters, and the last one
     * is used again while they stay the same, as they do from one batch to the next.
     */
    private final boolean sizedByShape;

    private volatile HeaderCache lastHeader;

    /** A JSON header and what it was written for. */
    private static final class HeaderCache {
        final int records;
        final int[][] dims;
        final Map<String, ?> parameters;
        final byte[] header;

        HeaderCache(int records, int[][] dims, Map<String, ?> parameters, byte[] header) {
            this.records = records;
            this.dims = dims;
            this.parameters = parameters == null ? Map.of() : new HashMap<>(parameters);
            this.header = header;
        }

        /** Same record count, shapes and parameters. */
        boolean matches(int n, int[][] otherDims, Map<String, ?> otherParameters) {
            return records == n
                    && Arrays.deepEquals(dims, otherDims)
                    && parameters.equals(otherParameters == null ? Map.of() : otherParameters);
        }
    }

    private RequestEncoder(Builder<T> builder) {
        this.codec = builder.codec;
        this.inputs = codec.inputs();
        this.outputs = List.copyOf(builder.outputs);
        this.outputNames = outputs.stream().map(TensorSpec::name).collect(Collectors.toList());
        this.binary = builder.binary;
        this.batched = builder.batched;
        this.variable = inputs.stream().anyMatch(TensorSpec::isVariable);
        this.sizedByShape =
                binary
                        && inputs.stream()
                                .noneMatch(spec -> spec.datatype() == TritonDataType.BYTES);
    }

    /** Starts an encoder for records of {@code codec}'s class. */
    public static <T> Builder<T> builder(TritonInputCodec<T> codec) {
        return new Builder<>(Objects.requireNonNull(codec, "codec"));
    }

    /** Encodes {@code records} with no id and no request parameters. */
    public EncodedBody encode(List<? extends T> records) {
        return encode(records, null, Map.of());
    }

    /**
     * Encodes {@code records} as one request.
     *
     * @param id the request {@code id}, or null
     * @param parameters request-level parameters such as {@code priority} or {@code timeout}
     * @throws IllegalArgumentException when {@code records} is empty, or has more than one record
     *     for a model without a batch dimension
     * @throws TritonException when a record does not fit its spec, or the records differ in a
     *     variable dimension (split them with {@link #groupByShape} first)
     */
    public EncodedBody encode(List<? extends T> records, String id, Map<String, ?> parameters) {
        int n = records.size();
        if (n == 0) {
            throw new IllegalArgumentException("Cannot encode an empty batch");
        }
        if (!batched && n != 1) {
            throw new IllegalArgumentException(
                    "A model without a batch dimension takes one record per request, not " + n);
        }
        int[][] dims = shapes(records);
        RawTensorWriter out = new RawTensorWriter(estimateBytes(n, dims));
        int[] starts = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            starts[i] = out.position();
            for (T record : records) {
                codec.write(record, i, out);
            }
        }
        HeaderCache cached = lastHeader;
        boolean cacheable = sizedByShape && id == null;
        if (cacheable && cached != null && cached.matches(n, dims, parameters)) {
            List<EncodedBody.Segment> segments = new ArrayList<>(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                int end = i + 1 < inputs.size() ? starts[i + 1] : out.position();
                segments.add(new EncodedBody.Segment(out.buffer(), starts[i], end - starts[i]));
            }
            return new EncodedBody(cached.header, segments)
                    .withParts(parts(n, dims, out, starts), id, parameters, outputNames);
        }
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        boolean[] binaryFlags = new boolean[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            TensorSpec spec = inputs.get(i);
            int end = i + 1 < inputs.size() ? starts[i + 1] : out.position();
            tensors.add(
                    Tensor.ofRaw(
                            spec.name(),
                            spec.datatype(),
                            fullShape(n, dims[i]),
                            out.buffer(),
                            starts[i],
                            end - starts[i]));
            binaryFlags[i] = binary || InferResponseMessage.mustBeBinary(spec.datatype());
        }
        try {
            JsonHeaderWriter body = new JsonHeaderWriter();
            JsonGenerator json = body.json();
            json.writeStartObject();
            if (id != null) {
                json.writeStringField("id", id);
            }
            if (parameters != null && !parameters.isEmpty()) {
                json.writeFieldName("parameters");
                json.writeObject(new LinkedHashMap<>(parameters));
            }
            body.tensors("inputs", tensors, binaryFlags);
            if (!outputs.isEmpty()) {
                json.writeArrayFieldStart("outputs");
                for (TensorSpec output : outputs) {
                    json.writeStartObject();
                    json.writeStringField("name", output.name());
                    json.writeObjectFieldStart("parameters");
                    json.writeBooleanField(
                            "binary_data",
                            binary || InferResponseMessage.mustBeBinary(output.datatype()));
                    json.writeEndObject();
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            json.writeEndObject();
            EncodedBody encoded = body.finish();
            if (cacheable) {
                lastHeader = new HeaderCache(n, dims, parameters, encoded.header());
            }
            return encoded.withParts(parts(n, dims, out, starts), id, parameters, outputNames);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each input's name, datatype, full shape and run of the writer's buffer. */
    private List<EncodedBody.Input> parts(int n, int[][] dims, RawTensorWriter out, int[] starts) {
        List<EncodedBody.Input> parts = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            TensorSpec spec = inputs.get(i);
            int end = i + 1 < inputs.size() ? starts[i + 1] : out.position();
            parts.add(
                    new EncodedBody.Input(
                            spec.name(),
                            spec.datatype(),
                            fullShape(n, dims[i]),
                            out.buffer(),
                            starts[i],
                            end - starts[i]));
        }
        return parts;
    }

    /**
     * Splits {@code records} into groups whose variable dimensions agree, so that each group can be
     * one request. Groups keep the records' order and hold their indexes into {@code records}; with
     * no variable dimension there is one group. Also validates every record against its spec.
     *
     * @throws TritonException when a record does not fit its spec
     */
    public List<int[]> groupByShape(List<? extends T> records) {
        if (!variable) {
            if (records.isEmpty()) {
                return List.of();
            }
            shapes(records); // validates every record
            int[] all = new int[records.size()];
            for (int r = 0; r < all.length; r++) {
                all[r] = r;
            }
            return List.of(all);
        }
        Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
        int[][] dims = new int[inputs.size()][];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = new int[inputs.get(i).rank()];
        }
        for (int r = 0; r < records.size(); r++) {
            List<Integer> key = new ArrayList<>();
            for (int i = 0; i < dims.length; i++) {
                codec.shape(records.get(r), i, dims[i]);
                TensorSpec spec = inputs.get(i);
                for (int d = 0; d < dims[i].length; d++) {
                    if (spec.dim(d) < 0) {
                        key.add(dims[i][d]);
                    }
                }
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        List<int[]> result = new ArrayList<>(groups.size());
        for (List<Integer> group : groups.values()) {
            result.add(group.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }

    /** Every record's shapes, checked to agree with the first record's. */
    private int[][] shapes(List<? extends T> records) {
        int[][] first = new int[inputs.size()][];
        int[][] other = new int[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
            first[i] = new int[inputs.get(i).rank()];
            other[i] = new int[inputs.get(i).rank()];
            codec.shape(records.get(0), i, first[i]);
        }
        for (int r = 1; r < records.size(); r++) {
            for (int i = 0; i < inputs.size(); i++) {
                codec.shape(records.get(r), i, other[i]);
                if (!Arrays.equals(other[i], first[i])) {
                    throw new TritonException(
                            codec.type().getSimpleName()
                                    + " records 0 and "
                                    + r
                                    + " differ in the shape of input '"
                                    + inputs.get(i).name()
                                    + "': "
                                    + Arrays.toString(first[i])
                                    + " versus "
                                    + Arrays.toString(other[i])
                                    + "; split the batch with groupByShape() and send each group"
                                    + " as its own request");
                }
            }
        }
        return first;
    }

    private int estimateBytes(int n, int[][] dims) {
        long total = 0;
        for (int i = 0; i < inputs.size(); i++) {
            long elements = n;
            for (int dim : dims[i]) {
                elements *= dim;
            }
            TritonDataType datatype = inputs.get(i).datatype();
            // BYTES: a guess of 4-byte prefix + 12 bytes; the writer grows if it is short.
            total += elements * (datatype == TritonDataType.BYTES ? 16 : datatype.byteSize());
        }
        return (int) Math.min(Integer.MAX_VALUE - 16, total);
    }

    private long[] fullShape(int n, int[] dims) {
        int offset = batched ? 1 : 0;
        long[] shape = new long[dims.length + offset];
        if (batched) {
            shape[0] = n;
        }
        for (int d = 0; d < dims.length; d++) {
            shape[d + offset] = dims[d];
        }
        return shape;
    }

    /** Configures a {@link RequestEncoder}. */
    public static final class Builder<T> {
        private final TritonInputCodec<T> codec;
        private List<TensorSpec> outputs = List.of();
        private boolean binary = true;
        private boolean batched = true;

        private Builder(TritonInputCodec<T> codec) {
            this.codec = codec;
        }

        /** The outputs to ask for; empty (the default) asks for none by name, i.e. all. */
        public Builder<T> outputs(List<TensorSpec> outputs) {
            this.outputs = Objects.requireNonNull(outputs, "outputs");
            return this;
        }

        /**
         * Whether tensors travel binary (the default) or as JSON {@code data}; FP16 and BF16 are
         * binary either way.
         */
        public Builder<T> binaryData(boolean binary) {
            this.binary = binary;
            return this;
        }

        /**
         * Whether the model has a batch dimension ({@code max_batch_size > 0}, the default); a
         * model without one takes a single record per request.
         */
        public Builder<T> batched(boolean batched) {
            this.batched = batched;
            return this;
        }

        public RequestEncoder<T> build() {
            return new RequestEncoder<>(this);
        }
    }
}
