package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelRegistry} without a server or a transport: how a request's model name and version
 * find a model, and readiness, which every face of a {@link TritonTestServer} shares.
 */
class ModelRegistryTest {
    private static final TestModel ECHO =
            TestModels.echo("echo", 4, TensorSpec.of("X", TritonDataType.INT32, 1));
    private static final TestModel UNVERSIONED =
            TestModels.echo("kserve", 4, TensorSpec.of("X", TritonDataType.INT32, 1)).toBuilder()
                    .versionPaths(false)
                    .build();

    @Test
    void aNameAndAVersionResolveAsTritonResolvesThem() {
        ModelRegistry registry = new ModelRegistry(List.of(ECHO, UNVERSIONED));

        assertThat(registry.resolve("echo", null)).isSameAs(ECHO);
        assertThat(registry.resolve("echo", "1")).isSameAs(ECHO);
        assertThatThrownBy(() -> registry.resolve("nope", null))
                .isInstanceOfSatisfying(
                        HttpError.class, error -> assertThat(error.status).isEqualTo(404))
                .hasMessage("Request for unknown model: 'nope' is not found");
        assertThatThrownBy(() -> registry.resolve("echo", "2"))
                .isInstanceOfSatisfying(
                        HttpError.class, error -> assertThat(error.status).isEqualTo(404))
                .hasMessage("Request for unknown model: 'echo' version 2 is not found");
        assertThat(registry.resolve("kserve", null)).isSameAs(UNVERSIONED);
        assertThatThrownBy(() -> registry.resolve("kserve", "1"))
                .isInstanceOfSatisfying(
                        HttpError.class, error -> assertThat(error.status).isEqualTo(501))
                .hasMessageContaining("(model 'kserve', version 1)");
    }

    @Test
    void modelsComeAndGoWithTheirReadiness() {
        ModelRegistry registry = new ModelRegistry(List.of(UNVERSIONED, ECHO));

        assertThat(registry.models()).containsExactly(ECHO, UNVERSIONED);
        registry.setModelReady("echo", false);
        assertThat(registry.isModelReady("echo")).isFalse();
        assertThat(registry.isModelReady("kserve")).isTrue();

        // An unload forgets the model's readiness: loaded again, it is ready.
        assertThat(registry.remove("echo")).isTrue();
        assertThat(registry.remove("echo")).isFalse();
        assertThat(registry.model("echo")).isNull();
        registry.add(ECHO);
        assertThat(registry.isModelReady("echo")).isTrue();

        TestModel reloaded = ECHO.toBuilder().version("2").build();
        registry.add(reloaded);
        assertThat(registry.resolve("echo", "2")).isSameAs(reloaded);
        assertThat(registry.names()).containsExactly("echo", "kserve");

        assertThat(registry.isReady()).isTrue();
        registry.setReady(false);
        assertThat(registry.isReady()).isFalse();
    }
}
