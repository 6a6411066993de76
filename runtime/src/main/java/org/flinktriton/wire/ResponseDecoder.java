package org.flinktriton.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * Decodes a KServe v2 inference response body into one output record per input record, in order,
 * through a generated {@link TritonOutputCodec}. Outputs may be binary or JSON {@code data} (flat
 * or nested), in any order, with {@code null} for optional fields; other outputs are ignored. A
 * {@code null} element of a floating-point JSON output reads as NaN: KServe's Python server writes
 * NaN and ±infinity so.
 *
 * <p>Everything is checked before a record is built: each declared output is present with the
 * declared datatype, its batch dimension equals the number of records, its per-record dimensions
 * match the declared fixed ones, and its bytes cover its shape. A response that fails a check is a
 * {@link TritonProtocolException} naming the output (the client adds the model). Thread-safe and
 * reusable.
 *
 * @param <T> the output record type
 */
public final class ResponseDecoder<T> {
    private final TritonOutputCodec<T> codec;
    private final List<TensorSpec> specs;
    private final boolean batched;

    private ResponseDecoder(TritonOutputCodec<T> codec, boolean batched) {
        this.codec = codec;
        this.specs = codec.outputs();
        this.batched = batched;
    }

    /**
     * A decoder for the responses of a model.
     *
     * @param batched whether the model has a batch dimension ({@code max_batch_size > 0})
     */
    public static <T> ResponseDecoder<T> create(TritonOutputCodec<T> codec, boolean batched) {
        return new ResponseDecoder<>(Objects.requireNonNull(codec, "codec"), batched);
    }

    /**
     * Decodes {@code recordCount} new output records.
     *
     * @param headerLength the response's {@code Inference-Header-Content-Length}, or -1 when it had
     *     none (the whole body is JSON)
     */
    public List<T> decode(byte[] body, int headerLength, int recordCount) {
        return decode(body, headerLength, recordCount, null);
    }

    /**
     * Decodes the outputs into the records that were sent ({@link TritonOutputCodec#enrich}): one
     * result per source, in order.
     */
    public List<T> enrich(byte[] body, int headerLength, List<? extends T> sources) {
        return decode(body, headerLength, sources.size(), sources);
    }

    /**
     * The outputs of a KServe v2 HTTP response body, raw or with JSON {@code data}, as tensors
     * (views of {@code body}, no copy), for {@link #decode(List, int)}.
     *
     * @param headerLength the response's {@code Inference-Header-Content-Length}, or -1 when it had
     *     none (the whole body is JSON)
     */
    public static List<Tensor> outputs(byte[] body, int headerLength) {
        return JsonHeaderReader.outputs(body, headerLength, "Response");
    }

    /**
     * Decodes {@code recordCount} new output records from the outputs of a response, however they
     * travelled (HTTP's body, gRPC's {@code raw_output_contents} or typed contents).
     */
    public List<T> decode(List<Tensor> outputs, int recordCount) {
        return decode(outputs, recordCount, null);
    }

    /**
     * {@link #enrich(byte[], int, List)} from the outputs of a response, however they travelled.
     */
    public List<T> enrich(List<Tensor> outputs, List<? extends T> sources) {
        return decode(outputs, sources.size(), sources);
    }

    private List<T> decode(
            byte[] body, int headerLength, int recordCount, List<? extends T> sources) {
        checkCount(recordCount);
        return decode(outputs(body, headerLength), recordCount, sources);
    }

    private void checkCount(int recordCount) {
        if (!batched && recordCount != 1) {
            throw new IllegalArgumentException(
                    "A model without a batch dimension answers one record, not " + recordCount);
        }
    }

    private List<T> decode(List<Tensor> tensors, int recordCount, List<? extends T> sources) {
        checkCount(recordCount);
        String context = "Response";
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor tensor : tensors) {
            byName.putIfAbsent(tensor.name(), tensor);
        }
        RawTensorReader reader = new RawTensorReader(specs.size(), context);
        for (int o = 0; o < specs.size(); o++) {
            TensorSpec spec = specs.get(o);
            Tensor tensor = byName.get(spec.name());
            if (tensor == null) {
                throw new TritonProtocolException(
                        context
                                + ": output '"
                                + spec.name()
                                + "' is missing; the response has "
                                + (byName.isEmpty() ? "no outputs" : byName.keySet()));
            }
            bind(reader, o, spec, tensor, recordCount, context);
        }
        List<T> results = new ArrayList<>(recordCount);
        for (int r = 0; r < recordCount; r++) {
            reader.record(r);
            try {
                results.add(
                        sources == null
                                ? codec.read(reader)
                                : codec.enrich(sources.get(r), reader));
            } catch (TritonException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new TritonException(
                        context
                                + ": building "
                                + codec.type().getSimpleName()
                                + " for record "
                                + r
                                + " failed: "
                                + e,
                        e);
            }
        }
        return results;
    }

    private void bind(
            RawTensorReader reader,
            int o,
            TensorSpec spec,
            Tensor tensor,
            int recordCount,
            String context) {
        String what = context + ": output '" + spec.name() + "'";
        if (tensor.datatype() != spec.datatype()) {
            throw new TritonProtocolException(
                    what
                            + ": expected datatype "
                            + spec.datatype()
                            + ", found "
                            + tensor.datatype());
        }
        long[] shape = tensor.shape();
        if (batched && (shape.length == 0 || shape[0] != recordCount)) {
            throw new TritonProtocolException(
                    what
                            + ": expected a batch of "
                            + recordCount
                            + " as the first dimension, found shape "
                            + Arrays.toString(shape));
        }
        long[] perRecord = batched ? Arrays.copyOfRange(shape, 1, shape.length) : shape;
        int[] dims = recordShape(spec, perRecord, what);
        int count = 1;
        for (int dim : dims) {
            count *= dim; // cannot overflow: the whole tensor's count fits an int
        }
        int[] starts = null;
        if (spec.datatype() == TritonDataType.BYTES) {
            starts = new int[recordCount + 1];
            byte[] buf = tensor.buffer();
            int at = tensor.offset();
            for (int r = 0; r < recordCount; r++) {
                starts[r] = at;
                for (int e = 0; e < count; e++) {
                    // Tensor.ofRaw walked these prefixes already: all lie within the tensor.
                    at += 4 + (int) RawLayout.bytesLength(buf, at);
                }
            }
            starts[recordCount] = at;
        }
        reader.set(o, tensor, dims, count, starts);
    }

    /** The per-record shape, checked against the spec's rank and fixed dimensions. */
    private static int[] recordShape(TensorSpec spec, long[] perRecord, String what) {
        boolean scalarSpec = spec.rank() == 1 && spec.dim(0) == 1;
        if (scalarSpec && perRecord.length == 0) {
            return new int[] {1}; // a model may declare a per-record scalar with dims []
        }
        boolean matches = perRecord.length == spec.rank();
        for (int d = 0; matches && d < perRecord.length; d++) {
            matches = spec.dim(d) < 0 || spec.dim(d) == perRecord[d];
        }
        if (!matches) {
            throw new TritonProtocolException(
                    what
                            + ": expected per-record shape "
                            + Arrays.toString(spec.shape())
                            + ", found "
                            + Arrays.toString(perRecord));
        }
        int[] dims = new int[perRecord.length];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = (int) perRecord[d];
        }
        return dims;
    }
}
