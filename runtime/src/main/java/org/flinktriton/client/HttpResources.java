package org.flinktriton.client;

import java.time.Duration;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * What one client owns of OkHttp: a client with its own dispatcher (bounded by {@code
 * maxConcurrentRequests}; calls beyond it wait in the dispatcher's queue), its own daemon executor
 * and its own connection pool. {@link #cancelAll} and {@link #shutdown} release all of it.
 */
final class HttpResources {
    /** Marks this client's executor threads, so that {@link #shutdown} never waits for itself. */
    private final ThreadLocal<Boolean> ownThread = ThreadLocal.withInitial(() -> false);

    private final ThreadPoolExecutor executor;
    private final OkHttpClient http;

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
        Dispatcher dispatcher = new Dispatcher(executor);
        dispatcher.setMaxRequests(settings.maxConcurrentRequests);
        dispatcher.setMaxRequestsPerHost(settings.maxConcurrentRequests);
        OkHttpClient.Builder builder =
                new OkHttpClient.Builder()
                        .dispatcher(dispatcher)
                        .connectionPool(
                                new ConnectionPool(
                                        settings.maxConcurrentRequests, 5, TimeUnit.MINUTES))
                        .socketFactory(new ClientSocketFactory())
                        .connectTimeout(settings.connectTimeout)
                        // One deadline for the whole call, body included; no per-read deadline
                        // that would fire first on a slow model.
                        .callTimeout(settings.requestTimeout)
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

    /** Whether {@link #cancelAll} or {@link #shutdown} has run: calls fail as cancelled. */
    boolean isClosed() {
        return cancelled || executor.isShutdown();
    }

    /** Whether the current thread is one of this client's OkHttp threads. */
    boolean onOwnThread() {
        return ownThread.get();
    }

    /** Calls running or queued in the dispatcher. */
    int runningCalls() {
        return http.dispatcher().runningCallsCount() + http.dispatcher().queuedCallsCount();
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
