package org.flinktriton.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The keep-alive connections to one plain-HTTP server that the clients of an {@link HttpStack}
 * share: the most recently used idle connection serves the next request, a new one is opened when
 * none is idle, and one idle for {@link #keepAliveNanos} is closed (by a task on the stack's timer,
 * planned only while connections are idle).
 */
final class SocketPool {
    /** An idle connection older than this is checked for a server that closed it before reuse. */
    private static final long STALE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String host;
    private final int port;
    private final long keepAliveNanos;
    private final ScheduledExecutorService timer;
    private final ClientSocketFactory sockets = new ClientSocketFactory();

    /** Idle connections, the most recently used first. */
    private final ArrayDeque<SocketConnection> idle = new ArrayDeque<>(); // guarded by this

    private int open; // guarded by this
    private boolean prunePlanned; // guarded by this
    private boolean closed; // guarded by this

    SocketPool(
            String host, int port, long keepAlive, TimeUnit unit, ScheduledExecutorService timer) {
        this.host = host;
        this.port = port;
        this.keepAliveNanos = unit.toNanos(keepAlive);
        this.timer = timer;
    }

    /** An idle connection that still looks open, or null. */
    SocketConnection pooled() {
        while (true) {
            SocketConnection connection;
            synchronized (this) {
                connection = idle.pollFirst();
            }
            if (connection == null) {
                return null;
            }
            long idleNanos = System.nanoTime() - connection.idleSince;
            if (idleNanos < STALE_CHECK_NANOS
                    || (idleNanos < keepAliveNanos && !connection.isStale())) {
                return connection;
            }
            connection.close();
        }
    }

    /**
     * Opens a connection for {@code call}, trying each address of the host in turn; {@code call}
     * holds each socket while it connects, so that cancelling the call aborts the connect.
     */
    SocketConnection connect(SocketCall call, int timeoutMillis) throws IOException {
        IOException failure = null;
        for (InetAddress address : InetAddress.getAllByName(host)) {
            Socket socket = sockets.createSocket();
            try {
                call.connecting(socket);
                socket.connect(new InetSocketAddress(address, port), timeoutMillis);
                SocketConnection connection = new SocketConnection(this, socket);
                synchronized (this) {
                    open++;
                }
                return connection;
            } catch (IOException e) {
                socket.close();
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
                if (call.isCancelled()) {
                    break;
                }
            }
        }
        throw failure;
    }

    /** Takes back a connection whose response was read to its end. */
    void release(SocketConnection connection) {
        connection.idleSince = System.nanoTime();
        boolean plan;
        synchronized (this) {
            if (closed) {
                plan = false;
            } else {
                idle.addFirst(connection);
                plan = !prunePlanned;
                prunePlanned = true;
                connection = null;
            }
        }
        if (connection != null) {
            connection.close();
        } else if (plan) {
            planPrune(keepAliveNanos);
        }
    }

    /** Counts a connection out, once its socket is closed. */
    synchronized void closed() {
        open--;
    }

    private void planPrune(long delayNanos) {
        try {
            timer.schedule(this::prune, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stackClosed) {
            synchronized (this) {
                prunePlanned = false;
            }
        }
    }

    /** Closes the connections idle for the keep-alive, and plans the next look if any remain. */
    private void prune() {
        List<SocketConnection> expired = new ArrayList<>();
        long next;
        synchronized (this) {
            long now = System.nanoTime();
            SocketConnection oldest;
            while ((oldest = idle.peekLast()) != null && now - oldest.idleSince >= keepAliveNanos) {
                expired.add(idle.pollLast());
            }
            next = oldest == null ? -1 : keepAliveNanos - (now - oldest.idleSince);
            prunePlanned = next >= 0;
        }
        for (SocketConnection connection : expired) {
            connection.close();
        }
        if (next >= 0) {
            planPrune(next);
        }
    }

    /** Connections open now, idle or carrying a request. */
    synchronized int connectionCount() {
        return open;
    }

    /** Closes the idle connections, and each connection given back from now on. */
    void close() {
        List<SocketConnection> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        for (SocketConnection connection : all) {
            connection.close();
        }
    }
}
