package org.flinktriton.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.HttpUrl;

/**
 * The client's resolved settings: its {@link TritonClientOptions}, the parts that cannot be
 * serialized (TLS objects, the request id supplier), and what is derived from them once.
 */
final class ClientSettings {
    /** What was configured and can be serialized. */
    final TritonClientOptions options;

    /**
     * The endpoint, parsed as an HTTP URL: for {@code grpc(s)://} with {@code http(s)} in place of
     * the scheme, which {@link #scheme} keeps.
     */
    final HttpUrl endpoint;

    /** The endpoint's own scheme in lower case: {@code http}, {@code https}, {@code grpc}... */
    final String scheme;

    /** The endpoint without credentials, query or fragment: what messages show. */
    final String endpointText;

    final String model;
    final String modelVersion;
    final Duration connectTimeout;
    final Duration requestTimeout;
    final Duration closeTimeout;
    final int maxConcurrentRequests;
    final boolean binaryData;

    /** {@link TritonClientOptions#maxRecordsPerRequest()}; 0: the model's max_batch_size. */
    final int maxBatchSize;

    /** Header names and values, in the order given; values never leave the request. */
    final List<Map.Entry<String, String>> headers;

    final SSLSocketFactory sslSocketFactory;
    final X509TrustManager trustManager;

    /**
     * The caller's own TLS context, given with the builder's {@code sslContext} ({@link
     * #sslSocketFactory} is its socket factory then); null otherwise. Transports that do not open
     * sockets (gRPC over Netty) use it as it is.
     */
    final SSLContext sslContext;

    /**
     * Whether {@link #sslSocketFactory} was built here from the options' trusted certificates
     * rather than passed in: clients with equal certificates may then share a transport.
     */
    final boolean tlsFromTrustedCertificates;

    final HostnameVerifier hostnameVerifier;
    final boolean compressRequests;
    final boolean acceptCompressedResponses;
    final Supplier<String> requestIds;
    final Map<String, Object> parameters;
    final long maxResponseBytes;

    /** The most input tensor bytes in one request; 0: no limit. */
    final long maxRequestBytes;

    /** How messages refer to the model: {@code model 'add_sub'} or {@code model 'add_sub' v1}. */
    final String modelText;

    ClientSettings(
            TritonClientOptions options,
            SSLContext sslContext,
            SSLSocketFactory sslSocketFactory,
            X509TrustManager trustManager,
            HostnameVerifier hostnameVerifier,
            Supplier<String> requestIds) {
        this.options = options;
        this.endpoint = TritonClientOptions.parseEndpoint(options.endpoint());
        this.scheme = TritonClientOptions.schemeOf(options.endpoint());
        this.endpointText = describe(scheme, endpoint);
        this.model = options.model();
        this.modelVersion = options.modelVersion().orElse(null);
        this.connectTimeout = options.connectTimeout();
        this.requestTimeout = options.requestTimeout();
        this.closeTimeout = options.closeTimeout();
        this.maxConcurrentRequests = options.maxConcurrentRequests();
        this.binaryData = options.binaryData();
        this.maxBatchSize = options.maxRecordsPerRequest().orElse(0);
        this.headers = options.headers();
        if (sslSocketFactory == null && !options.tls().isJvmDefault()) {
            X509TrustManager trusting = options.tls().trustManager();
            this.sslSocketFactory = options.tls().sslContext(trusting).getSocketFactory();
            this.trustManager = trusting;
            this.tlsFromTrustedCertificates = true;
            this.sslContext = null;
        } else {
            this.sslContext = sslContext;
            this.sslSocketFactory = sslSocketFactory;
            this.trustManager = trustManager;
            this.tlsFromTrustedCertificates = false;
        }
        this.hostnameVerifier = hostnameVerifier;
        this.compressRequests = options.compressRequests();
        this.acceptCompressedResponses = options.acceptCompressedResponses();
        this.requestIds = requestIds;
        this.parameters = parameters(options);
        this.maxResponseBytes = options.maxResponseBytes();
        this.maxRequestBytes = options.effectiveMaxRequestBytes();
        this.modelText =
                "Model '" + model + "'" + (modelVersion == null ? "" : " version " + modelVersion);
    }

    /** The free-form parameters, then priority and timeout, which win over free-form ones. */
    private static Map<String, Object> parameters(TritonClientOptions options) {
        Map<String, Object> parameters = new LinkedHashMap<>(options.parameters());
        options.priority().ifPresent(priority -> parameters.put("priority", priority));
        options.serverTimeout().ifPresent(timeout -> parameters.put("timeout", micros(timeout)));
        return Map.copyOf(parameters);
    }

    private static long micros(Duration timeout) {
        try {
            return Math.multiplyExact(timeout.getSeconds(), 1_000_000L) + timeout.getNano() / 1_000;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String describe(String scheme, HttpUrl url) {
        String path = url.encodedPath();
        return scheme
                + "://"
                + (url.host().contains(":") ? "[" + url.host() + "]" : url.host())
                + ":"
                + url.port()
                + ("/".equals(path) ? "" : path);
    }

    /** {@code 300 ms}, {@code 30 s}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
