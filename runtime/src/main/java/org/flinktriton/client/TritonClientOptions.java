package org.flinktriton.client;

import java.io.Serializable;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import okhttp3.HttpUrl;
import org.apache.flink.configuration.ReadableConfig;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;

/**
 * Every setting of a {@link TritonModelClient} that can travel in a Flink job graph: the server and
 * model, headers, trusted certificates, timeouts, limits and Triton's request parameters. Immutable
 * and {@link Serializable}; each setter of the {@link Builder} checks its value, and {@link
 * Builder#build()} names what is missing.
 *
 * <pre>{@code
 * TritonClientOptions options = TritonClientOptions.builder()
 *         .endpoint("http://triton:8000")
 *         .model("add_sub")
 *         .bearerToken(token)
 *         .requestTimeout(Duration.ofSeconds(10))
 *         .build();
 *
 * TritonModelClient client = TritonModelClient.builder().clientOptions(options).build();
 * TritonInference.builder(AddSubRequest.class, AddSubResult.class).clientOptions(options)...;
 *
 * // or from a Flink configuration: the keys are in TritonClientConfigOptions
 * TritonClientOptions fromJob = TritonClientOptions.fromConfig(env.getConfiguration());
 * }</pre>
 *
 * <p>This class is the one source of truth for the client's settings: the builders of {@link
 * TritonModelClient} and {@code TritonInference} hold a {@link Builder} and hand each of its
 * setters on to it, so every option is set, checked and defaulted here.
 *
 * <p>Header values (and so a bearer token) are credentials more often than not: they travel with
 * the options, as any connector's credentials do, but {@link #toString()} shows only their names.
 * Certificates to trust are read from their files when the options are built ({@link
 * Builder#trustStorePem}); what is then held is the certificates themselves.
 */
public final class TritonClientOptions implements Serializable {

