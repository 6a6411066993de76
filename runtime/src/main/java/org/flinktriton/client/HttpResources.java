package org.flinktriton.client;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * What one client owns of OkHttp: a client with its own connection pool, the daemon threads its
 * calls run on, and the {@link CallDeadlines} that enforce {@code requestTimeout}. {@link
 * #cancelAll} and {@link #shutdown} release all of it.
 *
 * <p>Calls run with {@link Call#execute()} on this client's executor rather than through OkHttp's
 * dispatcher ({@code enqueue}), which renames its thread twice per call (two system calls) and adds
 * a queue and a lock of its own; how many inference requests are in flight is bounded before a call
 * gets here, by the client's {@link ConcurrencyLimit}.
 */
final class HttpResources {
    /** Marks this client's executor threads, so that {@link #shutdown} never waits for itself. */
    private final ThreadLocal<Boolean> ownThread = ThreadLocal.withInitial(() -> false);

    private final ThreadPoolExecutor executor;
    private final OkHttpClient http;

    /** Null without a request timeout. */
    private final CallDeadlines deadlines;

    /** Calls submitted and not finished. */
    private final AtomicInteger running = new AtomicInteger();

    /** Set once the close deadline has passed: failures from then on are "client closed". */
    private volatile boolean cancelled;

    HttpResources(ClientSettings settings) {
        this.executor =
                new ThreadPoolExecutor(
                        0,
                        Integer.MAX_VALUE,
                        60,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        threadFactory("flink-triton " + settings.model + " #"));
        this.deadlines =
                settings.requestTimeout.isZero()
                        ? null
                        : new CallDeadlines(
                                "flink-triton " + settings.model + " deadlines",
                                settings.requestTimeout.toNanos());
        OkHttpClient.Builder builder =
                new OkHttpClient.Builder()
                        .connectionPool(
                                new ConnectionPool(
                                        settings.maxConcurrentRequests, 5, TimeUnit.MINUTES))
                        .socketFactory(new ClientSocketFactory())
                        .connectTimeout(settings.connectTimeout)
                        // One deadline for the whole call, body included, kept by CallDeadlines;
                        // no per-read deadline that would fire first on a slow model.
                        .callTimeout(Duration.ZERO)
                        .readTimeout(Duration.ZERO)
                        .writeTimeout(Duration.ZERO);
        if (settings.sslSocketFactory != null) {
            builder.sslSocketFactory(settings.sslSocketFactory, settings.trustManager);
        }
        if (settings.hostnameVerifier != null) {
            builder.hostnameVerifier(settings.hostnameVerifier);
        }
        this.http = builder.build();
    }

    private ThreadFactory threadFactory(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread =
                    new Thread(
                            () -> {
                                ownThread.set(true);
                                task.run();
                            },
                            prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    Call newCall(Request request) {
        return http.newCall(request);
    }

    /**
     * A task that runs {@code exchange} with {@code call} watched by the request timeout ({@code
     * exchange} gets the watch, null without a timeout), on the thread that runs the task: one of
     * this client's threads ({@link #submit}) or the caller of a blocking call. Run it once.
     */
    Runnable exchange(Call call, Consumer<CallDeadlines.Watch> exchange) {
        running.incrementAndGet();
        return () -> {
            if (cancelled) {
                call.cancel();
            }
            CallDeadlines.Watch watch = deadlines == null ? null : deadlines.start(call);
            try {
                exchange.accept(watch);
            } finally {
                if (watch != null) {
                    watch.end();
                }
                running.decrementAndGet();
            }
        };
    }

    /**
     * Hands {@code exchange} to one of this client's threads. After {@link #shutdown} it runs on
     * the calling thread instead, where its call, cancelled since {@link #cancelAll}, fails at
     * once.
     */
    void submit(Runnable exchange) {
        try {
            executor.execute(exchange);
        } catch (RejectedExecutionException e) {
            exchange.run();
        }
    }

    /** Whether {@link #cancelAll} or {@link #shutdown} has run: calls fail as cancelled. */
    boolean isClosed() {
        return cancelled || executor.isShutdown();
    }

    /** Whether the current thread is one of this client's OkHttp threads. */
    boolean onOwnThread() {
        return ownThread.get();
    }

    /** Calls running or about to. */
    int runningCalls() {
        return running.get();
    }

    int connectionCount() {
        return http.connectionPool().connectionCount();
    }

    /** Cancels every call, queued or running. */
    void cancelAll() {
        cancelled = true;
        http.dispatcher().cancelAll();
    }

    /**
     * Stops the executor (waiting up to {@code waitMillis} for its threads to end, unless called on
     * one of them) and closes every pooled connection.
     */
    void shutdown(long waitMillis) {
        executor.shutdown();
        if (deadlines != null) {
            deadlines.close();
        }
        if (!onOwnThread()) {
            try {
                if (!executor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                    executor.shutdownNow();
                    executor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        http.connectionPool().evictAll();
    }
}
