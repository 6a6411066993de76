package org.flinktriton.flink;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import org.apache.flink.types.Either;
import org.flinktriton.TritonException;
import org.flinktriton.client.InferenceOutcome;

/**
 * What {@link TritonInferenceFunction} does with a record that failed for good (rejected by the
 * server, or its retries spent): fail the task (the default), emit a {@link FailedInference} to the
 * dead-letter output, or emit a {@link FallbackFunction}'s output.
 *
 * <p>With dead letters the function's results are {@link Either}s, {@code Left} a result and {@code
 * Right} a dead letter, in input order; {@link TritonInference#apply} splits them into the main
 * output and the side output, on the same task, so order and exactly-once are kept.
 */
final class FailurePolicy<IN> implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final FailurePolicy<Object> FAIL = new FailurePolicy<>(false, null);

    private final boolean deadLetters;
    private final FallbackFunction<? super IN, ?> fallback;

    private FailurePolicy(boolean deadLetters, FallbackFunction<? super IN, ?> fallback) {
        this.deadLetters = deadLetters;
        this.fallback = fallback;
    }

    @SuppressWarnings("unchecked")
    static <IN> FailurePolicy<IN> fail() {
        return (FailurePolicy<IN>) FAIL;
    }

    static <IN> FailurePolicy<IN> deadLetters() {
        return new FailurePolicy<>(true, null);
    }

    static <IN> FailurePolicy<IN> fallback(FallbackFunction<? super IN, ?> fallback) {
        return new FailurePolicy<>(false, Objects.requireNonNull(fallback, "fallback"));
    }

    boolean failsTheTask() {
        return !deadLetters && fallback == null;
    }

    boolean deadLettersOn() {
        return deadLetters;
    }

    /**
     * The batch's results, in input order.
     *
     * @param finish the model output (or fallback output) to the emitted result: the combiner, or
     *     the identity
     * @param model the model, for dead letters whose failure does not name it
     * @throws TritonException for the first failed record when the policy fails the task, naming
     *     its position in the batch and the failure
     */
    List<Object> results(
            List<IN> inputs,
            List<? extends InferenceOutcome<?>> outcomes,
            BiFunction<IN, Object, Object> finish,
            String model,
            InferenceMetrics metrics)
            throws Exception {
        int n = inputs.size();
        if (outcomes.size() != n) {
            throw new TritonException(
                    "Model '"
                            + model
                            + "' gave "
                            + outcomes.size()
                            + " outcomes for "
                            + n
                            + " inputs; cannot match them one to one");
        }
        List<Object> results = new ArrayList<>(n);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            IN input = inputs.get(i);
            InferenceOutcome<?> outcome = outcomes.get(i);
            if (outcome.succeeded()) {
                Object result = finish.apply(input, outcome.output());
                results.add(deadLetters ? Either.Left(result) : result);
                continue;
            }
            results.add(
                    failed(
                            input,
                            i,
                            n,
                            outcome.failure(),
                            outcome.attempts(),
                            finish,
                            model,
                            metrics,
                            now));
        }
        return results;
    }

    /**
     * The result for one record that failed for good: its dead letter or its fallback's output.
     *
     * @param position the record's position in its batch of {@code batchSize}, for the message
     * @throws TritonException when the policy fails the task, naming the position and the failure
     */
    @SuppressWarnings("unchecked")
    Object failed(
            IN input,
            int position,
            int batchSize,
            TritonException failure,
            int attempts,
            BiFunction<IN, Object, Object> finish,
            String model,
            InferenceMetrics metrics,
            long failedAtMillis) {
        if (deadLetters) {
            metrics.deadLetter();
            return Either.Right(
                    FailedInference.of(input, model, failure, attempts, failedAtMillis));
        }
        if (fallback != null) {
            metrics.fallback();
            Object output = ((FallbackFunction<IN, Object>) fallback).apply(input, failure);
            if (output == null) {
                throw new TritonException(
                        "the fallback function returned null for the record at position "
                                + position
                                + " of a batch of "
                                + batchSize
                                + "; it must return an output");
            }
            return finish.apply(input, output);
        }
        throw new TritonException(
                "The record at position "
                        + position
                        + " of a batch of "
                        + batchSize
                        + " failed after "
                        + attempts
                        + " attempt(s): "
                        + failure.getMessage()
                        + ". To keep the job running, send such records to a side output"
                        + " with TritonInference.Builder.deadLetters(), or emit a"
                        + " fallback(...)",
                failure,
                failure.retryable());
    }

    /** Every input failed with {@code failure} (its batch timed out), by this policy. */
    List<Object> allFailed(
            List<IN> inputs,
            TritonException failure,
            BiFunction<IN, Object, Object> finish,
            String model,
            InferenceMetrics metrics)
            throws Exception {
        List<InferenceOutcome<Object>> outcomes = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            outcomes.add(InferenceOutcome.failed(failure, 0));
        }
        return results(inputs, outcomes, finish, model, metrics);
    }
}
