package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.client.StreamTestTypes.BigToken;
import org.flinktriton.client.StreamTestTypes.Token;
import org.flinktriton.client.StreamTestTypes.TokenRequest;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TritonModelClient#inferStream} against decoupled models of the testkit server over gRPC's
 * {@code ModelStreamInfer} on loopback: responses in order, a stream reset mid-response, error
 * responses, per-record deadlines, back-pressure, and the calls that do not fit the model.
 */
@Timeout(120)
class StreamInferenceTest {
    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        TestModel tokens = StreamTestTypes.tokens("tokens");
        TestModel sleepy =
                StreamTestTypes.tokens("sleepy").toBuilder()
                        .decoupled(
                                (request, sink) -> {
                                    if (request.input("COUNT").toInt32s()[0] == 99) {
                                        Thread.sleep(10_000);
                                    }
                                    tokens.decoupledHandler().infer(request, sink);
                                })
                        .build();
        server =
                TritonTestServer.builder()
                        .grpc()
                        .model(tokens)
                        .model(sleepy)
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void clean() {
        server.faults().clear();
        server.stats().reset();
    }

    private static TritonModelClient client(String model, int inFlight) {
        return TritonModelClient.builder()
                .endpoint(server.grpcEndpoint())
                .model(model)
                .maxConcurrentRequests(inFlight)
                .requestTimeout(Duration.ofSeconds(30))
                .retry(
                        RetryPolicy.builder()
                                .initialBackoff(Duration.ofMillis(10))
                                .maxBackoff(Duration.ofMillis(50))
                                .build())
                .build();
    }

