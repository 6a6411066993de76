package org.flinktriton.client;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import okhttp3.ConnectionPool;
import okhttp3.internal.concurrent.TaskRunner;
import okhttp3.internal.connection.ConnectionListener;

/**
 * Builds the client's connection pools so that their housekeeping (closing connections idle longer
 * than their keep-alive) runs on a schedule of its own, at most {@value #PERIOD_MILLIS} ms late,
 * instead of the moment a connection goes back to its pool.
 *
 * <p>OkHttp schedules that housekeeping every time a call releases its connection, and its task
 * runner wakes a thread for it: on HTTP/1.1, a thread wake-up, two thread renames and a walk over
 * the pool for every request (docs/PERFORMANCE.md). The pools built here share a task runner whose
 * waiting thread is not woken when a task is scheduled; it runs what is due when its own wait ends,
 * and it waits at most {@value #PERIOD_MILLIS} ms. Nothing else depends on when housekeeping runs:
 * OkHttp checks a pooled connection before it uses it again, and closing a client's stack evicts
 * its pool at once.
 *
 * <p>OkHttp takes a task runner only through an internal constructor of {@link ConnectionPool}.
 * When the OkHttp on the class path lacks it, {@link #newPool} builds the pool the public way, and
 * OkHttp runs the housekeeping as usual.
 */
final class PoolHousekeeping {
    static final long PERIOD_MILLIS = 1_000;

    /** How the housekeeping threads' names begin (a number follows). */
    static final String THREAD_NAME = "flink-triton connection pools #";

    /** How often the runner's waiting thread has woken up, in this JVM. */
    private static final AtomicLong WAKE_UPS = new AtomicLong();

    private PoolHousekeeping() {}

    /** How often the housekeeping thread has woken up in this JVM: the tests' view of it. */
    static long wakeUps() {
        return WAKE_UPS.get();
    }

    /** A pool whose housekeeping runs on the shared lazy runner, or OkHttp's own pool. */
    static ConnectionPool newPool(int maxIdleConnections, long keepAlive, TimeUnit unit) {
        try {
            return LazyRunner.newPool(maxIdleConnections, keepAlive, unit);
        } catch (LinkageError e) {
            return new ConnectionPool(maxIdleConnections, keepAlive, unit);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T undeclared(Throwable e) throws T {
        throw (T) e;
    }

    /** The task runner's backend; loaded on first use, so that missing internals are catchable. */
    private static final class LazyRunner implements TaskRunner.Backend {
        private static final TaskRunner RUNNER =
                new TaskRunner(new LazyRunner(), Logger.getLogger(TaskRunner.class.getName()));

        private final ThreadPoolExecutor threads;

        private LazyRunner() {
            AtomicInteger count = new AtomicInteger();
            this.threads =
                    new ThreadPoolExecutor(
                            0,
                            Integer.MAX_VALUE,
                            60,
                            TimeUnit.SECONDS,
                            new SynchronousQueue<>(),
                            task -> {
                                Thread thread =
                                        new Thread(task, THREAD_NAME + count.incrementAndGet());
                                thread.setDaemon(true);
                                return thread;
                            });
        }

        static ConnectionPool newPool(int maxIdleConnections, long keepAlive, TimeUnit unit) {
            return new ConnectionPool(
                    maxIdleConnections,
                    keepAlive,
                    unit,
                    RUNNER,
                    ConnectionListener.Companion.getNONE());
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        /** Does not wake the waiting thread: what is scheduled now runs when its wait ends. */
        @Override
        public void coordinatorNotify(TaskRunner taskRunner) {}

        /**
         * Waits on the runner's monitor, which OkHttp holds here, at most {@link #PERIOD_MILLIS}.
         * An interrupt goes up as the {@link InterruptedException} OkHttp expects (its Java
         * signature does not declare it), so that OkHttp cancels its tasks as with its own backend.
         */
        @Override
        public void coordinatorWait(TaskRunner taskRunner, long nanos) {
            long millis = Math.min(TimeUnit.NANOSECONDS.toMillis(nanos), PERIOD_MILLIS);
            try {
                taskRunner.wait(Math.max(millis, 1));
            } catch (InterruptedException e) {
                throw PoolHousekeeping.<RuntimeException>undeclared(e);
            } finally {
                WAKE_UPS.incrementAndGet();
            }
        }

        @Override
        public <T> BlockingQueue<T> decorate(BlockingQueue<T> queue) {
            return queue;
        }

        @Override
        public void execute(TaskRunner taskRunner, Runnable runnable) {
            threads.execute(runnable);
        }
    }
}
