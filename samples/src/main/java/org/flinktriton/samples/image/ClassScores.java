package org.flinktriton.samples.image;

import org.flinktriton.annotations.TritonOutput;

/**
 * The output of {@code densenet_onnx}: {@code fc6_1}, one FP32 score per ImageNet class (logits,
 * not probabilities).
 *
 * @param scores 1,000 scores
 */
public record ClassScores(
        @TritonOutput(
                        name = "fc6_1",
                        shape = {SyntheticImages.CLASSES})
                float[] scores) {}
