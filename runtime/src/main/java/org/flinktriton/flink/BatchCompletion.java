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

    /**
     * Results of the input at {@code input} (its position in the batch) that may leave before the
     * batch completes: {@code results} runs on the task thread, and what it returns is emitted with
     * that input's timestamp, after the input's earlier results and as soon as the operator's order
     * and the watermarks ahead of the batch allow. Ignored once the batch has completed. A failure
     * of {@code results} fails the batch like {@link #completeExceptionally}.
     */
    void emitEarly(int input, Callable<? extends Collection<OUT>> results);

    /**
     * Like {@link #emitEarly}, and the input has all its results: once they are emitted it leaves
     * the operator's checkpointed state, so a restore does not send it again. Call it at most once
     * per input, after its other results; the batch still completes as a whole, with the results
     * that belong to no input in particular (usually none).
     */
    void completeInput(int input, Callable<? extends Collection<OUT>> results);

    /** The operator's timeout of the batch. */
    @Override
    Duration timeout();
}
