package org.flinktriton.flink;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * How a batch of {@link AsyncBatchWaitOperator} is completed: what its {@link ResultFuture} hands
 * over (see {@link BatchResultFuture}). Every method may be called from any thread; the first
 * completion wins and later ones are ignored.
 */
interface BatchCompletion<OUT> extends BatchTimeouts.TimedResultFuture {

    /** The batch's results, one per emitted record, in the order to emit them. */
    void complete(Collection<OUT> results);

    /**
     * Results that the task thread computes when it takes the completion up: for work that is user
     * code or emits (a combiner, a fallback), which should not run on a client's thread. A failure
     * of {@code results} fails the batch like {@link #completeExceptionally}.
     */
    void completeOnTaskThread(Callable<? extends Collection<OUT>> results);

    void completeExceptionally(Throwable error);

    /** The operator's timeout of the batch. */
    @Override
    Duration timeout();
}
