package org.flinktriton.benchmarks.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.ModelRequest;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.wire.Tensor;

/**
 * An FP32[512] model for the client benchmark, defined with the testkit's public API: FP32 {@code
 * EMBEDDING} [512] in, FP32 {@code NORMALIZED} [512] out, each embedding scaled to unit length (the
 * last step of many embedding models). One tensor each way, 2 KiB per record each way.
 */
final class Normalize {
    static final int WIDTH = 512;

    private Normalize() {}

    static TestModel model(int maxBatchSize) {
        return TestModel.builder("normalize")
                .maxBatchSize(maxBatchSize)
                .input("EMBEDDING", TritonDataType.FP32, WIDTH)
                .output("NORMALIZED", TritonDataType.FP32, WIDTH)
                .handler(Normalize::infer)
                .build();
    }

    private static List<Tensor> infer(ModelRequest request) {
        Tensor in = request.input("EMBEDDING");
        FloatBuffer embeddings = in.data().asFloatBuffer();
        byte[] out = new byte[4 * in.elementCount()];
        FloatBuffer normalized =
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] vector = new float[WIDTH];
        for (int at = 0; at < in.elementCount(); at += WIDTH) {
            embeddings.get(at, vector);
            double squares = 0;
            for (float x : vector) {
                squares += x * x;
            }
            float scale = squares > 0 ? (float) (1 / Math.sqrt(squares)) : 0;
            for (int i = 0; i < WIDTH; i++) {
                vector[i] *= scale;
            }
            normalized.put(at, vector);
        }
        return List.of(Tensor.ofRaw("NORMALIZED", TritonDataType.FP32, in.shape(), out));
    }
}