    private static final long serialVersionUID = 3L;

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Short enough that a request that hangs is retried at least twice within the default batch
     * timeout of a job (60 s): 3 × 15 s plus the backoffs.
     */
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);

    static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 16;
    static final long DEFAULT_MAX_RESPONSE_BYTES = 64L << 20;

    /**
     * The cap on a gRPC request's input tensor bytes when none is set: 64 KiB below the 4 MiB that
     * gRPC libraries accept by default (grpc-java, gRPC core's Python and C++ servers), leaving
     * room for the message's header; KServe's Python server takes 8 MiB, Triton 2 GiB.
     */
    public static final long DEFAULT_GRPC_MAX_REQUEST_BYTES = (4L << 20) - (64L << 10);

    static final int DEFAULT_MAX_BISECTION_REQUESTS = 32;

    /** The largest response body a byte array can hold, with room for the body's framing. */
    static final long MAX_RESPONSE_BYTES_LIMIT = Integer.MAX_VALUE - 16;

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

    private final String endpoint;
    private final String model;

    /** Null: no version segment in URLs. */
    private final String modelVersion;

    private final List<String> headerNames;
    private final List<String> headerValues;

    private final TlsMaterial tls;

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration closeTimeout;
    private final int maxConcurrentRequests;
    private final boolean binaryData;

    /** 0: the model's max_batch_size. */
    private final int maxRecordsPerRequest;

    private final boolean compressRequests;
    private final boolean acceptCompressedResponses;
    private final long maxResponseBytes;

    /** 0: the transport's default ({@link #DEFAULT_GRPC_MAX_REQUEST_BYTES}, none for HTTP). */
    private final long maxRequestBytes;

    /** Null: not sent. */
    private final Integer priority;

    /** Null: not sent. */
    private final Duration serverTimeout;

    /** Strings, booleans and longs, in the order given. */
    private final Map<String, Object> parameters;

    private final RetryPolicy retry;
    private final CircuitBreakerPolicy circuitBreaker;
    private final boolean adaptiveConcurrency;
    private final int maxBisectionRequests;
    private final Duration keepAliveInterval;

    private TritonClientOptions(Builder builder, String model, String modelVersion) {
        this.endpoint = builder.endpoint;
        this.model = model;
        this.modelVersion = modelVersion;
        this.headerNames = List.copyOf(builder.headerNames);
        this.headerValues = List.copyOf(builder.headerValues);
        this.tls = builder.tls;
        this.connectTimeout = builder.connectTimeout;
        this.requestTimeout = builder.requestTimeout;
        this.closeTimeout = builder.closeTimeout;
        this.maxConcurrentRequests = builder.maxConcurrentRequests;
        this.binaryData = builder.binaryData;
        this.maxRecordsPerRequest = builder.maxRecordsPerRequest;
        this.compressRequests = builder.compressRequests;
        this.acceptCompressedResponses = builder.acceptCompressedResponses;
        this.maxResponseBytes = builder.maxResponseBytes;
        this.maxRequestBytes = builder.maxRequestBytes;
        this.priority = builder.priority;
        this.serverTimeout = builder.serverTimeout;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(builder.parameters));
        this.retry = builder.retry;
        this.circuitBreaker = builder.circuitBreaker;
        this.adaptiveConcurrency = builder.adaptiveConcurrency;
        this.maxBisectionRequests = builder.maxBisectionRequests;
        this.keepAliveInterval = builder.keepAliveInterval;
    }

    /** Starts from the defaults; an endpoint and a model are required. */
    public static Builder builder() {
        return new Builder("TritonClientOptions");
    }

    /**
     * {@link #builder()} for a builder that hands its setters on to this one: {@code subject}, such
     * as {@code "TritonModelClient"}, names it in {@link Builder#build()}'s messages.
     */
    public static Builder builder(String subject) {
        return new Builder(Objects.requireNonNull(subject, "subject"));
    }

    /**
     * Reads the options from {@code config}, the keys of {@link TritonClientConfigOptions}, taking
     * the default for each key that is not set.
     *
     * @throws IllegalArgumentException naming the key whose value is wrong
     * @throws IllegalStateException when the endpoint or the model is not set
     */
    public static TritonClientOptions fromConfig(ReadableConfig config) {
        return TritonClientConfigOptions.read(config);
    }

    /** A builder that starts from these values. */
    public Builder toBuilder() {
        return toBuilder("TritonClientOptions");
    }

    /** {@link #toBuilder()} for {@code subject}, as {@link #builder(String)}. */
    public Builder toBuilder(String subject) {
        Builder builder = builder(subject);
        builder.endpoint = endpoint;
        builder.model = model;
        builder.modelVersion = modelVersion;
        builder.headerNames.addAll(headerNames);
        builder.headerValues.addAll(headerValues);
        builder.tls = tls;
        builder.connectTimeout = connectTimeout;
        builder.requestTimeout = requestTimeout;
        builder.closeTimeout = closeTimeout;
        builder.maxConcurrentRequests = maxConcurrentRequests;
        builder.binaryData = binaryData;
        builder.maxRecordsPerRequest = maxRecordsPerRequest;
        builder.compressRequests = compressRequests;
        builder.acceptCompressedResponses = acceptCompressedResponses;
        builder.maxResponseBytes = maxResponseBytes;
        builder.maxRequestBytes = maxRequestBytes;
        builder.priority = priority;
        builder.serverTimeout = serverTimeout;
        builder.parameters.putAll(parameters);
        builder.retry = retry;
        builder.circuitBreaker = circuitBreaker;
        builder.adaptiveConcurrency = adaptiveConcurrency;
        builder.maxBisectionRequests = maxBisectionRequests;
        builder.keepAliveInterval = keepAliveInterval;
        return builder;
    }

    /** The server's base URL as it was given (without surrounding blanks). */
    public String endpoint() {
        return endpoint;
    }

    /** The model's name. */
    public String model() {
        return model;
    }

    /** The model version; empty when the server's version policy picks it. */
    public Optional<String> modelVersion() {
        return Optional.ofNullable(modelVersion);
    }

    /** The extra HTTP headers in the order given. The values are credentials: never log them. */
    public List<Map.Entry<String, String>> headers() {
        List<Map.Entry<String, String>> headers = new ArrayList<>(headerNames.size());
        for (int i = 0; i < headerNames.size(); i++) {
            headers.add(
                    new AbstractMap.SimpleImmutableEntry<>(
                            headerNames.get(i), headerValues.get(i)));
        }
        return Collections.unmodifiableList(headers);
    }

    /** The names of the extra HTTP headers, in the order given. */
    public List<String> headerNames() {
        return headerNames;
    }

    /** The certificates an {@code https} endpoint is trusted by; empty for the JVM's default. */
    public List<Certificate> trustedCertificates() {
        return tls.trustedCertificates();
    }

    /** The TLS material, for the transport. */
    TlsMaterial tls() {
        return tls;
    }

    /** How long opening a connection may take; zero for no limit. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long one HTTP call may take; zero for no limit. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** How long closing the client waits for calls in flight. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** The most HTTP calls running at once. */
    public int maxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    /** Whether tensors travel in Triton's binary extension rather than as JSON. */
    public boolean binaryData() {
        return binaryData;
    }

    /** The most records in one request; empty when the model's {@code max_batch_size} decides. */
    public OptionalInt maxRecordsPerRequest() {
        return maxRecordsPerRequest > 0
                ? OptionalInt.of(maxRecordsPerRequest)
                : OptionalInt.empty();
    }

    /**
     * The most records in one request.
     *
     * @deprecated renamed, since a Flink batch may be several requests: use {@link
     *     #maxRecordsPerRequest()}
     */
    @Deprecated
    public OptionalInt maxBatchSize() {
        return maxRecordsPerRequest();
    }

    /** Whether request bodies are gzip-compressed. */
    public boolean compressRequests() {
        return compressRequests;
    }

    /** Whether the server may compress responses. */
    public boolean acceptCompressedResponses() {
        return acceptCompressedResponses;
    }

    /** The largest response body accepted, in bytes. */
    public long maxResponseBytes() {
        return maxResponseBytes;
    }

    /**
     * The most input tensor bytes in one request, as set; empty when the transport's default
     * applies: {@link #DEFAULT_GRPC_MAX_REQUEST_BYTES} for {@code grpc://} and {@code grpcs://}, no
     * limit for HTTP. See {@link Builder#maxRequestBytes}.
     */
    public OptionalLong maxRequestBytes() {
        return maxRequestBytes > 0 ? OptionalLong.of(maxRequestBytes) : OptionalLong.empty();
    }

    /**
     * The most input tensor bytes in one request for this endpoint: {@link #maxRequestBytes()} when
     * set, else the transport's default; 0 for no limit.
     */
    long effectiveMaxRequestBytes() {
        if (maxRequestBytes > 0) {
            return maxRequestBytes;
        }
        String scheme = schemeOf(endpoint);
        return "grpc".equals(scheme) || "grpcs".equals(scheme) ? DEFAULT_GRPC_MAX_REQUEST_BYTES : 0;
    }

    /** Triton's request {@code priority}; empty when none is sent. */
    public OptionalInt priority() {
        return priority == null ? OptionalInt.empty() : OptionalInt.of(priority);
    }

    /** Triton's request {@code timeout}; empty when none is sent. */
    public Optional<Duration> serverTimeout() {
        return Optional.ofNullable(serverTimeout);
    }

    /**
     * The free-form request parameters, in the order given: strings, booleans and (any integer
     * given, widened) longs. {@link #priority()} and {@link #serverTimeout()} are not among them.
     */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /**
     * How retryable failures of a request are retried; {@link RetryPolicy#defaults()} unless set.
     */
    public RetryPolicy retry() {
        return retry;
    }

    /** When requests fail fast instead; {@link CircuitBreakerPolicy#none()} unless set. */
    public CircuitBreakerPolicy circuitBreaker() {
        return circuitBreaker;
    }

    /**
     * Whether the number of requests in flight adapts to the server: halved on 429, 503 and
     * timeouts, then raised by one per window of successes, up to {@link #maxConcurrentRequests()}.
     */
    public boolean adaptiveConcurrency() {
        return adaptiveConcurrency;
    }

    /**
     * How many extra requests one {@code inferEach} call may send to isolate the records a server
     * rejects (see {@link Builder#maxBisectionRequests}).
     */
    public int maxBisectionRequests() {
        return maxBisectionRequests;
    }

    /**
     * The interval of keepalive pings on an idle gRPC connection; {@link Duration#ZERO} (the
     * default) sends none (see {@link Builder#keepAliveInterval}).
     */
    public Duration keepAliveInterval() {
        return keepAliveInterval;
    }

    /** For example {@code 'add_sub'} or {@code 'add_sub' version 2}. */
    private String modelText() {
        return modelVersion == null ? "'" + model + "'" : "'" + model + "' version " + modelVersion;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof TritonClientOptions)) {
            return false;
        }
        TritonClientOptions that = (TritonClientOptions) other;
        return endpoint.equals(that.endpoint)
                && model.equals(that.model)
                && Objects.equals(modelVersion, that.modelVersion)
                && headerNames.equals(that.headerNames)
                && headerValues.equals(that.headerValues)
                && tls.equals(that.tls)
                && connectTimeout.equals(that.connectTimeout)
                && requestTimeout.equals(that.requestTimeout)
                && closeTimeout.equals(that.closeTimeout)
                && maxConcurrentRequests == that.maxConcurrentRequests
                && binaryData == that.binaryData
                && maxRecordsPerRequest == that.maxRecordsPerRequest
                && compressRequests == that.compressRequests
                && acceptCompressedResponses == that.acceptCompressedResponses
                && maxResponseBytes == that.maxResponseBytes
                && maxRequestBytes == that.maxRequestBytes
                && Objects.equals(priority, that.priority)
                && Objects.equals(serverTimeout, that.serverTimeout)
                && parameters.equals(that.parameters)
                && retry.equals(that.retry)
                && circuitBreaker.equals(that.circuitBreaker)
                && adaptiveConcurrency == that.adaptiveConcurrency
                && maxBisectionRequests == that.maxBisectionRequests
                && keepAliveInterval.equals(that.keepAliveInterval);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                endpoint,
                model,
                modelVersion,
                headerNames,
                headerValues,
                tls,
                connectTimeout,
                requestTimeout,
                closeTimeout,
                maxConcurrentRequests,
                binaryData,
                maxRecordsPerRequest,
                compressRequests,
                acceptCompressedResponses,
                maxResponseBytes,
                maxRequestBytes,
                priority,
                serverTimeout,
                parameters,
                retry,
                circuitBreaker,
                adaptiveConcurrency,
                maxBisectionRequests,
                keepAliveInterval);
    }

    /**
     * The model, the endpoint (without any query) and every setting that is not the default; header
     * names only, never their values.
     */
    @Override
    public String toString() {
        StringBuilder text =
                new StringBuilder("model ")
                        .append(modelText())
                        .append(" at ")
                        .append(endpoint.replaceFirst("[?#].*", ""));
        if (!headerNames.isEmpty()) {
            text.append(", headers ");
            for (int i = 0; i < headerNames.size(); i++) {
                text.append(i == 0 ? "" : ", ").append(headerNames.get(i)).append(": <hidden>");
            }
        }
        if (!tls.isJvmDefault()) {
            text.append(", ").append(tls);
        }
        appendIf(
                text,
                !connectTimeout.equals(DEFAULT_CONNECT_TIMEOUT),
                "connectTimeout",
                millis(connectTimeout));
        appendIf(
                text,
                !requestTimeout.equals(DEFAULT_REQUEST_TIMEOUT),
                "requestTimeout",
                millis(requestTimeout));
        appendIf(
                text,
                !closeTimeout.equals(DEFAULT_CLOSE_TIMEOUT),
                "closeTimeout",
                millis(closeTimeout));
        appendIf(
                text,
                maxConcurrentRequests != DEFAULT_MAX_CONCURRENT_REQUESTS,
                "maxConcurrentRequests",
                maxConcurrentRequests);
        if (!binaryData) {
            text.append(", JSON tensors");
        }
        appendIf(text, maxRecordsPerRequest > 0, "maxRecordsPerRequest", maxRecordsPerRequest);
        appendIf(text, compressRequests, "compressRequests", true);
        appendIf(text, acceptCompressedResponses, "acceptCompressedResponses", true);
        appendIf(
                text,
                maxResponseBytes != DEFAULT_MAX_RESPONSE_BYTES,
                "maxResponseBytes",
                maxResponseBytes);
        appendIf(text, maxRequestBytes > 0, "maxRequestBytes", maxRequestBytes);
        appendIf(text, priority != null, "priority", priority);
        appendIf(
                text,
                serverTimeout != null,
                "serverTimeout",
                serverTimeout == null ? null : millis(serverTimeout));
        appendIf(text, !parameters.isEmpty(), "parameters", parameters);
        appendIf(text, !retry.equals(RetryPolicy.defaults()), "retry", retry);
        appendIf(text, circuitBreaker.enabled(), "circuitBreaker", circuitBreaker);
        appendIf(text, !adaptiveConcurrency, "adaptiveConcurrency", false);
        appendIf(
                text,
                maxBisectionRequests != DEFAULT_MAX_BISECTION_REQUESTS,
                "maxBisectionRequests",
                maxBisectionRequests);
        appendIf(
                text,
                !keepAliveInterval.isZero(),
                "keepAliveInterval",
                keepAliveInterval.isZero() ? null : millis(keepAliveInterval));
        return text.toString();
    }

    private static void appendIf(StringBuilder text, boolean condition, String name, Object value) {
        if (condition) {
            text.append(", ").append(name).append(' ').append(value);
        }
    }

    private static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%d ms", duration.toMillis());
    }

    /**
     * The endpoint's scheme in lower case: {@code http} for {@code host:port} alone, which picks
     * the transport ({@code grpc} and {@code grpcs} need {@code
     * org.flinktriton:flink-triton-grpc}).
     */
    static String schemeOf(String endpoint) {
        String text = endpoint.strip();
        int end = text.indexOf("://");
        return end < 0 ? "http" : text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses an endpoint as {@link Builder#endpoint} takes it.
     *
     * @throws IllegalArgumentException when it is not an http(s) URL or carries credentials
     */
    static HttpUrl parseEndpoint(String endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String text = endpoint.strip();
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        String scheme = schemeOf(text);
        if (scheme.equals("grpc") || scheme.equals("grpcs")) {
            // The same URL grammar: parsed as http(s), the scheme kept apart (see schemeOf).
            text = (scheme.equals("grpc") ? "http" : "https") + text.substring(scheme.length());
        }
        HttpUrl url = HttpUrl.parse(text);
        if (url == null) {
            throw new IllegalArgumentException(
                    "endpoint "
                            + (endpoint.contains("@")
                                    ? "(hidden: it holds credentials)"
                                    // Nor a query, which may hold a key.
                                    : "'" + endpoint.replaceFirst("[?#].*", "?...") + "'")
                            + " is not an http://, https://, grpc:// or grpcs:// URL such as"
                            + " http://127.0.0.1:8000 or grpc://127.0.0.1:8001");
        }
        if (!url.username().isEmpty() || !url.password().isEmpty()) {
            throw new IllegalArgumentException(
                    "endpoint must not carry credentials; pass them with bearerToken(...) or"
                            + " header(\"Authorization\", ...)");
        }
        return url;
    }

    /**
     * Collects {@link TritonClientOptions}. Each setter checks its value at once ({@link
     * IllegalArgumentException}); {@link #build()} requires an endpoint and a model.
     *
     * <table>
     *   <caption>Defaults</caption>
     *   <tr><td>modelVersion</td><td>none: the server's version policy picks</td></tr>
     *   <tr><td>connectTimeout, requestTimeout, closeTimeout</td><td>10 s, 15 s, 10 s</td></tr>
     *   <tr><td>maxConcurrentRequests</td><td>16</td></tr>
     *   <tr><td>binaryData</td><td>true</td></tr>
     *   <tr><td>maxRecordsPerRequest</td><td>the model's {@code max_batch_size}</td></tr>
     *   <tr><td>compressRequests, acceptCompressedResponses</td><td>false</td></tr>
     *   <tr><td>maxResponseBytes</td><td>64 MiB</td></tr>
     *   <tr><td>maxRequestBytes</td><td>gRPC: 4 MiB less 64 KiB; HTTP: no limit</td></tr>
     *   <tr><td>priority, serverTimeout, parameters</td><td>not sent</td></tr>
     *   <tr><td>trusted certificates</td><td>none: the JVM's default trust</td></tr>
     *   <tr><td>retry</td><td>{@link RetryPolicy#defaults()}: retryable failures are retried</td></tr>
     *   <tr><td>circuitBreaker</td><td>{@link CircuitBreakerPolicy#none()}: off</td></tr>
     *   <tr><td>adaptiveConcurrency</td><td>true</td></tr>
     *   <tr><td>maxBisectionRequests</td><td>32</td></tr>
     *   <tr><td>keepAliveInterval</td><td>zero: no keepalive pings (gRPC)</td></tr>
     * </table>
     */
    public static final class Builder {
        private final String subject;
        private String endpoint;
        private String model;
        private String modelVersion;
        private String annotatedModel;
        private String annotatedVersion;
        private String annotatedClass;
        private final List<String> headerNames = new ArrayList<>();
        private final List<String> headerValues = new ArrayList<>();
        private TlsMaterial tls = TlsMaterial.jvmDefault();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        private boolean binaryData = true;
        private int maxRecordsPerRequest;
        private boolean compressRequests;
        private boolean acceptCompressedResponses;
        private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
        private long maxRequestBytes;
        private Integer priority;
        private Duration serverTimeout;
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private RetryPolicy retry = RetryPolicy.defaults();
        private CircuitBreakerPolicy circuitBreaker = CircuitBreakerPolicy.none();
        private boolean adaptiveConcurrency = true;
        private int maxBisectionRequests = DEFAULT_MAX_BISECTION_REQUESTS;
        private Duration keepAliveInterval = Duration.ZERO;

        private Builder(String subject) {
            this.subject = subject;
        }

        /**
         * The server's base URL, such as {@code http://triton:8000} or {@code https://host/prefix};
         * {@code host:port} alone means {@code http://host:port}. {@code grpc://triton:8001} and
         * {@code grpcs://triton:8001} (TLS) choose Triton's gRPC protocol, with the artifact {@code
         * org.flinktriton:flink-triton-grpc} on the class path; every other setting keeps its
         * meaning (see the README's "gRPC" section).
         *
         * @throws IllegalArgumentException when it is not an http(s) or grpc(s) URL or carries
         *     credentials
         */
        public Builder endpoint(String endpoint) {
            parseEndpoint(endpoint);
            this.endpoint = endpoint.strip();
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
         * The model version; without one (null), URLs have no {@code /versions/} segment and the
         * server picks the version by its policy.
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

        /**
         * Adds an HTTP header to every request. Its value appears in no message, log or {@code
         * toString}.
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
            headerNames.add(name);
            headerValues.add(value);
            return this;
        }

        /** Sends {@code Authorization: Bearer <token>}, replacing any Authorization header. */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token, "token");
            for (int i = headerNames.size() - 1; i >= 0; i--) {
                if (headerNames.get(i).equalsIgnoreCase("Authorization")) {
                    headerNames.remove(i);
                    headerValues.remove(i);
                }
            }
            return header("Authorization", "Bearer " + token);
        }

        /**
         * For an {@code https} endpoint whose certificate comes from a private CA or is
         * self-signed: trusts the certificates in {@code trustStore} instead of the JVM's default
         * trust. The certificates (public, unlike keys; entries' private keys are not taken) are
         * copied, so that they travel with the options and the store need not exist where the job
         * runs. Unset, the JVM's default trust applies, which also honours {@code
         * -Djavax.net.ssl.trustStore}.
         *
         * @throws IllegalArgumentException when the store holds no certificate or cannot be read
         */
        public Builder trustStore(KeyStore trustStore) {
            return trustedCertificates(TlsMaterial.certificatesIn(trustStore));
        }

        /**
         * Trusts the certificates of a PEM file ({@code -----BEGIN CERTIFICATE-----} blocks), as
         * {@link #trustStore} does. The file is read now.
         *
         * @throws IllegalArgumentException when the file cannot be read or holds no certificate
         */
        public Builder trustStorePem(Path pemFile) {
            return trustedCertificates(TlsMaterial.certificatesInPem(pemFile));
        }

        /** Trusts exactly {@code certificates}; an empty list restores the JVM's default trust. */
        public Builder trustedCertificates(Collection<? extends Certificate> certificates) {
            this.tls = tls.trusting(certificates);
            return this;
        }

        /**
         * Mutual TLS: the client presents the certificate chain of {@code certificateChainPem} (PEM
         * {@code -----BEGIN CERTIFICATE-----} blocks, its own certificate first) with the private
         * key of {@code privateKeyPem} (unencrypted PKCS#8, {@code -----BEGIN PRIVATE KEY-----};
         * RSA or EC) to an {@code https://} or {@code grpcs://} endpoint that asks for one. Both
         * files are read now, so that they need not exist where the job runs; the key then travels
         * with the options (in the job graph), never in a message or {@code toString()}. Combines
         * with {@link #trustStorePem} and friends for the server's side.
         *
         * @throws IllegalArgumentException when a file cannot be read or holds no certificate or no
         *     such key
         */
        public Builder clientCertificate(Path certificateChainPem, Path privateKeyPem) {
            List<Certificate> chain = TlsMaterial.certificatesInPem(certificateChainPem);
            this.tls = tls.presenting(chain, TlsMaterial.privateKeyInPem(privateKeyPem));
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
         * call fails with a {@link org.flinktriton.TritonTimeoutException}. Zero for no limit.
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
         * The most records in one HTTP request. It can lower the model's {@code max_batch_size},
         * never raise it; it sets the limit when the server does not state one (no {@code
         * …/config}). A longer list, or a Flink batch of more records, goes out as several
         * requests. Unset, the model's {@code max_batch_size} decides.
         */
        public Builder maxRecordsPerRequest(int max) {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "maxRecordsPerRequest must be at least 1, not " + max);
            }
            this.maxRecordsPerRequest = max;
            return this;
        }

        /**
         * The most records in one request.
         *
         * @deprecated renamed, since a Flink batch may be several requests: use {@link
         *     #maxRecordsPerRequest}
         */
        @Deprecated
        public Builder maxBatchSize(int max) {
            return maxRecordsPerRequest(max);
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

        /**
         * The largest response body accepted; a larger one is refused without being buffered (by
         * its {@code Content-Length}, or by counting when it comes chunked).
         */
        public Builder maxResponseBytes(long max) {
            if (max < 1 || max > MAX_RESPONSE_BYTES_LIMIT) {
                throw new IllegalArgumentException(
                        "maxResponseBytes must be between 1 and "
                                + MAX_RESPONSE_BYTES_LIMIT
                                + ", not "
                                + max);
            }
            this.maxResponseBytes = max;
            return this;
        }

        /**
         * The most input tensor bytes in one request (the raw bytes of all its input tensors; the
         * protocol's header comes on top). A list of records, or a Flink batch, is split into
         * requests by bytes as well as by {@linkplain #maxRecordsPerRequest records}, so that no
         * request is refused by a server's message-size limit; a single record larger than this
         * fails before it is sent, with a {@link org.flinktriton.TritonRecordException} that names
         * its size and this limit.
         *
         * <p>Unset, gRPC endpoints use {@link TritonClientOptions#DEFAULT_GRPC_MAX_REQUEST_BYTES}
         * (4 MiB less 64 KiB: below the 4 MiB that gRPC servers accept by default; Triton accepts
         * up to 2 GiB, so raise it there for large tensors), and HTTP has no limit. Key {@code
         * flink-triton.client.max-request-bytes}.
         */
        public Builder maxRequestBytes(long max) {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "maxRequestBytes must be at least 1, not " + max);
            }
            this.maxRequestBytes = max;
            return this;
        }

        /**
         * Triton's request {@code priority}: 1 is the highest, up to the model's {@code
         * priority_levels}; 0 the model's default. Not together with a {@code parameter("priority",
         * …)}: {@link #build()} refuses both.
         */
        public Builder priority(int priority) {
            if (priority < 0) {
                throw new IllegalArgumentException(
                        "priority must not be negative, not " + priority);
            }
            this.priority = priority;
            return this;
        }

        /**
         * Triton's request {@code timeout}, sent in microseconds: how long the server may hold the
         * request before it gives up on it (distinct from {@link #requestTimeout}, the client's own
         * deadline). Not together with a {@code parameter("timeout", …)}: {@link #build()} refuses
         * both.
         */
        public Builder serverTimeout(Duration timeout) {
            this.serverTimeout = nonNegative(timeout, "serverTimeout");
            return this;
        }

        /**
         * Adds a request-level parameter, such as {@code sequence_id}; values are strings, booleans
         * or integers (kept as {@code Long}).
         */
        public Builder parameter(String name, Object value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value of parameter " + name);
            if (value instanceof Integer || value instanceof Long || value instanceof Short) {
                parameters.put(name, ((Number) value).longValue());
            } else if (value instanceof String || value instanceof Boolean) {
                parameters.put(name, value);
            } else {
                throw new IllegalArgumentException(
                        "parameter "
                                + name
                                + " must be a String, Boolean, Integer or Long, not "
                                + value.getClass().getName());
            }
            return this;
        }

        /**
         * How retryable failures of each HTTP request are retried (see {@link RetryPolicy}); {@link
         * RetryPolicy#none()} turns retries off.
         */
        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** When requests fail fast instead (see {@link CircuitBreakerPolicy}); off by default. */
        public Builder circuitBreaker(CircuitBreakerPolicy circuitBreaker) {
            this.circuitBreaker = Objects.requireNonNull(circuitBreaker, "circuitBreaker");
            return this;
        }

        /**
         * Whether the number of requests in flight adapts to the server (AIMD): halved, down to 1,
         * on 429, 503 and timeouts; raised by one after as many successes as the current limit, up
         * to {@link #maxConcurrentRequests}. Records on a decoupled model's stream count as
         * requests until their final response (a broken stream with 503 or 429 and a record past
         * its timeout halve the limit). On by default; false keeps it at {@link
         * #maxConcurrentRequests}.
         */
        public Builder adaptiveConcurrency(boolean adaptive) {
            this.adaptiveConcurrency = adaptive;
            return this;
        }

        /**
         * How many extra requests one {@code inferEach} call may send to isolate the records a
         * server rejects with 400, 422 or 500; 32 by default, 0 for none (a rejected request then
         * fails all its records). Isolating one rejected record in a request of {@code n} costs
         * {@code 2·log2(n)} extra requests (12 for 64), so the default finds up to two or three in
         * a batch of 64. When the budget is spent, the records of requests still rejected fail with
         * the rejection. Apart from the budget, a failure that two disjoint requests of the call
         * get alike (the same status and error text, as from a model that fails for every input) is
         * taken as the server's: it is split no further, and counts toward the circuit breaker.
         */
        public Builder maxBisectionRequests(int max) {
            if (max < 0) {
                throw new IllegalArgumentException(
                        "maxBisectionRequests must be 0 or more, not " + max);
            }
            this.maxBisectionRequests = max;
            return this;
        }

        /**
         * For {@code grpc://} and {@code grpcs://}: sends a keepalive ping after {@code interval}
         * without activity on a connection that has calls in flight, so that a connection a proxy
         * or load balancer dropped silently is found and replaced. {@link Duration#ZERO} (the
         * default) sends none. At least 5 minutes, or zero: Triton's gRPC server (as grpc's default
         * policy) answers pings more frequent than its policy allows with GOAWAY, which ends every
         * call on the connection. HTTP ignores it.
         *
         * @throws IllegalArgumentException when it is neither zero nor at least 5 minutes
         */
        public Builder keepAliveInterval(Duration interval) {
            Objects.requireNonNull(interval, "keepAliveInterval");
            if (!interval.isZero() && interval.compareTo(Duration.ofMinutes(5)) < 0) {
                throw new IllegalArgumentException(
                        "keepAliveInterval must be zero (off) or at least 5 minutes, not "
                                + interval
                                + ": Triton's gRPC server answers more frequent pings with GOAWAY");
            }
            this.keepAliveInterval = interval;
            return this;
        }

        /**
         * The validated options.
         *
         * @throws IllegalStateException naming what is missing (the endpoint, the model), or both
         *     settings of a conflict (such as {@code priority} and a {@code "priority"} parameter)
         */
        public TritonClientOptions build() {
            List<String> missing = new ArrayList<>();
            if (endpoint == null) {
                missing.add("an endpoint (call endpoint(\"http://triton:8000\"))");
            }
            String name = model != null ? model : annotatedModel;
            if (name == null) {
                missing.add(
                        annotatedClass == null
                                ? "a model name (call model(\"name\"), or modelFrom(Input.class)"
                                        + " with a class annotated @TritonModel(name = ...))"
                                : "a model name ("
                                        + annotatedClass
                                        + " has no @TritonModel name: annotate it with"
                                        + " @TritonModel(name = ...), or call model(\"name\"))");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException(
                        subject + " needs " + String.join(" and ", missing));
            }
            Transports.requireProvider(schemeOf(endpoint), subject);
            refuseTwice(priority != null, "priority", "priority");
            refuseTwice(serverTimeout != null, "timeout", "server-timeout");
            String version =
                    modelVersion != null ? modelVersion : model == null ? annotatedVersion : null;
            return new TritonClientOptions(this, name, version);
        }

        /** A dedicated setter and a free-form parameter must not both set one request parameter. */
        private void refuseTwice(boolean dedicatedSet, String parameter, String key) {
            if (dedicatedSet && parameters.containsKey(parameter)) {
                String setter = parameter.equals("timeout") ? "serverTimeout" : parameter;
                throw new IllegalStateException(
                        subject
                                + ": "
                                + setter
                                + "(...) ("
                                + TritonClientConfigOptions.PREFIX
                                + key
                                + ") and parameter(\""
                                + parameter
                                + "\", ...) ("
                                + TritonClientConfigOptions.PREFIX
                                + "parameters) both set Triton's request parameter '"
                                + parameter
                                + "'; set it once");
            }
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
