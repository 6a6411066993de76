package org.flinktriton.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.wire.Tensor;

/**
 * Ready-made {@link TestModel}s: Triton's quick-start {@code simple} model, an add/sub model of any
 * numeric datatype, echo and identity models that return their inputs (good for round-tripping
 * every datatype), and a wrapper that adds simulated GPU time to any model.
 *
 * <pre>{@code
 * try (TritonTestServer server = TritonTestServer.builder()
 *         .model(TestModels.simple())
 *         .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
 *         .model(TestModels.identity("identity_fp32", 64, TritonDataType.FP32, -1))
 *         .model(TestModels.everyDatatype("echo_all", 8, 4))
 *         .model(TestModels.withCost(TestModels.simple(), Duration.ofMillis(5), Duration.ZERO))
 *         .start()) { … }
 * }</pre>
 */
public final class TestModels {
    private TestModels() {}

    /**
     * Triton's quick-start model {@code simple}: INT32 {@code INPUT0} and {@code INPUT1} of dims
     * {@code [16]}, {@code OUTPUT0 = INPUT0 + INPUT1}, {@code OUTPUT1 = INPUT0 - INPUT1}, {@code
     * max_batch_size} 8.
     */
    public static TestModel simple() {
        return addSub("simple", TritonDataType.INT32, 16, 8);
    }

    /**
     * An add/sub model like {@link #simple()} of any name, numeric datatype, length and {@code
     * max_batch_size}: inputs {@code INPUT0}, {@code INPUT1} and outputs {@code OUTPUT0} (sum),
     * {@code OUTPUT1} (difference), all of dims {@code [length]} ({@code -1} for variable; both
     * inputs must then have the same length). Integers wrap around as in C.
     *
     * @throws IllegalArgumentException for {@code BOOL}, {@code BYTES} or {@code AUTO}
     */
    public static TestModel addSub(
            String name, TritonDataType datatype, int length, int maxBatchSize) {
        if (datatype == TritonDataType.BOOL
                || datatype == TritonDataType.BYTES
                || datatype == TritonDataType.AUTO) {
            throw new IllegalArgumentException("addSub needs a numeric datatype, not " + datatype);
        }
        return TestModel.builder(name)
                .maxBatchSize(maxBatchSize)
                .input("INPUT0", datatype, length)
                .input("INPUT1", datatype, length)
                .output("OUTPUT0", datatype, length)
                .output("OUTPUT1", datatype, length)
                .handler(TestModels::addSub)
                .build();
    }

    /**
     * Triton's identity model: {@code OUTPUT0} is {@code INPUT0}, of the given datatype and dims
     * (without the batch dimension, {@code -1} = variable).
     */
    public static TestModel identity(
            String name, int maxBatchSize, TritonDataType datatype, int... dims) {
        return TestModel.builder(name)
                .maxBatchSize(maxBatchSize)
                .input("INPUT0", datatype, dims)
                .output("OUTPUT0", datatype, dims)
                .handler(TestModels::echoByPosition)
                .build();
    }

    /**
     * A model that returns each input unchanged as an output of the same name, datatype and dims.
     *
     * <pre>{@code
     * TestModel echo = TestModels.echo("echo", 16,
     *         TensorSpec.of("TEXT", TritonDataType.BYTES, 1),
     *         TensorSpec.of("TOKENS", TritonDataType.INT64, -1));
     * }</pre>
     */
    public static TestModel echo(String name, int maxBatchSize, TensorSpec... tensors) {
        TestModel.Builder builder = TestModel.builder(name).maxBatchSize(maxBatchSize);
        for (TensorSpec tensor : tensors) {
            builder.input(tensor).output(tensor);
        }
        return builder.handler(TestModels::echoByPosition).build();
    }

    /**
     * An {@link #echo} model with one input and output per wire datatype, each named after its
     * datatype ({@code "BOOL"}, {@code "UINT8"}, … {@code "BF16"}) and of the given dims.
     */
    public static TestModel everyDatatype(String name, int maxBatchSize, int... dims) {
        List<TensorSpec> tensors = new ArrayList<>();
        for (TritonDataType datatype : TritonDataType.values()) {
            if (datatype != TritonDataType.AUTO) {
                tensors.add(TensorSpec.of(datatype.name(), datatype, dims));
            }
        }
        return echo(name, maxBatchSize, tensors.toArray(new TensorSpec[0]));
    }

    /**
     * The same model, sleeping {@code perRequest + batchSize * perRecord} before each execution: a
     * fixed cost per request imitates a GPU kernel launch, which is what makes batching pay.
     */
    public static TestModel withCost(TestModel model, Duration perRequest, Duration perRecord) {
        return model.toBuilder().cost(perRequest, perRecord).build();
    }

    /**
     * The models {@link TritonTestServer#main} serves: {@code simple}; {@code add_sub} (FP32 [16],
     * max_batch_size 8); {@code identity_fp32} (FP32 [-1], max_batch_size 64); {@code
     * identity_bytes} (BYTES [1], max_batch_size 0); {@code echo_all} (every datatype, [-1],
     * max_batch_size 16); {@code slow_add_sub} ({@code add_sub} at 5 ms per request and 20 µs per
     * record).
     */
    public static List<TestModel> samples() {
        return List.of(
                simple(),
                addSub("add_sub", TritonDataType.FP32, 16, 8),
                identity("identity_fp32", 64, TritonDataType.FP32, -1),
                identity("identity_bytes", 0, TritonDataType.BYTES, 1),
                everyDatatype("echo_all", 16, -1),
                withCost(
                        addSub("slow_add_sub", TritonDataType.FP32, 16, 8),
                        Duration.ofMillis(5),
                        Duration.ofNanos(20_000)));
    }

