package org.flinktriton.samples.kafka;

import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;

/**
 * One Kafka record of {@link KafkaEnrichmentJob}'s input topic on its way through the job: where it
 * came from, its value as it came, and, once the value was read as a review, the review's text (the
 * {@code sentiment} model's {@code TEXT}) and the scores the model returned ({@code SCORES}). The
 * class carries the model's input and output, so {@code TritonInference} enriches it in place.
 *
 * <p>A record whose value is not a review (not JSON, no {@code text}) keeps {@code text} null and
 * never reaches the model: it becomes a dead letter with its coordinates and its value.
 */
public class ReviewEvent {
    /** The record's topic. */
    public String topic;

    /** The record's partition. */
    public int partition;

    /** The record's offset in its partition. */
    public long offset;

    /** The record's timestamp (epoch milliseconds): when its producer wrote it, by default. */
    public long timestampMillis;

    /** The record's key as UTF-8 text, or null. */
    public String key;

    /** The record's value as UTF-8 text (bytes that are not UTF-8 replaced), or null for none. */
    public String value;

    /** The review's text, read from the value's {@code text} field; null until then. */
    @TritonInput(
            name = "TEXT",
            shape = {1})
    public String text;

    /** Probabilities of negative, neutral and positive; null until the model has answered. */
    @TritonOutput(
            name = "SCORES",
            shape = {3})
    public float[] scores;

    /** When the scored event left the inference operator, in epoch microseconds. */
    public long doneMicros;

    /** For Flink's POJO serializer and the generated codec. */
    public ReviewEvent() {}

    /** Where the record came from, as {@code topic/partition@offset}. */
    public String coordinates() {
        return topic + "/" + partition + "@" + offset;
    }

    @Override
    public String toString() {
        return "ReviewEvent{" + coordinates() + ", key " + key + ", value " + value + "}";
    }
}
