package org.flinktriton.samples.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small lexicon sentiment model: the model that the text-classification sample's embedded server
 * runs, and, line for line, what {@code samples/model_repository/sentiment/1/model.py} runs on a
 * real Triton. Both read the same {@code lexicon.tsv}.
 *
 * <p>The text is lower-cased and split into tokens (runs of {@code a-z} and {@code '}). Each token
 * with a polarity adds it to the score {@code s}; an intensifier ({@code BOOST}) multiplies the
 * polarity of the token right after it by 1.5; a negator ({@code NEGATE}) flips the sign of the
 * next polar token if that comes within 3 tokens (intensifiers do not count). The three scores are
 * the softmax of the logits {@code (-s, 0.5, s)} for {@link #LABELS negative, neutral, positive}: a
 * text without polar words is neutral.
 *
 * <pre>{@code
 * TextScorer scorer = TextScorer.load();
 * float[] scores = scorer.scores("The battery is not bad at all.");   // positive wins
 * }</pre>
 */
public final class TextScorer {
    /** The classes, in the order of the scores. */
    public static final List<String> LABELS = List.of("negative", "neutral", "positive");

    /** The neutral class's logit: a text needs |s| above it to lean either way. */
    public static final double NEUTRAL_LOGIT = 0.5;

    /** How far a negator reaches. */
    static final int NEGATION_REACH = 3;

    /** The factor of an intensifier. */
    static final double BOOST = 1.5;

    private static final String RESOURCE = "lexicon.tsv";
    private static final Pattern TOKEN = Pattern.compile("[a-z']+");
    private static final Double NEGATE = Double.NaN;
    private static final Double INTENSIFY = Double.POSITIVE_INFINITY;

    /**
     * Polarity per token; {@link #NEGATE} and {@link #INTENSIFY} mark the two kinds of modifier.
     */
    private final Map<String, Double> lexicon;

    private TextScorer(Map<String, Double> lexicon) {
        this.lexicon = Map.copyOf(lexicon);
    }

    /** The scorer with the sample's lexicon, from the class path. */
    public static TextScorer load() {
        try (InputStream in = TextScorer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        RESOURCE
                                + " is missing next to "
                                + TextScorer.class.getName()
                                + "; the build copies it from samples/model_repository/sentiment");
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A scorer with the lexicon in {@code lexicon}, in the format of {@code lexicon.tsv}. */
    public static TextScorer parse(Reader lexicon) throws IOException {
        Map<String, Double> entries = new HashMap<>();
        BufferedReader lines = new BufferedReader(lexicon);
        int number = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            number++;
            String entry = line.strip();
            if (entry.isEmpty() || entry.startsWith("#")) {
                continue;
            }
            String[] fields = entry.split("\t");
            if (fields.length != 2) {
                throw new IOException(
                        "lexicon line " + number + ": expected 'token<TAB>value': " + line);
            }
            String value = fields[1].strip();
            double polarity;
            switch (value) {
                case "NEGATE" -> polarity = NEGATE;
                case "BOOST" -> polarity = INTENSIFY;
                default -> {
                    try {
                        polarity = Double.parseDouble(value);
                    } catch (NumberFormatException e) {
                        throw new IOException(
                                "lexicon line "
                                        + number
                                        + ": expected a number, NEGATE or BOOST: "
                                        + line);
                    }
                }
            }
            entries.put(fields[0].strip(), polarity);
        }
        return new TextScorer(entries);
    }

    /** The polarity {@code s} of {@code text}: positive for good, negative for bad, 0 for none. */
    public double polarity(String text) {
        double score = 0;
        int negation = 0;
        double boost = 1;
        Matcher tokens = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        while (tokens.find()) {
            Double value = lexicon.get(tokens.group());
            if (value != null && value.isNaN()) {
                negation = NEGATION_REACH;
                boost = 1;
                continue;
            }
            if (value != null && value.isInfinite()) {
                boost *= BOOST;
                continue;
            }
            if (value != null) {
                double polarity = value * boost;
                score += negation > 0 ? -polarity : polarity;
                negation = 0;
            } else if (negation > 0) {
                negation--;
            }
            boost = 1;
        }
        return score;
    }

    /** The probabilities of {@link #LABELS} for {@code text}; they sum to 1. */
    public float[] scores(String text) {
        double s = polarity(text);
        double[] logits = {-s, NEUTRAL_LOGIT, s};
        double max = Math.max(Math.max(logits[0], logits[1]), logits[2]);
        double sum = 0;
        double[] exp = new double[3];
        for (int i = 0; i < 3; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
        }
        float[] scores = new float[3];
        for (int i = 0; i < 3; i++) {
            scores[i] = (float) (exp[i] / sum);
        }
        return scores;
    }

    /** The label with the highest score; ties go to the first. */
    public static String label(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return LABELS.get(best);
    }
}
