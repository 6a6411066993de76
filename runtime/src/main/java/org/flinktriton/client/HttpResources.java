package org.flinktriton.client;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Headers;
import okhttp3.OkHttpClient;

/**
 * What one client has of HTTP: a share of the {@link HttpStack} of its server and TLS settings
 * (connections, threads, deadline watcher, retry timer), which other clients in the JVM may use
 * too, and what is its own: its headers and connect timeout, and the calls it runs, so that {@link
 * #cancelAll} cancels only those. {@link #shutdown} lets go of the share; the last client to let go
 * closes the stack.
 *
 * <p>Calls run on the calling thread ({@link HttpCall#execute()}), on the stack's threads or on the
 * caller of a blocking call, rather than through OkHttp's dispatcher ({@code enqueue}), which
 * renames its thread twice per call (two system calls) and adds a queue and a lock of its own; how
 * many inference requests are in flight is bounded before a call gets here, by the client's {@link
 * ConcurrencyLimit}.
 */
final class HttpResources {
    /** What {@link SocketCall}s send as {@code User-Agent} unless the client's headers say. */
    private static final String USER_AGENT = "flink-triton";

    private final SharedResources<TransportKey, HttpStack>.Lease share;
    private final HttpStack stack;

    /** This client's view of the stack's OkHttp; null when the stack's sockets serve. */
    private final OkHttpClient http;

    /** The client's headers for OkHttp; null when the stack's sockets serve. */
    private final Headers headers;

    /** The client's header lines for {@link SocketCall}; null with OkHttp. */
    private final String headerLines;

    private final int connectTimeoutMillis;

    /** The request timeout; 0 for none. */
    private final long timeoutNanos;

    /** Calls submitted and not finished; guarded by this, notified when it drops to 0. */
    private int running;

    /** Calls running now, which {@link #cancelAll} cancels. */
    private final Set<HttpCall> live = ConcurrentHashMap.newKeySet();

    /** Set once the close deadline has passed: failures from then on are "client closed". */
    private volatile boolean cancelled;

    private volatile boolean shutDown;

    HttpResources(ClientSettings settings) {
        this.share =
                HttpStack.SHARED.acquire(
                        TransportKey.of(settings), key -> new HttpStack(key, settings));
        this.stack = share.get();
        Headers clientHeaders = clientHeaders(settings);
        if (stack.sockets != null) {
            this.http = null;
            this.headers = null;
            this.headerLines = headerLines(settings, clientHeaders);
        } else {
            this.http = stack.http.newBuilder().connectTimeout(settings.connectTimeout).build();
            this.headers = clientHeaders;
            this.headerLines = null;
        }
        this.connectTimeoutMillis =
                (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout.toMillis());
        this.timeoutNanos = settings.requestTimeout.toNanos();
    }

    /** The headers of every request: the client's own, then {@code Accept-Encoding}. */
    private static Headers clientHeaders(ClientSettings settings) {
        Headers.Builder headers = new Headers.Builder();
        for (Map.Entry<String, String> header : settings.headers) {
            headers.add(header.getKey(), header.getValue());
        }
        if (!settings.acceptCompressedResponses) {
            // Without this OkHttp asks for gzip on every call, and Triton would spend its CPU
            // compressing tensors for a loopback or LAN hop.
            headers.set("Accept-Encoding", "identity");
        }
        return headers.build();
    }

    /**
     * The header lines of every {@link SocketCall}: the client's headers, and what OkHttp would add
     * unless they have it: {@code Host}, {@code Accept-Encoding: gzip} (when compressed responses
     * are welcome) and a {@code User-Agent}.
     */
    private static String headerLines(ClientSettings settings, Headers clientHeaders) {
        StringBuilder lines = new StringBuilder();
        if (clientHeaders.get("Host") == null) {
            String host = settings.endpoint.host();
            lines.append("Host: ").append(host.contains(":") ? "[" + host + "]" : host);
            if (settings.endpoint.port() != 80) {
                lines.append(':').append(settings.endpoint.port());
            }
            lines.append("\r\n");
        }
        for (int i = 0; i < clientHeaders.size(); i++) {
            lines.append(clientHeaders.name(i))
                    .append(": ")
                    .append(clientHeaders.value(i))
                    .append("\r\n");
        }
        if (clientHeaders.get("Accept-Encoding") == null) {
            lines.append("Accept-Encoding: gzip\r\n");
        }
        if (clientHeaders.get("User-Agent") == null) {
            lines.append("User-Agent: ").append(USER_AGENT).append("\r\n");
        }
        return lines.toString();
    }

    /** An exchange of {@code request}, on the stack's sockets or on OkHttp. */
    HttpCall newCall(OutgoingRequest request) {
        return http == null
                ? new SocketCall(stack.sockets, request, headerLines, connectTimeoutMillis)
                : new OkHttpCall(http, headers, request);
    }

    /**
     * A task that runs {@code exchange} with {@code call} watched by the request timeout ({@code
     * exchange} gets the watch, null without a timeout), on the thread that runs the task: one of
     * the stack's threads ({@link #submit}) or the caller of a blocking call. Run it once.
     */
    Runnable exchange(HttpCall call, Consumer<CallDeadlines.Watch> exchange) {
        synchronized (this) {
            running++;
        }
        return () -> {
            live.add(call);
            if (cancelled) {
                call.cancel();
            }
            CallDeadlines.Watch watch =
                    timeoutNanos == 0 ? null : stack.deadlines.start(call, timeoutNanos);
            try {
                exchange.accept(watch);
            } finally {
                if (watch != null) {
                    watch.end();
                }
                live.remove(call);
                synchronized (this) {
                    if (--running == 0) {
                        notifyAll();
                    }
                }
            }
        };
    }

    /**
     * Hands {@code exchange} to one of the stack's threads. Once the stack is closed it runs on the
     * calling thread instead, where its call, cancelled since {@link #cancelAll}, fails at once.
     */
    void submit(Runnable exchange) {
        try {
            stack.executor.execute(exchange);
        } catch (RejectedExecutionException e) {
            exchange.run();
        }
    }

    /** The timer that retries wait on, shared by the stack's clients. */
    ScheduledExecutorService timer() {
        return stack.timer;
    }

    /** Whether {@link #cancelAll} or {@link #shutdown} has run: calls fail as cancelled. */
    boolean isClosed() {
        return cancelled || shutDown;
    }

    /** Whether the current thread is one of the stack's threads. */
    boolean onOwnThread() {
        return stack.onOwnThread();
    }

    /** Calls running or about to. */
    synchronized int runningCalls() {
        return running;
    }

    /** Connections in the stack's pool, which the clients sharing it use alike. */
    int connectionCount() {
        return stack.connectionCount();
    }

    /** Clients that share the stack now, this one included until {@link #shutdown}. */
    int stackUsers() {
        return share.users();
    }

    /** Cancels every call of this client, queued or running. */
    void cancelAll() {
        cancelled = true;
        for (HttpCall call : live) {
            call.cancel();
        }
    }

    /**
     * Waits up to {@code waitMillis} for this client's calls to end (unless called on one of the
     * stack's threads, which may be running one), then lets go of its share of the stack: the last
     * client to let go stops the stack's threads and closes its connections.
     */
    void shutdown(long waitMillis) {
        shutDown = true;
        if (!onOwnThread()) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            synchronized (this) {
                try {
                    while (running > 0) {
                        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        if (left <= 0) {
                            break;
                        }
                        wait(left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        share.close();
    }
}
