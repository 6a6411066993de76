package org.flinktriton.samples.image;

import java.util.Locale;
import org.flinktriton.samples.common.Timed;

/**
 * What {@link ImageClassificationJob} emits per image: the {@code k} best classes and their scores,
 * computed in the job from the model's 1,000 scores, and the latency stamps. The pixels are not
 * carried on: downstream operators get a small record.
 */
public class Classification implements Timed {
    public long id;

    /** The class the synthetic image was drawn as. */
    public int drawnClass;

    /** The best classes, best first. */
    public int[] topClasses;

    /** Their scores, highest first. */
    public float[] topScores;

    public long ingestMicros;
    public long doneMicros;

    /** For Flink's POJO serializer. */
    public Classification() {}

    /** The {@code k} best classes of {@code image} by {@code scores}. */
    public static Classification of(ImageRequest image, ClassScores scores, int k) {
        Classification result = new Classification();
        result.id = image.id;
        result.drawnClass = image.drawnClass;
        result.topClasses = TopK.indices(scores.scores(), k);
        result.topScores = new float[result.topClasses.length];
        for (int i = 0; i < result.topClasses.length; i++) {
            result.topScores[i] = scores.scores()[result.topClasses[i]];
        }
        result.ingestMicros = image.ingestMicros;
        return result;
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
        StringBuilder text =
                new StringBuilder(
                        String.format(
                                Locale.ROOT, "#%d drawn as class %03d, top:", id, drawnClass));
        for (int i = 0; i < topClasses.length; i++) {
            text.append(String.format(Locale.ROOT, " %03d (%.2f)", topClasses[i], topScores[i]));
        }
        return text.toString();
    }
}
