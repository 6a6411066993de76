package org.flinktriton.table;

import static org.flinktriton.table.TritonModelOptions.AUTH_TOKEN;
import static org.flinktriton.table.TritonModelOptions.BINARY_DATA;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_ENABLED;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_FAILURE_THRESHOLD;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_HALF_OPEN_REQUESTS;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_OPEN_DURATION;
import static org.flinktriton.table.TritonModelOptions.CLIENT_CERTIFICATE_PEM;
import static org.flinktriton.table.TritonModelOptions.CLIENT_KEY_PEM;
import static org.flinktriton.table.TritonModelOptions.COMPRESSION;
import static org.flinktriton.table.TritonModelOptions.CONNECT_TIMEOUT;
import static org.flinktriton.table.TritonModelOptions.CUSTOM_HEADERS;
import static org.flinktriton.table.TritonModelOptions.DEFAULT_VALUE;
import static org.flinktriton.table.TritonModelOptions.ENDPOINT;
import static org.flinktriton.table.TritonModelOptions.ERROR_HANDLING;
import static org.flinktriton.table.TritonModelOptions.ERROR_MESSAGE_COLUMN;
import static org.flinktriton.table.TritonModelOptions.ERROR_STATUS_COLUMN;
import static org.flinktriton.table.TritonModelOptions.HEALTH_CHECK_ENABLED;
import static org.flinktriton.table.TritonModelOptions.INPUT_TENSOR_NAMES;
import static org.flinktriton.table.TritonModelOptions.KEEP_ALIVE_INTERVAL;
import static org.flinktriton.table.TritonModelOptions.MAX_BATCH_DELAY;
import static org.flinktriton.table.TritonModelOptions.MAX_BATCH_SIZE;
import static org.flinktriton.table.TritonModelOptions.MAX_CONCURRENT_REQUESTS;
import static org.flinktriton.table.TritonModelOptions.MAX_RESPONSE_BYTES;
import static org.flinktriton.table.TritonModelOptions.MAX_RETRIES;
import static org.flinktriton.table.TritonModelOptions.MODEL_NAME;
import static org.flinktriton.table.TritonModelOptions.MODEL_VERSION;
import static org.flinktriton.table.TritonModelOptions.OUTPUT_TENSOR_NAMES;
import static org.flinktriton.table.TritonModelOptions.PRIORITY;
import static org.flinktriton.table.TritonModelOptions.RESPONSE_INDEX_COLUMN;
import static org.flinktriton.table.TritonModelOptions.RETRY_INITIAL_BACKOFF;
import static org.flinktriton.table.TritonModelOptions.RETRY_MAX_BACKOFF;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_END;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_ID;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_ID_AUTO_INCREMENT;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_START;
import static org.flinktriton.table.TritonModelOptions.TIMEOUT;
import static org.flinktriton.table.TritonModelOptions.TRUST_STORE_PEM;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.flinktriton.client.CircuitBreakerPolicy;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.table.TritonModelOptions.ErrorHandling;

/**
 * A model's {@code WITH} options, read and checked once when the query is planned and carried,
 * serialized, to every parallel instance. The options that concern the connection and the requests
 * become one {@link TritonClientOptions} ({@link #clientOptions}), the single place where SQL
 * options map onto the client; the rest (batching across rows, error handling, column names) stay
 * here. {@link #toString()} leaves out the token and the header values.
 */
