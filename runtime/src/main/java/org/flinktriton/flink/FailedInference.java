package org.flinktriton.flink;

import java.time.Instant;
import java.util.Objects;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;

/**
 * A record whose inference failed for good, as {@link TritonInference}'s dead-letter side output
 * carries it: the record itself and what went wrong.
 *
 * <pre>{@code
 * TritonInference<Review, Score> inference =
 *         TritonInference.builder(Review.class, Score.class).endpoint(url).deadLetters().build();
 * SingleOutputStreamOperator<Score> scores = inference.apply(reviews);
 * DataStream<FailedInference<Review>> failed = scores.getSideOutput(inference.deadLetterTag());
 * }</pre>
 *
 * <p>Flink serializes it as a POJO whose {@code input} field has the input class's own type
 * information (see {@link TritonInference#deadLetterTag()}), without Kryo. The public no-argument
 * constructor is for that serializer.
 *
 * @param <IN> the input class
 */
public final class FailedInference<IN> {
    private IN input;
    private String model;
    private int statusCode = -1;
    private String errorType;
    private String message;
    private int attempts;
    private long failedAtMillis;

    /** For Flink's serializer. */
    public FailedInference() {}

    public FailedInference(
            IN input,
            String model,
            int statusCode,
            String errorType,
            String message,
            int attempts,
            long failedAtMillis) {
        this.input = Objects.requireNonNull(input, "input");
        this.model = model;
        this.statusCode = statusCode;
        this.errorType = errorType;
        this.message = message;
        this.attempts = attempts;
        this.failedAtMillis = failedAtMillis;
    }

    /**
     * The dead letter of {@code input}, which failed with {@code failure} after {@code attempts}.
     */
    static <IN> FailedInference<IN> of(
            IN input, String model, TritonException failure, int attempts, long nowMillis) {
        return new FailedInference<>(
                input,
                failure.model() != null ? failure.model() : model,
                failure instanceof TritonServerException
                        ? ((TritonServerException) failure).statusCode()
                        : -1,
                failure.getClass().getSimpleName(),
                failure.getMessage(),
                attempts,
                nowMillis);
    }

    /** The record that failed, as it came in. */
    public IN input() {
        return input;
    }

    /** The model's name. */
    public String model() {
        return model;
    }

    /** The HTTP status of the last answer; -1 when there was none (unreachable, timed out). */
    public int statusCode() {
        return statusCode;
    }

    /**
     * The simple class name of the {@link TritonException}, such as {@code TritonServerException}
     * or {@code TritonTimeoutException}.
     */
    public String errorType() {
        return errorType;
    }

    /** The failure's message: the model, the request and the server's error text. */
    public String message() {
        return message;
    }

    /**
     * How many requests carried the record (retries and the requests that isolated it included); 0
     * when none did: it did not fit its tensor spec or no request could carry it, or its batch
     * timed out before an answer.
     */
    public int attempts() {
        return attempts;
    }

    /** When the failure was settled, in epoch milliseconds. */
    public long failedAtMillis() {
        return failedAtMillis;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof FailedInference)) {
            return false;
        }
        FailedInference<?> that = (FailedInference<?>) other;
        return statusCode == that.statusCode
                && attempts == that.attempts
                && failedAtMillis == that.failedAtMillis
                && Objects.equals(input, that.input)
                && Objects.equals(model, that.model)
                && Objects.equals(errorType, that.errorType)
                && Objects.equals(message, that.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(input, model, statusCode, errorType, message, attempts, failedAtMillis);
    }

    /**
     * For example {@code FailedInference{model 'm', HTTP 400, TritonServerException after 7
     * attempt(s) at …: …; input …}}.
     */
    @Override
    public String toString() {
        return "FailedInference{model '"
                + model
                + "', "
                + (statusCode < 0 ? "no HTTP answer" : "HTTP " + statusCode)
                + ", "
                + errorType
                + " after "
                + attempts
                + " attempt(s) at "
                + Instant.ofEpochMilli(failedAtMillis)
                + ": "
                + message
                + "; input "
                + input
                + "}";
    }
}
