package com.acme;

import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;

/** Enrichment: the review is sent, and the model's outputs are written back into it. */
@TritonModel(name = "sentiment")
public class Review {
    @TritonInput(name = "TEXT")
    private String text;

    @TritonInput(name = "TOKENS", shape = {-1, 4})
    int[][] tokens;

    @TritonOutput(name = "SCORES", shape = {3})
    private float[] scores;

    @TritonOutput(name = "LABELS")
    List<String> labels;

    public String getText() {
        return text;
    }

    public void setText(String text) {
        this.text = text;
    }

    public float[] getScores() {
        return scores;
    }

    public void setScores(float[] scores) {
        this.scores = scores;
    }

    /** Outputs only, in a nested class. */
    public static class Summary {
        @TritonOutput(name = "SUMMARY")
        public String summary;

        @TritonOutput(name = "EMBEDDING", datatype = TritonDataType.FP16, shape = {2, -1})
        public float[][] embedding;
    }
}
