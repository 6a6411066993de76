package org.flinktriton.client;

import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * What clients must have in common to share a transport (its connections and threads): the server,
 * by scheme, host and port, and the same TLS settings. Trusted certificates from the options are
 * compared by value; TLS objects that a caller passed in (a socket factory with its trust manager,
 * a host name verifier) by identity, since nothing else tells whether they trust, or present, the
 * same: a client that presents a client certificate shares only with clients given the same
 * objects. The model, timeouts, headers and the rest are each client's own and do not matter here.
 *
 * <p>Transport-neutral: an HTTP and a gRPC transport would key their shared values alike.
 */
final class TransportKey {
    private final String scheme;
    private final String host;
    private final int port;

    /**
     * The options' TLS material (trusted certificates, a client certificate and key) when the TLS
     * setup comes from the options; the JVM's default otherwise.
     */
    private final TlsMaterial trustedCertificates;

    /** The caller's TLS objects, compared by identity; null when not given. */
    private final Object sslSocketFactory;

    private final Object trustManager;
    private final Object hostnameVerifier;

    private TransportKey(
            String scheme,
            HttpUrl endpoint,
            TlsMaterial trustedCertificates,
            Object sslSocketFactory,
            Object trustManager,
            Object hostnameVerifier) {
        this.scheme = scheme;
        this.host = endpoint.host();
        this.port = endpoint.port();
        this.trustedCertificates = trustedCertificates;
        this.sslSocketFactory = sslSocketFactory;
        this.trustManager = trustManager;
        this.hostnameVerifier = hostnameVerifier;
    }

    static TransportKey of(ClientSettings settings) {
        boolean fromOptions = settings.tlsFromTrustedCertificates;
        return new TransportKey(
                settings.scheme,
                settings.endpoint,
                fromOptions ? settings.options.tls() : TlsMaterial.jvmDefault(),
                fromOptions ? null : settings.sslSocketFactory,
                fromOptions ? null : settings.trustManager,
                settings.hostnameVerifier);
    }

    /** {@code host:port}, for thread names. */
    String authority() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof TransportKey)) {
            return false;
        }
        TransportKey that = (TransportKey) other;
        return port == that.port
                && scheme.equals(that.scheme)
                && host.equals(that.host)
                && trustedCertificates.equals(that.trustedCertificates)
                && sslSocketFactory == that.sslSocketFactory
                && trustManager == that.trustManager
                && hostnameVerifier == that.hostnameVerifier;
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheme, host, port, trustedCertificates)
                + 31 * System.identityHashCode(sslSocketFactory)
                + 17 * System.identityHashCode(trustManager)
                + System.identityHashCode(hostnameVerifier);
    }

    @Override
    public String toString() {
        return scheme + "://" + authority();
    }
}
