package org.flinktriton.samples.text;

import java.util.Locale;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;
import org.flinktriton.samples.common.Timed;

/**
 * A product review that is sent to the {@code sentiment} model and comes back enriched: the class
 * carries both the input ({@code TEXT}, BYTES, inferred from {@code String}) and the output ({@code
 * SCORES}, FP32, inferred from {@code float[]}), so the generated codec writes the scores into the
 * very record that was sent. The other fields travel through the job untouched.
 */
public class Review implements Timed {
    /** The record's position in the generated stream. */
    public long id;

    @TritonInput(
            name = "TEXT",
            shape = {1})
    public String text;

    /** Probabilities of negative, neutral and positive; null until the model has answered. */
    @TritonOutput(
            name = "SCORES",
            shape = {3})
    public float[] scores;

    /** When the source generated the record, in epoch microseconds. */
    public long ingestMicros;

    /** When the scored record left the inference operator, in epoch microseconds. */
    public long doneMicros;

    /** For Flink's POJO serializer and the generated codec. */
    public Review() {}

    /** A review that has not been scored yet. */
    public Review(long id, String text, long ingestMicros) {
        this.id = id;
        this.text = text;
        this.ingestMicros = ingestMicros;
    }

    /** The most likely class, once scored. */
    public String label() {
        return scores == null ? "unscored" : TextScorer.label(scores);
    }

    @Override
    public long ingestMicros() {
        return ingestMicros;
    }

    @Override
    public long doneMicros() {
        return doneMicros;
    }

    @Override
    public String toString() {
        if (scores == null) {
            return "#" + id + " unscored \"" + text + "\"";
        }
        return String.format(
                Locale.ROOT,
                "#%d %-8s (negative %.3f, neutral %.3f, positive %.3f) \"%s\"",
                id,
                label(),
                scores[0],
                scores[1],
                scores[2],
                text);
    }
}
