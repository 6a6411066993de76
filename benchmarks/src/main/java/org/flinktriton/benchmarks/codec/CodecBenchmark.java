package org.flinktriton.benchmarks.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.InferResponseMessage;
import org.flinktriton.wire.RequestEncoder;
import org.flinktriton.wire.ResponseDecoder;
import org.flinktriton.wire.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding one batch of 256 records × FP32[512] (512 KiB of tensor data): the
 * generated codec with the wire layer versus (a) a hand-written copy of the floats into / out of a
 * little-endian buffer, the limit; (b) Jackson JSON, what JSON-only clients do; (c) a
 * reflection-based mapper that reads fields and elements through {@code java.lang.reflect}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CodecBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    static final int RECORDS = 256;
    static final int WIDTH = 512;

    private final ObjectMapper jackson = new ObjectMapper();
    private List<EmbeddingRequest> records;
    private RequestEncoder<EmbeddingRequest> encoder;
    private ResponseDecoder<EmbeddingResult> decoder;
    private byte[] binaryResponse;
    private int headerLength;
    private byte[] jsonResponse;
    private Field inputField;
    private Field outputField;

    @Setup
    public void setUp() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        records = new ArrayList<>(RECORDS);
        float[] all = new float[RECORDS * WIDTH];
        for (int r = 0; r < RECORDS; r++) {
            float[] values = new float[WIDTH];
            for (int i = 0; i < WIDTH; i++) {
                values[i] = (float) random.nextGaussian();
                all[r * WIDTH + i] = values[i];
            }
            records.add(new EmbeddingRequest(values));
        }
        encoder =
                RequestEncoder.builder(TritonCodecs.forInput(EmbeddingRequest.class))
                        .outputs(TritonCodecs.forOutput(EmbeddingResult.class).outputs())
                        .build();
        decoder = ResponseDecoder.create(TritonCodecs.forOutput(EmbeddingResult.class), true);
        Tensor output =
                Tensor.ofFloats("OUTPUT", TritonDataType.FP32, new long[] {RECORDS, WIDTH}, all);
        EncodedBody binary =
                InferResponseMessage.encode(
                        "embedding", "1", null, List.of(output), new boolean[] {true});
        binaryResponse = binary.toByteArray();
        headerLength = binary.headerLength();
        jsonResponse =
                InferResponseMessage.encode(
                                "embedding", "1", null, List.of(output), new boolean[] {false})
                        .toByteArray();
        inputField = EmbeddingRequest.class.getField("values");
        outputField = EmbeddingResult.class.getField("values");
    }

    // ---- encoding ----------------------------------------------------------------------------

    @Benchmark
    public EncodedBody encodeGenerated() {
        return encoder.encode(records);
    }

    @Benchmark
    public byte[] encodeHandWritten() {
        byte[] out = new byte[RECORDS * WIDTH * 4];
        ByteBuffer buffer = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (EmbeddingRequest record : records) {
            buffer.asFloatBuffer().put(record.values);
            buffer.position(buffer.position() + 4 * WIDTH);
        }
        return out;
    }

    @Benchmark
    public byte[] encodeJackson() throws Exception {
        float[] data = new float[RECORDS * WIDTH];
        for (int r = 0; r < RECORDS; r++) {
            System.arraycopy(records.get(r).values, 0, data, r * WIDTH, WIDTH);
        }
        JsonRequest request = new JsonRequest();
        request.inputs =
                List.of(new JsonTensor("INPUT", "FP32", new long[] {RECORDS, WIDTH}, data));
        request.outputs = List.of(new JsonOutput("OUTPUT"));
        return jackson.writeValueAsBytes(request);
    }

    @Benchmark
    public byte[] encodeReflection() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(RECORDS * WIDTH * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (Object record : records) {
            Object array = inputField.get(record);
            int length = Array.getLength(array);
            for (int i = 0; i < length; i++) {
                buffer.putFloat(Array.getFloat(array, i));
            }
        }
        return buffer.array();
    }

    // ---- decoding ----------------------------------------------------------------------------

    @Benchmark
    public List<EmbeddingResult> decodeGenerated() {
        return decoder.decode(binaryResponse, headerLength, RECORDS);
    }

    @Benchmark
    public List<EmbeddingResult> decodeHandWritten() {
        List<EmbeddingResult> results = new ArrayList<>(RECORDS);
        ByteBuffer buffer =
                ByteBuffer.wrap(binaryResponse, headerLength, RECORDS * WIDTH * 4)
                        .slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < RECORDS; r++) {
            EmbeddingResult result = new EmbeddingResult();
            result.values = new float[WIDTH];
            buffer.asFloatBuffer().get(result.values);
            buffer.position(buffer.position() + 4 * WIDTH);
            results.add(result);
        }
        return results;
    }

    @Benchmark
    public List<EmbeddingResult> decodeJackson() throws Exception {
        JsonResponse response = jackson.readValue(jsonResponse, JsonResponse.class);
        float[] data = response.outputs.get(0).data;
        List<EmbeddingResult> results = new ArrayList<>(RECORDS);
        for (int r = 0; r < RECORDS; r++) {
            EmbeddingResult result = new EmbeddingResult();
            result.values = new float[WIDTH];
            System.arraycopy(data, r * WIDTH, result.values, 0, WIDTH);
            results.add(result);
        }
        return results;
    }

    @Benchmark
    public List<Object> decodeReflection() throws Exception {
        List<Object> results = new ArrayList<>(RECORDS);
        ByteBuffer buffer =
                ByteBuffer.wrap(binaryResponse, headerLength, RECORDS * WIDTH * 4)
                        .slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < RECORDS; r++) {
            Object result = EmbeddingResult.class.getDeclaredConstructor().newInstance();
            Object array = Array.newInstance(outputField.getType().getComponentType(), WIDTH);
            for (int i = 0; i < WIDTH; i++) {
                Array.setFloat(array, i, buffer.getFloat());
            }
            outputField.set(result, array);
            results.add(result);
        }
        return results;
    }

    // ---- the JSON client's data model ----------------------------------------------------------

    /** A KServe v2 request as a JSON-only client models it. */
    public static final class JsonRequest {
        public List<JsonTensor> inputs;
        public List<JsonOutput> outputs;
    }

    /** A tensor with JSON data. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public static final class JsonTensor {
        public String name;
        public String datatype;
        public long[] shape;
        public float[] data;

        public JsonTensor() {}

        JsonTensor(String name, String datatype, long[] shape, float[] data) {
            this.name = name;
            this.datatype = datatype;
            this.shape = shape;
            this.data = data;
        }
    }

    /** A requested output. */
    public static final class JsonOutput {
        public String name;

        public JsonOutput() {}

        JsonOutput(String name) {
            this.name = name;
        }
    }

    /** A KServe v2 response as a JSON-only client models it. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public static final class JsonResponse {
        public List<JsonTensor> outputs;
    }
}
