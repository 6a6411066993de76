package org.flinktriton.flink;

import java.io.Serializable;
import org.flinktriton.TritonException;

/**
 * The output to emit for a record whose inference failed for good: rejected by the server, or still
 * failing when its batch's {@code batchTimeout} was spent. Runs on the task thread, in input order;
 * it must be serializable (a lambda that captures nothing else is).
 *
 * <pre>{@code
 * TritonInference.builder(Review.class, Score.class)
 *         .endpoint("http://triton:8000")
 *         .fallback((review, failure) -> Score.unknown())
 *         .build()
 *         .apply(reviews);
 * }</pre>
 *
 * @param <IN> the input class
 * @param <OUT> the model's output class
 */
@FunctionalInterface
public interface FallbackFunction<IN, OUT> extends Serializable {

    /**
     * The output for {@code input}, in place of the model's.
     *
     * @param failure why the record has no output from the model
     * @return the output to emit; not null
     */
    OUT apply(IN input, TritonException failure);
}
