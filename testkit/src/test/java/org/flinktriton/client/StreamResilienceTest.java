package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.flinktriton.TritonException;
import org.flinktriton.client.StreamTestTypes.Token;
import org.flinktriton.client.StreamTestTypes.TokenRequest;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TritonModelClient#inferStream} against a server that is gone: streams that break without
 * answering are opened again up to the retry policy's attempts, then the records fail; the circuit
 * breaker hears of each break and, once open, fails the records of the next call fast.
 */
@Timeout(60)
class StreamResilienceTest {
    private TritonTestServer server;

    @BeforeEach
    void start() {
        server = TritonTestServer.builder().grpc().model(StreamTestTypes.tokens("tokens")).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Keeps every record's failure; fails on a response or an end. */
    private static final class Failures implements ResponseListener<Token> {
        final Map<Integer, TritonException> failures = new ConcurrentHashMap<>();

        @Override
        public void onResponse(int record, int index, Token response) {
            throw new AssertionError("no response expected, got " + response);
        }

        @Override
        public void onEnd(int record, int responses) {
            throw new AssertionError("no end expected for record " + record);
        }

        @Override
        public void onFailure(int record, TritonException error) {
            failures.put(record, error);
        }
    }

    @Test
    void streamsThatKeepBreakingFailTheRecordsAfterTheAttemptsThenTheBreakerFailsThemFast() {
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(server.grpcEndpoint())
                        .model("tokens")
                        .retry(
                                RetryPolicy.builder()
                                        .maxAttempts(3)
                                        .initialBackoff(Duration.ofMillis(10))
                                        .maxBackoff(Duration.ofMillis(20))
                                        .build())
                        .circuitBreaker(
                                CircuitBreakerPolicy.builder()
                                        .windowSize(3)
                                        .minimumCalls(3)
                                        .failureThreshold(0.5)
                                        .openDuration(Duration.ofSeconds(30))
                                        .build())
                        .build()) {
            client.modelInfo().join(); // the model's config, before the server goes away
            server.startOutage();
            List<TokenRequest> records = List.of(new TokenRequest(1, 3), new TokenRequest(2, 0));

            Failures first = new Failures();
            client.inferStream(records, Token.class, first).join();
            assertThat(first.failures).containsOnlyKeys(0, 1);
            assertThat(first.failures.get(0).retryable()).isTrue();
            assertThat(client.streamsOpened()).isEqualTo(3);
            assertThat(client.circuitState()).isEqualTo(CircuitState.OPEN);

            Failures second = new Failures();
            client.inferStream(records, Token.class, second).join();
            assertThat(second.failures).containsOnlyKeys(0, 1);
            assertThat(second.failures.get(0)).hasMessageContaining("circuit breaker open");
            assertThat(client.streamsOpened()).isEqualTo(3);
            assertThat(client.circuitBreakerRejections()).isEqualTo(1);
        }
        assertThat(server.stats().streamResponses()).isZero();
    }
}
