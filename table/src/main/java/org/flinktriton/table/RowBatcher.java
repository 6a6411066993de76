package org.flinktriton.table;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Collects items that arrive one call at a time into batches: a batch goes to the sender when it
 * holds {@code maxBatchSize} items (on the thread that added the last one) or when its oldest item
 * has waited {@code maxBatchDelay} (on the timer's thread). Thread-safe; the sender runs outside
 * the lock.
 *
 * @param <T> the item, together with whatever completes it
 */
final class RowBatcher<T> implements AutoCloseable {
    private final int maxBatchSize;
    private final long maxBatchDelayNanos;
    private final Consumer<List<T>> sender;
    private final ScheduledExecutorService timer;

    private final Object lock = new Object();
    private List<T> open;
    private ScheduledFuture<?> deadline;
    private boolean closed;

    RowBatcher(
            int maxBatchSize,
            Duration maxBatchDelay,
            Consumer<List<T>> sender,
            ScheduledExecutorService timer) {
        this.maxBatchSize = maxBatchSize;
        this.maxBatchDelayNanos = maxBatchDelay.toNanos();
        this.sender = sender;
        this.timer = timer;
        this.open = new ArrayList<>(maxBatchSize);
    }

    /**
     * Adds {@code item}; sends the batch at once when it is full.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    void add(T item) {
        List<T> full = null;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the batcher is closed");
            }
            open.add(item);
            if (open.size() >= maxBatchSize) {
                full = takeOpen();
            } else if (open.size() == 1) {
                List<T> batch = open;
                deadline =
                        timer.schedule(
                                () -> sendIfOpen(batch), maxBatchDelayNanos, TimeUnit.NANOSECONDS);
            }
        }
        if (full != null) {
            sender.accept(full);
        }
    }

    private void sendIfOpen(List<T> batch) {
        List<T> due = null;
        synchronized (lock) {
            if (open == batch && !batch.isEmpty()) {
                due = takeOpen();
            }
        }
        if (due != null) {
            sender.accept(due);
        }
    }

    /** Under the lock: hands the open batch out and starts a new one. */
    private List<T> takeOpen() {
        List<T> batch = open;
        open = new ArrayList<>(maxBatchSize);
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        return batch;
    }

    /** Items waiting in the open batch. */
    int pending() {
        synchronized (lock) {
            return open.size();
        }
    }

    /**
     * Refuses new items and returns those not sent yet, for the caller to fail; the timer is the
     * caller's to stop.
     */
    List<T> closeAndDrain() {
        synchronized (lock) {
            closed = true;
            return takeOpen();
        }
    }

    @Override
    public void close() {
        closeAndDrain();
    }
}
