package org.flinktriton.client;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.HttpUrl;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * An asynchronous, batching client for one model on a Triton Inference Server (or any server that
 * speaks the KServe v2 / Open Inference Protocol over HTTP), driven by the codecs that the
 * flink-triton annotation processor generates.
 *
 * <pre>{@code
 * try (TritonModelClient client = TritonModelClient.builder()
 *         .endpoint("http://127.0.0.1:8000")
 *         .model("add_sub")                   // or modelFrom(AddSubRequest.class) for @TritonModel
 *         .requestTimeout(Duration.ofSeconds(30))
 *         .maxConcurrentRequests(16)
 *         .build()) {
 *     client.validate(AddSubRequest.class, AddSubResult.class);   // optional: fail fast
 *     CompletableFuture<List<AddSubResult>> out = client.infer(requests, AddSubResult.class);
 *     List<AddSubResult> results = out.join();                     // one per request, in order
 * }
 * }</pre>
 *
 * <p><b>Batching.</b> The client learns the model's {@code max_batch_size} once, from Triton's
 * {@code …/config} or, on servers without it, from the metadata (a leading {@code -1} in every
 * input's shape means the model batches, with no known limit). A list larger than that is split
 * into several requests; a model with {@code max_batch_size} 0 gets one record per request; records
 * whose variable dimensions differ go in separate requests. The requests run concurrently, at most
 * {@link Builder#maxConcurrentRequests} at a time (the rest wait their turn, they do not fail), and
 * the outputs come back in input order.
 *
 * <p><b>Validation.</b> Before the first request for a pair of classes, and on {@link #validate},
 * the codecs are compared with the model metadata; every mismatch is listed in one {@link
 * TritonSchemaException} and nothing is sent.
 *
 * <p><b>Errors.</b> Futures fail with a {@link TritonException} whose message names the model:
 * {@link TritonServerException} for HTTP 400 and above, {@link TritonTimeoutException} past the
 * request timeout, {@link TritonProtocolException} for a response that breaks the protocol, and
 * {@link TritonException} for an unreachable server or a record that does not fit its spec.
 * Cancelling a returned future cancels its HTTP calls.
 *
 * <p><b>Threads.</b> Futures complete on the client's HTTP threads: keep their continuations short
 * or move them elsewhere. {@link #close()} waits for calls in flight up to {@link
 * Builder#closeTimeout}, then cancels them and releases every thread and connection of this client.
 * Thread-safe.
 */
public final class TritonModelClient implements AutoCloseable {
    private final ClientCore core;

    private TritonModelClient(ClientSettings settings) {
        this.core = new ClientCore(settings);
    }

    /** Starts configuring a client. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model's name. */
    public String model() {
        return core.settings().model;
    }

    /** The model version, when one was given. */
    public Optional<String> modelVersion() {
        return Optional.ofNullable(core.settings().modelVersion);
    }

    /** The server's base URL, without credentials. */
    public String endpoint() {
        return core.settings().endpointText;
    }

    /** Whether the server answers {@code GET /v2/health/live} with 200. */
    public CompletableFuture<Boolean> serverLive() {
        return core.serverLive();
    }

    /** Whether the server answers {@code GET /v2/health/ready} with 200. */
    public CompletableFuture<Boolean> serverReady() {
        return core.serverReady();
    }

    /** Whether the server answers the model's {@code …/ready} with 200. */
    public CompletableFuture<Boolean> modelReady() {
        return core.modelReady();
    }

    /** The model's metadata and batch size, fetched on first use and kept. */
    public CompletableFuture<TritonModelInfo> modelInfo() {
        return core.modelInfo();
    }

    /**
     * Compares the generated codecs of {@code inputType} and {@code outputType} with the model's
     * metadata, blocking until the metadata is known.
     *
     * @throws TritonSchemaException listing every mismatch
     * @throws TritonException when the metadata cannot be fetched or a class has no codec
     */
    public void validate(Class<?> inputType, Class<?> outputType) {
        core.validate(TritonCodecs.forInput(inputType), TritonCodecs.forOutput(outputType));
    }

    /**
     * Compares {@code input} and {@code output} with the model's metadata, blocking until the
     * metadata is known.
     *
     * @throws TritonSchemaException listing every mismatch
     * @throws TritonException when the metadata cannot be fetched
     */
    public void validate(TritonInputCodec<?> input, TritonOutputCodec<?> output) {
        core.validate(input, output);
    }

    /**
     * Runs inference on {@code records}, whose class's generated codec encodes them, and decodes
     * one {@code outputType} per record, in input order. When {@code outputType} is the records'
     * own class and it declares outputs too, the results are the sent records with their outputs
     * filled in (for Java records: new instances). An empty list completes at once, with an empty
     * list.
     */
    public <I, O> CompletableFuture<List<O>> infer(List<? extends I> records, Class<O> outputType) {
        return core.infer(records, outputType);
    }

    /** {@link #infer(List, Class)} with explicit codecs. */
    public <I, O> CompletableFuture<List<O>> infer(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return core.infer(records, input, output);
    }

    /**
     * Refuses new calls, waits for those in flight up to {@link Builder#closeTimeout}, cancels what
     * is left (failing it with a {@link TritonException}), stops this client's threads and closes
     * its connections. Idempotent.
     */
    @Override
    public void close() {
        core.close();
    }

    /** Calls running or queued in the dispatcher; for tests. */
    int activeCalls() {
        return core.activeCalls();
    }

    /** Connections in this client's pool; for tests. */
    int connectionCount() {
        return core.connectionCount();
    }

    @Override
    public String toString() {
        return "TritonModelClient{" + core.settings().modelText + " at " + endpoint() + "}";
    }

    /**
     * Configures a {@link TritonModelClient}. Only {@link #endpoint} and the model ({@link #model}
     * or {@link #modelFrom}) are required.
     *
     * <table>
     *   <caption>Defaults</caption>
     *   <tr><td>connectTimeout</td><td>10 s</td></tr>
     *   <tr><td>requestTimeout</td><td>30 s, for the whole HTTP call</td></tr>
     *   <tr><td>closeTimeout</td><td>10 s</td></tr>
     *   <tr><td>maxConcurrentRequests</td><td>16</td></tr>
     *   <tr><td>binaryData</td><td>true</td></tr>
     *   <tr><td>maxBatchSize</td><td>the model's {@code max_batch_size}</td></tr>
     *   <tr><td>compressRequests, acceptCompressedResponses</td><td>false</td></tr>
     *   <tr><td>maxResponseBytes</td><td>64 MiB</td></tr>
     * </table>
     */
    public static final class Builder {
        /** Headers that the client sets itself. */
        private static final Set<String> RESERVED_HEADERS =
                Set.of(
                        "content-type",
                        "content-length",
                        "content-encoding",
                        "transfer-encoding",
                        "accept-encoding",
                        "host",
                        "connection",
                        "inference-header-content-length");

        private HttpUrl endpoint;
        private String model;
        private String modelVersion;
        private String annotatedModel;
        private String annotatedVersion;
        private String annotatedClass;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private int maxConcurrentRequests = 16;
        private boolean binaryData = true;
        private int maxBatchSize;
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private SSLSocketFactory sslSocketFactory;
        private X509TrustManager trustManager;
        private HostnameVerifier hostnameVerifier;
        private boolean compressRequests;
        private boolean acceptCompressedResponses;
        private Supplier<String> requestIds;
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private long maxResponseBytes = 64L << 20;

        private Builder() {}

        /**
         * The server's base URL, such as {@code http://triton:8000} or {@code https://host/prefix};
         * {@code host:port} alone means {@code http://host:port}.
         */
        public Builder endpoint(String endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            String text = endpoint.strip();
            if (!text.contains("://")) {
                text = "http://" + text;
            }
            HttpUrl url = HttpUrl.parse(text);
            if (url == null) {
                throw new IllegalArgumentException(
                        "endpoint "
                                + (endpoint.contains("@")
                                        ? "(hidden: it holds credentials)"
                                        : "'" + endpoint + "'")
                                + " is not an http:// or https:// URL such as http://127.0.0.1:8000");
            }
            if (!url.username().isEmpty() || !url.password().isEmpty()) {
                throw new IllegalArgumentException(
                        "endpoint must not carry credentials; pass them with bearerToken(...) or"
                                + " header(\"Authorization\", ...)");
            }
            this.endpoint = url;
            return this;
        }

        /** The model's name; wins over a {@code @TritonModel} name from {@link #modelFrom}. */
        public Builder model(String model) {
            Objects.requireNonNull(model, "model");
            if (model.isBlank()) {
                throw new IllegalArgumentException("model must not be blank");
            }
            this.model = model;
            return this;
        }

        /**
         * The model version; without one, URLs have no {@code /versions/} segment and the server
         * picks the version by its policy.
         */
        public Builder modelVersion(String modelVersion) {
            if (modelVersion != null && modelVersion.isBlank()) {
                throw new IllegalArgumentException("modelVersion must not be blank");
            }
            this.modelVersion = modelVersion;
            return this;
        }

        /**
         * Takes the model name and version from {@code @TritonModel} on {@code inputType}, when
         * {@link #model} and {@link #modelVersion} are not given.
         */
        public Builder modelFrom(Class<?> inputType) {
            return modelFrom(TritonCodecs.forInput(Objects.requireNonNull(inputType, "inputType")));
        }

        /** Takes the model name and version from an input codec ({@code @TritonModel}). */
        public Builder modelFrom(TritonInputCodec<?> input) {
            Objects.requireNonNull(input, "input");
            this.annotatedClass = input.type().getName();
            this.annotatedModel = input.modelName().filter(name -> !name.isBlank()).orElse(null);
            this.annotatedVersion =
                    input.modelVersion().filter(version -> !version.isBlank()).orElse(null);
            return this;
        }

        /** How long opening a connection may take; zero for no limit. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = nonNegative(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long one HTTP call may take from start to the last byte of the response (time spent
         * waiting for a free slot under {@link #maxConcurrentRequests} does not count); past it the
         * call fails with a {@link TritonTimeoutException}. Zero for no limit.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = nonNegative(timeout, "requestTimeout");
            return this;
        }

        /** How long {@link TritonModelClient#close()} waits for calls in flight. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = nonNegative(timeout, "closeTimeout");
            return this;
        }

        /** The most HTTP calls running at once; calls beyond it wait in a queue. */
        public Builder maxConcurrentRequests(int max) {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "maxConcurrentRequests must be at least 1, not " + max);
            }
            this.maxConcurrentRequests = max;
            return this;
        }

        /**
         * Whether tensors travel in Triton's binary extension (the default) or as JSON; with false,
         * requests carry JSON {@code data} and ask for JSON outputs (FP16 and BF16, which Triton
         * accepts only binary, stay binary).
         */
        public Builder binaryData(boolean binaryData) {
            this.binaryData = binaryData;
            return this;
        }

        /**
         * The most records in one request. It can lower the model's {@code max_batch_size}, never
         * raise it; it sets the limit when the server does not state one (no {@code …/config}).
         */
        public Builder maxBatchSize(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxBatchSize must be at least 1, not " + max);
            }
            this.maxBatchSize = max;
            return this;
        }

        /**
         * Adds an HTTP header to every request. Its value appears in no message and no log.
         *
         * @throws IllegalArgumentException for a header the client sets itself or characters HTTP
         *     does not allow
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value of header " + name);
            checkHeaderName(name);
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(
                        "header " + name + " is set by the client itself");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                    throw new IllegalArgumentException(
                            "the value of header "
                                    + name
                                    + " has a character HTTP does not allow at index "
                                    + i);
                }
            }
            headers.add(Map.entry(name, value));
            return this;
        }

        /** Sends {@code Authorization: Bearer <token>}, replacing any Authorization header. */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token, "token");
            headers.removeIf(header -> header.getKey().equalsIgnoreCase("Authorization"));
            return header("Authorization", "Bearer " + token);
        }

        /** TLS for an {@code https} endpoint with a caller's socket factory and trust manager. */
        public Builder sslSocketFactory(
                SSLSocketFactory socketFactory, X509TrustManager trustManager) {
            this.sslSocketFactory = Objects.requireNonNull(socketFactory, "socketFactory");
            this.trustManager = Objects.requireNonNull(trustManager, "trustManager");
            return this;
        }

        /**
         * TLS for an {@code https} endpoint with a caller's {@link SSLContext}; {@code
         * trustManager} must be the one the context was initialised with.
         */
        public Builder sslContext(SSLContext context, X509TrustManager trustManager) {
            return sslSocketFactory(
                    Objects.requireNonNull(context, "context").getSocketFactory(), trustManager);
        }

        /** TLS for an {@code https} endpoint that trusts the certificates in {@code trustStore}. */
        public Builder trustStore(KeyStore trustStore) {
            Objects.requireNonNull(trustStore, "trustStore");
            try {
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(trustStore);
                X509TrustManager x509 = null;
                for (TrustManager manager : factory.getTrustManagers()) {
                    if (manager instanceof X509TrustManager) {
                        x509 = (X509TrustManager) manager;
                    }
                }
                if (x509 == null) {
                    throw new IllegalArgumentException(
                            "the trust store yields no X509TrustManager");
                }
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {x509}, null);
                return sslContext(context, x509);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(
                        "cannot use the trust store: " + e.getMessage(), e);
            }
        }

        /** Replaces the default host name check of {@code https} endpoints. */
        public Builder hostnameVerifier(HostnameVerifier verifier) {
            this.hostnameVerifier = Objects.requireNonNull(verifier, "verifier");
            return this;
        }

        /** Whether request bodies are sent gzip-compressed ({@code Content-Encoding: gzip}). */
        public Builder compressRequests(boolean compress) {
            this.compressRequests = compress;
            return this;
        }

        /**
         * Whether the server may compress responses ({@code Accept-Encoding: gzip}); off by
         * default, so that the server spends no CPU compressing tensors.
         */
        public Builder acceptCompressedResponses(boolean accept) {
            this.acceptCompressedResponses = accept;
            return this;
        }

        /** Supplies the {@code id} of each inference request; null from it sends none. */
        public Builder requestIds(Supplier<String> ids) {
            this.requestIds = ids;
            return this;
        }

        /** Triton's request {@code priority}: 1 is the highest, 0 the model's default. */
        public Builder priority(int priority) {
            if (priority < 0) {
                throw new IllegalArgumentException(
                        "priority must not be negative, not " + priority);
            }
            parameters.put("priority", priority);
            return this;
        }

        /**
         * Triton's request {@code timeout}, sent in microseconds: how long the server may hold the
         * request before it gives up on it (distinct from {@link #requestTimeout}, the client's own
         * deadline).
         */
        public Builder serverTimeout(Duration timeout) {
            nonNegative(timeout, "serverTimeout");
            long micros;
            try {
                micros =
                        Math.multiplyExact(timeout.getSeconds(), 1_000_000L)
                                + timeout.getNano() / 1_000;
            } catch (ArithmeticException e) {
                micros = Long.MAX_VALUE;
            }
            parameters.put("timeout", micros);
            return this;
        }

        /**
         * Adds a request-level parameter, such as {@code sequence_id}; values are strings, booleans
         * or integers.
         */
        public Builder parameter(String name, Object value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value of parameter " + name);
            if (!(value instanceof String
                    || value instanceof Boolean
                    || value instanceof Integer
                    || value instanceof Long
                    || value instanceof Short)) {
                throw new IllegalArgumentException(
                        "parameter "
                                + name
                                + " must be a String, Boolean, Integer or Long, not "
                                + value.getClass().getName());
            }
            parameters.put(name, value);
            return this;
        }

        /**
         * The largest response body accepted; a larger one is refused without being buffered (by
         * its {@code Content-Length}, or by counting when it comes chunked).
         */
        public Builder maxResponseBytes(long max) {
            if (max < 1 || max > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(
                        "maxResponseBytes must be between 1 and "
                                + (Integer.MAX_VALUE - 16)
                                + ", not "
                                + max);
            }
            this.maxResponseBytes = max;
            return this;
        }

        /**
         * Builds the client.
         *
         * @throws IllegalStateException when the endpoint or the model is missing
         */
        public TritonModelClient build() {
            if (endpoint == null) {
                throw new IllegalStateException(
                        "TritonModelClient needs an endpoint: call endpoint(\"http://host:8000\")");
            }
            String name = model != null ? model : annotatedModel;
            if (name == null) {
                throw new IllegalStateException(
                        "TritonModelClient needs a model name: call model(\"name\"), or"
                                + " modelFrom(Input.class) on a class annotated with"
                                + " @TritonModel(name = ...)"
                                + (annotatedClass == null
                                        ? ""
                                        : "; " + annotatedClass + " has no @TritonModel name"));
            }
            String version =
                    modelVersion != null ? modelVersion : model == null ? annotatedVersion : null;
            return new TritonModelClient(
                    new ClientSettings(
                            endpoint,
                            name,
                            version,
                            connectTimeout,
                            requestTimeout,
                            closeTimeout,
                            maxConcurrentRequests,
                            binaryData,
                            maxBatchSize,
                            headers,
                            sslSocketFactory,
                            trustManager,
                            hostnameVerifier,
                            compressRequests,
                            acceptCompressedResponses,
                            requestIds,
                            parameters,
                            maxResponseBytes));
        }

        private static Duration nonNegative(Duration duration, String what) {
            Objects.requireNonNull(duration, what);
            if (duration.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative");
            }
            return duration;
        }

        private static void checkHeaderName(String name) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a header name must not be empty");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                    throw new IllegalArgumentException(
                            "header name '" + name + "' has a character HTTP does not allow");
                }
            }
        }
    }
}
