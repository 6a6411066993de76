package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSettingsTest {

    private static ModelSettings settings(Map<String, String> extra) {
        Configuration options = new Configuration();
        options.setString("endpoint", "http://triton:8000");
        options.setString("model-name", "add_sub");
        extra.forEach(options::setString);
        return ModelSettings.of(options);
    }

    @Test
    void theEndpointMayBeTheBaseUrlOrFlinksV2ModelsForm() {
        assertThat(ModelSettings.baseUrl("http://triton:8000")).isEqualTo("http://triton:8000");
        assertThat(ModelSettings.baseUrl("http://triton:8000/")).isEqualTo("http://triton:8000");
        assertThat(ModelSettings.baseUrl("http://triton:8000/v2/models"))
                .isEqualTo("http://triton:8000");
        assertThat(ModelSettings.baseUrl("https://gw/prefix/v2/models/"))
                .isEqualTo("https://gw/prefix");
        assertThat(ModelSettings.baseUrl("http://triton:8000/v2")).isEqualTo("http://triton:8000");
    }

    @Test
    void latestMeansNoVersionAndOtherVersionsAreKept() {
        assertThat(settings(Map.of("model-version", "latest")).clientOptions.modelVersion())
                .isEmpty();
        assertThat(settings(Map.of()).clientOptions.modelVersion()).isEmpty();
        assertThat(settings(Map.of("model-version", "3")).clientOptions.modelVersion())
                .contains("3");
    }

    @Test
    void everyClientOptionMapsOntoTritonClientOptions() {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("endpoint", "http://triton:8000/v2/models");
        extra.put("model-version", "2");
        extra.put("timeout", "20s");
        extra.put("connect-timeout", "3s");
        extra.put("compression", "gzip");
        extra.put("auth-token", "sekrit-token");
        extra.put("custom-headers", "X-Team:search,X-Trace:abc");
        extra.put("priority", "1");
        extra.put("sequence-id", "42");
        extra.put("sequence-start", "true");
        extra.put("sequence-end", "false");
        extra.put("binary-data", "false");
        extra.put("max-concurrent-requests", "4");
        extra.put("max-batch-size", "64");

        ModelSettings settings = settings(extra);

        assertThat(settings.clientOptions)
                .isEqualTo(
                        TritonClientOptions.builder()
                                .endpoint("http://triton:8000")
                                .model("add_sub")
                                .modelVersion("2")
                                .requestTimeout(Duration.ofSeconds(20))
                                .connectTimeout(Duration.ofSeconds(3))
                                .compressRequests(true)
                                .header("X-Team", "search")
                                .header("X-Trace", "abc")
                                .bearerToken("sekrit-token")
                                .priority(1)
                                .parameter("sequence_id", 42L)
                                .parameter("sequence_start", true)
                                .parameter("sequence_end", false)
                                .binaryData(false)
                                .maxConcurrentRequests(4)
                                .build());
        assertThat(settings.maxBatchSize).isEqualTo(64);
        assertThat(settings(Map.of("sequence-id", "session-7")).clientOptions.parameters())
                .containsEntry("sequence_id", "session-7");
    }

    @Test
    void theDefaultsAreTheClientsDefaults() {
        assertThat(settings(Map.of()).clientOptions)
                .isEqualTo(
                        TritonClientOptions.builder()
                                .endpoint("http://triton:8000")
                                .model("add_sub")
                                .build());
    }

    @Test
    void toStringHidesTheTokenAndTheHeaderValues() {
        ModelSettings settings =
                settings(
                        Map.of(
                                "auth-token", "sekrit-token",
                                "custom-headers", "X-Api-Key:key-value-123,X-Team:search"));

        assertThat(settings.toString())
                .contains("Authorization: <hidden>")
                .contains("X-Api-Key: <hidden>")
                .doesNotContain("sekrit-token")
                .doesNotContain("key-value-123")
                .doesNotContain("search");
        try (TritonModelClient client = settings.newClient()) {
            assertThat(client.toString()).doesNotContain("sekrit-token");
        }
    }

    @Test
    void badValuesFailWithTheOptionNamed() {
        assertThatThrownBy(() -> settings(Map.of("compression", "zstd")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'compression' = 'zstd' is not supported; use 'gzip'");
        assertThatThrownBy(() -> settings(Map.of("max-batch-size", "0")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'max-batch-size' must be at least 1")
                .hasMessageContaining("leave it out to size batches from the rows in flight");
        assertThatThrownBy(() -> settings(Map.of("custom-headers", "Content-Type:text/plain")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'custom-headers' of model 'add_sub'")
                .hasMessageContaining("Content-Type is set by the client itself");
        assertThatThrownBy(() -> settings(Map.of("max-concurrent-requests", "0")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'max-concurrent-requests'");
        assertThatThrownBy(() -> settings(Map.of("endpoint", "http://user:pw@triton:8000")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'endpoint'")
                .hasMessageNotContaining("user:pw");
    }

    @Test
    void grpcEndpointsAndTheirOptionsMapOntoTritonClientOptions() {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("endpoint", "grpc://triton:8001");
        extra.put("keep-alive-interval", "10 min");
        extra.put("max-response-bytes", "256 mb");

        assertThat(settings(extra).clientOptions)
                .isEqualTo(
                        TritonClientOptions.builder()
                                .endpoint("grpc://triton:8001")
                                .model("add_sub")
                                .keepAliveInterval(Duration.ofMinutes(10))
                                .maxResponseBytes(256L << 20)
                                .build());
        assertThat(settings(Map.of("endpoint", "grpcs://triton:8001")).clientOptions.endpoint())
                .isEqualTo("grpcs://triton:8001");
    }

    @Test
    void tlsOptionsReadTheirPemFilesAndMapOntoTheClientsTls(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("endpoint", "grpcs://127.0.0.1:8001");
        extra.put("trust-store-pem", pki.certificatePem.toString());
        extra.put("client-certificate-pem", pki.certificatePem.toString());
        extra.put("client-key-pem", pki.keyPem.toString());

        TritonClientOptions options = settings(extra).clientOptions;

        assertThat(options)
                .isEqualTo(
                        TritonClientOptions.builder()
                                .endpoint("grpcs://127.0.0.1:8001")
                                .model("add_sub")
                                .trustStorePem(pki.certificatePem)
                                .clientCertificate(pki.certificatePem, pki.keyPem)
                                .build());
        assertThat(options.trustedCertificates()).hasSize(1);
        assertThat(settings(extra).toString()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void badTlsAndKeepAliveValuesFailWithTheOptionNamed(@TempDir Path dir) {
        String missing = dir.resolve("missing.pem").toString();
        assertThatThrownBy(() -> settings(Map.of("trust-store-pem", missing)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'trust-store-pem' of model 'add_sub'")
                .hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> settings(Map.of("client-certificate-pem", missing)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'client-key-pem' of model 'add_sub' is missing")
                .hasMessageContaining("mutual TLS needs both");
        assertThatThrownBy(() -> settings(Map.of("client-key-pem", missing)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'client-certificate-pem' of model 'add_sub' is missing");
        assertThatThrownBy(() -> settings(Map.of("keep-alive-interval", "30s")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'keep-alive-interval'")
                .hasMessageContaining("at least 5 minutes");
        assertThatThrownBy(() -> settings(Map.of("max-response-bytes", "3 gb")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'max-response-bytes'");
    }

    // ---------------------------------------------- names and forms of Flink's Triton provider

    @Test
    void batchSizeIsTheSameSettingAsMaxBatchSizeAndUnsetFollowsTheRowsInFlight() {
        assertThat(settings(Map.of("batch-size", "16")).maxBatchSize).isEqualTo(16);
        assertThat(settings(Map.of("batch-size", "16", "max-batch-size", "16")).maxBatchSize)
                .isEqualTo(16);
        assertThatThrownBy(() -> settings(Map.of("batch-size", "16", "max-batch-size", "8")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'max-batch-size' = '8' and 'batch-size' = '16' contradict");

        ModelSettings unset = settings(Map.of());
        assertThat(unset.maxBatchSize).isZero();
        assertThat(unset.batchSize(10, 128)).as("Flink's default rows in flight").isEqualTo(5);
        assertThat(unset.batchSize(64, 128)).isEqualTo(32);
        assertThat(unset.batchSize(200, 128)).as("their README's rows in flight").isEqualTo(100);
        assertThat(unset.batchSize(256, 128)).isEqualTo(128);
        assertThat(unset.batchSize(1024, 128)).isEqualTo(128);
        assertThat(unset.batchSize(1024, 0)).as("no batch dimension or unknown").isEqualTo(128);
        assertThat(unset.batchSize(256, 8)).as("the model's max_batch_size").isEqualTo(8);
        assertThat(unset.batchSize(3, 128)).isEqualTo(1);
        assertThat(unset.batchSize(1, 128)).isEqualTo(1);
        ModelSettings set = settings(Map.of("max-batch-size", "64"));
        assertThat(set.batchSize(10, 128)).isEqualTo(10);
        assertThat(set.batchSize(1024, 128)).isEqualTo(64);
        assertThat(set.batchSize(1024, 8))
                .as("set: the client splits it into requests the model takes")
                .isEqualTo(64);
    }

    @Test
    void customHeadersTakeFlinksMapFormAndItsReadmesJsonForm() {
        TritonClientOptions pairs =
                settings(Map.of("custom-headers", "X-Team:search,X-Trace:abc")).clientOptions;
        TritonClientOptions json =
                settings(Map.of("custom-headers", "{\"X-Team\": \"search\", \"X-Trace\": \"abc\"}"))
                        .clientOptions;
        assertThat(json).isEqualTo(pairs);
        assertThat(json.headerNames()).containsExactly("X-Team", "X-Trace");

        assertThatThrownBy(() -> settings(Map.of("custom-headers", "{\"X-Team\": \"sec")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'custom-headers'")
                .hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("sec\"");
        assertThatThrownBy(() -> settings(Map.of("custom-headers", "X-Team:'sec,X-Trace:abc")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("expected 'Name:value,Other:value2'")
                .hasMessageNotContaining("sec");
        assertThatThrownBy(() -> settings(Map.of("custom-headers", "{\"X-Team\": [\"a\"]}")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("header X-Team needs a string value");
    }

    @Test
    void retryOptionsMeanRetriesAfterTheFirstAttempt() {
        ModelSettings settings =
                settings(
                        Map.of(
                                "max-retries", "2",
                                "retry-initial-backoff", "50 ms",
                                "retry-max-backoff", "2 s"));
        assertThat(settings.clientOptions.retry().maxAttempts()).isEqualTo(3);
        assertThat(settings.clientOptions.retry().initialBackoff())
                .isEqualTo(Duration.ofMillis(50));
        assertThat(settings.clientOptions.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings(Map.of("max-retries", "0")).clientOptions.retry().enabled()).isFalse();
        assertThatThrownBy(() -> settings(Map.of("max-retries", "-1")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("Invalid option 'max-retries'");
    }

    @Test
    void circuitBreakerOptionsTakeFlinksNames() {
        ModelSettings settings =
                settings(
                        Map.of(
                                "circuit-breaker-enabled", "true",
                                "circuit-breaker-failure-threshold", "0.7",
                                "circuit-breaker-timeout", "30 s",
                                "circuit-breaker-half-open-requests", "5"));
        assertThat(settings.clientOptions.circuitBreaker().enabled()).isTrue();
        assertThat(settings.clientOptions.circuitBreaker().failureThreshold()).isEqualTo(0.7);
        assertThat(settings.clientOptions.circuitBreaker().openDuration())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.clientOptions.circuitBreaker().halfOpenProbes()).isEqualTo(5);
        assertThat(settings(Map.of()).clientOptions.circuitBreaker().enabled()).isFalse();
        assertThatThrownBy(
                        () ->
                                settings(
                                        Map.of(
                                                "circuit-breaker-timeout", "30 s",
                                                "circuit-breaker-open-duration", "10 s")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("two names of one setting");
    }

    @Test
    void theReleasedProvidersTimeoutInMillisecondsAndItsLatestVersionWork() {
        ModelSettings settings = settings(Map.of("timeout", "10000", "model-version", "latest"));
        assertThat(settings.clientOptions.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.clientOptions.modelVersion()).isEmpty();
        assertThat(settings(Map.of("flatten-batch-dim", "true")).clientOptions)
                .as("the batch dimension follows the model's max_batch_size")
                .isEqualTo(settings(Map.of()).clientOptions);
    }

    @Test
    void healthChecksAndAutoIncrementAreRefusedWithWhatToUse() {
        assertThatThrownBy(() -> settings(Map.of("health-check-enabled", "true")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'health-check-enabled' = 'true' is not supported")
                .hasMessageContaining("'max-retries'")
                .hasMessageContaining("'circuit-breaker-enabled' = 'true'");
        assertThatThrownBy(() -> settings(Map.of("sequence-id-auto-increment", "true")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'sequence-id-auto-increment' = 'true' is not supported");
        // Their off values ask for nothing flink-triton lacks.
        assertThat(
                        settings(
                                        Map.of(
                                                "health-check-enabled", "false",
                                                "health-check-interval", "10 s",
                                                "sequence-id-auto-increment", "false"))
                                .clientOptions)
                .isEqualTo(settings(Map.of()).clientOptions);
    }

    @Test
    void aDefaultValueIgnoresFailuresAndContradictsFail() {
        assertThat(settings(Map.of("default-value", "FAILED")).errorHandling)
                .isEqualTo(TritonModelOptions.ErrorHandling.IGNORE);
        assertThat(settings(Map.of()).errorHandling)
                .isEqualTo(TritonModelOptions.ErrorHandling.FAIL);
        assertThatThrownBy(
                        () -> settings(Map.of("default-value", "FAILED", "error-handling", "fail")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'default-value' and 'error-handling' = 'fail' contradict");
    }
}
