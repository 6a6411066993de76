package org.flinktriton.client;

import java.net.Proxy;
import java.net.ProxySelector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;

/**
 * The HTTP stack that the clients of one server and one set of TLS settings share inside a JVM
 * ({@link TransportKey}): the connections (the client's own {@link SocketPool} for a plain {@code
 * http://} endpoint reached directly, OkHttp's pool, socket factory and TLS otherwise), the daemon
 * threads their requests run on, the {@link CallDeadlines} watcher and the retry timer. {@link
 * #SHARED} counts the clients that use a stack: it is built for the first and closed with the last.
 * What each client has of its own (its calls to cancel, its connect timeout, its counts) is in its
 * {@link HttpResources}.
 *
 * <p>The pool keeps every idle connection for 5 minutes, with no cap on their number: the
 * connections a stack opens are as many as its clients had requests in flight at once, which their
 * {@code maxConcurrentRequests} bound, as a pool per client used to.
 */
final class HttpStack {
    /** The stacks of this JVM, by transport key. */
    static final SharedResources<TransportKey, HttpStack> SHARED =
            new SharedResources<>(stack -> stack.close(5_000));

    /** How long an idle connection is kept. */
    private static final long KEEP_ALIVE_MINUTES = 5;

    /** Marks this stack's threads, so that {@link #close} never waits for itself. */
    private final ThreadLocal<Boolean> ownThread = ThreadLocal.withInitial(() -> false);

    /**
     * The connections of a plain {@code http://} endpoint reached directly, which carry its
     * requests ({@link SocketCall}); null otherwise.
     */
    final SocketPool sockets;

    /**
     * The OkHttp base of the other endpoints ({@code https://}, or through a proxy): each client
     * builds its own view of it (see HttpResources); null when {@link #sockets} serve.
     */
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
        if (plainAndDirect(settings)) {
            this.sockets =
                    new SocketPool(
                            settings.endpoint.host(),
                            settings.endpoint.port(),
                            KEEP_ALIVE_MINUTES,
                            TimeUnit.MINUTES,
                            timer);
            this.http = null;
        } else {
            this.sockets = null;
            this.http = okHttp(settings);
        }
    }

    /**
     * Whether the endpoint is plain {@code http://} and reached without a proxy (by the JVM's
     * {@link ProxySelector}), which the client's own HTTP/1.1 serves.
     */
    private static boolean plainAndDirect(ClientSettings settings) {
        if (!settings.scheme.equals("http")) {
            return false;
        }
        ProxySelector selector = ProxySelector.getDefault();
        if (selector == null) {
            return true;
        }
        List<Proxy> proxies = selector.select(settings.endpoint.uri());
        return proxies == null || proxies.stream().allMatch(p -> p.type() == Proxy.Type.DIRECT);
    }

    private static OkHttpClient okHttp(ClientSettings settings) {
        OkHttpClient.Builder builder =
                new OkHttpClient.Builder()
                        .connectionPool(
                                PoolHousekeeping.newPool(
                                        Integer.MAX_VALUE, KEEP_ALIVE_MINUTES, TimeUnit.MINUTES))
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
        return builder.build();
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
        if (sockets != null) {
            sockets.close();
        } else {
            http.connectionPool().evictAll();
        }
    }

    /** Connections open now, idle or in use. */
    int connectionCount() {
        return sockets != null
                ? sockets.connectionCount()
                : http.connectionPool().connectionCount();
    }
}
