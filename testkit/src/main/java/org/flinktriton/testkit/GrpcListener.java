package org.flinktriton.testkit;

import io.grpc.DecompressorRegistry;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
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

/**
 * The gRPC face's socket and threads, beside {@link HttpListener}: a grpc-java server (Netty, with
 * event loops of its own) on a port of its own, serving {@link GrpcService} on a pool of worker
 * threads; it stops listening for an outage, binds the same port again after it, and, when the
 * server closes, waits until every thread it started has ended. TLS uses the same {@link
 * SSLContext} as HTTPS, with {@code h2} negotiated by ALPN. Not thread-safe: {@link
 * TritonTestServer} calls it under its lifecycle lock.
 *
 * <p>Only this class and the {@code Grpc*} classes it uses touch grpc-java, and only a server built
 * with gRPC loads them, so that a server without gRPC runs without the gRPC jars.
 */
final class GrpcListener {
    private final InetSocketAddress requested;
    private final String threadPrefix;
    private final SslContext sslContext;
    private final int workerThreads;
    private final int maxMessageSize;
    private final boolean acceptCompressedRequests;
    private final GrpcService service;
    private final EventLoopGroup boss;
    private final EventLoopGroup events;
    private InetSocketAddress address;

    private Server server;
    private ThreadPoolExecutor workers;
    private boolean listening;

    private final List<Server> servers = new ArrayList<>();
    private final List<ThreadPoolExecutor> pools = new ArrayList<>();
    private final Set<Thread> startedThreads = ConcurrentHashMap.newKeySet();

    private GrpcListener(
            InetSocketAddress at,
            SSLContext sslContext,
            boolean needClientAuth,
            int workerThreads,
            long maxMessageSize,
            boolean acceptCompressedRequests,
            GrpcService service,
            String threadPrefix)
            throws IOException {
        this.requested = at;
        this.threadPrefix = threadPrefix;
        this.sslContext = sslContext == null ? null : nettyContext(sslContext, needClientAuth);
        this.workerThreads = workerThreads;
        this.maxMessageSize = (int) Math.min(Integer.MAX_VALUE, maxMessageSize);
        this.acceptCompressedRequests = acceptCompressedRequests;
        this.service = service;
        this.boss =
                new MultiThreadIoEventLoopGroup(
                        1, threads(threadPrefix + "accept-"), NioIoHandler.newFactory());
        this.events =
                new MultiThreadIoEventLoopGroup(
                        2, threads(threadPrefix + "io-"), NioIoHandler.newFactory());
        try {
            serve(at);
        } catch (IOException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            events.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        this.address = new InetSocketAddress(at.getAddress(), server.getPort());
    }

    /**
     * Binds {@code at} (port 0 picks a free one) and starts serving.
     *
     * @param sslContext the server's key and certificate (and trust, for client certificates) for
     *     TLS, or null for plaintext
     * @param needClientAuth whether a TLS client must present a certificate the context trusts
     * @param maxMessageSize the largest request message accepted ({@code RESOURCE_EXHAUSTED}
     *     beyond)
     * @param threadPrefix the start of the name of every thread it starts
     */
    static GrpcListener start(
            InetSocketAddress at,
            SSLContext sslContext,
            boolean needClientAuth,
            int workerThreads,
            long maxMessageSize,
            boolean compressResponses,
            boolean acceptCompressedRequests,
            ModelRegistry registry,
            ModelRunner runner,
            String threadPrefix)
            throws IOException {
        return new GrpcListener(
                at,
                sslContext,
                needClientAuth,
                workerThreads,
                maxMessageSize,
                acceptCompressedRequests,
                new GrpcService(registry, runner, compressResponses),
                threadPrefix);
    }

    private static SslContext nettyContext(SSLContext context, boolean needClientAuth) {
        return new JdkSslContext(
                context,
                false,
                null,
                IdentityCipherSuiteFilter.INSTANCE,
                new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2),
                needClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE,
                null,
                false);
    }

    /** The bound port; the same after {@link #listenAgain()}. */
    int port() {
        return address.getPort();
    }

    private void serve(InetSocketAddress at) throws IOException {
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(
                        workerThreads,
                        workerThreads,
                        10,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        threads(threadPrefix));
        pool.allowCoreThreadTimeOut(true);
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(at)
                        .channelType(NioServerSocketChannel.class)
                        .bossEventLoopGroup(boss)
                        .workerEventLoopGroup(events)
                        .executor(pool)
                        .maxInboundMessageSize(maxMessageSize)
                        .addService(
                                ServerInterceptors.intercept(
                                        service, GrpcService.compressionInterceptor()));
        if (!acceptCompressedRequests) {
            builder.decompressorRegistry(DecompressorRegistry.emptyInstance());
        }
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        Server started = builder.build();
        try {
            started.start();
        } catch (IOException | RuntimeException e) {
            pool.shutdownNow();
            throw e;
        }
        server = started;
        workers = pool;
        servers.add(started);
        pools.add(pool);
        listening = true;
    }

    /**
     * Closes the listening socket and every connection, cancelling the calls in flight, and
     * interrupts the handlers running; new connections are refused. Does nothing when stopped.
     */
    void stop() {
        if (!listening) {
            return;
        }
        listening = false;
        server.shutdownNow();
        // The transports report their calls closed on the worker pool: let them, before the pool
        // stops taking tasks. The listening socket closes asynchronously: the caller may bind the
        // port as soon as this returns, so wait for it, past a handler that holds the pool.
        boolean terminated = awaitTermination(2);
        workers.shutdownNow();
        if (!terminated) {
            awaitTermination(10);
        }
    }

    /** Whether the server terminated within {@code seconds}; interrupted, stops waiting. */
    private boolean awaitTermination(int seconds) {
        try {
            return server.awaitTermination(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Binds the same port again and serves as before, retrying for up to 10 s while the port is
     * still held.
     *
     * @throws UncheckedIOException when the port could not be bound again
     * @throws IllegalStateException when interrupted while retrying
     */
    void listenAgain() {
        Rebinding.retry(() -> serve(address), "gRPC port " + port());
    }

    /**
     * Waits until every thread this listener started has ended, after {@link #stop()}, and releases
     * its event loops.
     *
     * @throws IllegalStateException when a handler ignores interruption for 10 s
     */
    void awaitStopped(Object owner) throws InterruptedException {
        for (Server each : servers) {
            each.awaitTermination(10, TimeUnit.SECONDS);
        }
        for (ThreadPoolExecutor pool : pools) {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "A model handler of " + owner + " ignored interruption for 10 s");
            }
        }
        boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        events.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
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

    @Override
    public String toString() {
        return "GrpcListener{" + requested + ", port=" + (address == null ? "?" : port()) + '}';
    }
}
