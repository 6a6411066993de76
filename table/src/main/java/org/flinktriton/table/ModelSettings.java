package org.flinktriton.table;

import static org.flinktriton.table.TritonModelOptions.AUTH_TOKEN;
import static org.flinktriton.table.TritonModelOptions.BINARY_DATA;
import static org.flinktriton.table.TritonModelOptions.COMPRESSION;
import static org.flinktriton.table.TritonModelOptions.CONNECT_TIMEOUT;
import static org.flinktriton.table.TritonModelOptions.CUSTOM_HEADERS;
import static org.flinktriton.table.TritonModelOptions.ENDPOINT;
import static org.flinktriton.table.TritonModelOptions.ERROR_HANDLING;
import static org.flinktriton.table.TritonModelOptions.INPUT_TENSOR_NAMES;
import static org.flinktriton.table.TritonModelOptions.MAX_BATCH_DELAY;
import static org.flinktriton.table.TritonModelOptions.MAX_BATCH_SIZE;
import static org.flinktriton.table.TritonModelOptions.MAX_CONCURRENT_REQUESTS;
import static org.flinktriton.table.TritonModelOptions.MODEL_NAME;
import static org.flinktriton.table.TritonModelOptions.MODEL_VERSION;
import static org.flinktriton.table.TritonModelOptions.OUTPUT_TENSOR_NAMES;
import static org.flinktriton.table.TritonModelOptions.PRIORITY;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_END;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_ID;
import static org.flinktriton.table.TritonModelOptions.SEQUENCE_START;
import static org.flinktriton.table.TritonModelOptions.TIMEOUT;

import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.table.TritonModelOptions.ErrorHandling;

/**
 * A model's {@code WITH} options, read and checked once when the query is planned and carried,
 * serialized, to every parallel instance. {@link #clientBuilder()} is the one place where they turn
 * into client settings. {@link #toString()} leaves out the token and the header values.
 */
final class ModelSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final String endpoint;
    final String model;
    final String modelVersion;
    final Duration timeout;
    final Duration connectTimeout;
    final boolean gzip;
    private final String authToken;
    private final LinkedHashMap<String, String> headers;
    final Integer priority;
    final String sequenceId;
    final Boolean sequenceStart;
    final Boolean sequenceEnd;
    final int maxBatchSize;
    final Duration maxBatchDelay;
    final boolean binaryData;
    final int maxConcurrentRequests;
    final ErrorHandling errorHandling;
    final LinkedHashMap<String, String> inputTensorNames;
    final LinkedHashMap<String, String> outputTensorNames;

    private ModelSettings(ReadableConfig options) {
        this.endpoint = baseUrl(options.get(ENDPOINT));
        this.model = options.get(MODEL_NAME).strip();
        String version = options.getOptional(MODEL_VERSION).map(String::strip).orElse("");
        this.modelVersion =
                version.isEmpty() || version.equalsIgnoreCase("latest") ? null : version;
        this.timeout = options.get(TIMEOUT);
        this.connectTimeout = options.get(CONNECT_TIMEOUT);
        String compression = options.getOptional(COMPRESSION).map(String::strip).orElse("");
        if (!compression.isEmpty() && !compression.equalsIgnoreCase("gzip")) {
            throw new ValidationException(
                    "'compression' = '"
                            + compression
                            + "' is not supported; use 'gzip', or leave the option out to send"
                            + " requests uncompressed");
        }
        this.gzip = !compression.isEmpty();
        this.authToken = options.getOptional(AUTH_TOKEN).orElse(null);
        this.headers = new LinkedHashMap<>(options.getOptional(CUSTOM_HEADERS).orElse(Map.of()));
        this.priority = options.getOptional(PRIORITY).orElse(null);
        this.sequenceId = options.getOptional(SEQUENCE_ID).orElse(null);
        this.sequenceStart = options.getOptional(SEQUENCE_START).orElse(null);
        this.sequenceEnd = options.getOptional(SEQUENCE_END).orElse(null);
        this.maxBatchSize = options.get(MAX_BATCH_SIZE);
        this.maxBatchDelay = options.get(MAX_BATCH_DELAY);
        this.binaryData = options.get(BINARY_DATA);
        this.maxConcurrentRequests = options.get(MAX_CONCURRENT_REQUESTS);
        this.errorHandling = options.get(ERROR_HANDLING);
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
        if (maxConcurrentRequests < 1) {
            throw new ValidationException(
                    "'max-concurrent-requests' must be at least 1, not " + maxConcurrentRequests);
        }
        if (priority != null && priority < 0) {
            throw new ValidationException("'priority' must not be negative, not " + priority);
        }
        // Fails now, at planning, for a bad URL or header rather than in every task's open.
        try {
            clientBuilder();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid options for model '" + model + "': " + e.getMessage(), e);
        }
    }

    /** Reads and checks the options. */
    static ModelSettings of(ReadableConfig options) {
        return new ModelSettings(options);
    }

    /**
     * The client's settings from the model's options: the single place where SQL options map onto
     * the client (switching to {@code TritonClientOptions} changes only this method).
     */
    TritonModelClient.Builder clientBuilder() {
        TritonModelClient.Builder builder =
                TritonModelClient.builder()
                        .endpoint(endpoint)
                        .model(model)
                        .modelVersion(modelVersion)
                        .requestTimeout(timeout)
                        .connectTimeout(connectTimeout)
                        .compressRequests(gzip)
                        .binaryData(binaryData)
                        .maxConcurrentRequests(maxConcurrentRequests);
        for (Map.Entry<String, String> header : headers.entrySet()) {
            builder.header(header.getKey().strip(), header.getValue().strip());
        }
        if (authToken != null) {
            builder.bearerToken(authToken.strip());
        }
        if (priority != null) {
            builder.priority(priority);
        }
        if (sequenceId != null) {
            String id = sequenceId.strip();
            builder.parameter(
                    "sequence_id", id.matches("[0-9]{1,18}") ? (Object) Long.valueOf(id) : id);
        }
        if (sequenceStart != null) {
            builder.parameter("sequence_start", sequenceStart);
        }
        if (sequenceEnd != null) {
            builder.parameter("sequence_end", sequenceEnd);
        }
        return builder;
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
        return "model '"
                + model
                + "'"
                + (modelVersion == null ? "" : " version " + modelVersion)
                + " at "
                + (endpoint.contains("@") ? "(endpoint hidden: it holds credentials)" : endpoint)
                + ", max-batch-size "
                + maxBatchSize
                + ", max-batch-delay "
                + maxBatchDelay.toMillis()
                + " ms, binary-data "
                + binaryData
                + ", max-concurrent-requests "
                + maxConcurrentRequests
                + ", error-handling "
                + errorHandling
                + (authToken == null ? "" : ", auth-token (hidden)")
                + (headers.isEmpty() ? "" : ", custom-headers " + headers.keySet());
    }
}
