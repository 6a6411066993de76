package org.flinktriton.samples.text;

/**
 * Synthetic product reviews, the same for the same number: a subject, a verdict and sometimes a
 * closing sentence, combined so that praise, complaints, negations ("not bad at all"), intensifiers
 * and plain statements all occur.
 */
public final class Reviews {
    static final String[] SUBJECTS = {
        "The battery",
        "This blender",
        "The delivery",
        "Customer service",
        "The screen",
        "This jacket",
        "The app",
        "The headphones",
    };

    static final String[] VERDICTS = {
        "is great",
        "is not good",
        "broke after a week",
        "works as described",
        "is very comfortable",
        "arrived on Tuesday",
        "was terrible",
        "is not bad at all",
        "was hardly worth the price",
        "is okay I guess",
        "is really reliable",
        "is so noisy",
        "came in a blue box",
        "is the best I have owned",
        "leaks and feels flimsy",
    };

    static final String[] ENDINGS = {
        "", " I would recommend it.", " I want a refund.", " Nothing else to add.",
    };

    private Reviews() {}

    /** The text of review number {@code id}. */
    public static String text(long id) {
        int n = (int) (id % (SUBJECTS.length * VERDICTS.length * ENDINGS.length));
        return SUBJECTS[n % SUBJECTS.length]
                + " "
                + VERDICTS[n / SUBJECTS.length % VERDICTS.length]
                + "."
                + ENDINGS[n / (SUBJECTS.length * VERDICTS.length)];
    }
}
