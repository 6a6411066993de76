package org.flinktriton.flink;

/**
 * A batch function whose calls in flight can be dropped at once. {@link AsyncBatchWaitOperator}
 * calls {@link #discardCallsInFlight()} when it closes with batches still unanswered: that only
 * happens when the task fails, is cancelled or stops with a savepoint (at end of input it has
 * waited for every batch), and then the batches' inputs are in the checkpoint and their results
 * would be thrown away, so waiting for them only delays the failover.
 */
interface DiscardingFunction {

    /** Cancels every call in flight without waiting; called on the task thread before close. */
    void discardCallsInFlight();
}
