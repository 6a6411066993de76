package org.flinktriton.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.Codec;
import io.grpc.ConnectivityState;
import io.grpc.DecompressorRegistry;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.flinktriton.TritonException;
import org.flinktriton.client.spi.TransportContext;

/**
 * One gRPC channel to a server, shared by the clients of a JVM with the same server, TLS and
 * channel settings (see {@link TransportContext#share}), with the threads its callbacks run on.
 *
 * <p>The target is {@code dns:///host:port} with {@code round_robin} load balancing: a job spreads
 * its calls over every address the name resolves to (the pods behind a headless Kubernetes Service)
 * instead of pinning one HTTP/2 connection to one of them. grpc-java's own retries are off: the
 * client's retry policy decides, so that no request is retried twice. {@code connectTimeout} bounds
 * each connection attempt (Netty's {@code CONNECT_TIMEOUT_MILLIS}, 30 s otherwise).
 */
final class GrpcChannel {
    /** The prefix of the callback threads' names, by which {@link #isOwnThread} knows them. */
    static final String THREAD_PREFIX = "flink-triton grpc ";

    private static final AtomicInteger THREADS = new AtomicInteger();

    final ManagedChannel channel;
    final ExecutorService executor;

    /** The timer the retries of the channel's clients wait on; ended with the channel. */
    final ScheduledThreadPoolExecutor timer;

    final String authority;

    private GrpcChannel(
            ManagedChannel channel,
            ExecutorService executor,
            ScheduledThreadPoolExecutor timer,
            String authority) {
        this.channel = channel;
        this.executor = executor;
        this.timer = timer;
        this.authority = authority;
    }

    /** What clients must have in common to share a channel. */
    static Object key(TransportContext context) {
        return List.of(
                "grpc",
                context.sharingKey(),
                context.maxResponseBytes(),
                context.connectTimeout(),
                context.keepAliveInterval(),
                context.acceptCompressedResponses(),
                context.clientCertificateChain(),
                // Compared by value, in memory only: a key is never shown.
                context.clientKey());
    }

    static GrpcChannel open(TransportContext context) {
        String host = context.host();
        String authority = (host.contains(":") ? "[" + host + "]" : host) + ":" + context.port();
        ExecutorService executor =
                Executors.newCachedThreadPool(
                        task -> {
                            Thread thread =
                                    new Thread(
                                            task,
                                            THREAD_PREFIX
                                                    + authority
                                                    + " #"
                                                    + THREADS.incrementAndGet());
                            thread.setDaemon(true);
                            return thread;
                        });
        NettyChannelBuilder builder =
                NettyChannelBuilder.forTarget("dns:///" + authority, credentials(context))
                        .withOption(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                connectTimeoutMillis(context.connectTimeout()))
                        .defaultLoadBalancingPolicy("round_robin")
                        .disableRetry()
                        .executor(executor)
                        .maxInboundMessageSize(
                                (int) Math.min(Integer.MAX_VALUE, context.maxResponseBytes()))
                        .maxInboundMetadataSize(64 * 1024);
        if (!context.acceptCompressedResponses()) {
            // Advertise identity only, so that the server never spends CPU compressing tensors.
            builder.decompressorRegistry(
                    DecompressorRegistry.emptyInstance().with(Codec.Identity.NONE, false));
        }
        Duration keepAlive = context.keepAliveInterval();
        if (!keepAlive.isZero()) {
            builder.keepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS)
                    .keepAliveWithoutCalls(false);
        }
        ScheduledThreadPoolExecutor timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        task -> {
                            Thread thread =
                                    new Thread(task, THREAD_PREFIX + authority + " retry timer");
                            thread.setDaemon(true);
                            return thread;
                        });
        timer.setRemoveOnCancelPolicy(true);
        return new GrpcChannel(builder.build(), executor, timer, authority);
    }

    /**
     * Netty's connect timeout for {@code connectTimeout}: how long one TCP (and TLS) connection
     * attempt may take before the channel gives it up and its calls fail {@code UNAVAILABLE}; zero
     * is no limit, as for HTTP.
     */
    static int connectTimeoutMillis(Duration connectTimeout) {
        if (connectTimeout.isZero()) {
            return 0;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    private static ChannelCredentials credentials(TransportContext context) {
        if (!context.tls()) {
            return InsecureChannelCredentials.create();
        }
        if (context.sslContext().isPresent()) {
            return callersContext(context.sslContext().get());
        }
        TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
        try {
            List<X509Certificate> trusted = context.trustedCertificates();
            if (context.trustManager().isPresent()) {
                tls.trustManager(context.trustManager().get());
            } else if (!trusted.isEmpty()) {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < trusted.size(); i++) {
                    store.setCertificateEntry("trusted-" + i, trusted.get(i));
                }
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                tls.trustManager(factory.getTrustManagers());
            }
            List<X509Certificate> chain = context.clientCertificateChain();
            if (!chain.isEmpty() && context.clientKey().isPresent()) {
                PrivateKey key = context.clientKey().get();
                char[] password = new char[0];
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                store.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
                KeyManagerFactory factory =
                        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                tls.keyManager(factory.getKeyManagers());
            }
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TritonException(
                    "the TLS settings for " + context.endpointText() + " cannot be used: " + e, e);
        }
        return tls.build();
    }

    /**
     * Before a call: when the channel is in {@code TRANSIENT_FAILURE} (no connection to any address
     * of the target, and grpc-java waiting out its reconnect backoff, which grows to many seconds
     * during an outage and fails every call at once meanwhile), puts it back to idle, so that the
     * call resolves the name again and connects at once, as an HTTP request does: it is sent as
     * soon as the connection is up, or fails with the connection's failure (a refused connection, a
     * {@code connectTimeout}) for the client's retry policy to decide. Without it, a server back
     * after an outage of a few seconds is seen only seconds later, each retry meanwhile failing
     * without trying. Nothing is lost: in that state the channel has no connection and no call
     * waiting.
     */
    void reconnectIfFailed() {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.enterIdle();
        }
    }

    /**
     * Credentials that make each connection's TLS engine with the caller's own {@link
     * javax.net.ssl.SSLContext} (the JDK's TLS, which has ALPN since Java 9), so that its key
     * managers present the client certificate for mutual TLS and its trust managers decide, as they
     * do over HTTP. ALPN offers {@code h2} only, as grpc-java's own contexts do; grpc-java still
     * checks that the server's certificate names the endpoint's host, and fails a connection on
     * which the server did not choose {@code h2}.
     */
    private static ChannelCredentials callersContext(javax.net.ssl.SSLContext sslContext) {
        return NettySslContextChannelCredentials.create(
                new JdkSslContext(
                        sslContext,
                        true,
                        null,
                        IdentityCipherSuiteFilter.INSTANCE,
                        new ApplicationProtocolConfig(
                                ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_2),
                        ClientAuth.NONE,
                        null,
                        false));
    }

    /** Whether the current thread runs this transport's callbacks. */
    static boolean isOwnThread() {
        return Thread.currentThread().getName().startsWith(THREAD_PREFIX);
    }

    /** Closes the channel and its threads; the calls still running are cancelled. */
    void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdown();
        timer.shutdownNow();
    }
}
