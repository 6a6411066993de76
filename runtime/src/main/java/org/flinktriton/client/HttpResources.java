package org.flinktriton.client;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * What one client has of OkHttp: a share of the {@link HttpStack} of its server and TLS settings
 * (connection pool, threads, deadline watcher, retry timer), which other clients in the JVM may use
 * too, and a view of it of its own: a dispatcher that knows this client's calls, so that {@link
 * #cancelAll} cancels only those, and its connect timeout. {@link #shutdown} lets go of the share;
 * the last client to let go closes the stack.
 *
 * <p>Calls run with {@link Call#execute()} on the stack's threads rather than through OkHttp's
 * dispatcher ({@code enqueue}), which renames its thread twice per call (two system calls) and adds
 * a queue and a lock of its own; how many inference requests are in flight is bounded before a call
 * gets here, by the client's {@link ConcurrencyLimit}.
 */
final class HttpResources {
    private final SharedResources<TransportKey, HttpStack>.Lease share;
    private final HttpStack stack;
    private final OkHttpClient http;

    /** The request timeout; 0 for none. */
    private final long timeoutNanos;

    /** Calls submitted and not finished; guarded by this, notified when it drops to 0. */
    private int running;

    /** Set once the close deadline has passed: failures from then on are "client closed". */
    private volatile boolean cancelled;

    private volatile boolean shutDown;

    HttpResources(ClientSettings settings) {
        this.share =
                HttpStack.SHARED.acquire(
                        TransportKey.of(settings), key -> new HttpStack(key, settings));
        this.stack = share.get();
        this.http =
                stack.http
                        .newBuilder()
                        .dispatcher(new Dispatcher())
                        .connectTimeout(settings.connectTimeout)
                        .build();
        this.timeoutNanos = settings.requestTimeout.toNanos();
    }

    Call newCall(Request request) {
        return http.newCall(request);
    }

    /**
     * A task that runs {@code exchange} with {@code call} watched by the request timeout ({@code
     * exchange} gets the watch, null without a timeout), on the thread that runs the task: one of
     * the stack's threads ({@link #submit}) or the caller of a blocking call. Run it once.
     */
    Runnable exchange(Call call, Consumer<CallDeadlines.Watch> exchange) {
        synchronized (this) {
            running++;
        }
        return () -> {
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
        return stack.http.connectionPool().connectionCount();
    }

    /** Clients that share the stack now, this one included until {@link #shutdown}. */
    int stackUsers() {
        return share.users();
    }

    /** Cancels every call of this client, queued or running. */
    void cancelAll() {
        cancelled = true;
        http.dispatcher().cancelAll();
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