final class ModelSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final TritonClientOptions clientOptions;

    /** 0: not set, half the rows in flight ({@link #batchSize}). */
    final int maxBatchSize;

    final Duration maxBatchDelay;
    final ErrorHandling errorHandling;

    /** Null: no such column. */
    final String errorStatusColumn;

    /** Null: no such column. */
    final String errorMessageColumn;

    /** Null: no such column. */
    final String responseIndexColumn;

    /**
     * Null: no {@code default-value}; checked against the OUTPUT columns by {@link DefaultValue}.
     */
    final String defaultValue;

    final LinkedHashMap<String, String> inputTensorNames;
    final LinkedHashMap<String, String> outputTensorNames;

    private ModelSettings(ReadableConfig options) {
        refuseWhatFlinksProviderAloneDoes(options);
        this.maxBatchSize = batchSizeOption(options);
        this.maxBatchDelay = options.get(MAX_BATCH_DELAY);
        this.defaultValue = options.getOptional(DEFAULT_VALUE).orElse(null);
        this.errorHandling = errorHandling(options, defaultValue);
        this.errorStatusColumn = column(options, ERROR_STATUS_COLUMN);
        this.errorMessageColumn = column(options, ERROR_MESSAGE_COLUMN);
        this.responseIndexColumn = column(options, RESPONSE_INDEX_COLUMN);
        this.inputTensorNames =
                new LinkedHashMap<>(options.getOptional(INPUT_TENSOR_NAMES).orElse(Map.of()));
        this.outputTensorNames =
                new LinkedHashMap<>(options.getOptional(OUTPUT_TENSOR_NAMES).orElse(Map.of()));
        if (maxBatchDelay.isNegative() || maxBatchDelay.toMillis() < 1) {
            throw new ValidationException(
                    "'max-batch-delay' must be at least 1 ms, not " + maxBatchDelay);
        }
        this.clientOptions = clientOptions(options);
    }

    private static String column(ReadableConfig options, ConfigOption<String> option) {
        return options.getOptional(option)
                .map(String::strip)
                .filter(c -> !c.isEmpty())
                .orElse(null);
    }

    /**
     * {@code max-batch-size}, or {@code batch-size} (the name Flink's Triton provider reserves for
     * the same thing); 0 when neither is set. Both set to different values is a contradiction.
     */
    private static int batchSizeOption(ReadableConfig options) {
        Integer size = options.getOptional(MAX_BATCH_SIZE).orElse(null);
        Integer alias = options.getOptional(BATCH_SIZE_ALIAS).orElse(null);
        if (size != null && alias != null && !size.equals(alias)) {
            throw new ValidationException(
                    "'max-batch-size' = '"
                            + size
                            + "' and 'batch-size' = '"
                            + alias
                            + "' contradict each other: they are two names of one setting (the"
                            + " most rows in one batch); keep one");
        }
        if (size == null) {
            return 0;
        }
        if (size < 1) {
            throw new ValidationException(
                    "'max-batch-size' must be at least 1, not "
                            + size
                            + "; leave it out to size batches from the rows in flight");
        }
        return size;
    }

    private static final ConfigOption<Integer> BATCH_SIZE_ALIAS =
            ConfigOptions.key("batch-size").intType().noDefaultValue();

    private static final ConfigOption<Duration> BREAKER_TIMEOUT_ALIAS =
            ConfigOptions.key("circuit-breaker-timeout").durationType().noDefaultValue();

    /**
     * Options of Flink's Triton provider whose behaviour flink-triton does not have: refused when
     * they ask for it, each with what to use instead, rather than accepted and silently ignored.
     */
    private static void refuseWhatFlinksProviderAloneDoes(ReadableConfig options) {
        if (options.get(HEALTH_CHECK_ENABLED)) {
            throw new ValidationException(
                    "'health-check-enabled' = 'true' is not supported by 'provider' ="
                            + " 'flink-triton': it does not poll /v2/health/live. It checks the"
                            + " model's metadata when each task starts (waiting, with retries,"
                            + " for a server that is starting), retries requests that fail"
                            + " while the server is away ('max-retries', 'retry-initial-backoff',"
                            + " 'retry-max-backoff'), and fails fast during an outage with"
                            + " 'circuit-breaker-enabled' = 'true'. Remove the option");
        }
        if (options.get(SEQUENCE_ID_AUTO_INCREMENT)) {
            throw new ValidationException(
                    "'sequence-id-auto-increment' = 'true' is not supported by 'provider' ="
                            + " 'flink-triton': it sends 'sequence-id' unchanged as Triton's"
                            + " sequence_id with every request. Remove the option");
        }
        Duration open = options.getOptional(CIRCUIT_BREAKER_OPEN_DURATION).orElse(null);
        Duration alias = options.getOptional(BREAKER_TIMEOUT_ALIAS).orElse(null);
        if (open != null && alias != null && !open.equals(alias)) {
            throw new ValidationException(
                    "'circuit-breaker-open-duration' and 'circuit-breaker-timeout' contradict"
                            + " each other: they are two names of one setting (how long an open"
                            + " breaker fails requests); keep one");
        }
    }

    /**
     * {@code custom-headers}: {@code 'Name:value,Other:value2'} as Flink parses a map option (the
     * form Flink's Triton provider takes), or a JSON object of strings (the form its README shows).
     */
    static Map<String, String> customHeaders(String text) {
        String value = text.strip();
        if (value.isEmpty()) {
            return Map.of();
        }
        if (!value.startsWith("{")) {
            try {
                return ConfigurationUtils.convertValue(value, Map.class);
            } catch (IllegalArgumentException e) {
                // Flink's message would quote the header values.
                throw new IllegalArgumentException(
                        "expected 'Name:value,Other:value2' (quote a name or value that holds ','"
                                + " or ':' in quotes) or a JSON object such as"
                                + " {\"X-Team\": \"search\"}");
            }
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(value);
        } catch (JsonProcessingException e) {
            // The message would quote the header values.
            throw new IllegalArgumentException(
                    "a value starting with '{' must be a JSON object of header names and string"
                            + " values, such as {\"X-Team\": \"search\"}; it is not valid JSON"
                            + (e.getLocation() == null
                                    ? ""
                                    : " (at character " + e.getLocation().getCharOffset() + ")"));
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException(
                    "a value starting with '{' must be a JSON object of header names and string"
                            + " values, such as {\"X-Team\": \"search\"}");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : json.properties()) {
            if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                throw new IllegalArgumentException(
                        "header "
                                + field.getKey()
                                + " needs a string value in the JSON object, not "
                                + field.getValue().getNodeType());
            }
            headers.put(field.getKey(), field.getValue().asText());
        }
        return headers;
    }

    /**
     * The rows in one batch with {@code rowsInFlight} rows allowed in flight, for a model whose
     * {@code max_batch_size} is {@code serverMaxBatchSize} (0: no batch dimension, or unknown).
     */
    int batchSize(int rowsInFlight, int serverMaxBatchSize) {
        int inFlight = Math.max(1, rowsInFlight);
        if (maxBatchSize > 0) {
            return Math.min(maxBatchSize, inFlight);
        }
        return autoBatchSize(inFlight, serverMaxBatchSize);
    }

    /**
     * Unset {@code max-batch-size}: half the rows in flight, so that one batch is at the server
     * while the next one fills; at most {@link TritonModelOptions#AUTO_BATCH_LIMIT}; and at most
     * the model's {@code max_batch_size} when it has one, since a larger batch would go out as
     * several requests whose rows all wait for the slowest.
     */
    static int autoBatchSize(int rowsInFlight, int serverMaxBatchSize) {
        int size = Math.min(TritonModelOptions.AUTO_BATCH_LIMIT, rowsInFlight / 2);
        if (serverMaxBatchSize > 0) {
            size = Math.min(size, serverMaxBatchSize);
        }
        return Math.max(1, size);
    }

    /**
     * {@code error-handling}; {@code default-value}, the option of Flink's Triton provider, gives a
     * failed row a value instead of failing the job, which is {@code ignore} with that value in
     * place of NULL, and contradicts an explicit {@code fail}.
     */
    private static ErrorHandling errorHandling(ReadableConfig options, String defaultValue) {
        if (defaultValue == null) {
            return options.get(ERROR_HANDLING);
        }
        if (options.getOptional(ERROR_HANDLING).orElse(ErrorHandling.IGNORE)
                == ErrorHandling.FAIL) {
            throw new ValidationException(
                    "'default-value' and 'error-handling' = 'fail' contradict each other: the"
                            + " default is what a failed row gets instead of failing the job;"
                            + " keep one");
        }
        return ErrorHandling.IGNORE;
    }

    /** Reads and checks the options. */
    static ModelSettings of(ReadableConfig options) {
        return new ModelSettings(options);
    }

    /** The model's name on the server. */
    String model() {
        return clientOptions.model();
    }

    /** A client for the model; the caller closes it. */
    TritonModelClient newClient() {
        return TritonModelClient.builder().clientOptions(clientOptions).build();
    }

    /**
     * Maps the SQL options onto the client's. The client's setters check each value; what they
     * refuse fails now, when the query is planned, rather than in every task's {@code open}, and
     * names the SQL option.
     */
    private static TritonClientOptions clientOptions(ReadableConfig options) {
        String model = options.get(MODEL_NAME).strip();
        TritonClientOptions.Builder builder = TritonClientOptions.builder();
        set(model, ENDPOINT, () -> builder.endpoint(baseUrl(options.get(ENDPOINT))));
        set(model, MODEL_NAME, () -> builder.model(model));
        String version = options.getOptional(MODEL_VERSION).map(String::strip).orElse("");
        if (!version.isEmpty() && !version.equalsIgnoreCase("latest")) {
            builder.modelVersion(version);
        }
        set(model, TIMEOUT, () -> builder.requestTimeout(options.get(TIMEOUT)));
        set(model, CONNECT_TIMEOUT, () -> builder.connectTimeout(options.get(CONNECT_TIMEOUT)));
        tls(model, options, builder);
        set(
                model,
                KEEP_ALIVE_INTERVAL,
                () -> builder.keepAliveInterval(options.get(KEEP_ALIVE_INTERVAL)));
        set(
                model,
                MAX_RESPONSE_BYTES,
                () -> builder.maxResponseBytes(options.get(MAX_RESPONSE_BYTES).getBytes()));
        String compression = options.getOptional(COMPRESSION).map(String::strip).orElse("");
        if (!compression.isEmpty() && !compression.equalsIgnoreCase("gzip")) {
            throw new ValidationException(
                    "'compression' = '"
                            + compression
                            + "' is not supported; use 'gzip', or leave the option out to send"
                            + " requests uncompressed");
        }
        builder.compressRequests(!compression.isEmpty());
        builder.binaryData(options.get(BINARY_DATA));
        set(
                model,
                MAX_CONCURRENT_REQUESTS,
                () -> builder.maxConcurrentRequests(options.get(MAX_CONCURRENT_REQUESTS)));
        // Sorted by name, the same WITH gives equal options. Header values and the token never
        // reach a message, only the header's name.
        Map<String, String> headers = new TreeMap<>();
        options.getOptional(CUSTOM_HEADERS)
                .ifPresent(
                        text ->
                                set(
                                        model,
                                        CUSTOM_HEADERS,
                                        () -> headers.putAll(customHeaders(text))));
        for (Map.Entry<String, String> header : headers.entrySet()) {
            set(
                    model,
                    CUSTOM_HEADERS,
                    () -> builder.header(header.getKey().strip(), header.getValue().strip()));
        }
        options.getOptional(AUTH_TOKEN)
                .ifPresent(
                        token -> set(model, AUTH_TOKEN, () -> builder.bearerToken(token.strip())));
        options.getOptional(PRIORITY)
                .ifPresent(priority -> set(model, PRIORITY, () -> builder.priority(priority)));
        options.getOptional(SEQUENCE_ID)
                .map(String::strip)
                .ifPresent(
                        id ->
                                builder.parameter(
                                        "sequence_id",
                                        id.matches("[0-9]{1,18}")
                                                ? (Object) Long.valueOf(id)
                                                : id));
        options.getOptional(SEQUENCE_START)
                .ifPresent(start -> builder.parameter("sequence_start", start));
        options.getOptional(SEQUENCE_END).ifPresent(end -> builder.parameter("sequence_end", end));
        RetryPolicy.Builder retry = RetryPolicy.builder();
        set(model, MAX_RETRIES, () -> retry.maxAttempts(attempts(options.get(MAX_RETRIES))));
        set(
                model,
                RETRY_INITIAL_BACKOFF,
                () -> retry.initialBackoff(options.get(RETRY_INITIAL_BACKOFF)));
        set(model, RETRY_MAX_BACKOFF, () -> retry.maxBackoff(options.get(RETRY_MAX_BACKOFF)));
        set(model, RETRY_MAX_BACKOFF, () -> builder.retry(retry.build()));
        if (options.get(CIRCUIT_BREAKER_ENABLED)) {
            CircuitBreakerPolicy.Builder breaker = CircuitBreakerPolicy.builder();
            set(
                    model,
                    CIRCUIT_BREAKER_FAILURE_THRESHOLD,
                    () -> breaker.failureThreshold(options.get(CIRCUIT_BREAKER_FAILURE_THRESHOLD)));
            set(
                    model,
                    CIRCUIT_BREAKER_OPEN_DURATION,
                    () -> breaker.openDuration(options.get(CIRCUIT_BREAKER_OPEN_DURATION)));
            set(
                    model,
                    CIRCUIT_BREAKER_HALF_OPEN_REQUESTS,
                    () -> breaker.halfOpenProbes(options.get(CIRCUIT_BREAKER_HALF_OPEN_REQUESTS)));
            builder.circuitBreaker(breaker.build());
        }
        try {
            return builder.build();
        } catch (IllegalStateException e) {
            // Such as a grpc:// endpoint without the gRPC transport on the class path: the
            // message names the artifact to add.
            throw new ValidationException(
                    "Invalid option '"
                            + ENDPOINT.key()
                            + "' of model '"
                            + model
                            + "': "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * {@code trust-store-pem}, and {@code client-certificate-pem} with {@code client-key-pem}
     * (mutual TLS, both or neither). The files are read now, where the query is planned.
     */
    private static void tls(
            String model, ReadableConfig options, TritonClientOptions.Builder builder) {
        options.getOptional(TRUST_STORE_PEM)
                .map(String::strip)
                .ifPresent(
                        pem ->
                                set(
                                        model,
                                        TRUST_STORE_PEM,
                                        () -> builder.trustStorePem(Path.of(pem))));
        String certificate =
                options.getOptional(CLIENT_CERTIFICATE_PEM).map(String::strip).orElse(null);
        String key = options.getOptional(CLIENT_KEY_PEM).map(String::strip).orElse(null);
        if ((certificate == null) != (key == null)) {
            ConfigOption<String> missing =
                    certificate == null ? CLIENT_CERTIFICATE_PEM : CLIENT_KEY_PEM;
            throw new ValidationException(
                    "Option '"
                            + missing.key()
                            + "' of model '"
                            + model
                            + "' is missing: mutual TLS needs both '"
                            + CLIENT_CERTIFICATE_PEM.key()
                            + "' and '"
                            + CLIENT_KEY_PEM.key()
                            + "'");
        }
        if (certificate != null) {
            set(
                    model,
                    CLIENT_CERTIFICATE_PEM,
                    () -> builder.clientCertificate(Path.of(certificate), Path.of(key)));
        }
    }

    /** The attempts {@code retries} retries make. */
    private static int attempts(int retries) {
        if (retries < 0 || retries == Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "must be between 0 and " + (Integer.MAX_VALUE - 1) + ", not " + retries);
        }
        return retries + 1;
    }

    /** Runs one setter of the client's options, naming the SQL option in what it refuses. */
    private static void set(String model, ConfigOption<?> option, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ValidationException(
                    "Invalid option '"
                            + option.key()
                            + "' of model '"
                            + model
                            + "': "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The server's base URL: Flink's Triton provider documents {@code http://host:8000/v2/models},
     * this library the bare {@code http://host:8000}; both (and {@code …/v2}) mean the same server.
     */
    static String baseUrl(String endpoint) {
        String url = endpoint.strip();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.endsWith("/v2/models")) {
            url = url.substring(0, url.length() - "/v2/models".length());
        } else if (lower.endsWith("/v2")) {
            url = url.substring(0, url.length() - "/v2".length());
        }
        return url;
    }

    /** For log lines: everything but the token and the header values. */
    @Override
    public String toString() {
        return clientOptions
                + ", max-batch-size "
                + (maxBatchSize > 0 ? String.valueOf(maxBatchSize) : "unset")
                + ", max-batch-delay "
                + maxBatchDelay.toMillis()
                + " ms, error-handling "
                + errorHandling
                + (defaultValue == null ? "" : ", default-value set");
    }
}
