package org.flinktriton.table;

import static org.flinktriton.table.TritonModelOptions.AUTH_TOKEN;
import static org.flinktriton.table.TritonModelOptions.BINARY_DATA;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_ENABLED;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_FAILURE_THRESHOLD;
import static org.flinktriton.table.TritonModelOptions.CIRCUIT_BREAKER_OPEN_DURATION;
import static org.flinktriton.table.TritonModelOptions.COMPRESSION;
import static org.flinktriton.table.TritonModelOptions.CONNECT_TIMEOUT;
import static org.flinktriton.table.TritonModelOptions.CUSTOM_HEADERS;
import static org.flinktriton.table.TritonModelOptions.ENDPOINT;
import static org.flinktriton.table.TritonModelOptions.ERROR_HANDLING;
import static org.flinktriton.table.TritonModelOptions.ERROR_MESSAGE_COLUMN;
import static org.flinktriton.table.TritonModelOptions.ERROR_STATUS_COLUMN;
import static org.flinktriton.table.TritonModelOptions.INPUT_TENSOR_NAMES;
import static org.flinktriton.table.TritonModelOptions.MAX_BATCH_DELAY;
import static org.flinktriton.table.TritonModelOptions.MAX_BATCH_SIZE;
import static org.flinktriton.table.TritonModelOptions.MAX_CONCURRENT_REQUESTS;
import static org.flinktriton.table.TritonModelOptions.MAX_RETRIES;
import static org.flinktriton.table.TritonModelOptions.MODEL_NAME;
import static org.flinktriton.table.TritonModelOptions.MODEL_VERSION;
import static org.flinktriton.table.TritonModelOptions.OUTPUT_TENSOR_NAMES;
import static org.flinktriton.table.TritonModelOptions.PRIORITY;
import static org.flinktriton.table.TritonModelOptions.RETRY_INITIAL_BACKOFF;
import static org.flinktriton.table.TritonModelOptions.RETRY_MAX_BACKOFF;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_END;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_ID;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_START;
import static org.flinktriton.table.TritonModelOptions.TIMEOUT;

import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
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
    final int maxBatchSize;
    final Duration maxBatchDelay;
    final ErrorHandling errorHandling;

    /** Null: no such column. */
    final String errorStatusColumn;

    /** Null: no such column. */
    final String errorMessageColumn;

    final LinkedHashMap<String, String> inputTensorNames;
    final LinkedHashMap<String, String> outputTensorNames;

    private ModelSettings(ReadableConfig options) {
        this.maxBatchSize = options.get(MAX_BATCH_SIZE);
        this.maxBatchDelay = options.get(MAX_BATCH_DELAY);
        this.errorHandling = options.get(ERROR_HANDLING);
        this.errorStatusColumn = column(options, ERROR_STATUS_COLUMN);
        this.errorMessageColumn = column(options, ERROR_MESSAGE_COLUMN);
        this.inputTensorNames =
                new LinkedHashMap<>(options.getOptional(INPUT_TENSOR_NAMES).orElse(Map.of()));
        this.outputTensorNames =
                new LinkedHashMap<>(options.getOptional(OUTPUT_TENSOR_NAMES).orElse(Map.of()));
        if (maxBatchSize < 1) {
            throw new ValidationException(
                    "'max-batch-size' must be at least 1, not " + maxBatchSize);
        }
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
        // Flink parses the map without its order: sorted by name, the same WITH gives equal
        // options. Header values and the token never reach a message, only the header's name.
        for (Map.Entry<String, String> header :
                new TreeMap<>(options.getOptional(CUSTOM_HEADERS).orElse(Map.of())).entrySet()) {
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
            builder.circuitBreaker(breaker.build());
        }
        return builder.build();
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
                + maxBatchSize
                + ", max-batch-delay "
                + maxBatchDelay.toMillis()
                + " ms, error-handling "
                + errorHandling;
    }
}