    /** Records with 0 to 50 responses each, seeded. */
    private static List<TokenRequest> records(int n, long seed) {
        Random random = new Random(seed);
        List<TokenRequest> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(new TokenRequest(i, random.nextInt(51)));
        }
        return records;
    }

    /** What a listener saw, checked for order and completeness. */
    private static final class Seen<O> implements ResponseListener<O> {
        final Map<Integer, List<O>> responses = new ConcurrentHashMap<>();
        final Map<Integer, List<Integer>> indexes = new ConcurrentHashMap<>();
        final Map<Integer, Integer> ends = new ConcurrentHashMap<>();
        final Map<Integer, TritonException> failures = new ConcurrentHashMap<>();
        final AtomicInteger endCalls = new AtomicInteger();
        final AtomicLong delivered = new AtomicLong();

        @Override
        public void onResponse(int record, int index, O response) {
            responses.computeIfAbsent(record, k -> new ArrayList<>()).add(response);
            indexes.computeIfAbsent(record, k -> new ArrayList<>()).add(index);
            delivered.incrementAndGet();
        }

        @Override
        public void onEnd(int record, int count) {
            endCalls.incrementAndGet();
            assertThat(ends.put(record, count)).as("second end of record %d", record).isNull();
            assertThat(failures).doesNotContainKey(record);
        }

        @Override
        public void onFailure(int record, TritonException error) {
            assertThat(failures.put(record, error)).as("second failure of %d", record).isNull();
            assertThat(ends).doesNotContainKey(record);
        }
    }

    private static void assertExactlyOnce(List<TokenRequest> records, Seen<Token> seen) {
        assertThat(seen.failures).isEmpty();
        assertThat(seen.ends).hasSize(records.size());
        for (int r = 0; r < records.size(); r++) {
            TokenRequest record = records.get(r);
            List<Token> got = seen.responses.getOrDefault(r, List.of());
            assertThat(seen.ends.get(r)).as("responses of record %d", r).isEqualTo(record.count);
            assertThat(got).as("record %d", r).hasSize(record.count);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo(new Token(record.id, i));
                assertThat(seen.indexes.get(r).get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void thousandRecordsWithZeroToFiftyResponsesEachArriveInOrder() {
        List<TokenRequest> records = records(1_000, 7);
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client = client("tokens", 16)) {
            client.inferStream(records, Token.class, seen).join();
            assertThat(client.streamsOpened()).isEqualTo(1);
        }
        assertExactlyOnce(records, seen);
        long total = records.stream().mapToLong(r -> r.count).sum();
        assertThat(server.stats().streamResponses()).isEqualTo(total);
        assertThat(records.stream().filter(r -> r.count == 0)).isNotEmpty();
    }

    @Test
    void aStreamResetMidResponseLosesAndDuplicatesNothingByDefault() {
        List<TokenRequest> records = records(200, 11);
        server.faults().resetStreamAfter(700);
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client = client("tokens", 16)) {
            client.inferStream(records, Token.class, seen).join();
            assertThat(client.streamsOpened()).isEqualTo(2);
            assertThat(client.retries()).isEqualTo(1);
        }
        assertThat(server.stats().streamResets()).isEqualTo(1);
        assertExactlyOnce(records, seen);
        long total = records.stream().mapToLong(r -> r.count).sum();
        // The records open at the reset were answered twice by the server, delivered once.
        assertThat(server.stats().streamResponses()).isGreaterThan(total);
    }

    @Test
    void immediateDeliveryRepeatsResponsesAfterAResetAndLosesNone() {
        List<TokenRequest> records = records(200, 11);
        server.faults().resetStreamAfter(700);
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client = client("tokens", 16)) {
            client.inferStream(records, Token.class, StreamDelivery.IMMEDIATE, seen).join();
        }
        assertThat(seen.failures).isEmpty();
        long total = records.stream().mapToLong(r -> r.count).sum();
        assertThat(seen.delivered.get()).isGreaterThan(total);
        for (int r = 0; r < records.size(); r++) {
            TokenRequest record = records.get(r);
            List<Token> got = seen.responses.getOrDefault(r, List.of());
            Set<Token> distinct = new HashSet<>(got);
            assertThat(distinct).as("record %d", r).hasSize(record.count);
            // Repeats are a prefix sent again: (record, index) tells them apart.
            List<Integer> indexes = seen.indexes.getOrDefault(r, List.of());
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).index()).isEqualTo(indexes.get(i));
            }
            assertThat(seen.ends.get(r)).isEqualTo(record.count);
        }
    }

    @Test
    void aStreamBrokenByOverloadHalvesTheConcurrencyLimitAndFinalResponsesGrowItBack() {
        List<TokenRequest> records = records(300, 13);
        server.faults().resetStreamAfter(500); // UNAVAILABLE: Triton's overload status
        Seen<Token> seen = new Seen<>();
        AtomicInteger lowest = new AtomicInteger(Integer.MAX_VALUE);
        try (TritonModelClient client = client("tokens", 16)) {
            assertThat(client.concurrencyLimit()).isEqualTo(16);
            ResponseListener<Token> watching =
                    new ResponseListener<>() {
                        @Override
                        public void onResponse(int record, int index, Token response) {
                            seen.onResponse(record, index, response);
                        }

                        @Override
                        public void onEnd(int record, int count) {
                            lowest.accumulateAndGet(client.concurrencyLimit(), Math::min);
                            seen.onEnd(record, count);
                        }

                        @Override
                        public void onFailure(int record, TritonException error) {
                            seen.onFailure(record, error);
                        }
                    };
            client.inferStream(records, Token.class, watching).join();
            assertThat(client.streamsOpened()).isEqualTo(2);
            // The records open at the break all report it; the limit halves once for them.
            assertThat(lowest.get()).isEqualTo(8);
            // 8 + 9 + ... + 15 records ending after the break raise it back to the maximum.
            assertThat(client.concurrencyLimit()).isEqualTo(16);
        }
        assertThat(server.stats().streamResets()).isEqualTo(1);
        assertExactlyOnce(records, seen);
    }

    @Test
    void aHalvedLimitBoundsTheRecordsOnTheStream() {
        List<TokenRequest> records = new ArrayList<>();
        for (int i = 0; i < 28; i++) {
            records.add(new TokenRequest(i, 3));
        }
        // Slow records: a reset after the first response breaks the stream with 16 open.
        server.faults().resetStreamAfter(1).streamResponseDelay(Duration.ofMillis(50));
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client = client("tokens", 16)) {
            client.inferStream(records.subList(0, 16), Token.class, seen).join();
            // Halved to 8, then one more after a window of 8 final responses.
            assertThat(client.concurrencyLimit()).isEqualTo(9);
            server.stats().reset();
            Seen<Token> later = new Seen<>();
            client.inferStream(records.subList(16, 28), Token.class, later).join();
            // Without the limit all 12 would be on the server at once (16 allowed); with it 9,
            // then 10 after 9 more final responses.
            assertThat(server.stats().peakInFlight()).isBetween(9, 10);
            assertThat(later.failures).isEmpty();
            assertThat(later.ends).hasSize(12);
        }
        assertThat(seen.failures).isEmpty();
        assertThat(seen.ends).hasSize(16);
    }

    @Test
    void anErrorResponseFailsThatRecordOnly() {
        List<TokenRequest> records = records(100, 3);
        records.set(10, new TokenRequest(10, -1)); // fails after two responses
        server.faults().poisonWhere("ID", id -> id == 20);
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client = client("tokens", 8)) {
            client.inferStream(records, Token.class, seen).join();
            assertThat(client.streamsOpened()).isEqualTo(1);
        }
        assertThat(seen.failures).containsOnlyKeys(10, 20);
        assertThat(seen.failures.get(10))
                .isInstanceOf(TritonServerException.class)
                .hasMessageContaining("record 10 went wrong")
                .hasMessageContaining("tokens");
        assertThat(seen.failures.get(20)).hasMessageContaining("poison");
        // By default the two responses before the error are never delivered.
        assertThat(seen.responses).doesNotContainKeys(10, 20);
        assertThat(seen.ends).hasSize(98);
        for (int r = 0; r < records.size(); r++) {
            if (r != 10 && r != 20) {
                assertThat(seen.ends.get(r)).isEqualTo(records.get(r).count);
            }
        }
    }

    @Test
    void aRecordWithoutItsFinalResponseWithinRequestTimeoutFailsAlone() {
        List<TokenRequest> records = List.of(new TokenRequest(1, 3), new TokenRequest(2, 99));
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(server.grpcEndpoint())
                        .model("sleepy")
                        .requestTimeout(Duration.ofMillis(500))
                        .build()) {
            client.inferStream(records, Token.class, seen).join();
            // A deadline passed is an overload, as for a unary request: the limit halves.
            assertThat(client.concurrencyLimit())
                    .isEqualTo(TritonClientOptions.DEFAULT_MAX_CONCURRENT_REQUESTS / 2);
        }
        assertThat(seen.ends).containsEntry(0, 3);
        assertThat(seen.failures.get(1))
                .isInstanceOf(TritonTimeoutException.class)
                .hasMessageContaining("requestTimeout");
    }

    @Test
    void aSlowListenerHoldsTheServerBackInsteadOfFillingTheClient() {
        int perRecord = 50;
        List<TokenRequest> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(new TokenRequest(i, perRecord));
        }
        AtomicLong aheadMost = new AtomicLong();
        AtomicLong taken = new AtomicLong();
        ResponseListener<BigToken> slow =
                new ResponseListener<>() {
                    @Override
                    public void onResponse(int record, int index, BigToken response) {
                        long ahead = server.stats().streamResponses() - taken.incrementAndGet();
                        aheadMost.accumulateAndGet(ahead, Math::max);
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void onEnd(int record, int responses) {}

                    @Override
                    public void onFailure(int record, TritonException error) {
                        throw new AssertionError(error);
                    }
                };
        try (TritonModelClient client = client("tokens", 4)) {
            client.inferStream(records, BigToken.class, StreamDelivery.IMMEDIATE, slow).join();
            assertThat(client.heldStreamResponses()[1]).isZero();
        }
        assertThat(taken.get()).isEqualTo(40L * perRecord);
        // 8 KiB responses: HTTP/2's window (1 MiB) and the server's send buffer hold a few
        // hundred; without flow control the server would run through all 2,000 at once.
        assertThat(aheadMost.get()).isLessThan(400);
    }

    @Test
    void heldResponsesStayWithinTheRecordsInFlight() {
        List<TokenRequest> records = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            records.add(new TokenRequest(i, 30));
        }
        Seen<Token> seen = new Seen<>();
        try (TritonModelClient client = client("tokens", 4)) {
            client.inferStream(records, Token.class, seen).join();
            assertThat(client.heldStreamResponses()[0]).isZero();
            assertThat(client.heldStreamResponses()[1]).isBetween(30, 4 * 30);
        }
        assertExactlyOnce(records, seen);
    }

    @Test
    void callsThatDoNotFitTheModelFailAtOnceSayingWhichToUse() {
        try (TritonModelClient tokens = client("tokens", 4);
                TritonModelClient addSub = client("add_sub", 4);
                TritonModelClient overHttp =
                        TritonModelClient.builder()
                                .endpoint(server.endpoint())
                                .model("tokens")
                                .build()) {
            Throwable unary =
                    catchThrowable(
                            () ->
                                    tokens.infer(List.of(new TokenRequest(1, 1)), Token.class)
                                            .join());
            assertThat(unary)
                    .hasRootCauseInstanceOf(TritonException.class)
                    .rootCause()
                    .hasMessageContaining("Model 'tokens'")
                    .hasMessageContaining("a decoupled model")
                    .hasMessageContaining("use inferStream");

            Throwable stream =
                    catchThrowable(
                            () ->
                                    addSub.inferStream(
                                                    List.of(AddSubRequest.of(1)),
                                                    AddSubResult.class,
                                                    new Seen<>())
                                            .join());
            assertThat(stream)
                    .rootCause()
                    .hasMessageContaining("Model 'add_sub'")
                    .hasMessageContaining("not decoupled")
                    .hasMessageContaining("use infer(");

            Throwable http =
                    catchThrowable(
                            () ->
                                    overHttp.inferStream(
                                                    List.of(new TokenRequest(1, 1)),
                                                    Token.class,
                                                    new Seen<>())
                                            .join());
            assertThat(http)
                    .rootCause()
                    .hasMessageContaining("ModelStreamInfer")
                    .hasMessageContaining("grpc://");
        }
        assertThat(server.stats().streamResponses()).isZero();
    }
}
