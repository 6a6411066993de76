package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
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
        assertThat(settings(Map.of("model-version", "latest")).modelVersion).isNull();
        assertThat(settings(Map.of()).modelVersion).isNull();
        assertThat(settings(Map.of("model-version", "3")).modelVersion).isEqualTo("3");
    }

    @Test
    void toStringHidesTheTokenAndTheHeaderValues() {
        ModelSettings settings =
                settings(
                        Map.of(
                                "auth-token", "sekrit-token",
                                "custom-headers", "X-Api-Key:key-value-123,X-Team:search"));

        assertThat(settings.toString())
                .contains("auth-token (hidden)")
                .contains("X-Api-Key")
                .doesNotContain("sekrit-token")
                .doesNotContain("key-value-123")
                .doesNotContain("search");
        assertThat(settings.clientBuilder().build().toString()).doesNotContain("sekrit-token");
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
                .hasMessageContaining("Content-Type is set by the client itself");
    }
}
