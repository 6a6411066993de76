package org.flinktriton.flink;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/** Builds the exception of {@link AsyncBatchFunction#timeoutBatch}'s default. */
final class BatchTimeouts {

    /**
     * Implemented by the operator's result futures: the function only sees a {@link ResultFuture},
     * yet the default timeout message should say which timeout was exceeded.
     */
    interface TimedResultFuture {
        Duration timeout();
    }

    private BatchTimeouts() {}

    static TimeoutException timeoutException(List<?> inputs, ResultFuture<?> resultFuture) {
        int size = inputs == null ? 0 : inputs.size();
        String limit =
                resultFuture instanceof TimedResultFuture
                        ? " within the timeout of "
                                + ((TimedResultFuture) resultFuture).timeout().toMillis()
                                + " ms"
                        : " within its timeout";
        return new TimeoutException(
                "Async batch of "
                        + size
                        + (size == 1 ? " record" : " records")
                        + " did not complete"
                        + limit
                        + "; raise AsyncBatchOptions.timeout or override"
                        + " AsyncBatchFunction.timeoutBatch to emit fallback results");
    }
}
