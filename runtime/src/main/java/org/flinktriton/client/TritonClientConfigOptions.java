package org.flinktriton.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    private static final String PREFIX = "flink-triton.client.";

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
                                    + " does not count); 0 for no limit.");

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

    /** See {@link TritonClientOptions.Builder#maxBatchSize}. */
    public static final ConfigOption<Integer> MAX_BATCH_SIZE =
            ConfigOptions.key(PREFIX + "max-batch-size")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "The most records in one request. It can lower the model's"
                                    + " max_batch_size, never raise it. Unset, the model's"
                                    + " max_batch_size applies.");

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
        set(config, MAX_BATCH_SIZE, builder::maxBatchSize);
        set(config, COMPRESS_REQUESTS, builder::compressRequests);
        set(config, ACCEPT_COMPRESSED_RESPONSES, builder::acceptCompressedResponses);
        set(config, MAX_RESPONSE_BYTES, size -> builder.maxResponseBytes(size.getBytes()));
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
        return builder.build();
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
