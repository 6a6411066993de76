package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;
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
 * loopback: the same models, faults and counters as its HTTP face, so each check reads as its HTTP
 * twin does.
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

    private static TritonException failure(Runnable call) {
        Throwable thrown = catchThrowable(call::run);
        if (thrown instanceof CompletionException) {
            thrown = thrown.getCause();
        }
        assertThat(thrown).isInstanceOf(TritonException.class);
        return (TritonException) thrown;
    }

    @Test
    void unavailableIsRetriedLike503() {
        server.faults().failNext(2, 503, "model is reloading");
        RetryPolicy quick =
                RetryPolicy.builder()
                        .maxAttempts(4)
                        .initialBackoff(Duration.ofMillis(10))
                        .maxBackoff(Duration.ofMillis(20))
                        .build();
        try (TritonModelClient client = client("add_sub").retry(quick).build()) {
            assertThat(client.infer(records(2), AddSubResult.class).orTimeout(20, SECONDS).join())
                    .hasSize(2);
            assertThat(client.retries()).isEqualTo(2);
        }
        assertThat(server.stats().injectedFailures(503)).isEqualTo(2);
    }

    @Test
    void invalidArgumentIsA400RecordErrorThatBisectionIsolates() {
        try (TritonModelClient client =
                client("add_sub").retry(RetryPolicy.none()).maxBisectionRequests(8).build()) {
            server.faults().failNext(1, 400, "bad record");
            TritonException e = failure(() -> client.infer(records(4), AddSubResult.class).join());
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(400);
            assertThat(e.getMessage()).contains("gRPC INVALID_ARGUMENT").contains("bad record");

            server.faults().failNext(1, 400, "bad record");
            List<InferenceOutcome<AddSubResult>> outcomes =
                    client.inferEach(records(4), AddSubResult.class).orTimeout(20, SECONDS).join();
            // The rejected request is split; both halves pass once the fault is spent.
            assertThat(outcomes).allSatisfy(o -> assertThat(o.succeeded()).isTrue());
        }
    }

    @Test
    void theBreakerOpensOnFailures() {
        server.faults().failRate(1.0, 503, "overloaded"); // UNAVAILABLE: counted, as 503 is
        CircuitBreakerPolicy breaker =
                CircuitBreakerPolicy.builder()
                        .windowSize(4)
                        .minimumCalls(4)
                        .failureThreshold(0.5)
                        .openDuration(Duration.ofSeconds(30))
                        .build();
        try (TritonModelClient client =
                client("add_sub").retry(RetryPolicy.none()).circuitBreaker(breaker).build()) {
            for (int i = 0; i < 4; i++) {
                failure(() -> client.infer(records(1), AddSubResult.class).join());
            }
            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);
            long sent = server.stats().inferRequests("add_sub");
            TritonException e = failure(() -> client.infer(records(1), AddSubResult.class).join());
            assertThat(e.getMessage()).contains("circuit");
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(sent);
        }
    }

    @Test
    void gzipBothWaysRoundTrips() {
        try (TritonModelClient client =
                client("add_sub").compressRequests(true).acceptCompressedResponses(true).build()) {
            assertThat(client.infer(records(3), AddSubResult.class).orTimeout(20, SECONDS).join())
                    .hasSize(3);
        }
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
