package org.flinktriton.benchmarks.client;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;

/**
 * A model the client benchmarks serve, with the records they send it:
 *
 * <ul>
 *   <li>{@code add_sub_16}: Triton's quick-start add_sub over FP32[16], two inputs and two outputs
 *       (128 bytes per record each way);
 *   <li>{@code normalize_512}: an FP32[512] model, one embedding in and its unit-length version out
 *       ({@link Normalize}; 2 KiB per record each way);
 *   <li>{@code add_sub_512}: add_sub over FP32[512] (4 KiB per record each way), to show what twice
 *       the bytes per record costs.
 * </ul>
 */
final class Workload {
    static final String[] NAMES = {"add_sub_16", "normalize_512", "add_sub_512"};

    final TestModel model;
    final Class<?> outputType;
    private final Function<SplittableRandom, Object> record;

    private Workload(
            TestModel model, Class<?> outputType, Function<SplittableRandom, Object> record) {
        this.model = model;
        this.outputType = outputType;
        this.record = record;
    }

    /** The workload of one of {@link #NAMES}, its model's {@code max_batch_size} 64. */
    static Workload of(String name) {
        switch (name) {
            case "add_sub_16":
                return addSub(16);
            case "normalize_512":
                return new Workload(
                        Normalize.model(64),
                        UnitEmbedding.class,
                        random -> new Embedding(gaussian(random, Normalize.WIDTH)));
            case "add_sub_512":
                return addSub(512);
            default:
                throw new IllegalArgumentException(
                        "Unknown workload '" + name + "'; one of " + String.join(", ", NAMES));
        }
    }

    private static Workload addSub(int width) {
        return new Workload(
                TestModels.addSub("add_sub", TritonDataType.FP32, width, 64),
                SumDifference.class,
                random -> new VectorPair(gaussian(random, width), gaussian(random, width)));
    }

    /** An embedded server for this workload's model, responses never compressed. */
    TritonTestServer startServer() {
        return TritonTestServer.builder().compressResponses(false).model(model).start();
    }

    /** A client of {@code server} for this workload's model, binary tensors or JSON. */
    TritonModelClient client(TritonTestServer server, boolean binary) {
        return TritonModelClient.builder()
                .endpoint(server.endpoint())
                .model(model.name())
                .binaryData(binary)
                .acceptCompressedResponses(false)
                .build();
    }

    /** {@code batch} records of Gaussian values, the same for the same {@code batch}. */
    List<Object> records(int batch) {
        SplittableRandom random = new SplittableRandom(1);
        List<Object> records = new ArrayList<>(batch);
        for (int r = 0; r < batch; r++) {
            records.add(record.apply(random));
        }
        return records;
    }

    private static float[] gaussian(SplittableRandom random, int width) {
        float[] vector = new float[width];
        for (int i = 0; i < width; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        return vector;
    }
}
