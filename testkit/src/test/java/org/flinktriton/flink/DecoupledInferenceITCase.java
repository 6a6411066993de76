package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.StreamTestTypes;
import org.flinktriton.client.StreamTestTypes.Token;
import org.flinktriton.client.StreamTestTypes.TokenRequest;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TritonInference} over a decoupled model on {@code grpc://}: a MiniCluster of 2 task
 * managers with 2 slots each, a job of parallelism 4 with checkpoints, 1,000 inputs with 0 to 50
 * responses each. Outputs go to the two-phase-commit {@link CommittingSink}, so a restore that
 * emitted a response twice or lost one would show in what is committed. By default each response is
 * committed exactly once; with {@link TritonInference.Builder#emitResponsesAsTheyArrive()} at least
 * once, repeats with the index of the first.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DecoupledInferenceITCase {
    private static final int PARALLELISM = 4;
    private static final int INPUTS = 1_000;

    /**
     * The responses before each input's: response {@code i} of input {@code id} is number {@code
     * OFFSETS[id] + i} of all.
     */
    private static final long[] OFFSETS = new long[INPUTS + 1];

    static {
        for (int id = 0; id < INPUTS; id++) {
            OFFSETS[id + 1] = OFFSETS[id] + count(id);
        }
    }

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    /** Order violations seen by {@link OrderCheck}, in any attempt. */
    private static final Queue<String> DISORDER = new ConcurrentLinkedQueue<>();

    /** Inputs whose responses started over at index 0 within one attempt, seen by OrderCheck. */
    private static final AtomicLong RESTARTED = new AtomicLong();

    /** Responses whose index, as the combiner got it, was not the model's own. */
    private static final Queue<String> WRONG_INDEX = new ConcurrentLinkedQueue<>();

    /** Per input, when each of its responses reached the map after the operator, in order. */
    private static final Map<Long, List<Long>> ARRIVALS = new ConcurrentHashMap<>();

    private static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
    private static final AtomicBoolean FAILED = new AtomicBoolean();

    /** 0 to 50 responses, spread by a multiplicative hash of the id. */
    static int count(long id) {
        return (int) (((id * 2_654_435_761L) >>> 7) % 51);
    }

    @BeforeAll
    static void startServer() {
        server = TritonTestServer.builder().grpc().model(StreamTestTypes.tokens("tokens")).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.faults().clear();
        server.stats().reset();
        CommittingSink.reset();
        DISORDER.clear();
        WRONG_INDEX.clear();
        RESTARTED.set(0);
        ARRIVALS.clear();
        TOKENS.clear();
        DEAD.clear();
        CHECKPOINTED.set(false);
        FAILED.set(false);
    }

    /**
     * A stream reset mid-response and a task failure after the first checkpoint: every response of
     * every input is committed exactly once, each input's responses contiguous and in order.
     */
    @Test
    void everyResponseOnceInOrderThroughAStreamResetAndARestore() throws Exception {
        server.faults().resetStreamAfter(3_000);
        StreamExecutionEnvironment env = failingOverOnce();

        tokens().build()
                .apply(requests(env, INPUTS))
                .map(new OrderCheck(true, 500))
                .sinkTo(new CommittingSink<Token>(DecoupledInferenceITCase::responseNumber));
        env.execute("TritonInference: decoupled model");

        assertThat(server.stats().streamResets()).isEqualTo(1);
        assertThat(FAILED).as("the job failed over once").isTrue();
        assertThat(DISORDER).isEmpty();
        CommittingSink.assertEveryRecordCommittedOnce(OFFSETS[INPUTS]);
    }

    /**
     * Responses emitted as they arrive, through a stream reset mid-response and a task failure
     * after the first checkpoint: every response is committed at least once, and the inputs open at
     * the reset were sent again and their responses emitted again from index 0; every repeat has
     * the index of the first, so that dropping repeats by (input, index) leaves exactly the
     * expected responses; within an input, responses leave in order, starting over at 0 when it was
     * sent again; and the combiner gets the index the model gave each response.
     */
    @ParameterizedTest(name = "ordered={0}")
    @ValueSource(booleans = {true, false})
    void asTheyArriveEveryResponseAtLeastOnceThroughAStreamResetAndARestore(boolean ordered)
            throws Exception {
        // The reset comes well before the failure, so that its repeats are seen in the first
        // attempt.
        server.faults().resetStreamAfter(1_000);
        StreamExecutionEnvironment env = failingOverOnce();

        tokens().ordered(ordered)
                .emitResponsesAsTheyArrive()
                .build()
                .apply(requests(env, INPUTS), DecoupledInferenceITCase::indexed, Token.class)
                .map(new OrderCheck(false, 2_000))
                .sinkTo(new CommittingSink<Token>(DecoupledInferenceITCase::responseNumber));
        env.execute("TritonInference: decoupled model, responses as they arrive");

        assertThat(server.stats().streamResets()).isEqualTo(1);
        assertThat(FAILED).as("the job failed over once").isTrue();
        assertThat(DISORDER).isEmpty();
        assertThat(WRONG_INDEX).isEmpty();
        assertThat(RESTARTED.get())
                .as("inputs whose responses came again from index 0 after the stream reset")
                .isPositive();
        CommittingSink.assertEveryRecordCommittedAtLeastOnce(OFFSETS[INPUTS]);
    }

    /**
     * Responses emitted as they arrive leave the operator one by one, as the model sends them
     * (slowly here), not all together after the input's final response.
     */
    @Test
    void asTheyArriveAnInputsResponsesLeaveAsTheModelSendsThem() throws Exception {
        Duration delay = Duration.ofMillis(30);
        server.faults().streamResponseDelay(delay);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(100);

        tokens().ordered(false)
                .maxBatchSize(2)
                .emitResponsesAsTheyArrive()
                .build()
                .apply(
                        env.fromSequence(0, 3)
                                .map(id -> new TokenRequest(id, 20))
                                .returns(TokenRequest.class))
                .map(new ArrivalClock())
                .sinkTo(new TokenSink());
        env.execute("TritonInference: decoupled model, slow responses as they arrive");

        assertThat(TOKENS).hasSize(80);
        assertThat(ARRIVALS).hasSize(4);
        ARRIVALS.forEach(
                (id, arrivals) -> {
                    List<Long> gaps = new ArrayList<>();
                    for (int i = 1; i < arrivals.size(); i++) {
                        gaps.add(arrivals.get(i) - arrivals.get(i - 1));
                    }
                    Collections.sort(gaps);
                    assertThat(gaps.get(gaps.size() / 2))
                            .as("median gap between responses of input %d, ns: %s", id, gaps)
                            .isGreaterThanOrEqualTo(delay.toNanos() / 3);
                });
    }

    /**
     * Responses emitted as they arrive, and inputs that fail after two responses (the model throws
     * then): their two responses are emitted, then the failure policy's output for them, a dead
     * letter or a fallback output with the next index, 2.
     */
    @ParameterizedTest(name = "deadLetters={0}")
    @ValueSource(booleans = {true, false})
    void asTheyArriveAnInputThatFailsMidwayKeepsItsResponsesThenGoesByThePolicy(boolean deadLetters)
            throws Exception {
        int inputs = 100;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(100);
        TritonInference.Builder<TokenRequest, Token> builder = tokens().emitResponsesAsTheyArrive();
        if (deadLetters) {
            builder.deadLetters();
        } else {
            builder.fallback((request, failure) -> new Token(request.id, -1));
        }
        TritonInference<TokenRequest, Token> inference = builder.build();
        SingleOutputStreamOperator<Token> tokens =
                inference.apply(
                        env.fromSequence(0, inputs - 1)
                                .map(id -> new TokenRequest(id, id % 25 == 3 ? -1 : count(id)))
                                .returns(TokenRequest.class),
                        (request, token, index) -> new Token(request.id, index),
                        Token.class);
        tokens.sinkTo(new TokenSink());
        if (deadLetters) {
            tokens.getSideOutput(inference.deadLetterTag()).sinkTo(new DeadSink());
        }
        env.execute("TritonInference: decoupled model, failures midway, responses as they arrive");

        List<Token> expected = new ArrayList<>();
        for (long id = 0; id < inputs; id++) {
            int responses = id % 25 == 3 ? (deadLetters ? 2 : 3) : count(id);
            for (int i = 0; i < responses; i++) {
                expected.add(new Token(id, i));
            }
        }
        assertThat(TOKENS).containsExactlyInAnyOrderElementsOf(expected);
        if (deadLetters) {
            assertThat(DEAD)
                    .extracting(dead -> dead.input().id)
                    .containsExactlyInAnyOrder(3L, 28L, 53L, 78L);
            assertThat(DEAD).allSatisfy(dead -> assertThat(dead.message()).contains("went wrong"));
        }
    }

    /** Restarts up to 3 times; {@link OrderCheck} fails the job over once. */
    private static StreamExecutionEnvironment failingOverOnce() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(100);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);
        return env;
    }

    /** The inference on the token model, with quick stream retries. */
    private static TritonInference.Builder<TokenRequest, Token> tokens() {
        return TritonInference.builder(TokenRequest.class, Token.class)
                .endpoint(server.grpcEndpoint())
                .model("tokens")
                .maxBatchSize(8)
                .maxBatchDelay(Duration.ofMillis(5))
                .capacity(4)
                .retry(
                        RetryPolicy.builder()
                                .initialBackoff(Duration.ofMillis(10))
                                .maxBackoff(Duration.ofMillis(100))
                                .build());
    }

    /** Inputs {@code 0..inputs-1}, each asking for {@link #count} responses. */
    private static SingleOutputStreamOperator<TokenRequest> requests(
            StreamExecutionEnvironment env, int inputs) {
        return env.fromSequence(0, inputs - 1)
                .map(id -> new TokenRequest(id, count(id)))
                .returns(TokenRequest.class);
    }

    /**
     * The response as the combiner sees it: the input's id and the index it was given, which must
     * be the one the model put into the response.
     */
    private static Token indexed(TokenRequest request, Token response, int index) {
        if (response.id() != request.id || response.index() != index) {
            WRONG_INDEX.add("input " + request.id + " index " + index + ": " + response);
        }
        return new Token(request.id, index);
    }

    /**
     * A poison input is answered with an error response: it becomes one dead letter, and every
     * other input's responses are emitted, none from the poison ones.
     */
    @Test
    void anErrorResponseIsOneDeadLetterAndTheRestFlows() throws Exception {
        int inputs = 200;
        server.faults().poisonWhere("ID", id -> id % 50 == 7);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(100);
        TritonInference<TokenRequest, Token> inference =
                TritonInference.builder(TokenRequest.class, Token.class)
                        .endpoint(server.grpcEndpoint())
                        .model("tokens")
                        .maxBatchSize(8)
                        .maxBatchDelay(Duration.ofMillis(5))
                        .deadLetters()
                        .build();
        SingleOutputStreamOperator<Token> tokens = inference.apply(requests(env, inputs));
        tokens.sinkTo(new TokenSink());
        tokens.getSideOutput(inference.deadLetterTag()).sinkTo(new DeadSink());
        env.execute("TritonInference: decoupled model with dead letters");

        assertThat(DEAD)
                .extracting(dead -> dead.input().id)
                .containsExactlyInAnyOrder(7L, 57L, 107L, 157L);
        assertThat(DEAD).allSatisfy(dead -> assertThat(dead.message()).contains("poison"));
        long expected = 0;
        for (int id = 0; id < inputs; id++) {
            if (id % 50 != 7) {
                expected += count(id);
            }
        }
        assertThat(TOKENS).hasSize((int) expected);
        assertThat(TOKENS).noneMatch(token -> token.id() % 50 == 7);
        assertThat(new HashSet<>(TOKENS)).hasSize((int) expected);
    }

    private static final Queue<Token> TOKENS = new ConcurrentLinkedQueue<>();
    private static final Queue<FailedInference<TokenRequest>> DEAD = new ConcurrentLinkedQueue<>();

    /** Keeps every token. */
    static final class TokenSink extends WriterSink<Token> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Token> createWriter(WriterInitContext context) {
            return new ResilienceSinks.Writer<>() {
                @Override
                public void write(Token token, Context context) {
                    TOKENS.add(token);
                }
            };
        }
    }

    /** Keeps the dead letters. */
    static final class DeadSink extends WriterSink<FailedInference<TokenRequest>> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<FailedInference<TokenRequest>> createWriter(WriterInitContext context) {
            return new ResilienceSinks.Writer<>() {
                @Override
                public void write(FailedInference<TokenRequest> dead, Context context) {
                    DEAD.add(dead);
                }
            };
        }
    }

    private static long responseNumber(Token token) {
        int id = (int) token.id();
        if (id < 0 || id >= INPUTS || token.index() < 0 || token.index() >= count(id)) {
            throw new IllegalStateException("no such response: " + token);
        }
        return OFFSETS[id] + token.index();
    }

    /** Notes when each response arrives. */
    static final class ArrivalClock extends RichMapFunction<Token, Token> {
        private static final long serialVersionUID = 1L;

        @Override
        public Token map(Token token) {
            ARRIVALS.computeIfAbsent(token.id(), id -> new CopyOnWriteArrayList<>())
                    .add(System.nanoTime());
            return token;
        }
    }

    /**
     * Checks that each input's responses leave the operator in order: together, one input after the
     * other ({@code together}), or else interleaved with other inputs', each input's in order but
     * starting over at index 0 when it was sent again. Fails the task once, after the first
     * completed checkpoint, once it has seen {@code failAfter} responses.
     */
    static final class OrderCheck extends RichMapFunction<Token, Token>
            implements CheckpointListener {
        private static final long serialVersionUID = 1L;

        private final boolean together;
        private final int failAfter;
        private transient Token last;
        private transient Map<Long, Integer> lastIndex;
        private transient long seen;

        OrderCheck(boolean together, int failAfter) {
            this.together = together;
            this.failAfter = failAfter;
        }

        @Override
        public Token map(Token token) {
            boolean next;
            if (together) {
                next =
                        last != null && last.id() == token.id()
                                ? token.index() == last.index() + 1
                                : token.index() == 0
                                        && (last == null || last.index() == count(last.id()) - 1);
            } else {
                if (lastIndex == null) {
                    lastIndex = new HashMap<>();
                }
                Integer before = lastIndex.put(token.id(), token.index());
                next = token.index() == 0 || (before != null && token.index() == before + 1);
                if (token.index() == 0 && before != null) {
                    RESTARTED.incrementAndGet();
                }
            }
            if (!next && DISORDER.size() < 10) {
                DISORDER.add(last + " then " + token);
            }
            last = token;
            if (++seen > failAfter && CHECKPOINTED.get() && !FAILED.getAndSet(true)) {
                throw new IllegalStateException("injected: fail over once mid-job");
            }
            return token;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }
}
