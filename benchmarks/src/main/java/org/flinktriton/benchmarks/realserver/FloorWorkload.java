package org.flinktriton.benchmarks.realserver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * One of the anchors' workloads: the KServe model, its FP32 inputs and outputs, and the records
 * sent on every request. The records are those of the anchors' {@code bench_triton.py} and {@code
 * Checks.java}, so that all sides send the same bytes ({@link #inputCrc32()} matches theirs):
 *
 * <ul>
 *   <li>{@code addsub64}, {@code addsub1}: {@code add_sub}, INPUT0 and INPUT1 FP32[n,16] in,
 *       OUTPUT0 (sum) and OUTPUT1 (difference) out, 64 or 1 records per request;
 *   <li>{@code norm64}: {@code normalize_512}, INPUT0 FP32[64,512] in, OUTPUT0 (each row over its
 *       norm) out.
 * </ul>
 */
final class FloorWorkload {
    static final String NAMES = "addsub64, norm64, addsub1";

    final String name;
    final String model;
    final int records;
    final int width;
    final String[] outputNames;
    private final String[] inputNames;
    private final float[][][] inputs; // [input][record][element]

    private FloorWorkload(
            String name,
            String model,
            int width,
            String[] inputNames,
            String[] outputNames,
            float[][][] inputs) {
        this.name = name;
        this.model = model;
        this.records = inputs[0].length;
        this.width = width;
        this.inputNames = inputNames;
        this.outputNames = outputNames;
        this.inputs = inputs;
    }

    /** The workload called {@code name}, one of {@link #NAMES}. */
    static FloorWorkload of(String name) {
        switch (name) {
            case "addsub64":
                return addSub(name, 64);
            case "addsub1":
                return addSub(name, 1);
            case "norm64":
                float[][] x = new float[64][512];
                for (int i = 0; i < x.length; i++) {
                    for (int k = 0; k < 512; k++) {
                        x[i][k] = (float) (((i * 512 + k) % 113) * 0.01 + 0.5);
                    }
                }
                return new FloorWorkload(
                        name,
                        "normalize_512",
                        512,
                        new String[] {"INPUT0"},
                        new String[] {"OUTPUT0"},
                        new float[][][] {x});
            default:
                throw new IllegalArgumentException(
                        "Unknown workload '" + name + "'; one of " + NAMES);
        }
    }

    private static FloorWorkload addSub(String name, int n) {
        float[][] a = new float[n][16];
        float[][] b = new float[n][16];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 16; j++) {
                int k = i * 16 + j;
                a[i][j] = (float) ((k % 97) * 0.5 - 20.0);
                b[i][j] = (float) ((i * 7 + j * 3) % 89 * 0.25 - 10.0) + 1e-3f * j;
            }
        }
        return new FloorWorkload(
                name,
                "add_sub",
                16,
                new String[] {"INPUT0", "INPUT1"},
                new String[] {"OUTPUT0", "OUTPUT1"},
                new float[][][] {a, b});
    }

    /**
     * The request for the records, built anew as a client builds it for each batch: the JSON header
     * here, the tensor bytes when the transport writes the body.
     */
    InferBody request() {
        int tensorBytes = records * width * Float.BYTES;
        StringBuilder json = new StringBuilder(160 + 120 * inputNames.length);
        json.append("{\"inputs\":[");
        for (int i = 0; i < inputNames.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"name\":\"")
                    .append(inputNames[i])
                    .append("\",\"datatype\":\"FP32\",\"shape\":[")
                    .append(records)
                    .append(',')
                    .append(width)
                    .append("],\"parameters\":{\"binary_data_size\":")
                    .append(tensorBytes)
                    .append("}}");
        }
        json.append("],\"outputs\":[");
        for (int i = 0; i < outputNames.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"name\":\"")
                    .append(outputNames[i])
                    .append("\",\"parameters\":{\"binary_data\":true}}");
        }
        json.append("]}");
        return new InferBody(json.toString().getBytes(StandardCharsets.US_ASCII), inputs, width);
    }

    /**
     * Fails unless {@code outputs} ([output][record][element]) are the model's answer for the
     * records: sum and difference bit for bit, or each row over its norm within numpy's {@code
     * allclose} tolerance.
     */
    void check(float[][][] outputs) {
        require(outputs.length == outputNames.length, outputs.length + " outputs");
        boolean addSub = model.equals("add_sub");
        for (int o = 0; o < outputs.length; o++) {
            require(outputs[o].length == records, outputs[o].length + " records in output " + o);
            for (int r = 0; r < records; r++) {
                float[] got = outputs[o][r];
                require(got.length == width, "record " + r + " has " + got.length + " elements");
                float[] x = inputs[0][r];
                double norm = addSub ? 1 : norm(x);
                for (int k = 0; k < width; k++) {
                    boolean right;
                    float want;
                    if (addSub) {
                        want = o == 0 ? x[k] + inputs[1][r][k] : x[k] - inputs[1][r][k];
                        right = Float.floatToIntBits(got[k]) == Float.floatToIntBits(want);
                    } else {
                        want = (float) (x[k] / norm);
                        right = Math.abs(got[k] - want) <= 1e-8 + 1e-5 * Math.abs(want);
                    }
                    if (!right) {
                        throw new IllegalStateException(
                                String.format(
                                        Locale.ROOT,
                                        "wrong %s answer: %s of record %d, element %d is %s,"
                                                + " want %s",
                                        model,
                                        outputNames[o],
                                        r,
                                        k,
                                        got[k],
                                        want));
                    }
                }
            }
        }
    }

    private static double norm(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }

    /** CRC-32 of the inputs' little-endian bytes, input after input, as the anchors print it. */
    long inputCrc32() {
        CRC32 crc = new CRC32();
        ByteBuffer bytes = ByteBuffer.allocate(width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[][] input : inputs) {
            for (float[] record : input) {
                bytes.clear();
                bytes.asFloatBuffer().put(record);
                crc.update(bytes.array());
            }
        }
        return crc.getValue();
    }
}
