package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The endpoint's scheme picks the transport; without the gRPC module, grpc:// says what to add. */
class TransportSelectionTest {
    @Test
    void grpcWithoutTheModuleNamesTheArtifactToAdd() {
        for (String endpoint : new String[] {"grpc://127.0.0.1:8001", "GRPCS://triton:8001"}) {
            assertThatThrownBy(
                            () ->
                                    TritonModelClient.builder()
                                            .endpoint(endpoint)
                                            .model("add_sub")
                                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("org.flinktriton:flink-triton-grpc")
                    .hasMessageContaining(TritonClientOptions.schemeOf(endpoint) + "://");
        }
    }

    @Test
    void grpcOptionsFailAtBuildToo() {
        assertThatThrownBy(
                        () ->
                                TritonClientOptions.builder()
                                        .endpoint("grpc://127.0.0.1:8001")
                                        .model("add_sub")
                                        .build())
                .hasMessageContaining("Add the dependency org.flinktriton:flink-triton-grpc");
    }

    @Test
    void schemesAreReadInLowerCase() {
        assertThat(TritonClientOptions.schemeOf("127.0.0.1:8000")).isEqualTo("http");
        assertThat(TritonClientOptions.schemeOf("GRPCS://h:1")).isEqualTo("grpcs");
        assertThat(TritonClientOptions.parseEndpoint("grpc://h:8001").port()).isEqualTo(8001);
    }

    @Test
    void keepaliveIsOffOrAtLeastFiveMinutes() {
        TritonClientOptions.Builder builder =
                TritonClientOptions.builder().endpoint("grpc://h:8001").model("m");
        assertThat(builder.keepAliveInterval(java.time.Duration.ofMinutes(5))).isSameAs(builder);
        assertThatThrownBy(() -> builder.keepAliveInterval(java.time.Duration.ofSeconds(30)))
                .hasMessageContaining("at least 5 minutes")
                .hasMessageContaining("GOAWAY");
    }
}
