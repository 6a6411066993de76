package org.flinktriton.client.spi;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * What a transport is opened with: the client's resolved settings, as plain JDK values, and the
 * JVM-wide registry of shared connections. Made by the client; transports only read it.
 */
public interface TransportContext {
    /** The endpoint's scheme in lower case, such as {@code grpcs}. */
    String scheme();

    /** The endpoint's host name or address (an IPv6 address without brackets). */
    String host();

    /** The endpoint's port (the scheme's default when the URL named none). */
    int port();

    /** Whether the scheme asks for TLS ({@code https}, {@code grpcs}). */
    boolean tls();

    /** The endpoint as messages show it: scheme, host, port and path, never credentials. */
    String endpointText();

    /** The model's name. */
    String model();

    /** The model version asked for, if any. */
    Optional<String> modelVersion();

    /** The time allowed to connect. */
    Duration connectTimeout();

    /**
     * The time one request may take, from sending to the last byte of its answer ({@link
     * Duration#ZERO}: no limit). A transport cancels a request past it and fails it with a {@link
     * org.flinktriton.TritonTimeoutException}.
     */
    Duration requestTimeout();

    /** The largest answer accepted, in bytes; a larger one fails naming this limit. */
    long maxResponseBytes();

    /**
     * The most input tensor bytes the client puts in one request (0: no limit); the client splits
     * requests by it before they reach the transport, and a transport names it when a server
     * refuses a request as too large.
     */
    long maxRequestBytes();

    /** Whether requests are compressed with gzip. */
    boolean compressRequests();

    /** Whether the server may compress its answers. */
    boolean acceptCompressedResponses();

    /**
     * The headers of every request, in order, the bearer token as {@code Authorization} among them.
     * Their values are secrets: never put them in a message.
     */
    List<Map.Entry<String, String>> headers();

    /** The certificates a TLS endpoint is trusted by; empty for the JVM's default trust. */
    List<X509Certificate> trustedCertificates();

    /**
     * The caller's trust manager, given with the client builder's {@code sslContext} or {@code
     * sslSocketFactory}: when present, it alone decides which servers are trusted, and {@link
     * #trustedCertificates} is empty. Empty when the trust comes from the options or is the JVM's
     * default.
     */
    Optional<X509TrustManager> trustManager();

    /**
     * The caller's own {@link SSLContext}, given with the client builder's {@code sslContext}: when
     * present, a transport makes its TLS connections with it as it is, so that the client
     * certificate of its key managers is presented for mutual TLS and its trust decides, and {@link
     * #trustManager} is the trust manager the caller said it was initialised with. Empty otherwise
     * (a transport that cannot use a caller's socket factory is never opened with one: the client
     * refuses that when it is built).
     */
    default Optional<SSLContext> sslContext() {
        return Optional.empty();
    }

    /** The client's certificate chain for mutual TLS; empty without one. */
    List<X509Certificate> clientCertificateChain();

    /** The private key of {@link #clientCertificateChain}, for mutual TLS. */
    Optional<PrivateKey> clientKey();

    /**
     * The interval of keepalive pings on an idle connection, for transports that have them; {@link
     * Duration#ZERO} (the default) sends none.
     */
    Duration keepAliveInterval();

    /**
     * A key for values shared by the clients in this JVM that talk to the same server with the same
     * TLS settings: equal for those, different otherwise. It never holds secrets.
     */
    Object sharingKey();

    /**
     * A hold on the value shared under {@code key}, made by {@code create} for the first user and
     * closed by {@code close} when the last {@link Shared} is closed: one connection (a gRPC
     * channel) per server and TLS settings per JVM. {@code create} runs under a lock: keep it free
     * of I/O.
     */
    <V> Shared<V> share(Object key, Supplier<V> create, Consumer<? super V> close);

    /** One user's hold on a shared value. */
    interface Shared<V> extends AutoCloseable {
        /** The shared value. */
        V get();

        /** How many users hold the value now, this one included while open. */
        int users();

        /** Lets go of the value; the last user to let go closes it. Again does nothing. */
        @Override
        void close();
    }
}
