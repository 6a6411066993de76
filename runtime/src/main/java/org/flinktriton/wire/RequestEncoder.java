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
import java.util.function.ObjIntConsumer;
import java.util.stream.Collectors;
import org.flinktriton.TritonException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TensorWriter;
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

    /** Whether an input is {@code BYTES}, whose size depends on its values. */
    private final boolean hasBytesInputs;

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
        this.hasBytesInputs =
                inputs.stream().anyMatch(spec -> spec.datatype() == TritonDataType.BYTES);
        this.sizedByShape = binary && !hasBytesInputs;
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
     * @throws TritonRecordException when a record does not fit its spec
     */
    public List<int[]> groupByShape(List<? extends T> records) {
        return groupByShape(
                records,
                (failure, index) -> {
                    throw failure;
                });
    }

    /**
     * As {@link #groupByShape(List)}, but a record that does not fit its spec is handed to {@code
     * unfit} with its index and left out of the groups, so that the other records can still be
     * sent.
     */
    public List<int[]> groupByShape(
            List<? extends T> records, ObjIntConsumer<TritonRecordException> unfit) {
        if (records.isEmpty()) {
            return List.of();
        }
        if (!variable) {
            try {
                shapes(records); // validates every record
                int[] all = new int[records.size()];
                for (int r = 0; r < all.length; r++) {
                    all[r] = r;
                }
                return List.of(all);
            } catch (TritonRecordException e) {
                // One or more records do not fit: find them one by one below.
            }
        }
        Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
        int[][] dims = new int[inputs.size()][];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = new int[inputs.get(i).rank()];
        }
        for (int r = 0; r < records.size(); r++) {
            List<Integer> key = new ArrayList<>();
            try {
                for (int i = 0; i < dims.length; i++) {
                    codec.shape(records.get(r), i, dims[i]);
                    TensorSpec spec = inputs.get(i);
                    for (int d = 0; d < dims[i].length; d++) {
                        if (spec.dim(d) < 0) {
                            key.add(dims[i][d]);
                        }
                    }
                }
            } catch (TritonRecordException e) {
                unfit.accept(e, r);
                continue;
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        List<int[]> result = new ArrayList<>(groups.size());
        for (List<Integer> group : groups.values()) {
            result.add(group.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }

    /**
     * Whether every input has a size that follows from its shape (no {@code BYTES} input), so that
     * records with the same shapes all have the same {@link #inputBytes}.
     */
    public boolean inputBytesFollowShape() {
        return !hasBytesInputs;
    }

    /**
     * The bytes {@code record} adds to a request's input tensors in the raw layout (the size of its
     * values in {@code raw_input_contents}, or after the JSON header with binary data): for
     * fixed-size datatypes, its elements times their size; for {@code BYTES}, its elements' UTF-8
     * lengths and their 4-byte length prefixes, counted without encoding them.
     *
     * @throws TritonException when the record does not fit its spec
     */
    public long inputBytes(T record) {
        long total = 0;
        ByteCounter counter = null;
        for (int i = 0; i < inputs.size(); i++) {
            TensorSpec spec = inputs.get(i);
            if (spec.datatype() == TritonDataType.BYTES) {
                if (counter == null) {
                    counter = new ByteCounter();
                }
                counter.bytes = 0;
                codec.write(record, i, counter);
                total += counter.bytes;
            } else {
                int[] dims = new int[spec.rank()];
                codec.shape(record, i, dims);
                long elements = 1;
                for (int dim : dims) {
                    elements *= dim;
                }
                total += elements * spec.datatype().byteSize();
            }
        }
        return total;
    }

    /** A writer that only counts the bytes it would write. */
    private static final class ByteCounter extends TensorWriter {
        long bytes;

        @Override
        public void writeBool(boolean value) {
            bytes += 1;
        }

        @Override
        public void writeBools(boolean[] values) {
            bytes += values.length;
        }

        @Override
        public void writeInt8(byte value) {
            bytes += 1;
        }

        @Override
        public void writeInt8s(byte[] values) {
            bytes += values.length;
        }

        @Override
        public void writeInt16(short value) {
            bytes += 2;
        }

        @Override
        public void writeInt16s(short[] values) {
            bytes += 2L * values.length;
        }

        @Override
        public void writeInt32(int value) {
            bytes += 4;
        }

        @Override
        public void writeInt32s(int[] values) {
            bytes += 4L * values.length;
        }

        @Override
        public void writeInt64(long value) {
            bytes += 8;
        }

        @Override
        public void writeInt64s(long[] values) {
            bytes += 8L * values.length;
        }

        @Override
        public void writeFp16(float value) {
            bytes += 2;
        }

        @Override
        public void writeFp16s(float[] values) {
            bytes += 2L * values.length;
        }

        @Override
        public void writeBf16(float value) {
            bytes += 2;
        }

        @Override
        public void writeBf16s(float[] values) {
            bytes += 2L * values.length;
        }

        @Override
        public void writeFp32(float value) {
            bytes += 4;
        }

        @Override
        public void writeFp32s(float[] values) {
            bytes += 4L * values.length;
        }

        @Override
        public void writeFp64(double value) {
            bytes += 8;
        }

        @Override
        public void writeFp64s(double[] values) {
            bytes += 8L * values.length;
        }

        @Override
        public void writeString(String value) {
            bytes += 4 + utf8Length(value);
        }

        @Override
        public void writeBytes(byte[] value) {
            bytes += 4L + value.length;
        }

        /** The length of {@code value} in UTF-8, as {@code getBytes(UTF_8)} encodes it. */
        private static long utf8Length(String value) {
            long length = 0;
            int n = value.length();
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c < 0x80) {
                    length += 1;
                } else if (c < 0x800) {
                    length += 2;
                } else if (Character.isHighSurrogate(c)
                        && i + 1 < n
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    length += 4;
                    i++;
                } else if (Character.isSurrogate(c)) {
                    length += 1; // a lone surrogate: getBytes writes '?'
                } else {
                    length += 3;
                }
            }
            return length;
        }
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
