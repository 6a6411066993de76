package org.flinktriton.testkit;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The HTTP face's socket and threads: binds the port (HTTPS with an {@link SSLContext}), hands each
 * exchange to one handler on a pool of worker threads, stops listening for an outage and binds the
 * same port again after it (retrying while the port is still held), and, when the server closes,
 * waits until every thread it started has ended. It decides nothing about requests: the handler
 * does. Not thread-safe: {@link TritonTestServer} calls it under its lifecycle lock.
 */
final class HttpListener {
    private final SSLContext sslContext;
    private final boolean needClientAuth;
    private final int workerThreads;
    private final HttpHandler handler;
    private final InetSocketAddress address;

    private HttpServer http;
    private ThreadPoolExecutor workers;
    private boolean listening;

    /** Every pool this listener ran, for {@link #awaitStopped} to wait for. */
    private final List<ThreadPoolExecutor> pools = new ArrayList<>();

    /** Every worker thread this listener started. */
    private final Set<Thread> startedThreads = ConcurrentHashMap.newKeySet();

    private HttpListener(
            InetSocketAddress at,
            SSLContext sslContext,
            boolean needClientAuth,
            int workerThreads,
            HttpHandler handler)
            throws IOException {
        this.sslContext = sslContext;
        this.needClientAuth = needClientAuth;
        this.workerThreads = workerThreads;
        this.handler = handler;
        this.http = bind(at);
        this.address = new InetSocketAddress(at.getAddress(), http.getAddress().getPort());
        serve();
    }

    /**
     * Binds {@code at} (port 0 picks a free one) and starts serving.
     *
     * @param sslContext the server's key and certificate for HTTPS, or null for HTTP
     * @param needClientAuth whether an HTTPS client must present a certificate the context trusts
     */
    static HttpListener start(
            InetSocketAddress at,
            SSLContext sslContext,
            boolean needClientAuth,
            int workerThreads,
            HttpHandler handler)
            throws IOException {
        return new HttpListener(at, sslContext, needClientAuth, workerThreads, handler);
    }

    /** The bound port; the same after {@link #listenAgain()}. */
    int port() {
        return address.getPort();
    }

    /** Binds the listening socket (SO_REUSEADDR, as the JDK sets it on every server socket). */
    private HttpServer bind(InetSocketAddress at) throws IOException {
        if (sslContext == null) {
            return HttpServer.create(at, 1024);
        }
        HttpsServer https = HttpsServer.create(at, 1024);
        https.setHttpsConfigurator(
                new HttpsConfigurator(sslContext) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters parameters = sslContext.getDefaultSSLParameters();
                        parameters.setNeedClientAuth(needClientAuth);
                        params.setSSLParameters(parameters);
                    }
                });
        return https;
    }

    /** Gives the bound {@link #http} fresh workers and starts it. */
    private void serve() {
        workers =
                new ThreadPoolExecutor(
                        workerThreads,
                        workerThreads,
                        10,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        threads("triton-test-server-" + port() + "-"));
        workers.allowCoreThreadTimeOut(true);
        pools.add(workers);
        http.setExecutor(workers);
        http.createContext("/", handler);
        http.start();
        listening = true;
    }

    /**
     * Closes the listening socket and every open connection, and interrupts the handlers running
     * (sleeping in latency or model cost); new connections are refused. Does nothing when stopped.
     */
    void stop() {
        if (!listening) {
            return;
        }
        listening = false;
        http.stop(0);
        workers.shutdownNow();
    }

    /**
     * Binds the same port again and serves as before, retrying for up to 10 s while the port is
     * still held (for example by connections closing).
     *
     * @throws UncheckedIOException when the port could not be bound again
     * @throws IllegalStateException when interrupted while retrying
     */
    void listenAgain() {
        Rebinding.retry(
                () -> {
                    http = bind(address);
                    serve();
                },
                "port " + port());
    }

    /**
     * Waits until every worker thread this listener started has ended, after {@link #stop()}.
     *
     * @throws IllegalStateException when a handler ignores interruption for 10 s
     */
    void awaitStopped(Object server) throws InterruptedException {
        for (ThreadPoolExecutor pool : pools) {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "A model handler of " + server + " ignored interruption for 10 s");
            }
        }
        // A terminated pool's last threads may still be on their way out: wait for them, so
        // that nothing of the server is alive when close() returns.
        for (Thread thread : startedThreads) {
            if (thread != Thread.currentThread()) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    private ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            startedThreads.removeIf(old -> !old.isAlive());
            startedThreads.add(thread);
            return thread;
        };
    }
}
