package org.flinktriton.client;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.flinktriton.TritonException;
import org.flinktriton.client.spi.TransportContext;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.client.spi.TritonTransportProvider;

/**
 * Picks a client's transport by its endpoint's scheme: HTTP is built in; any other scheme is served
 * by the {@link TritonTransportProvider} that {@link ServiceLoader} finds for it ({@code grpc} and
 * {@code grpcs} by the artifact {@value #GRPC_ARTIFACT}).
 */
final class Transports {
    /** The artifact that serves {@code grpc://} and {@code grpcs://}. */
    static final String GRPC_ARTIFACT = "org.flinktriton:flink-triton-grpc";

    /** Values shared by transports of other modules (a gRPC channel per server), by key. */
    private static final SharedResources<Object, SharedValue> SHARED =
            new SharedResources<>(SharedValue::close);

    private Transports() {}

    private static boolean builtIn(String scheme) {
        return scheme.equals("http") || scheme.equals("https");
    }

    /**
     * Fails unless a transport serves {@code scheme}: for {@code grpc(s)}, naming the artifact to
     * add.
     *
     * @param subject what is being built, for the message
     */
    static void requireProvider(String scheme, String subject) {
        if (!builtIn(scheme) && provider(scheme) == null) {
            throw new IllegalStateException(missing(scheme, subject));
        }
    }

    private static String missing(String scheme, String subject) {
        boolean grpc = scheme.equals("grpc") || scheme.equals("grpcs");
        return subject
                + ": no transport serves "
                + scheme
                + ":// endpoints on this class path. "
                + (grpc
                        ? "Add the dependency "
                                + GRPC_ARTIFACT
                                + " (same version as"
                                + " flink-triton-runtime) to the job, or use an http:// endpoint."
                        : "Use http://, https://, grpc:// or grpcs://, or add the artifact whose"
                                + " TritonTransportProvider serves '"
                                + scheme
                                + "'.");
    }

    /** The provider of {@code scheme} on the class path, or null. */
    static TritonTransportProvider provider(String scheme) {
        List<ClassLoader> loaders = new ArrayList<>(2);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        loaders.add(Transports.class.getClassLoader());
        for (ClassLoader loader : loaders) {
            try {
                for (TritonTransportProvider provider :
                        ServiceLoader.load(TritonTransportProvider.class, loader)) {
                    if (provider.schemes().contains(scheme)) {
                        return provider;
                    }
                }
            } catch (ServiceConfigurationError e) {
                throw new TritonException(
                        "a TritonTransportProvider on the class path cannot be loaded: " + e, e);
            }
        }
        return null;
    }

    /** The transport of one client. */
    static TritonTransport open(ClientSettings settings) {
        if (builtIn(settings.scheme)) {
            return new HttpModelTransport(settings);
        }
        TritonTransportProvider provider = provider(settings.scheme);
        if (provider == null) {
            throw new TritonException(missing(settings.scheme, "TritonModelClient"));
        }
        return provider.open(new Context(settings));
    }

    /** A shared value and how to close it. */
    private static final class SharedValue {
        final Object value;
        final Consumer<Object> closer;

        @SuppressWarnings("unchecked")
        <V> SharedValue(V value, Consumer<? super V> closer) {
            this.value = value;
            this.closer = v -> closer.accept((V) v);
        }

        void close() {
            closer.accept(value);
        }
    }

    /** The {@link TransportContext} of a client's settings. */
    private static final class Context implements TransportContext {
        private final ClientSettings settings;
        private final TransportKey key;

        Context(ClientSettings settings) {
            this.settings = settings;
            this.key = TransportKey.of(settings);
        }

        @Override
        public String scheme() {
            return settings.scheme;
        }

        @Override
        public String host() {
            return settings.endpoint.host();
        }

        @Override
        public int port() {
            return settings.endpoint.port();
        }

        @Override
        public boolean tls() {
            return settings.endpoint.isHttps();
        }

        @Override
        public String endpointText() {
            return settings.endpointText;
        }

        @Override
        public String model() {
            return settings.model;
        }

        @Override
        public Optional<String> modelVersion() {
            return Optional.ofNullable(settings.modelVersion);
        }

        @Override
        public Duration connectTimeout() {
            return settings.connectTimeout;
        }

        @Override
        public Duration requestTimeout() {
            return settings.requestTimeout;
        }

        @Override
        public long maxResponseBytes() {
            return settings.maxResponseBytes;
        }

        @Override
        public long maxRequestBytes() {
            return settings.maxRequestBytes;
        }

        @Override
        public boolean compressRequests() {
            return settings.compressRequests;
        }

        @Override
        public boolean acceptCompressedResponses() {
            return settings.acceptCompressedResponses;
        }

        @Override
        public List<Map.Entry<String, String>> headers() {
            return settings.headers;
        }

        @Override
        public List<X509Certificate> trustedCertificates() {
            return x509(settings.options.trustedCertificates());
        }

        @Override
        public Optional<X509TrustManager> trustManager() {
            return settings.tlsFromTrustedCertificates
                    ? Optional.empty()
                    : Optional.ofNullable(settings.trustManager);
        }

        @Override
        public Optional<SSLContext> sslContext() {
            return Optional.ofNullable(settings.sslContext);
        }

        @Override
        public List<X509Certificate> clientCertificateChain() {
            return x509(settings.options.tls().clientCertificateChain());
        }

        @Override
        public Optional<java.security.PrivateKey> clientKey() {
            return Optional.ofNullable(settings.options.tls().clientKey());
        }

        @Override
        public Duration keepAliveInterval() {
            return settings.options.keepAliveInterval();
        }

        @Override
        public Object sharingKey() {
            return key;
        }

        @Override
        public <V> Shared<V> share(Object key, Supplier<V> create, Consumer<? super V> close) {
            SharedResources<Object, SharedValue>.Lease lease =
                    SHARED.acquire(key, k -> new SharedValue(create.get(), close));
            return new Shared<>() {
                @Override
                @SuppressWarnings("unchecked")
                public V get() {
                    return (V) lease.get().value;
                }

                @Override
                public int users() {
                    return lease.users();
                }

                @Override
                public void close() {
                    lease.close();
                }
            };
        }

        private static List<X509Certificate> x509(List<Certificate> certificates) {
            List<X509Certificate> x509 = new ArrayList<>(certificates.size());
            for (Certificate certificate : certificates) {
                if (certificate instanceof X509Certificate) {
                    x509.add((X509Certificate) certificate);
                }
            }
            return List.copyOf(x509);
        }
    }
}
