package org.flinktriton.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The Flink {@link ConfigOption}s of {@link TritonClientOptions}, one per option, all under {@code
 * flink-triton.client.}; {@link TritonClientOptions#fromConfig} reads them.
 *
 * <pre>{@code
 * Configuration config = new Configuration();
 * config.set(TritonClientConfigOptions.ENDPOINT, "http://triton:8000");
 * config.set(TritonClientConfigOptions.MODEL, "add_sub");
 * config.set(TritonClientConfigOptions.REQUEST_TIMEOUT, Duration.ofSeconds(10));
 * TritonClientOptions options = TritonClientOptions.fromConfig(config);
 * }</pre>
 *
 * <p>or, in a Flink configuration file: {@code flink-triton.client.endpoint: http://triton:8000},
 * {@code flink-triton.client.headers: X-Api-Key:abc,X-Tenant:7}.
 */
public final class TritonClientConfigOptions {

    static final String PREFIX = "flink-triton.client.";

    /** See {@link TritonClientOptions.Builder#endpoint}. */
    public static final ConfigOption<String> ENDPOINT =
            ConfigOptions.key(PREFIX + "endpoint")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Required. The server's base URL, such as http://triton:8000;"
                                    + " host:port alone means http://host:port. No credentials in"
                                    + " the URL: use bearer-token or headers.");

    /** See {@link TritonClientOptions.Builder#model}. */
    public static final ConfigOption<String> MODEL =
            ConfigOptions.key(PREFIX + "model")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Required. The model's name.");

    /** See {@link TritonClientOptions.Builder#modelVersion}. */
    public static final ConfigOption<String> MODEL_VERSION =
            ConfigOptions.key(PREFIX + "model-version")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The model version. Unset, URLs carry no version segment and the"
                                    + " server's version policy picks it.");

    /** See {@link TritonClientOptions.Builder#header}. */
    public static final ConfigOption<Map<String, String>> HEADERS =
            ConfigOptions.key(PREFIX + "headers")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Extra HTTP headers sent with every request, such as"
                                    + " X-Api-Key:abc,X-Tenant:7, in the order of their names."
                                    + " Their values appear in no message or log.");

    /** See {@link TritonClientOptions.Builder#bearerToken}. */
    public static final ConfigOption<String> BEARER_TOKEN =
            ConfigOptions.key(PREFIX + "bearer-token")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Sent as 'Authorization: Bearer <token>', replacing an Authorization"
                                    + " header from headers. It appears in no message or log.");

    /** See {@link TritonClientOptions.Builder#trustStorePem}. */
    public static final ConfigOption<String> TRUST_STORE_PEM =
            ConfigOptions.key(PREFIX + "trust-store-pem")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Path of a PEM file whose certificates an https endpoint is trusted"
                                    + " by (a private CA or a self-signed certificate). It is read"
                                    + " where the options are built, and the certificates travel"
                                    + " with them. Unset, the JVM's default trust applies.");

    /** See {@link TritonClientOptions.Builder#clientCertificate}; with {@link #CLIENT_KEY_PEM}. */
    public static final ConfigOption<String> CLIENT_CERTIFICATE_PEM =
            ConfigOptions.key(PREFIX + "client-certificate-pem")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Mutual TLS: path of a PEM file with the client's certificate chain"
                                    + " (its own certificate first), presented to an https:// or"
                                    + " grpcs:// endpoint with the key of client-key-pem. Read"
                                    + " where the options are built.");

    /**
     * See {@link TritonClientOptions.Builder#clientCertificate}; with {@link
     * #CLIENT_CERTIFICATE_PEM}.
     */
    public static final ConfigOption<String> CLIENT_KEY_PEM =
            ConfigOptions.key(PREFIX + "client-key-pem")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Mutual TLS: path of a PEM file with the private key (unencrypted"
                                    + " PKCS#8, BEGIN PRIVATE KEY) of client-certificate-pem.");

    /** See {@link TritonClientOptions.Builder#keepAliveInterval}. */
    public static final ConfigOption<Duration> KEEP_ALIVE_INTERVAL =
            ConfigOptions.key(PREFIX + "keep-alive-interval")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "gRPC only: the interval of keepalive pings on a connection with calls"
                                    + " in flight; 0 (the default) sends none. At least 5 minutes:"
                                    + " Triton's server answers more frequent pings with GOAWAY.");

    /** See {@link TritonClientOptions.Builder#connectTimeout}. */
    public static final ConfigOption<Duration> CONNECT_TIMEOUT =
            ConfigOptions.key(PREFIX + "connect-timeout")
                    .durationType()
                    .defaultValue(TritonClientOptions.DEFAULT_CONNECT_TIMEOUT)
                    .withDescription("How long opening a connection may take; 0 for no limit.");

    /** See {@link TritonClientOptions.Builder#requestTimeout}. */
    public static final ConfigOption<Duration> REQUEST_TIMEOUT =
            ConfigOptions.key(PREFIX + "request-timeout")
                    .durationType()
                    .defaultValue(TritonClientOptions.DEFAULT_REQUEST_TIMEOUT)
                    .withDescription(
                            "How long one HTTP call may take, to the last byte of the response"
                                    + " (waiting for a free slot under max-concurrent-requests"
                                    + " does not count); 0 for no limit. In a job, keep the batch"
                                    + " timeout above three times this plus the backoffs, so that"
                                    + " a request that hangs is retried at least twice.");

    /** See {@link TritonClientOptions.Builder#closeTimeout}. */
    public static final ConfigOption<Duration> CLOSE_TIMEOUT =
            ConfigOptions.key(PREFIX + "close-timeout")
                    .durationType()
                    .defaultValue(TritonClientOptions.DEFAULT_CLOSE_TIMEOUT)
                    .withDescription(
                            "How long closing the client waits for calls in flight before it"
                                    + " cancels them.");

    /** See {@link TritonClientOptions.Builder#maxConcurrentRequests}. */
    public static final ConfigOption<Integer> MAX_CONCURRENT_REQUESTS =
            ConfigOptions.key(PREFIX + "max-concurrent-requests")
                    .intType()
                    .defaultValue(TritonClientOptions.DEFAULT_MAX_CONCURRENT_REQUESTS)
                    .withDescription(
                            "The most HTTP calls one client runs at once; more wait in a queue."
                                    + " At least 1.");

    /** See {@link TritonClientOptions.Builder#binaryData}. */
    public static final ConfigOption<Boolean> BINARY_DATA =
            ConfigOptions.key(PREFIX + "binary-data")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether tensors travel in Triton's binary extension; false sends and"
                                    + " asks for JSON (FP16 and BF16 stay binary).");

    /**
     * See {@link TritonClientOptions.Builder#maxRecordsPerRequest}; the key {@code
     * flink-triton.client.max-batch-size} still works, deprecated.
     */
    public static final ConfigOption<Integer> MAX_RECORDS_PER_REQUEST =
            ConfigOptions.key(PREFIX + "max-records-per-request")
                    .intType()
                    .noDefaultValue()
                    .withDeprecatedKeys(PREFIX + "max-batch-size")
                    .withDescription(
                            "The most records in one HTTP request. It can lower the model's"
                                    + " max_batch_size, never raise it. Unset, the model's"
                                    + " max_batch_size applies. Formerly max-batch-size.");

    /**
     * The same option as {@link #MAX_RECORDS_PER_REQUEST}.
     *
     * @deprecated renamed, since records per batch and per request differ: use {@link
     *     #MAX_RECORDS_PER_REQUEST}, whose key is {@code max-records-per-request}
     */
    @Deprecated public static final ConfigOption<Integer> MAX_BATCH_SIZE = MAX_RECORDS_PER_REQUEST;

    /** See {@link TritonClientOptions.Builder#compressRequests}. */
    public static final ConfigOption<Boolean> COMPRESS_REQUESTS =
            ConfigOptions.key(PREFIX + "compress-requests")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Whether request bodies are gzip-compressed.");

    /** See {@link TritonClientOptions.Builder#acceptCompressedResponses}. */
    public static final ConfigOption<Boolean> ACCEPT_COMPRESSED_RESPONSES =
            ConfigOptions.key(PREFIX + "accept-compressed-responses")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether the server may gzip its responses (Accept-Encoding: gzip).");

    /** See {@link TritonClientOptions.Builder#maxRequestBytes}. */
    public static final ConfigOption<MemorySize> MAX_REQUEST_BYTES =
            ConfigOptions.key(PREFIX + "max-request-bytes")
                    .memoryType()
                    .noDefaultValue()
                    .withDescription(
                            "The most input tensor bytes in one request: records are split into"
                                    + " requests by bytes as well as by max-records-per-request,"
                                    + " and a single larger record fails before it is sent. Unset,"
                                    + " gRPC endpoints use 4 MiB - 64 KiB (below the 4 MiB gRPC"
                                    + " servers accept by default; Triton accepts 2 GiB) and HTTP"
                                    + " has no limit.");

    /** See {@link TritonClientOptions.Builder#maxResponseBytes}. */
    public static final ConfigOption<MemorySize> MAX_RESPONSE_BYTES =
            ConfigOptions.key(PREFIX + "max-response-bytes")
                    .memoryType()
                    .defaultValue(new MemorySize(TritonClientOptions.DEFAULT_MAX_RESPONSE_BYTES))
                    .withDescription(
                            "The largest response body accepted; a larger one fails its call"
                                    + " before it is buffered. At most 2 GiB - 17 bytes.");

    /** See {@link TritonClientOptions.Builder#priority}. */
    public static final ConfigOption<Integer> PRIORITY =
            ConfigOptions.key(PREFIX + "priority")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Triton's request priority: 1 is the highest, 0 the model's default."
                                    + " Unset, none is sent.");

    /** See {@link TritonClientOptions.Builder#serverTimeout}. */
    public static final ConfigOption<Duration> SERVER_TIMEOUT =
            ConfigOptions.key(PREFIX + "server-timeout")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "Triton's request timeout: how long the server may queue a request"
                                    + " before it gives up on it. Unset, none is sent.");

    /** See {@link TritonClientOptions.Builder#parameter}. */
    public static final ConfigOption<Map<String, String>> PARAMETERS =
            ConfigOptions.key(PREFIX + "parameters")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Request-level parameters, such as sequence_id:42. A value of true or"
                                    + " false is sent as a boolean, an integer such as 42 or -7 as"
                                    + " a number, anything else as a string.");

    /**
     * See {@link RetryPolicy.Builder#maxAttempts}: the retries after the first attempt, so {@code
     * max-attempts - 1}; 0 turns retries off. Same key as Flink's Triton module.
     */
    public static final ConfigOption<Integer> MAX_RETRIES =
            ConfigOptions.key(PREFIX + "max-retries")
                    .intType()
                    .defaultValue(RetryPolicy.DEFAULT_MAX_ATTEMPTS - 1)
                    .withDescription(
                            "How often a request whose failure is retryable (unreachable server,"
                                    + " broken connection, timeout, HTTP 408, 429, 502, 503, 504)"
                                    + " is sent again; 0 turns retries off. In a TritonInference"
                                    + " job, any other value gives way to retries until the batch"
                                    + " timeout.");

    /** See {@link RetryPolicy.Builder#initialBackoff}. */
    public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF =
            ConfigOptions.key(PREFIX + "retry-initial-backoff")
                    .durationType()
                    .defaultValue(RetryPolicy.DEFAULT_INITIAL_BACKOFF)
                    .withDescription("The wait before the first retry, before jitter.");

    /** See {@link RetryPolicy.Builder#maxBackoff}. */
    public static final ConfigOption<Duration> RETRY_MAX_BACKOFF =
            ConfigOptions.key(PREFIX + "retry-max-backoff")
                    .durationType()
                    .defaultValue(RetryPolicy.DEFAULT_MAX_BACKOFF)
                    .withDescription("The longest wait between two attempts, before jitter.");

    /** See {@link RetryPolicy.Builder#multiplier}. */
    public static final ConfigOption<Double> RETRY_BACKOFF_MULTIPLIER =
            ConfigOptions.key(PREFIX + "retry-backoff-multiplier")
                    .doubleType()
                    .defaultValue(RetryPolicy.DEFAULT_MULTIPLIER)
                    .withDescription("How much each wait grows over the one before; at least 1.");

    /** See {@link RetryPolicy.Builder#jitter}. */
    public static final ConfigOption<Double> RETRY_JITTER =
            ConfigOptions.key(PREFIX + "retry-jitter")
                    .doubleType()
                    .defaultValue(RetryPolicy.DEFAULT_JITTER)
                    .withDescription(
                            "The random spread of each wait, from 0 (none) to 1: 0.5 draws it"
                                    + " from half to one and a half times the backoff.");

    /** See {@link RetryPolicy.Builder#budget}. */
    public static final ConfigOption<Duration> RETRY_BUDGET =
            ConfigOptions.key(PREFIX + "retry-budget")
                    .durationType()
                    .defaultValue(RetryPolicy.DEFAULT_BUDGET)
                    .withDescription(
                            "The time from the start of a client call within which retries may"
                                    + " start; no wait ends after it. 0 for no budget. In a"
                                    + " TritonInference job the batch timeout takes its place.");

    /** See {@link TritonClientOptions.Builder#circuitBreaker}. */
    public static final ConfigOption<Boolean> CIRCUIT_BREAKER_ENABLED =
            ConfigOptions.key(PREFIX + "circuit-breaker-enabled")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether requests fail fast, without being sent, while the circuit"
                                    + " breaker is open.");

    /** See {@link CircuitBreakerPolicy.Builder#failureThreshold}. */
    public static final ConfigOption<Double> CIRCUIT_BREAKER_FAILURE_THRESHOLD =
            ConfigOptions.key(PREFIX + "circuit-breaker-failure-threshold")
                    .doubleType()
                    .defaultValue(CircuitBreakerPolicy.DEFAULT_FAILURE_THRESHOLD)
                    .withDescription(
                            "The share of retryably failed requests among the latest ones, above"
                                    + " 0 and at most 1, that opens the circuit breaker.");

    /** See {@link CircuitBreakerPolicy.Builder#minimumCalls}. */
    public static final ConfigOption<Integer> CIRCUIT_BREAKER_MINIMUM_CALLS =
            ConfigOptions.key(PREFIX + "circuit-breaker-minimum-calls")
                    .intType()
                    .defaultValue(CircuitBreakerPolicy.DEFAULT_MINIMUM_CALLS)
                    .withDescription(
                            "How many requests must have finished before the failure rate"
                                    + " counts.");

    /** See {@link CircuitBreakerPolicy.Builder#windowSize}. */
    public static final ConfigOption<Integer> CIRCUIT_BREAKER_WINDOW_SIZE =
            ConfigOptions.key(PREFIX + "circuit-breaker-window-size")
                    .intType()
                    .defaultValue(CircuitBreakerPolicy.DEFAULT_WINDOW_SIZE)
                    .withDescription("How many of the latest requests the failure rate covers.");

    /** See {@link CircuitBreakerPolicy.Builder#openDuration}. */
    public static final ConfigOption<Duration> CIRCUIT_BREAKER_OPEN_DURATION =
            ConfigOptions.key(PREFIX + "circuit-breaker-open-duration")
                    .durationType()
                    .defaultValue(CircuitBreakerPolicy.DEFAULT_OPEN_DURATION)
                    .withDescription("How long the breaker stays open before it sends probes.");

    /** See {@link CircuitBreakerPolicy.Builder#halfOpenProbes}. */
    public static final ConfigOption<Integer> CIRCUIT_BREAKER_HALF_OPEN_PROBES =
            ConfigOptions.key(PREFIX + "circuit-breaker-half-open-probes")
                    .intType()
                    .defaultValue(CircuitBreakerPolicy.DEFAULT_HALF_OPEN_PROBES)
                    .withDescription(
                            "How many requests the half-open breaker lets through to decide"
                                    + " whether to close.");

    /** See {@link TritonClientOptions.Builder#adaptiveConcurrency}. */
    public static final ConfigOption<Boolean> ADAPTIVE_CONCURRENCY =
            ConfigOptions.key(PREFIX + "adaptive-concurrency")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether the requests in flight adapt to the server: halved on 429,"
                                    + " 503 and timeouts, then raised by one per window of"
                                    + " successes up to max-concurrent-requests.");

    /** See {@link TritonClientOptions.Builder#maxBisectionRequests}. */
    public static final ConfigOption<Integer> MAX_BISECTION_REQUESTS =
            ConfigOptions.key(PREFIX + "max-bisection-requests")
                    .intType()
                    .defaultValue(TritonClientOptions.DEFAULT_MAX_BISECTION_REQUESTS)
                    .withDescription(
                            "How many extra requests one call may send to isolate the records a"
                                    + " server rejects with 400, 422 or 500 (2·log2(n) per rejected"
                                    + " record in a request of n); 0 for none. A failure that two"
                                    + " disjoint requests of a call get alike is taken as the"
                                    + " server's: it is split no further and counts toward the"
                                    + " circuit breaker.");

    private TritonClientConfigOptions() {}

    /** What {@link TritonClientOptions#fromConfig} does. */
    static TritonClientOptions read(ReadableConfig config) {
        Objects.requireNonNull(config, "config");
        List<String> missing = new ArrayList<>();
        for (ConfigOption<String> required : List.of(ENDPOINT, MODEL)) {
            if (config.getOptional(required).isEmpty()) {
                missing.add(required.key());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(
                    "TritonClientOptions.fromConfig needs " + String.join(" and ", missing));
        }
        TritonClientOptions.Builder builder = TritonClientOptions.builder();
        set(config, ENDPOINT, builder::endpoint);
        set(config, MODEL, builder::model);
        set(config, MODEL_VERSION, builder::modelVersion);
        set(config, HEADERS, headers -> new TreeMap<>(headers).forEach(builder::header));
        set(config, BEARER_TOKEN, builder::bearerToken);
        set(config, TRUST_STORE_PEM, path -> builder.trustStorePem(Path.of(path)));
        set(config, CONNECT_TIMEOUT, builder::connectTimeout);
        set(config, REQUEST_TIMEOUT, builder::requestTimeout);
        set(config, CLOSE_TIMEOUT, builder::closeTimeout);
        set(config, MAX_CONCURRENT_REQUESTS, builder::maxConcurrentRequests);
        set(config, BINARY_DATA, builder::binaryData);
        refuseBothKeys(
                config,
                ConfigOptions.key(MAX_RECORDS_PER_REQUEST.key()).intType().noDefaultValue(),
                ConfigOptions.key(PREFIX + "max-batch-size").intType().noDefaultValue());
        set(config, MAX_RECORDS_PER_REQUEST, builder::maxRecordsPerRequest);
        set(config, COMPRESS_REQUESTS, builder::compressRequests);
        set(config, ACCEPT_COMPRESSED_RESPONSES, builder::acceptCompressedResponses);
        set(config, MAX_RESPONSE_BYTES, size -> builder.maxResponseBytes(size.getBytes()));
        set(config, MAX_REQUEST_BYTES, size -> builder.maxRequestBytes(size.getBytes()));
        set(config, PRIORITY, builder::priority);
        set(config, SERVER_TIMEOUT, builder::serverTimeout);
        set(
                config,
                PARAMETERS,
                parameters ->
                        new TreeMap<>(parameters)
                                .forEach(
                                        (name, value) ->
                                                builder.parameter(name, parameterValue(value))));
        set(config, ADAPTIVE_CONCURRENCY, builder::adaptiveConcurrency);
        set(config, MAX_BISECTION_REQUESTS, builder::maxBisectionRequests);
        set(config, KEEP_ALIVE_INTERVAL, builder::keepAliveInterval);
        Optional<String> certificate = config.getOptional(CLIENT_CERTIFICATE_PEM);
        Optional<String> key = config.getOptional(CLIENT_KEY_PEM);
        if (certificate.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException(
                    (certificate.isPresent() ? CLIENT_KEY_PEM : CLIENT_CERTIFICATE_PEM).key()
                            + " is missing: mutual TLS needs both "
                            + CLIENT_CERTIFICATE_PEM.key()
                            + " and "
                            + CLIENT_KEY_PEM.key());
        }
        if (certificate.isPresent()) {
            builder.clientCertificate(Path.of(certificate.get()), Path.of(key.get()));
        }
        builder.retry(retryPolicy(config));
        builder.circuitBreaker(circuitBreakerPolicy(config));
        return builder.build();
    }

    private static RetryPolicy retryPolicy(ReadableConfig config) {
        RetryPolicy.Builder retry = RetryPolicy.builder();
        set(config, MAX_RETRIES, retries -> retry.maxAttempts(maxAttempts(retries)));
        set(config, RETRY_INITIAL_BACKOFF, retry::initialBackoff);
        set(config, RETRY_MAX_BACKOFF, retry::maxBackoff);
        set(config, RETRY_BACKOFF_MULTIPLIER, retry::multiplier);
        set(config, RETRY_JITTER, retry::jitter);
        set(config, RETRY_BUDGET, retry::budget);
        try {
            return retry.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(RETRY_MAX_BACKOFF.key() + ": " + e.getMessage(), e);
        }
    }

    private static int maxAttempts(int retries) {
        if (retries < 0 || retries == Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "must be between 0 and " + (Integer.MAX_VALUE - 1) + ", not " + retries);
        }
        return retries + 1;
    }

    private static CircuitBreakerPolicy circuitBreakerPolicy(ReadableConfig config) {
        CircuitBreakerPolicy.Builder breaker = CircuitBreakerPolicy.builder();
        set(config, CIRCUIT_BREAKER_FAILURE_THRESHOLD, breaker::failureThreshold);
        set(config, CIRCUIT_BREAKER_MINIMUM_CALLS, breaker::minimumCalls);
        set(config, CIRCUIT_BREAKER_WINDOW_SIZE, breaker::windowSize);
        set(config, CIRCUIT_BREAKER_OPEN_DURATION, breaker::openDuration);
        set(config, CIRCUIT_BREAKER_HALF_OPEN_PROBES, breaker::halfOpenProbes);
        return config.get(CIRCUIT_BREAKER_ENABLED) ? breaker.build() : CircuitBreakerPolicy.none();
    }

    /**
     * Fails when a key and its deprecated name are both set, to different values: which one the job
     * meant is not for Flink to guess (it would take the new key's silently).
     *
     * @throws IllegalArgumentException naming both keys
     */
    private static <T> void refuseBothKeys(
            ReadableConfig config, ConfigOption<T> current, ConfigOption<T> deprecated) {
        Optional<T> value = config.getOptional(current);
        Optional<T> old = config.getOptional(deprecated);
        if (value.isPresent() && old.isPresent() && !value.equals(old)) {
            throw new IllegalArgumentException(
                    current.key()
                            + " ("
                            + value.get()
                            + ") and its deprecated name "
                            + deprecated.key()
                            + " ("
                            + old.get()
                            + ") are both set, to different values; keep "
                            + current.key()
                            + " only");
        }
    }

    /** Applies the option when it is set; a refused value names the key. */
    private static <T> void set(ReadableConfig config, ConfigOption<T> option, Consumer<T> setter) {
        config.getOptional(option)
                .ifPresent(
                        value -> {
                            try {
                                setter.accept(value);
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException(
                                        option.key() + ": " + e.getMessage(), e);
                            }
                        });
    }

    /** {@code true}/{@code false} as a boolean, a canonical integer as a long, else the text. */
    private static Object parameterValue(String text) {
        if (text.equals("true") || text.equals("false")) {
            return Boolean.valueOf(text);
        }
        try {
            long number = Long.parseLong(text);
            if (Long.toString(number).equals(text)) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Not an integer: a string.
        }
        return text;
    }
}
