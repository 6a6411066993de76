package org.flinktriton.flink;

import java.io.Serializable;
import java.util.List;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * A function that turns a batch of records into results asynchronously, for example by sending the
 * whole batch to an inference server in one request. The operator built by {@link
 * AsyncBatchDataStream} collects the batches, calls {@link #asyncInvokeBatch} on the task thread,
 * and emits whatever the function hands to the {@link ResultFuture}, from any thread, later.
 *
 * <p>When the function completes a batch with exactly one result per input, in input order, each
 * result inherits the timestamp of its input. Any other number of results is allowed too; those
 * results then carry the latest timestamp of the batch.
 *
 * <pre>{@code
 * AsyncBatchFunction<Long, Long> doubler =
 *         (inputs, resultFuture) ->
 *                 CompletableFuture.supplyAsync(
 *                                 () -> inputs.stream().map(x -> x * 2).toList(), executor)
 *                         .whenComplete(
 *                                 (results, error) -> {
 *                                     if (error != null) {
 *                                         resultFuture.completeExceptionally(error);
 *                                     } else {
 *                                         resultFuture.complete(results);
 *                                     }
 *                                 });
 * }</pre>
 *
 * <p>The shape follows the {@code AsyncBatchFunction} proposed for Apache Flink (FLINK-38825),
 * which no released Flink ships yet; this one lives here so that jobs run on Flink 1.20 and 2.x
 * today.
 *
 * @param <IN> the type of the records in a batch
 * @param <OUT> the type of the results
 */
public interface AsyncBatchFunction<IN, OUT> extends Function, Serializable {

    /**
     * Starts the asynchronous work for one batch and returns without waiting for it.
     *
     * <p>Complete {@code resultFuture} exactly once: with the results (an empty collection emits
     * nothing) or exceptionally, which fails the task so that Flink's restart strategy applies.
     * Later completions are ignored. An exception thrown from here fails the task as well. On Flink
     * 2.1 and later {@code resultFuture.complete(CollectionSupplier)} works too: the operator calls
     * the supplier on the task thread, as Flink's own async operator does.
     *
     * @param inputs the records of the batch, in arrival order; not modifiable, never empty
     * @param resultFuture receives the results of the batch
     */
    void asyncInvokeBatch(List<IN> inputs, ResultFuture<OUT> resultFuture) throws Exception;

    /**
     * Called on the task thread when a batch has not completed within the configured {@link
     * AsyncBatchOptions#timeout()}. Override it to complete {@code resultFuture} with fallback
     * results instead; whichever completion comes first wins.
     *
     * <p>By default the batch completes exceptionally with a {@link
     * java.util.concurrent.TimeoutException} that names the batch size and the timeout, which fails
     * the task.
     *
     * @param inputs the records of the batch that timed out
     * @param resultFuture the same future that was passed to {@link #asyncInvokeBatch}
     */
    default void timeoutBatch(List<IN> inputs, ResultFuture<OUT> resultFuture) throws Exception {
        resultFuture.completeExceptionally(BatchTimeouts.timeoutException(inputs, resultFuture));
    }
}
