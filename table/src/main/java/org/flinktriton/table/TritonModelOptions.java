package org.flinktriton.table;

import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.flinktriton.client.CircuitBreakerPolicy;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.TritonClientConfigOptions;

/**
 * The options of a {@code CREATE MODEL … WITH ('provider' = 'flink-triton', …)}. Keys that Flink's
 * own Triton provider ({@code 'provider' = 'triton'}) also has mean the same here, so its models
 * move over by changing the provider alone.
 *
 * <pre>{@code
 * CREATE MODEL sentiment
 *   INPUT (TEXT STRING)
 *   OUTPUT (SCORES ARRAY<FLOAT>)
 *   WITH ('provider' = 'flink-triton',
 *         'endpoint' = 'http://triton:8000',
 *         'model-name' = 'sentiment',
 *         'max-batch-size' = '64');
 * }</pre>
 */
public final class TritonModelOptions {
    private TritonModelOptions() {}

    /** The most rows in one batch when {@code max-batch-size} is not set. */
    static final int AUTO_BATCH_LIMIT = 128;

    // ---------------------------------------------------------------- Flink's Triton provider's
    // keys

    public static final ConfigOption<String> ENDPOINT =
            ConfigOptions.key("endpoint")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The server's base URL, such as http://triton:8000; the form"
                                    + " http://triton:8000/v2/models that Flink's Triton provider"
                                    + " documents works too. grpc://triton:8001 (or"
                                    + " grpcs://triton:8001, with TLS) speaks Triton's gRPC"
                                    + " protocol instead, with the artifact"
                                    + " org.flinktriton:flink-triton-grpc on the class path (the"
                                    + " -sql jar bundles it). No credentials in the URL: use"
                                    + " 'auth-token' or 'custom-headers'. Required.");

    public static final ConfigOption<String> MODEL_NAME =
            ConfigOptions.key("model-name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The model's name on the server. Required.");

    public static final ConfigOption<String> MODEL_VERSION =
            ConfigOptions.key("model-version")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The model version. Unset or 'latest': requests carry no version and"
                                    + " the server's version policy picks one.");

    public static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("timeout")
                    .durationType()
                    .defaultValue(TritonClientConfigOptions.REQUEST_TIMEOUT.defaultValue())
                    .withDescription(
                            "How long one request may take, from sending to the last byte"
                                    + " of the response (over gRPC, the call's deadline)."
                                    + " ML_PREDICT's own async timeout"
                                    + " (table.exec.async-ml-predict.timeout) still applies per"
                                    + " row.");

    public static final ConfigOption<String> COMPRESSION =
            ConfigOptions.key("compression")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "'gzip' compresses request bodies (Content-Encoding: gzip); unset"
                                    + " sends them as they are.");

    public static final ConfigOption<String> AUTH_TOKEN =
            ConfigOptions.key("auth-token")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Sent as 'Authorization: Bearer <token>'. Never logged and never"
                                    + " part of an error message.");

    public static final ConfigOption<String> CUSTOM_HEADERS =
            ConfigOptions.key("custom-headers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "HTTP headers for every request, as 'Name:value,Other:value2' (the"
                                    + " form Flink's Triton provider parses) or as a JSON object"
                                    + " '{\"Name\": \"value\"}' (the form its README shows)."
                                    + " Their values are never logged.");

    public static final ConfigOption<Integer> PRIORITY =
            ConfigOptions.key("priority")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Triton's request priority: 1 is the highest, 0 the model's default.");

    public static final ConfigOption<String> SEQUENCE_ID =
            ConfigOptions.key("sequence-id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Triton's sequence_id for stateful models, sent with every request"
                                    + " (digits are sent as a number).");

    public static final ConfigOption<Boolean> SEQUENCE_START =
            ConfigOptions.key("sequence-start")
                    .booleanType()
                    .noDefaultValue()
                    .withDescription("Triton's sequence_start flag, sent with every request.");

    public static final ConfigOption<Boolean> SEQUENCE_END =
            ConfigOptions.key("sequence-end")
                    .booleanType()
                    .noDefaultValue()
                    .withDescription("Triton's sequence_end flag, sent with every request.");

    public static final ConfigOption<Boolean> FLATTEN_BATCH_DIM =
            ConfigOptions.key("flatten-batch-dim")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Accepted for models written for Flink's Triton provider and without"
                                    + " effect: whether requests carry a batch dimension follows"
                                    + " the model's max_batch_size.");

    // ---------------------------------------------------------------- flink-triton's own keys

    public static final ConfigOption<Integer> MAX_BATCH_SIZE =
            ConfigOptions.key("max-batch-size")
                    .intType()
                    .noDefaultValue()
                    .withFallbackKeys("batch-size")
                    .withDescription(
                            "The most rows in one batch. Rows that ML_PREDICT hands over one by"
                                    + " one are collected and sent together; a batch larger than"
                                    + " the model's max_batch_size goes out as several requests."
                                    + " Unset: half the rows ML_PREDICT lets be in flight"
                                    + " ('max-concurrent-operations'), at most "
                                    + AUTO_BATCH_LIMIT
                                    + " and at most the model's max_batch_size, so that one batch"
                                    + " is at the server while the next fills. Set, it is still"
                                    + " capped by the rows in flight. 'batch-size', the"
                                    + " name Flink's Triton provider reserves, means the same.");

    public static final ConfigOption<Duration> MAX_BATCH_DELAY =
            ConfigOptions.key("max-batch-delay")
                    .durationType()
                    .defaultValue(Duration.ofMillis(10))
                    .withDescription(
                            "How long the oldest row of a batch that is not full waits before the"
                                    + " batch is sent anyway.");

    public static final ConfigOption<Boolean> BINARY_DATA =
            ConfigOptions.key("binary-data")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether tensors travel in Triton's binary extension (true) or as"
                                    + " JSON (false; FP16 and BF16 stay binary, as Triton"
                                    + " requires).");

    public static final ConfigOption<Integer> MAX_CONCURRENT_REQUESTS =
            ConfigOptions.key("max-concurrent-requests")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "The most requests one parallel instance has running at once;"
                                    + " more wait in a queue.");

    public static final ConfigOption<Duration> CONNECT_TIMEOUT =
            ConfigOptions.key("connect-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription("How long opening a connection may take.");

    public static final ConfigOption<String> TRUST_STORE_PEM =
            ConfigOptions.key("trust-store-pem")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Path of a PEM file whose certificates an https:// or grpcs://"
                                    + " endpoint is trusted by (a private CA or a self-signed"
                                    + " certificate). Read when the query is planned; the"
                                    + " certificates travel with the job. Unset, the JVM's"
                                    + " default trust applies.");

    public static final ConfigOption<String> CLIENT_CERTIFICATE_PEM =
            ConfigOptions.key("client-certificate-pem")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Mutual TLS: path of a PEM file with the client's certificate chain"
                                    + " (its own certificate first), presented to an https:// or"
                                    + " grpcs:// endpoint with the key of 'client-key-pem'. Read"
                                    + " when the query is planned.");

    public static final ConfigOption<String> CLIENT_KEY_PEM =
            ConfigOptions.key("client-key-pem")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Mutual TLS: path of a PEM file with the private key (unencrypted"
                                    + " PKCS#8, BEGIN PRIVATE KEY) of 'client-certificate-pem'."
                                    + " Read when the query is planned; the key travels with the"
                                    + " job and never appears in a message.");

    public static final ConfigOption<Duration> KEEP_ALIVE_INTERVAL =
            ConfigOptions.key("keep-alive-interval")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "gRPC only: the interval of keepalive pings on a connection with"
                                    + " calls in flight; 0 (the default) sends none. At least 5"
                                    + " minutes: Triton's server answers more frequent pings with"
                                    + " GOAWAY.");

    public static final ConfigOption<MemorySize> MAX_RESPONSE_BYTES =
            ConfigOptions.key("max-response-bytes")
                    .memoryType()
                    .defaultValue(TritonClientConfigOptions.MAX_RESPONSE_BYTES.defaultValue())
                    .withDescription(
                            "The largest response accepted (over gRPC, the channel's largest"
                                    + " inbound message); a larger one fails its request. At"
                                    + " most 2 GiB - 17 bytes.");

    public static final ConfigOption<Integer> MAX_RETRIES =
            ConfigOptions.key("max-retries")
                    .intType()
                    .defaultValue(RetryPolicy.defaults().maxAttempts() - 1)
                    .withDescription(
                            "How often a request whose failure is retryable (unreachable server,"
                                    + " broken connection, timeout, HTTP 408, 429, 502, 503, 504)"
                                    + " is sent again, with exponential backoff and jitter; 0"
                                    + " turns retries off.");

    public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF =
            ConfigOptions.key("retry-initial-backoff")
                    .durationType()
                    .defaultValue(RetryPolicy.defaults().initialBackoff())
                    .withDescription("The wait before the first retry, before jitter.");

    public static final ConfigOption<Duration> RETRY_MAX_BACKOFF =
            ConfigOptions.key("retry-max-backoff")
                    .durationType()
                    .defaultValue(RetryPolicy.defaults().maxBackoff())
                    .withDescription("The longest wait between two attempts, before jitter.");

    public static final ConfigOption<Boolean> CIRCUIT_BREAKER_ENABLED =
            ConfigOptions.key("circuit-breaker-enabled")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether requests fail fast, without reaching the server, while too"
                                    + " many of the recent ones failed.");

    public static final ConfigOption<Double> CIRCUIT_BREAKER_FAILURE_THRESHOLD =
            ConfigOptions.key("circuit-breaker-failure-threshold")
                    .doubleType()
                    .defaultValue(CircuitBreakerPolicy.defaults().failureThreshold())
                    .withDescription(
                            "The share of failed recent requests (0 to 1) that opens the"
                                    + " breaker.");

    public static final ConfigOption<Duration> CIRCUIT_BREAKER_OPEN_DURATION =
            ConfigOptions.key("circuit-breaker-open-duration")
                    .durationType()
                    .defaultValue(CircuitBreakerPolicy.defaults().openDuration())
                    .withFallbackKeys("circuit-breaker-timeout")
                    .withDescription(
                            "How long an open breaker fails requests before it lets probes"
                                    + " through. 'circuit-breaker-timeout', the name Flink's"
                                    + " Triton provider uses, means the same.");

    public static final ConfigOption<Integer> CIRCUIT_BREAKER_HALF_OPEN_REQUESTS =
            ConfigOptions.key("circuit-breaker-half-open-requests")
                    .intType()
                    .defaultValue(CircuitBreakerPolicy.defaults().halfOpenProbes())
                    .withDescription(
                            "How many requests a half-open breaker lets through to probe the"
                                    + " server; it closes when they succeed and opens again when"
                                    + " too many fail.");

    // ------------------------------------------------ names only Flink's Triton provider has

    public static final ConfigOption<Boolean> HEALTH_CHECK_ENABLED =
            ConfigOptions.key("health-check-enabled")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Flink's Triton provider's periodic GET /v2/health/live. 'false' is"
                                    + " accepted; 'true' fails the query: flink-triton checks"
                                    + " the model's metadata when it starts, retries requests"
                                    + " that fail while the server is away ('max-retries'), and"
                                    + " fails fast during an outage with"
                                    + " 'circuit-breaker-enabled'.");

    public static final ConfigOption<Duration> HEALTH_CHECK_INTERVAL =
            ConfigOptions.key("health-check-interval")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "Accepted without effect, as in Flink's Triton provider while"
                                    + " 'health-check-enabled' is false.");

    public static final ConfigOption<String> DEFAULT_VALUE =
            ConfigOptions.key("default-value")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "As in Flink's Triton provider: the value the one OUTPUT column of a"
                                    + " row whose inference failed gets, instead of failing the job"
                                    + " ('error-handling' = 'ignore' with this value in place of"
                                    + " NULL). Plain text for a STRING, the number for a numeric"
                                    + " column, true/false, a JSON array such as [0.0, 0.0] for an"
                                    + " ARRAY, and null (lower-case) for SQL NULL.");

    public static final ConfigOption<Boolean> SEQUENCE_ID_AUTO_INCREMENT =
            ConfigOptions.key("sequence-id-auto-increment")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Flink's Triton provider's per-request sequence id suffix. 'false' is"
                                    + " accepted; 'true' fails the query: flink-triton sends"
                                    + " 'sequence-id' unchanged with every request.");

    public static final ConfigOption<ErrorHandling> ERROR_HANDLING =
            ConfigOptions.key("error-handling")
                    .enumType(ErrorHandling.class)
                    .defaultValue(ErrorHandling.FAIL)
                    .withDescription(
                            "What a row whose inference fails (a server error, a timeout, a"
                                    + " value that does not fit its tensor) does: 'fail' fails"
                                    + " the job, 'ignore' gives the row NULL outputs and logs the"
                                    + " failure ('error-status-column' and"
                                    + " 'error-message-column' say which failure).");

    public static final ConfigOption<String> ERROR_STATUS_COLUMN =
            ConfigOptions.key("error-status-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "An OUTPUT column of type INT that is not a tensor: for a row whose"
                                    + " inference failed, the HTTP status the server answered"
                                    + " with, or -1 when there was no such answer (unreachable"
                                    + " server, timeout, broken response, a value that does not"
                                    + " fit its tensor); NULL for a row that succeeded. Needs"
                                    + " 'error-handling' = 'ignore'.");

    public static final ConfigOption<String> ERROR_MESSAGE_COLUMN =
            ConfigOptions.key("error-message-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "An OUTPUT column of type STRING that is not a tensor: for a row"
                                    + " whose inference failed, the failure's message; NULL for a"
                                    + " row that succeeded. Needs 'error-handling' = 'ignore'.");

    public static final ConfigOption<String> RESPONSE_INDEX_COLUMN =
            ConfigOptions.key("response-index-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "For a decoupled model (one that answers a row with zero or more"
                                    + " responses, over a grpc:// endpoint): an OUTPUT column of"
                                    + " type INT or BIGINT that is not a tensor and receives each"
                                    + " output row's position among its input row's responses,"
                                    + " from 0. ML_PREDICT returns one row per response.");

    public static final ConfigOption<Map<String, String>> INPUT_TENSOR_NAMES =
            ConfigOptions.key("input-tensor-names")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Input columns whose tensor has another name, as"
                                    + " 'column:TENSOR,other:TENSOR2'. Other columns feed the"
                                    + " tensor of their own name.");

    public static final ConfigOption<Map<String, String>> OUTPUT_TENSOR_NAMES =
            ConfigOptions.key("output-tensor-names")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Output columns whose tensor has another name, as"
                                    + " 'column:TENSOR,other:TENSOR2'. Other columns read the"
                                    + " tensor of their own name.");

    /** What a row whose inference fails does. */
    public enum ErrorHandling {
        /** The job fails (and Flink's restart strategy decides what happens next). */
        FAIL,
        /** The row gets NULL outputs; the failure is logged. */
        IGNORE;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
