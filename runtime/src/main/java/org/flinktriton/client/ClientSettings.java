package org.flinktriton.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.HttpUrl;

/** Everything a {@link TritonModelClient.Builder} collected, checked and frozen. */
final class ClientSettings {
    final HttpUrl endpoint;

    /** The endpoint without credentials, query or fragment: what messages show. */
    final String endpointText;

    final String model;
    final String modelVersion;
    final Duration connectTimeout;
    final Duration requestTimeout;
    final Duration closeTimeout;
    final int maxConcurrentRequests;
    final boolean binaryData;
    final int maxBatchSize;

    /** Header names and values, in the order given; values never leave the request. */
    final List<Map.Entry<String, String>> headers;

    final SSLSocketFactory sslSocketFactory;
    final X509TrustManager trustManager;
    final HostnameVerifier hostnameVerifier;
    final boolean compressRequests;
    final boolean acceptCompressedResponses;
    final Supplier<String> requestIds;
    final Map<String, Object> parameters;
    final long maxResponseBytes;

    /** How messages refer to the model: {@code model 'add_sub'} or {@code model 'add_sub' v1}. */
    final String modelText;

    ClientSettings(
            HttpUrl endpoint,
            String model,
            String modelVersion,
            Duration connectTimeout,
            Duration requestTimeout,
            Duration closeTimeout,
            int maxConcurrentRequests,
            boolean binaryData,
            int maxBatchSize,
            List<Map.Entry<String, String>> headers,
            SSLSocketFactory sslSocketFactory,
            X509TrustManager trustManager,
            HostnameVerifier hostnameVerifier,
            boolean compressRequests,
            boolean acceptCompressedResponses,
            Supplier<String> requestIds,
            Map<String, Object> parameters,
            long maxResponseBytes) {
        this.endpoint = endpoint;
        this.endpointText = describe(endpoint);
        this.model = model;
        this.modelVersion = modelVersion;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.closeTimeout = closeTimeout;
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.binaryData = binaryData;
        this.maxBatchSize = maxBatchSize;
        this.headers = List.copyOf(headers);
        this.sslSocketFactory = sslSocketFactory;
        this.trustManager = trustManager;
        this.hostnameVerifier = hostnameVerifier;
        this.compressRequests = compressRequests;
        this.acceptCompressedResponses = acceptCompressedResponses;
        this.requestIds = requestIds;
        this.parameters = Map.copyOf(parameters);
        this.maxResponseBytes = maxResponseBytes;
        this.modelText =
                "Model '" + model + "'" + (modelVersion == null ? "" : " version " + modelVersion);
    }

    private static String describe(HttpUrl url) {
        String path = url.encodedPath();
        return url.scheme()
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
