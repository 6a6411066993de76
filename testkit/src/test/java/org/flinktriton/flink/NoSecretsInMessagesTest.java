package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.CircuitBreakerPolicy;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.flink.TritonInferenceFunctionTest.RecordingFuture;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An endpoint's query may carry a key ({@code ?api_key=…}), and headers carry tokens: no failure
 * message, on any path, and no {@code toString} shows them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoSecretsInMessagesTest {
    private static final String SECRET = "k3y-1n-th3-qu3ry";

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(
                                TestModels.addSub(
                                        "add_sub", TritonDataType.FP32, InferenceTypes.LENGTH, 8))
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void reset() throws InterruptedException {
        server.faults().clear();
        assertThat(server.stats().awaitIdle(Duration.ofSeconds(15))).isTrue();
        server.stats().reset();
    }

    private static String withSecret(String endpoint) {
        return endpoint + "/?api_key=" + SECRET;
    }

    private static TritonModelClient.Builder client(String endpoint) {
        return TritonModelClient.builder()
                .endpoint(withSecret(endpoint))
                .model("add_sub")
                .bearerToken(SECRET)
                .header("X-Api-Key", SECRET)
                .retry(RetryPolicy.none());
    }

    private static List<AddSubRequest> requests(int count) {
        List<AddSubRequest> requests = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            requests.add(AddSubRequest.of(id));
        }
        return requests;
    }

    /** Every message and {@code toString} in {@code thrown}'s chain, none with the secret. */
    private static void assertNoSecret(Throwable thrown) {
        assertThat(thrown).as("a failure").isNotNull();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(SECRET);
            assertThat(t.toString()).doesNotContain(SECRET);
            for (Throwable suppressed : t.getSuppressed()) {
                assertNoSecret(suppressed);
            }
        }
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        return catchThrowable(() -> future.get(30, TimeUnit.SECONDS));
    }

    @Test
    void everyClientFailureHidesTheQueryAndTheHeaders() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        try (TritonModelClient client = client(server.endpoint()).build()) {
            assertThat(client.infer(requests(2), AddSubResult.class).get(30, TimeUnit.SECONDS))
                    .hasSize(2);
            assertThat(client.toString()).doesNotContain(SECRET);
            assertThat(client.endpoint()).doesNotContain(SECRET);
            assertThat(client.options().toString()).doesNotContain(SECRET);

            server.faults().failNext(1, 500, "model failed");
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
            server.faults().failNext(1, 503, "busy");
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
            server.faults().malformNext(1);
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
            server.faults().truncateNext(1);
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
            server.faults().dropNext(2);
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
        }
        try (TritonModelClient client =
                client(server.endpoint()).requestTimeout(Duration.ofMillis(200)).build()) {
            client.modelInfo().get(30, TimeUnit.SECONDS);
            server.faults().latency(Duration.ofSeconds(2));
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
            server.faults().clear();
        }
        try (TritonModelClient client =
                client(server.endpoint())
                        .circuitBreaker(
                                CircuitBreakerPolicy.builder()
                                        .minimumCalls(1)
                                        .windowSize(1)
                                        .openDuration(Duration.ofSeconds(30))
                                        .build())
                        .build()) {
            client.modelInfo().get(30, TimeUnit.SECONDS);
            server.faults().failNext(1, 503, "busy");
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
            failures.add(failureOf(client.infer(requests(2), AddSubResult.class)));
        }
        TritonModelClient closing =
                client(server.endpoint()).closeTimeout(Duration.ofMillis(50)).build();
        closing.modelInfo().get(30, TimeUnit.SECONDS);
        server.faults().latency(Duration.ofSeconds(2));
        CompletableFuture<?> cut = closing.infer(requests(2), AddSubResult.class);
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();
        closing.close();
        failures.add(failureOf(cut));
        failures.add(failureOf(closing.infer(requests(2), AddSubResult.class)));
        server.faults().clear();

        try (TritonModelClient unknown =
                TritonModelClient.builder()
                        .endpoint(withSecret(server.endpoint()))
                        .model("no_such_model")
                        .retry(RetryPolicy.none())
                        .build()) {
            failures.add(failureOf(unknown.infer(requests(2), AddSubResult.class)));
        }
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (TritonModelClient refused = client("http://127.0.0.1:" + closedPort).build()) {
            failures.add(failureOf(refused.infer(requests(2), AddSubResult.class)));
            failures.add(failureOf(refused.modelInfo()));
        }

        assertThat(failures).hasSize(13);
        failures.forEach(NoSecretsInMessagesTest::assertNoSecret);
    }

    @Test
    void aBatchTimeoutOfTheFunctionHidesTheQuery() throws Exception {
        TritonInference<AddSubRequest, AddSubResult> inference =
                TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                        .endpoint(withSecret(server.endpoint()))
                        .bearerToken(SECRET)
                        .build();
        assertThat(inference.toString()).doesNotContain(SECRET);
        TritonInferenceFunction<AddSubRequest, AddSubResult> function = inference.function();
        assertThat(function.toString()).doesNotContain(SECRET);
        function.open((OpenContext) null);
        try {
            server.faults().latency(Duration.ofSeconds(2));
            RecordingFuture<AddSubResult> future = new RecordingFuture<>();
            List<AddSubRequest> batch = requests(2);
            function.asyncInvokeBatch(batch, future.resultFuture());
            assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();
            function.timeoutBatch(batch, future.resultFuture());

            Throwable timeout = catchThrowable(future::results);
            assertThat(timeout).hasMessageContaining("did not complete within");
            assertNoSecret(timeout);
        } finally {
            function.close();
        }
    }

    @Test
    void anEndpointThatIsRefusedIsNotEchoedWithItsQuery() {
        Throwable refused =
                catchThrowable(
                        () ->
                                TritonClientOptions.builder()
                                        .endpoint("ftp://triton:8000/?api_key=" + SECRET));

        assertThat(refused)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ftp://triton:8000/?...");
        assertNoSecret(refused);
    }
}
