package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.junit.jupiter.api.Test;

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
                .hasMessageContaining("'max-batch-size' must be at least 1");
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
}
