package org.flinktriton.samples.text;

import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.wire.Tensor;

/**
 * The {@code sentiment} model for the embedded test server: the same tensors as {@code
 * samples/model_repository/sentiment/config.pbtxt} ({@code TEXT} BYTES [1] in, {@code SCORES} FP32
 * [3] out, {@code max_batch_size} 64) and the same {@link TextScorer} as its {@code model.py}.
 */
public final class SentimentModel {
    /** The model's name in the sample repository. */
    public static final String NAME = "sentiment";

    /** As in {@code config.pbtxt}. */
    public static final int MAX_BATCH_SIZE = 64;

    private SentimentModel() {}

    /** The model, served under {@code name}. */
    public static TestModel embedded(String name) {
        TextScorer scorer = TextScorer.load();
        return TestModel.builder(name)
                .maxBatchSize(MAX_BATCH_SIZE)
                .input("TEXT", TritonDataType.BYTES, 1)
                .output("SCORES", TritonDataType.FP32, TextScorer.LABELS.size())
                .handler(
                        request -> {
                            String[] texts = request.input("TEXT").toStrings();
                            int classes = TextScorer.LABELS.size();
                            float[] scores = new float[texts.length * classes];
                            for (int i = 0; i < texts.length; i++) {
                                System.arraycopy(
                                        scorer.scores(texts[i]), 0, scores, i * classes, classes);
                            }
                            return List.of(
                                    Tensor.ofFloats(
                                            "SCORES",
                                            TritonDataType.FP32,
                                            request.outputShape("SCORES"),
                                            scores));
                        })
                .build();
    }
}
