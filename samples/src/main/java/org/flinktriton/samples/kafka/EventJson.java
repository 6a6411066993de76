package org.flinktriton.samples.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.flinktriton.flink.FailedInference;
import org.flinktriton.samples.text.Reviews;
import org.flinktriton.samples.text.TextScorer;

/**
 * The JSON of {@link KafkaEnrichmentJob}'s three topics.
 *
 * <ul>
 *   <li>An input event is a JSON object with a string {@code text}; every other field is kept:
 *       {@code {"id": 7, "text": "The app is not bad at all."}}.
 *   <li>An enriched event is the input event with a {@code sentiment} object added: {@code {"id":
 *       7, "text": "The app is not bad at all.", "sentiment": {"label": "positive", "negative":
 *       0.0042, "neutral": 0.1312, "positive": 0.8646}}}.
 *   <li>A dead letter says why and where from, and carries the event's value as it came: {@code
 *       {"reason": "not JSON: Unrecognized token 'oops' …", "errorType": "InvalidEvent", "model":
 *       "sentiment", "statusCode": -1, "attempts": 0, "failedAt": "2025-…Z", "topic": "reviews",
 *       "partition": 0, "offset": 41, "key": "41", "event": "oops"}}. {@code errorType} is {@value
 *       #INVALID_EVENT} for an event the job could not read, and the {@code TritonException}'s
 *       class for one the model failed on ({@link FailedInference#errorType()}), with the HTTP
 *       status and how many requests carried it.
 * </ul>
 */
public final class EventJson {
    /** The dead letters' {@code errorType} of events that are not reviews. */
    public static final String INVALID_EVENT = "InvalidEvent";

    /** The field of an input event that the model reads. */
    public static final String TEXT = "text";

    /** The field an enriched event gets. */
    public static final String SENTIMENT = "sentiment";

    private static final ObjectMapper JSON = new ObjectMapper();

    private EventJson() {}

    /**
     * Reads the review in {@code event}'s value into its {@link ReviewEvent#text}; when the value
     * is not a review, leaves the event alone and returns why, in one line.
     */
    public static Optional<String> read(ReviewEvent event) {
        if (event.value == null) {
            return Optional.of("no value (a tombstone)");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(event.value);
        } catch (JsonProcessingException e) {
            return Optional.of("not JSON: " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            return Optional.of("not JSON: empty value");
        }
        if (!tree.isObject()) {
            return Optional.of(
                    "not a JSON object but " + tree.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        JsonNode text = tree.get(TEXT);
        if (text == null || text.isNull()) {
            return Optional.of("missing field '" + TEXT + "'");
        }
        if (!text.isTextual()) {
            return Optional.of("field '" + TEXT + "' is not a string but " + text);
        }
        event.text = text.textValue();
        return Optional.empty();
    }

    /** The enriched event: the event's JSON with a {@code sentiment} object from its scores. */
    public static byte[] enriched(ReviewEvent event) {
        try {
            ObjectNode tree = (ObjectNode) JSON.readTree(event.value);
            ObjectNode sentiment = tree.putObject(SENTIMENT);
            sentiment.put("label", TextScorer.label(event.scores));
            for (int i = 0; i < TextScorer.LABELS.size(); i++) {
                sentiment.put(TextScorer.LABELS.get(i), event.scores[i]);
            }
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException | ClassCastException e) {
            // read() accepted this value, so it parses to an object.
            throw new IllegalStateException("Event " + event.coordinates() + " changed", e);
        }
    }

    /** The dead letter of an event that could not be read or scored. */
    public static byte[] deadLetter(FailedInference<ReviewEvent> failed) {
        ReviewEvent event = failed.input();
        ObjectNode tree = JSON.createObjectNode();
        tree.put("reason", failed.message());
        tree.put("errorType", failed.errorType());
        tree.put("model", failed.model());
        tree.put("statusCode", failed.statusCode());
        tree.put("attempts", failed.attempts());
        tree.put("failedAt", Instant.ofEpochMilli(failed.failedAtMillis()).toString());
        tree.put("topic", event.topic);
        tree.put("partition", event.partition);
        tree.put("offset", event.offset);
        tree.put("key", event.key);
        tree.put("event", event.value);
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the dead letter of " + event, e);
        }
    }

    /**
     * Synthetic event number {@code id}: the review {@link Reviews#text} as {@code {"id": …,
     * "text": …}}, or, when {@code badEvery} is above 0 and {@code id % badEvery == badEvery - 1},
     * a bad one, in turn a line of plain text and a JSON object without {@code text}.
     */
    public static String synthetic(long id, int badEvery) {
        String review = Reviews.text(id);
        if (isBad(id, badEvery)) {
            ObjectNode broken = JSON.createObjectNode().put("id", id).put("review", review);
            return (id / badEvery) % 2 == 0 ? "review " + id + ": " + review : broken.toString();
        }
        return JSON.createObjectNode().put("id", id).put(TEXT, review).toString();
    }

    /** Whether {@link #synthetic} makes event {@code id} a bad one. */
    public static boolean isBad(long id, int badEvery) {
        return badEvery > 0 && id % badEvery == badEvery - 1;
    }

    /** Parses an enriched event or a dead letter, as a consumer of the output topics would. */
    public static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Not JSON: " + new String(value, StandardCharsets.UTF_8), e);
        }
    }
}
