package org.flinktriton.client;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import org.flinktriton.TritonException;

/**
 * What became of one record of a {@link TritonModelClient#inferEach} call: its output, or the
 * {@link TritonException} that its last request failed with; and how many requests carried it.
 *
 * <pre>{@code
 * for (InferenceOutcome<Score> outcome : client.inferEach(reviews, Score.class).join()) {
 *     if (outcome.succeeded()) {
 *         use(outcome.output());
 *     } else {
 *         log(outcome.failure().getMessage(), outcome.attempts());
 *     }
 * }
 * }</pre>
 *
 * @param <O> the output type
 */
public final class InferenceOutcome<O> {
    private final O output;
    private final TritonException failure;
    private final int attempts;

    private InferenceOutcome(O output, TritonException failure, int attempts) {
        this.output = output;
        this.failure = failure;
        this.attempts = attempts;
    }

    /** A record that got its output after {@code attempts} requests. */
    public static <O> InferenceOutcome<O> success(O output, int attempts) {
        return new InferenceOutcome<>(Objects.requireNonNull(output, "output"), null, attempts);
    }

    /** A record that failed with {@code failure} after {@code attempts} requests. */
    public static <O> InferenceOutcome<O> failed(TritonException failure, int attempts) {
        return new InferenceOutcome<>(null, Objects.requireNonNull(failure, "failure"), attempts);
    }

    /** Whether the record got its output. */
    public boolean succeeded() {
        return failure == null;
    }

    /**
     * The record's output.
     *
     * @throws NoSuchElementException when it failed, with its failure as the cause
     */
    public O output() {
        if (failure != null) {
            NoSuchElementException e =
                    new NoSuchElementException("the record failed: " + failure.getMessage());
            e.initCause(failure);
            throw e;
        }
        return output;
    }

    /** The output, or null when the record failed. */
    public O outputOrNull() {
        return output;
    }

    /**
     * The failure of the record's last request; null when it succeeded. Its {@link
     * TritonException#retryable()} says whether the server was unwell (retries ran out) or the
     * record was rejected.
     */
    public TritonException failure() {
        return failure;
    }

    /** {@link #failure()} as an optional. */
    public Optional<TritonException> failureIfAny() {
        return Optional.ofNullable(failure);
    }

    /**
     * How many requests carried this record: retries count, and so do the smaller requests that
     * isolated a rejected record; 0 when it was never sent (it could not be encoded).
     */
    public int attempts() {
        return attempts;
    }

    @Override
    public String toString() {
        return failure == null
                ? "success after " + attempts + " attempt(s): " + output
                : "failed after " + attempts + " attempt(s): " + failure.getMessage();
    }
}
