package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TritonModelClient} over {@code grpc://} against the testkit server's gRPC face on
 * loopback, for what only gRPC has. The checks both protocols share run over both in the client
 * suites ({@code TritonModelClientInferenceTest}, {@code …ErrorsTest}, {@code …RetryTest}, {@code
 * …TlsTest}, with {@link org.flinktriton.testkit.Transport}).
 */
@Timeout(120)
class GrpcClientTest {
    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .grpc()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(TestModels.everyDatatype("echo_all", 8, 4))
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.faults().clear();
        server.stats().reset();
    }

    private static TritonModelClient.Builder client(String model) {
        return TritonModelClient.builder().endpoint(server.grpcEndpoint()).model(model);
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    @Test
    void gzipBothWaysRoundTrips() {
        try (TritonModelClient client =
                client("add_sub").compressRequests(true).acceptCompressedResponses(true).build()) {
            assertThat(client.infer(records(3), AddSubResult.class).orTimeout(20, SECONDS).join())
                    .hasSize(3);
        }
        assertThat(server.stats().lastInferHeaders()).containsEntry("grpc-encoding", "gzip");
    }

    @Test
    void clientsOfOneServerShareOneChannel() {
        try (TritonModelClient a = client("add_sub").build();
                TritonModelClient b = client("echo_all").build()) {
            assertThat(a.transportUsers()).isEqualTo(2);
            assertThat(b.transportUsers()).isEqualTo(2);
        }
    }
}
