package org.flinktriton.client;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;

/**
 * The OkHttp stack that the clients of one server and one set of TLS settings share inside a JVM
 * ({@link TransportKey}): the connection pool, the socket factory and TLS, the daemon threads their
 * requests run on, the {@link CallDeadlines} watcher and the retry timer. {@link #SHARED} counts
 * the clients that use a stack: it is built for the first and closed with the last. What each
 * client has of its own (its dispatcher to cancel its calls, its connect timeout, its counts) is in
 * its {@link HttpResources}.
 *
 * <p>The pool keeps every idle connection for 5 minutes, with no cap on their number: the
 * connections a stack opens are as many as its clients had requests in flight at once, which their
 * {@code maxConcurrentRequests} bound, as a pool per client used to.
 */
final class HttpStack {
    /** The stacks of this JVM, by transport key. */
    static final SharedResources<TransportKey, HttpStack> SHARED =
            new SharedResources<>(stack -> stack.close(5_000));

    /** Marks this stack's threads, so that {@link #close} never waits for itself. */
    private final ThreadLocal<Boolean> ownThread = ThreadLocal.withInitial(() -> false);

    /** The shared base: each client builds its own view of it (see HttpResources). */
    final OkHttpClient http;

    final ThreadPoolExecutor executor;
    final CallDeadlines deadlines;
    final ScheduledThreadPoolExecutor timer;

    HttpStack(TransportKey key, ClientSettings settings) {
        String name = "flink-triton " + key.authority();
        this.executor =
                new ThreadPoolExecutor(
                        0,
                        Integer.MAX_VALUE,
                        60,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        threads(name + " #"));
        this.deadlines = new CallDeadlines(name + " deadlines");
        this.timer = new ScheduledThreadPoolExecutor(1, threads(name + " retry timer #"));
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
        OkHttpClient.Builder builder =
                new OkHttpClient.Builder()
                        .connectionPool(
                                PoolHousekeeping.newPool(Integer.MAX_VALUE, 5, TimeUnit.MINUTES))
                        .socketFactory(new ClientSocketFactory())
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

    private ThreadFactory threads(String prefix) {
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

    /** Whether the current thread is one of this stack's threads. */
    boolean onOwnThread() {
        return ownThread.get();
    }

    /**
     * Stops the threads (waiting up to {@code waitMillis} for the request threads to end, unless
     * called on one of them) and closes every pooled connection. Its clients have cancelled their
     * calls by then.
     */
    private void close(long waitMillis) {
        executor.shutdown();
        deadlines.close();
        timer.shutdownNow();
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