    private static List<Tensor> echoByPosition(ModelRequest request) {
        List<TensorSpec> inputs = request.model().inputs();
        List<TensorSpec> outputs = request.model().outputs();
        List<Tensor> result = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            String output = outputs.get(i).name();
            if (request.isRequested(output)) {
                result.add(request.input(inputs.get(i).name()).withName(output));
            }
        }
        return result;
    }

    private static ByteBuffer littleEndian(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static List<Tensor> addSub(ModelRequest request) {
        Tensor a = request.input("INPUT0");
        Tensor b = request.input("INPUT1");
        if (a.elementCount() != b.elementCount()) {
            throw new IllegalArgumentException(
                    "INPUT0 "
                            + Arrays.toString(a.shape())
                            + " and INPUT1 "
                            + Arrays.toString(b.shape())
                            + " of model '"
                            + request.model().name()
                            + "' must have the same shape");
        }
        long[] shape = a.shape();
        TritonDataType type = a.datatype();
        int n = a.elementCount();
        switch (type) {
            case INT8:
            case UINT8:
                {
                    byte[] x = a.toInt8s();
                    byte[] y = b.toInt8s();
                    byte[] sum = new byte[n];
                    byte[] difference = new byte[n];
                    for (int i = 0; i < n; i++) {
                        sum[i] = (byte) (x[i] + y[i]);
                        difference[i] = (byte) (x[i] - y[i]);
                    }
                    return List.of(
                            Tensor.ofInt8s("OUTPUT0", type, shape, sum),
                            Tensor.ofInt8s("OUTPUT1", type, shape, difference));
                }
            case INT16:
            case UINT16:
                {
                    short[] x = a.toInt16s();
                    short[] y = b.toInt16s();
                    short[] sum = new short[n];
                    short[] difference = new short[n];
                    for (int i = 0; i < n; i++) {
                        sum[i] = (short) (x[i] + y[i]);
                        difference[i] = (short) (x[i] - y[i]);
                    }
                    return List.of(
                            Tensor.ofInt16s("OUTPUT0", type, shape, sum),
                            Tensor.ofInt16s("OUTPUT1", type, shape, difference));
                }
            case INT32:
            case UINT32:
                {
                    int[] x = a.toInt32s();
                    int[] y = b.toInt32s();
                    int[] sum = new int[n];
                    int[] difference = new int[n];
                    for (int i = 0; i < n; i++) {
                        sum[i] = x[i] + y[i];
                        difference[i] = x[i] - y[i];
                    }
                    return List.of(
                            Tensor.ofInt32s("OUTPUT0", type, shape, sum),
                            Tensor.ofInt32s("OUTPUT1", type, shape, difference));
                }
            case INT64:
            case UINT64:
                {
                    long[] x = a.toInt64s();
                    long[] y = b.toInt64s();
                    long[] sum = new long[n];
                    long[] difference = new long[n];
                    for (int i = 0; i < n; i++) {
                        sum[i] = x[i] + y[i];
                        difference[i] = x[i] - y[i];
                    }
                    return List.of(
                            Tensor.ofInt64s("OUTPUT0", type, shape, sum),
                            Tensor.ofInt64s("OUTPUT1", type, shape, difference));
                }
            case FP32:
                {
                    // From the request's little-endian bytes into the answer's: the benchmarks'
                    // hot case. Bulk copies through two small scratch arrays keep the arithmetic on
                    // plain arrays, with no full-size float[] in between.
                    FloatBuffer x = a.data().asFloatBuffer();
                    FloatBuffer y = b.data().asFloatBuffer();
                    byte[] sum = new byte[4 * n];
                    byte[] difference = new byte[4 * n];
                    FloatBuffer s = littleEndian(sum).asFloatBuffer();
                    FloatBuffer d = littleEndian(difference).asFloatBuffer();
                    float[] u = new float[Math.min(n, 1024)];
                    float[] v = new float[u.length];
                    for (int from = 0; from < n; from += u.length) {
                        int count = Math.min(u.length, n - from);
                        x.get(from, u, 0, count);
                        y.get(from, v, 0, count);
                        for (int i = 0; i < count; i++) {
                            float p = u[i];
                            float q = v[i];
                            u[i] = p + q;
                            v[i] = p - q;
                        }
                        s.put(from, u, 0, count);
                        d.put(from, v, 0, count);
                    }
                    return List.of(
                            Tensor.ofRaw("OUTPUT0", type, shape, sum),
                            Tensor.ofRaw("OUTPUT1", type, shape, difference));
                }
            case FP16:
            case BF16:
                {
                    float[] x = a.toFloats();
                    float[] y = b.toFloats();
                    float[] sum = new float[n];
                    float[] difference = new float[n];
                    for (int i = 0; i < n; i++) {
                        sum[i] = x[i] + y[i];
                        difference[i] = x[i] - y[i];
                    }
                    return List.of(
                            Tensor.ofFloats("OUTPUT0", type, shape, sum),
                            Tensor.ofFloats("OUTPUT1", type, shape, difference));
                }
            case FP64:
                {
                    double[] x = a.toDoubles();
                    double[] y = b.toDoubles();
                    double[] sum = new double[n];
                    double[] difference = new double[n];
                    for (int i = 0; i < n; i++) {
                        sum[i] = x[i] + y[i];
                        difference[i] = x[i] - y[i];
                    }
                    return List.of(
                            Tensor.ofDoubles("OUTPUT0", shape, sum),
                            Tensor.ofDoubles("OUTPUT1", shape, difference));
                }
            default:
                throw new IllegalStateException("add/sub of " + type);
        }
    }
}
