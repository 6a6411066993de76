package org.flinktriton.client;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Enforces {@code requestTimeout}: cancels an HTTP call ({@link HttpCall}) that is still running at
 * its deadline, on one daemon thread per {@link HttpStack}, for all the clients that share it.
 *
 * <p>It does what OkHttp's call timeout does, without its cost: OkHttp's watchdog is woken by every
 * call that starts while it waits for nothing earlier, which is every call of a client that sends
 * one request at a time. This watcher sleeps until the earliest deadline it has planned for and is
 * woken early only by a call whose deadline comes before that. A call that ends simply leaves; the
 * watcher finds out when it wakes, at the deadline it planned for, and plans for the next. With one
 * timeout for every call, that is one wake-up per timeout period, not one per call; clients with
 * different timeouts mix in one queue, ordered by deadline.
 *
 * <p>The watcher ends only with {@link #close}: an interrupt does not end it, and should it die of
 * an error, the next call starts another.
 */
final class CallDeadlines {
    /** A call being watched; {@link #end} it when the call is over. */
    final class Watch implements Comparable<Watch> {
        private final HttpCall call;
        private final long deadline;
        private volatile boolean expired;

        private Watch(HttpCall call, long deadline) {
            this.call = call;
            this.deadline = deadline;
        }

        /** Whether the deadline passed before {@link #end}, so the call was cancelled for it. */
        boolean expired() {
            return expired;
        }

        /** Stops watching the call. */
        void end() {
            lock.lock();
            try {
                queue.remove(this);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int compareTo(Watch other) {
            return Long.compare(deadline - other.deadline, 0);
        }
    }

    private final String threadName;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Watch> queue = new PriorityQueue<>(); // guarded by lock
    private Thread watcher; // guarded by lock

    /** Whether the watcher waits without a deadline; else it wakes at {@link #wakeAt}. */
    private boolean waitingForever = true; // guarded by lock

    private long wakeAt; // guarded by lock
    private boolean closed; // guarded by lock

    CallDeadlines(String threadName) {
        this.threadName = threadName;
    }

    /**
     * Watches {@code call}, which is about to start: it is cancelled if still running after {@code
     * timeoutNanos}.
     */
    Watch start(HttpCall call, long timeoutNanos) {
        Watch watch = new Watch(call, System.nanoTime() + timeoutNanos);
        lock.lock();
        try {
            queue.add(watch);
            if (watcher == null && !closed) {
                // The first call, or the first since a watcher died (see run).
                watcher = new Thread(this::run, threadName);
                watcher.setDaemon(true);
                watcher.start();
            } else if (waitingForever || watch.deadline - wakeAt < 0) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        return watch;
    }

    /** Ends the watcher thread; calls still watched are left to the close that calls this. */
    void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        List<Watch> due = new ArrayList<>();
        lock.lock();
        try {
            while (!closed) {
                long now = System.nanoTime();
                Watch head;
                while ((head = queue.peek()) != null && head.deadline - now <= 0) {
                    due.add(queue.poll());
                }
                if (!due.isEmpty()) {
                    lock.unlock();
                    try {
                        expire(due);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                if (head == null) {
                    waitingForever = true;
                    changed.awaitUninterruptibly();
                } else {
                    waitingForever = false;
                    wakeAt = head.deadline;
                    try {
                        changed.awaitNanos(head.deadline - now);
                    } catch (InterruptedException e) {
                        // Only close() ends the watcher. An interrupt from elsewhere (code that
                        // interrupts every thread it finds) must not end the timeouts of every
                        // call to come; the interrupt is cleared by the throw.
                    }
                }
            }
        } finally {
            // Should the watcher die all the same (an Error while cancelling), the next call
            // starts another.
            if (watcher == Thread.currentThread()) {
                watcher = null;
            }
            lock.unlock();
        }
    }

    private static void expire(List<Watch> due) {
        for (Watch watch : due) {
            watch.expired = true;
            watch.call.cancel();
        }
        due.clear();
    }
}
