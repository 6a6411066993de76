package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TritonClientOptions}: its builder, serialization, and reading it from a configuration. */
class TritonClientOptionsTest {

    private static final String SECRET = "s3cr3t-value";

    /** The test certificate of the testkit's TLS tests (see tls/README.txt there). */
    private static Path pem() throws URISyntaxException {
        return Path.of(TritonClientOptionsTest.class.getResource("/tls/test-server.pem").toURI());
    }

    /** The test client certificate and its key (see tls/README.txt). */
    private static Path clientPem(String name) throws URISyntaxException {
        return Path.of(TritonClientOptionsTest.class.getResource("/tls/" + name).toURI());
    }

    private static TritonClientOptions.Builder minimal() {
        return TritonClientOptions.builder().endpoint("http://triton:8000").model("add_sub");
    }

    /** Every option set to something other than its default. */
    private static TritonClientOptions everything() throws URISyntaxException {
        return minimal()
                .modelVersion("3")
                .header("X-Api-Key", SECRET)
                .header("X-Tenant", "7")
                .bearerToken(SECRET)
                .trustStorePem(pem())
                .clientCertificate(clientPem("test-client.pem"), clientPem("test-client-key.pem"))
                .keepAliveInterval(Duration.ofMinutes(7))
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofMillis(1500))
                .closeTimeout(Duration.ofSeconds(4))
                .maxConcurrentRequests(5)
                .binaryData(false)
                .maxRecordsPerRequest(12)
                .compressRequests(true)
                .acceptCompressedResponses(true)
                .maxResponseBytes(1 << 20)
                .maxRequestBytes(512 << 10)
                .priority(2)
                .serverTimeout(Duration.ofMillis(250))
                .parameter("sequence_id", 42)
                .parameter("sequence_start", true)
                .parameter("tag", "blue")
                .retry(
                        RetryPolicy.builder()
                                .maxAttempts(4)
                                .initialBackoff(Duration.ofMillis(50))
                                .maxBackoff(Duration.ofSeconds(2))
                                .multiplier(3)
                                .jitter(0.25)
                                .budget(Duration.ofSeconds(20))
                                .build())
                .circuitBreaker(
                        CircuitBreakerPolicy.builder()
                                .failureThreshold(0.75)
                                .minimumCalls(10)
                                .windowSize(40)
                                .openDuration(Duration.ofSeconds(7))
                                .halfOpenProbes(2)
                                .build())
                .adaptiveConcurrency(false)
                .maxBisectionRequests(8)
                .build();
    }

    @Test
    void defaultsAreTheClientsOfToday() {
        TritonClientOptions options = minimal().build();

        assertThat(options.endpoint()).isEqualTo("http://triton:8000");
        assertThat(options.model()).isEqualTo("add_sub");
        assertThat(options.modelVersion()).isEmpty();
        assertThat(options.headers()).isEmpty();
        assertThat(options.trustedCertificates()).isEmpty();
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(options.closeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.maxConcurrentRequests()).isEqualTo(16);
        assertThat(options.binaryData()).isTrue();
        assertThat(options.maxRecordsPerRequest()).isEmpty();
        assertThat(options.compressRequests()).isFalse();
        assertThat(options.acceptCompressedResponses()).isFalse();
        assertThat(options.maxResponseBytes()).isEqualTo(64L << 20);
        assertThat(options.maxRequestBytes()).isEmpty();
        assertThat(options.effectiveMaxRequestBytes()).isZero(); // HTTP: no limit
        assertThat(options.priority()).isEmpty();
        assertThat(options.serverTimeout()).isEmpty();
        assertThat(options.parameters()).isEmpty();
        assertThat(options.retry()).isEqualTo(RetryPolicy.defaults());
        assertThat(options.retry().maxAttempts()).isEqualTo(8);
        assertThat(options.circuitBreaker().enabled()).isFalse();
        assertThat(options.adaptiveConcurrency()).isTrue();
        assertThat(options.maxBisectionRequests()).isEqualTo(32);
        assertThat(options).hasToString("model 'add_sub' at http://triton:8000");
    }

    @Test
    void gettersReturnWhatWasSet() throws Exception {
        TritonClientOptions options = everything();

        assertThat(options.modelVersion()).contains("3");
        assertThat(options.headerNames()).containsExactly("X-Api-Key", "X-Tenant", "Authorization");
        assertThat(options.headers())
                .containsExactly(
                        Map.entry("X-Api-Key", SECRET),
                        Map.entry("X-Tenant", "7"),
                        Map.entry("Authorization", "Bearer " + SECRET));
        assertThat(options.trustedCertificates()).hasSize(1);
        assertThat(options.maxRecordsPerRequest()).hasValue(12);
        assertThat(options.priority()).hasValue(2);
        assertThat(options.serverTimeout()).contains(Duration.ofMillis(250));
        // Integers are kept as longs, so that a value read from a configuration compares equal.
        assertThat(options.parameters())
                .containsExactly(
                        Map.entry("sequence_id", 42L),
                        Map.entry("sequence_start", true),
                        Map.entry("tag", "blue"));
    }

    @Test
    void eachOptionTakesPartInEquality() throws Exception {
        TritonClientOptions base = everything();
        List<UnaryOperator<TritonClientOptions.Builder>> changes =
                List.of(
                        b -> b.endpoint("http://triton:8001"),
                        b -> b.model("other"),
                        b -> b.modelVersion(null),
                        b -> b.header("X-More", "1"),
                        b -> b.bearerToken("other"),
                        b -> b.trustedCertificates(List.of()),
                        b -> b.connectTimeout(Duration.ofSeconds(3)),
                        b -> b.requestTimeout(Duration.ofSeconds(3)),
                        b -> b.closeTimeout(Duration.ofSeconds(3)),
                        b -> b.maxConcurrentRequests(6),
                        b -> b.binaryData(true),
                        b -> b.maxRecordsPerRequest(13),
                        b -> b.compressRequests(false),
                        b -> b.acceptCompressedResponses(false),
                        b -> b.maxResponseBytes(2 << 20),
                        b -> b.maxRequestBytes(3 << 20),
                        b -> b.priority(1),
                        b -> b.serverTimeout(Duration.ofMillis(251)),
                        b -> b.parameter("tag", "green"),
                        b -> b.retry(RetryPolicy.defaults()),
                        b -> b.circuitBreaker(CircuitBreakerPolicy.none()),
                        b -> b.adaptiveConcurrency(true),
                        b -> b.maxBisectionRequests(0));
        List<TritonClientOptions> variants = new ArrayList<>();
        variants.add(base);
        for (UnaryOperator<TritonClientOptions.Builder> change : changes) {
            variants.add(change.apply(base.toBuilder()).build());
        }

        assertThat(base.toBuilder().build()).isEqualTo(base).hasSameHashCodeAs(base);
        assertThat(variants).doesNotHaveDuplicates();
    }

    @Test
    void roundTripsThroughJavaSerialization() throws Exception {
        TritonClientOptions options = everything();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(options);
        }
        Object read;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            read = in.readObject();
        }

        assertThat(read).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(read).hasToString(options.toString());
        assertThat(InstantiationUtil.clone(options)).isEqualTo(options);
        assertThat(InstantiationUtil.clone(minimal().build())).isEqualTo(minimal().build());
    }

    @Test
    void fromConfigReadsEveryKey() throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Api-Key", SECRET);
        headers.put("X-Tenant", "7");
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("sequence_id", "42");
        parameters.put("sequence_start", "true");
        parameters.put("tag", "blue");
        Configuration config = new Configuration();
        config.set(TritonClientConfigOptions.ENDPOINT, "http://triton:8000");
        config.set(TritonClientConfigOptions.MODEL, "add_sub");
        config.set(TritonClientConfigOptions.MODEL_VERSION, "3");
        config.set(TritonClientConfigOptions.HEADERS, headers);
        config.set(TritonClientConfigOptions.BEARER_TOKEN, SECRET);
        config.set(TritonClientConfigOptions.TRUST_STORE_PEM, pem().toString());
        config.set(TritonClientConfigOptions.CONNECT_TIMEOUT, Duration.ofSeconds(2));
        config.set(TritonClientConfigOptions.REQUEST_TIMEOUT, Duration.ofMillis(1500));
        config.set(TritonClientConfigOptions.CLOSE_TIMEOUT, Duration.ofSeconds(4));
        config.set(TritonClientConfigOptions.MAX_CONCURRENT_REQUESTS, 5);
        config.set(TritonClientConfigOptions.BINARY_DATA, false);
        config.set(TritonClientConfigOptions.MAX_RECORDS_PER_REQUEST, 12);
        config.set(TritonClientConfigOptions.COMPRESS_REQUESTS, true);
        config.set(TritonClientConfigOptions.ACCEPT_COMPRESSED_RESPONSES, true);
        config.set(TritonClientConfigOptions.MAX_RESPONSE_BYTES, MemorySize.parse("1 mb"));
        config.set(TritonClientConfigOptions.MAX_REQUEST_BYTES, MemorySize.parse("512 kb"));
        config.set(TritonClientConfigOptions.PRIORITY, 2);
        config.set(TritonClientConfigOptions.SERVER_TIMEOUT, Duration.ofMillis(250));
        config.set(TritonClientConfigOptions.PARAMETERS, parameters);
        config.set(TritonClientConfigOptions.MAX_RETRIES, 3);
        config.set(TritonClientConfigOptions.RETRY_INITIAL_BACKOFF, Duration.ofMillis(50));
        config.set(TritonClientConfigOptions.RETRY_MAX_BACKOFF, Duration.ofSeconds(2));
        config.set(TritonClientConfigOptions.RETRY_BACKOFF_MULTIPLIER, 3.0);
        config.set(TritonClientConfigOptions.RETRY_JITTER, 0.25);
        config.set(TritonClientConfigOptions.RETRY_BUDGET, Duration.ofSeconds(20));
        config.set(TritonClientConfigOptions.CIRCUIT_BREAKER_ENABLED, true);
        config.set(TritonClientConfigOptions.CIRCUIT_BREAKER_FAILURE_THRESHOLD, 0.75);
        config.set(TritonClientConfigOptions.CIRCUIT_BREAKER_MINIMUM_CALLS, 10);
        config.set(TritonClientConfigOptions.CIRCUIT_BREAKER_WINDOW_SIZE, 40);
        config.set(TritonClientConfigOptions.CIRCUIT_BREAKER_OPEN_DURATION, Duration.ofSeconds(7));
        config.set(TritonClientConfigOptions.CIRCUIT_BREAKER_HALF_OPEN_PROBES, 2);
        config.set(TritonClientConfigOptions.ADAPTIVE_CONCURRENCY, false);
        config.set(TritonClientConfigOptions.MAX_BISECTION_REQUESTS, 8);
        config.set(
                TritonClientConfigOptions.CLIENT_CERTIFICATE_PEM,
                clientPem("test-client.pem").toString());
        config.set(
                TritonClientConfigOptions.CLIENT_KEY_PEM,
                clientPem("test-client-key.pem").toString());
        config.set(TritonClientConfigOptions.KEEP_ALIVE_INTERVAL, Duration.ofMinutes(7));

        // A key added to TritonClientConfigOptions without a line above fails here.
        assertThat(allOptions())
                .allSatisfy(
                        option -> assertThat(config.contains(option)).as(option.key()).isTrue());
        assertThat(TritonClientOptions.fromConfig(config)).isEqualTo(everything());
    }

    @Test
    void fromConfigParsesTheTextOfAConfigurationFile() throws Exception {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("flink-triton.client.endpoint", "http://triton:8000");
        text.put("flink-triton.client.model", "add_sub");
        text.put("flink-triton.client.model-version", "3");
        text.put("flink-triton.client.headers", "X-Api-Key:" + SECRET + ",X-Tenant:7");
        text.put("flink-triton.client.bearer-token", SECRET);
        text.put("flink-triton.client.trust-store-pem", pem().toString());
        text.put("flink-triton.client.connect-timeout", "2 s");
        text.put("flink-triton.client.request-timeout", "1500 ms");
        text.put("flink-triton.client.close-timeout", "4s");
        text.put("flink-triton.client.max-concurrent-requests", "5");
        text.put("flink-triton.client.binary-data", "false");
        text.put("flink-triton.client.max-records-per-request", "12");
        text.put("flink-triton.client.compress-requests", "true");
        text.put("flink-triton.client.accept-compressed-responses", "true");
        text.put("flink-triton.client.max-response-bytes", "1 mb");
        text.put("flink-triton.client.max-request-bytes", "512 kb");
        text.put("flink-triton.client.priority", "2");
        text.put("flink-triton.client.server-timeout", "250 ms");
        text.put("flink-triton.client.parameters", "sequence_id:42,sequence_start:true,tag:blue");
        text.put("flink-triton.client.max-retries", "3");
        text.put("flink-triton.client.retry-initial-backoff", "50 ms");
        text.put("flink-triton.client.retry-max-backoff", "2 s");
        text.put("flink-triton.client.retry-backoff-multiplier", "3");
        text.put("flink-triton.client.retry-jitter", "0.25");
        text.put("flink-triton.client.retry-budget", "20 s");
        text.put("flink-triton.client.circuit-breaker-enabled", "true");
        text.put("flink-triton.client.circuit-breaker-failure-threshold", "0.75");
        text.put("flink-triton.client.circuit-breaker-minimum-calls", "10");
        text.put("flink-triton.client.circuit-breaker-window-size", "40");
        text.put("flink-triton.client.circuit-breaker-open-duration", "7 s");
        text.put("flink-triton.client.circuit-breaker-half-open-probes", "2");
        text.put("flink-triton.client.adaptive-concurrency", "false");
        text.put("flink-triton.client.max-bisection-requests", "8");
        text.put(
                "flink-triton.client.client-certificate-pem",
                clientPem("test-client.pem").toString());
        text.put("flink-triton.client.client-key-pem", clientPem("test-client-key.pem").toString());
        text.put("flink-triton.client.keep-alive-interval", "7 min");

        assertThat(text.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        allOptions().stream().map(ConfigOption::key).toList());
        assertThat(TritonClientOptions.fromConfig(Configuration.fromMap(text)))
                .isEqualTo(everything());
    }

    @Test
    void aClientCertificateNeedsItsKeyInTheConfigurationToo() throws Exception {
        Configuration config = new Configuration();
        config.set(TritonClientConfigOptions.ENDPOINT, "https://triton:8000");
        config.set(TritonClientConfigOptions.MODEL, "add_sub");
        config.set(
                TritonClientConfigOptions.CLIENT_CERTIFICATE_PEM,
                clientPem("test-client.pem").toString());

        assertThatThrownBy(() -> TritonClientOptions.fromConfig(config))
                .hasMessage(
                        "flink-triton.client.client-key-pem is missing: mutual TLS needs both"
                                + " flink-triton.client.client-certificate-pem and"
                                + " flink-triton.client.client-key-pem");
    }

    @Test
    void fromConfigTakesTheBuildersDefaultsForKeysNotSet() {
        Configuration config = new Configuration();
        config.set(TritonClientConfigOptions.ENDPOINT, "http://triton:8000");
        config.set(TritonClientConfigOptions.MODEL, "add_sub");

        TritonClientOptions options = TritonClientOptions.fromConfig(config);

        assertThat(options).isEqualTo(minimal().build());
        assertThat(TritonClientConfigOptions.CONNECT_TIMEOUT.defaultValue())
                .isEqualTo(options.connectTimeout());
        assertThat(TritonClientConfigOptions.REQUEST_TIMEOUT.defaultValue())
                .isEqualTo(options.requestTimeout());
        assertThat(TritonClientConfigOptions.CLOSE_TIMEOUT.defaultValue())
                .isEqualTo(options.closeTimeout());
        assertThat(TritonClientConfigOptions.MAX_CONCURRENT_REQUESTS.defaultValue())
                .isEqualTo(options.maxConcurrentRequests());
        assertThat(TritonClientConfigOptions.BINARY_DATA.defaultValue())
                .isEqualTo(options.binaryData());
        assertThat(TritonClientConfigOptions.MAX_RESPONSE_BYTES.defaultValue().getBytes())
                .isEqualTo(options.maxResponseBytes());
        assertThat(TritonClientConfigOptions.MAX_BISECTION_REQUESTS.defaultValue())
                .isEqualTo(options.maxBisectionRequests());
    }

    @Test
    void fromConfigNamesTheKeyThatIsMissingOrWrong() {
        assertThatThrownBy(() -> TritonClientOptions.fromConfig(new Configuration()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonClientOptions.fromConfig needs flink-triton.client.endpoint and"
                                + " flink-triton.client.model");

        Configuration config = new Configuration();
        config.set(TritonClientConfigOptions.ENDPOINT, "http://triton:8000");
        config.set(TritonClientConfigOptions.MODEL, "add_sub");
        config.set(TritonClientConfigOptions.MAX_CONCURRENT_REQUESTS, 0);
        assertThatThrownBy(() -> TritonClientOptions.fromConfig(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "flink-triton.client.max-concurrent-requests: maxConcurrentRequests must be"
                                + " at least 1, not 0");

        config.set(TritonClientConfigOptions.MAX_CONCURRENT_REQUESTS, 1);
        config.set(TritonClientConfigOptions.HEADERS, Map.of("Content-Type", SECRET));
        assertThatThrownBy(() -> TritonClientOptions.fromConfig(config))
                .hasMessage(
                        "flink-triton.client.headers: header Content-Type is set by the client"
                                + " itself");
    }

    @Test
    void aPemFileWithoutCertificatesIsRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "no certificate here\n");

        Path notPem = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n");

        assertThatThrownBy(() -> minimal().trustStorePem(notPem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(notPem + " holds no certificate");
        assertThatThrownBy(() -> minimal().trustStorePem(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(empty + " holds no certificate");
        assertThatThrownBy(() -> minimal().trustStorePem(dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot read " + dir.resolve("missing.pem"));
    }

    @Test
    void toStringShowsNoHeaderValueAndNoToken() throws Exception {
        TritonClientOptions options =
                minimal()
                        .endpoint("http://triton:8000/prefix?key=" + SECRET)
                        .header("X-Api-Key", SECRET)
                        .bearerToken(SECRET)
                        .build();

        assertThat(options.toString())
                .isEqualTo(
                        "model 'add_sub' at http://triton:8000/prefix, headers X-Api-Key:"
                                + " <hidden>, Authorization: <hidden>")
                .doesNotContain(SECRET);
        assertThat(everything().toString())
                .doesNotContain(SECRET)
                .contains("version 3", "trusting 1 certificate(s)", "maxRecordsPerRequest 12");
    }

    @Test
    void buildNamesWhatIsMissing() {
        assertThatThrownBy(() -> TritonClientOptions.builder().model("m").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonClientOptions needs an endpoint (call"
                                + " endpoint(\"http://triton:8000\"))");
        assertThatThrownBy(() -> TritonClientOptions.builder().endpoint("h:1").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonClientOptions needs a model name (call model(\"name\"), or"
                                + " modelFrom(Input.class) with a class annotated"
                                + " @TritonModel(name = ...))");
        assertThatThrownBy(() -> TritonClientOptions.builder("TritonModelClient").build())
                .hasMessage(
                        "TritonModelClient needs an endpoint (call"
                                + " endpoint(\"http://triton:8000\")) and a model name (call"
                                + " model(\"name\"), or modelFrom(Input.class) with a class"
                                + " annotated @TritonModel(name = ...))");
    }

    @Test
    void settersRefuseBadValuesWithTodaysMessages() throws Exception {
        TritonClientOptions.Builder builder = TritonClientOptions.builder();
        KeyStore empty = KeyStore.getInstance(KeyStore.getDefaultType());
        empty.load(null, null);

        assertThatThrownBy(() -> builder.endpoint("ftp://h"))
                .hasMessage(
                        "endpoint 'ftp://h' is not an http://, https://, grpc:// or grpcs:// URL"
                                + " such as http://127.0.0.1:8000 or grpc://127.0.0.1:8001");
        assertThatThrownBy(() -> builder.endpoint("http://u:" + SECRET + "@h"))
                .hasMessageStartingWith("endpoint must not carry credentials");
        assertThatThrownBy(() -> builder.model(" ")).hasMessage("model must not be blank");
        assertThatThrownBy(() -> builder.modelVersion(""))
                .hasMessage("modelVersion must not be blank");
        assertThatThrownBy(() -> builder.header("X-Key", SECRET + "\n"))
                .hasMessage(
                        "the value of header X-Key has a character HTTP does not allow at index"
                                + " 12");
        assertThatThrownBy(() -> builder.header("Bad Name", "v"))
                .hasMessage("header name 'Bad Name' has a character HTTP does not allow");
        assertThatThrownBy(() -> builder.header("Host", "v"))
                .hasMessage("header Host is set by the client itself");
        assertThatThrownBy(() -> builder.trustStore(empty))
                .hasMessageStartingWith("The trust store holds no certificate");
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ofMillis(-1)))
                .hasMessage("connectTimeout must not be negative");
        assertThatThrownBy(() -> builder.requestTimeout(Duration.ofMillis(-1)))
                .hasMessage("requestTimeout must not be negative");
        assertThatThrownBy(() -> builder.closeTimeout(Duration.ofMillis(-1)))
                .hasMessage("closeTimeout must not be negative");
        assertThatThrownBy(() -> builder.serverTimeout(Duration.ofMillis(-1)))
                .hasMessage("serverTimeout must not be negative");
        assertThatThrownBy(() -> builder.maxConcurrentRequests(0))
                .hasMessage("maxConcurrentRequests must be at least 1, not 0");
        assertThatThrownBy(() -> builder.maxRecordsPerRequest(0))
                .hasMessage("maxRecordsPerRequest must be at least 1, not 0");
        assertThatThrownBy(() -> builder.maxResponseBytes(0))
                .hasMessage("maxResponseBytes must be between 1 and 2147483631, not 0");
        assertThatThrownBy(() -> builder.maxRequestBytes(0))
                .hasMessage("maxRequestBytes must be at least 1, not 0");
        assertThatThrownBy(() -> builder.priority(-1))
                .hasMessage("priority must not be negative, not -1");
        assertThatThrownBy(() -> builder.maxBisectionRequests(-1))
                .hasMessage("maxBisectionRequests must be 0 or more, not -1");
        assertThatThrownBy(() -> builder.parameter("p", 1.5))
                .hasMessage(
                        "parameter p must be a String, Boolean, Integer or Long, not java.lang.Double");
    }

    @Test
    @SuppressWarnings("deprecation") // the old names, kept as aliases
    void theOldNamesOfMaxRecordsPerRequestStillWork() {
        Configuration config = new Configuration();
        config.setString("flink-triton.client.endpoint", "http://triton:8000");
        config.setString("flink-triton.client.model", "add_sub");
        config.setString("flink-triton.client.max-batch-size", "12");

        TritonClientOptions options = TritonClientOptions.fromConfig(config);

        assertThat(options.maxRecordsPerRequest()).hasValue(12);
        assertThat(options.maxBatchSize()).hasValue(12);
        assertThat(minimal().maxBatchSize(12).build()).isEqualTo(options);
        assertThat(TritonClientConfigOptions.MAX_BATCH_SIZE)
                .isSameAs(TritonClientConfigOptions.MAX_RECORDS_PER_REQUEST);

        // Both names with one value is no conflict.
        config.setString("flink-triton.client.max-records-per-request", "12");
        assertThat(TritonClientOptions.fromConfig(config)).isEqualTo(options);
    }

    @Test
    void aKeyAndItsDeprecatedNameSetApartFailNamingBoth() {
        Configuration config = new Configuration();
        config.setString("flink-triton.client.endpoint", "http://triton:8000");
        config.setString("flink-triton.client.model", "add_sub");
        config.setString("flink-triton.client.max-records-per-request", "8");
        config.setString("flink-triton.client.max-batch-size", "12");

        assertThatThrownBy(() -> TritonClientOptions.fromConfig(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "flink-triton.client.max-records-per-request (8) and its deprecated name"
                                + " flink-triton.client.max-batch-size (12) are both set, to"
                                + " different values; keep"
                                + " flink-triton.client.max-records-per-request only");
    }

    @Test
    void aRequestParameterSetTwoWaysFailsNamingBoth() {
        assertThatThrownBy(() -> minimal().priority(2).parameter("priority", 3).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonClientOptions: priority(...) (flink-triton.client.priority) and"
                                + " parameter(\"priority\", ...) (flink-triton.client.parameters)"
                                + " both set Triton's request parameter 'priority'; set it once");
        assertThatThrownBy(
                        () ->
                                minimal()
                                        .parameter("timeout", 100)
                                        .serverTimeout(Duration.ofMillis(5))
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serverTimeout(...) (flink-triton.client.server-timeout)")
                .hasMessageContaining("parameter(\"timeout\", ...)");

        Configuration config = new Configuration();
        config.setString("flink-triton.client.endpoint", "http://triton:8000");
        config.setString("flink-triton.client.model", "add_sub");
        config.setString("flink-triton.client.priority", "2");
        config.setString("flink-triton.client.parameters", "priority:1");
        assertThatThrownBy(() -> TritonClientOptions.fromConfig(config))
                .hasMessageContaining("flink-triton.client.priority")
                .hasMessageContaining("flink-triton.client.parameters");
    }

    @Test
    void theRetryPolicyKnowsWhichSettingsWereGiven() {
        Configuration config = new Configuration();
        config.setString("flink-triton.client.endpoint", "http://triton:8000");
        config.setString("flink-triton.client.model", "add_sub");
        assertThat(TritonClientOptions.fromConfig(config).retry().explicitSettings()).isEmpty();

        config.setString("flink-triton.client.max-retries", "2");
        config.setString("flink-triton.client.retry-budget", "5 s");
        RetryPolicy retry = TritonClientOptions.fromConfig(config).retry();
        assertThat(retry.explicitSettings()).containsExactly("maxAttempts", "budget");
        assertThat(retry.toBuilder().jitter(0.1).build().explicitSettings())
                .containsExactly("maxAttempts", "budget", "jitter");
        // Not part of equality: the default value, given, is the default.
        assertThat(RetryPolicy.builder().maxAttempts(8).build()).isEqualTo(RetryPolicy.defaults());
    }

    private static List<ConfigOption<?>> allOptions() throws IllegalAccessException {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : TritonClientConfigOptions.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers())
                    && field.getType() == ConfigOption.class
                    && !field.isAnnotationPresent(Deprecated.class)) {
                options.add((ConfigOption<?>) field.get(null));
            }
        }
        assertThat(options).hasSize(36);
        return options;
    }
}
