package org.flinktriton.client;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One timer for the transports of other modules (see {@link Transports}), whose retries wait on it:
 * one daemon thread, started on first use and ended after 30 idle seconds.
 */
final class SharedTimer {
    private static final ScheduledThreadPoolExecutor TIMER = create();

    private SharedTimer() {}

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        task -> {
                            Thread thread = new Thread(task, "flink-triton transport timer");
                            thread.setDaemon(true);
                            return thread;
                        });
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    static ScheduledExecutorService get() {
        return TIMER;
    }
}
