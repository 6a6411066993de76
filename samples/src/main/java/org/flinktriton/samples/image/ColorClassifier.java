package org.flinktriton.samples.image;

import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.wire.Tensor;

/**
 * The embedded stand-in for {@code densenet_onnx}: the same tensors ({@code data_0} FP32 [3, 224,
 * 224] in, {@code fc6_1} FP32 [1000] out, {@code max_batch_size} 0) and a real, if modest,
 * classifier: it averages each colour plane of the image, maps the means back to the ten levels of
 * {@link SyntheticImages}, and scores class {@code 100·r + 10·g + b} by minus the squared distance
 * between the measured levels and {@code (r, g, b)}. The class a synthetic image was drawn as
 * scores highest; its neighbours in colour come next.
 */
public final class ColorClassifier {
    /** The name of Triton's example model that this stands in for. */
    public static final String NAME = "densenet_onnx";

    private ColorClassifier() {}

    /** The model, served under {@code name}. */
    public static TestModel embedded(String name) {
        int size = SyntheticImages.SIZE;
        return TestModel.builder(name)
                .maxBatchSize(0)
                .input("data_0", TritonDataType.FP32, ImageRequest.CHANNELS, size, size)
                .output("fc6_1", TritonDataType.FP32, SyntheticImages.CLASSES)
                .handler(
                        request -> {
                            float[] scores = scores(request.input("data_0").toFloats());
                            return List.of(
                                    Tensor.ofFloats(
                                            "fc6_1",
                                            TritonDataType.FP32,
                                            request.outputShape("fc6_1"),
                                            scores));
                        })
                .build();
    }

    /** The 1,000 class scores of one preprocessed image ({@code [3, 224, 224]}, in [-1, 1]). */
    public static float[] scores(float[] pixels) {
        int plane = pixels.length / ImageRequest.CHANNELS;
        double[] levels = new double[ImageRequest.CHANNELS];
        for (int c = 0; c < ImageRequest.CHANNELS; c++) {
            double sum = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                sum += pixels[i];
            }
            double byteValue = (sum / plane + 1) * 127.5;
            levels[c] = byteValue / SyntheticImages.STEP - 0.5;
        }
        float[] scores = new float[SyntheticImages.CLASSES];
        for (int k = 0; k < SyntheticImages.CLASSES; k++) {
            double dr = levels[0] - k / 100;
            double dg = levels[1] - k / 10 % 10;
            double db = levels[2] - k % 10;
            scores[k] = (float) -(dr * dr + dg * dg + db * db);
        }
        return scores;
    }
}
