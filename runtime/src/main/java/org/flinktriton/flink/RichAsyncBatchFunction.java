package org.flinktriton.flink;

import org.apache.flink.api.common.functions.AbstractRichFunction;

/**
 * An {@link AsyncBatchFunction} with a life cycle: {@code open} runs once per parallel instance
 * before the first batch (the place to create clients and thread pools, which are not
 * serializable), {@code close} after the last one.
 *
 * <pre>{@code
 * class Doubler extends RichAsyncBatchFunction<Long, Long> {
 *     private transient ExecutorService executor;
 *
 *     public void open(OpenContext context) {
 *         executor = Executors.newFixedThreadPool(4);
 *     }
 *
 *     public void asyncInvokeBatch(List<Long> inputs, ResultFuture<Long> resultFuture) {
 *         executor.execute(() -> resultFuture.complete(inputs.stream().map(x -> x * 2).toList()));
 *     }
 *
 *     public void close() {
 *         executor.shutdownNow();
 *     }
 * }
 * }</pre>
 *
 * <p>The runtime context is meant for {@code open} and {@code close}: callbacks that complete a
 * batch run on other threads, where Flink's state and metric APIs must not be touched.
 *
 * @param <IN> the type of the records in a batch
 * @param <OUT> the type of the results
 */
public abstract class RichAsyncBatchFunction<IN, OUT> extends AbstractRichFunction
        implements AsyncBatchFunction<IN, OUT> {
    private static final long serialVersionUID = 1L;
}
