package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.flinktriton.TritonException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.codec.TensorReader;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;
import org.flinktriton.testkit.ModelHandler;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which thread runs a request: a client thread for {@code infer}, whose future's {@code join} only
 * waits; the calling thread for the first request of {@code inferBlocking}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TritonModelClientThreadsTest {
    /** A record whose {@code INPUT0[0]} is this makes the sleepy model take 3 s. */
    private static final float SLOW = -1f;

    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        TestModel addSub = TestModels.addSub("sleepy", TritonDataType.FP32, 16, 8);
        ModelHandler model = addSub.handler();
        ModelHandler sleepy =
                request -> {
                    float[] a = request.input("INPUT0").toFloats();
                    for (int row = 0; row < request.batchSize(); row++) {
                        if (a[row * 16] == SLOW) {
                            Thread.sleep(3_000);
                        }
                    }
                    return model.infer(request);
                };
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(addSub.toBuilder().handler(sleepy).build())
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() throws InterruptedException {
        server.faults().clear();
        assertThat(server.stats().awaitIdle(Duration.ofSeconds(15))).isTrue();
        server.stats().reset();
    }

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    private static final TritonInputCodec<AddSubRequest> INPUT =
            TritonCodecs.forInput(AddSubRequest.class);

    /** {@link AddSubResult}'s generated codec, noting the thread that decodes each output. */
    private static final class ThreadNoting implements TritonOutputCodec<AddSubResult> {
        private final TritonOutputCodec<AddSubResult> real =
                TritonCodecs.forOutput(AddSubResult.class);
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        @Override
        public Class<AddSubResult> type() {
            return real.type();
        }

        @Override
        public List<TensorSpec> outputs() {
            return real.outputs();
        }

        @Override
        public AddSubResult read(TensorReader in) {
            threads.add(Thread.currentThread());
            return real.read(in);
        }
    }

    private static TritonModelClient.Builder client(String model) {
        return TritonModelClient.builder().endpoint(server.endpoint()).model(model);
    }

    @Test
    void joinOnlyWaitsWhileAClientThreadRunsTheRequest() {
        try (TritonModelClient client = client("add_sub").build()) {
            client.modelInfo().join();
            ThreadNoting output = new ThreadNoting();

            for (int i = 0; i < 50; i++) {
                assertThat(client.infer(records(4), INPUT, output).join()).hasSize(4);
            }

            assertThat(output.threads)
                    .isNotEmpty()
                    .doesNotContain(Thread.currentThread())
                    .allMatch(thread -> thread.getName().startsWith("flink-triton "));
        }
    }

    @Test
    void inferBlockingRunsTheRequestOnTheCallingThread() {
        try (TritonModelClient client = client("add_sub").build()) {
            client.modelInfo().join();
            ThreadNoting output = new ThreadNoting();

            for (int i = 0; i < 50; i++) {
                List<AddSubResult> results = client.inferBlocking(records(4), INPUT, output);
                assertThat(results).extracting(r -> r.sum()[0]).containsExactly(1f, 2f, 3f, 4f);
            }

            assertThat(output.threads).containsExactly(Thread.currentThread());
            assertThat(client.inferBlocking(records(3), AddSubResult.class)).hasSize(3);
        }
    }

    @Test
    void inferBlockingSendsTheOtherRequestsOfASplitCallFromClientThreads() {
        try (TritonModelClient client = client("add_sub").build()) {
            client.modelInfo().join();
            ThreadNoting output = new ThreadNoting();

            // max_batch_size 8: three requests, the first (records 0-7) on this thread.
            List<AddSubResult> results = client.inferBlocking(records(20), INPUT, output);

            assertThat(results).hasSize(20);
            assertThat(results.get(19).sum()[0]).isEqualTo(20f);
            assertThat(output.threads).contains(Thread.currentThread()).hasSizeGreaterThan(1);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(3);
        }
    }

    @Test
    void theFirstInferBlockingOfAClientWaitsForTheMetadataThenSucceeds() {
        try (TritonModelClient client = client("add_sub").build()) {
            assertThat(client.inferBlocking(records(5), AddSubResult.class))
                    .extracting(r -> r.difference()[0])
                    .containsExactly(-1f, 0f, 1f, 2f, 3f);
        }
    }

    @Test
    void inferBlockingKeepsTheRequestTimeout() {
        server.faults().latency(Duration.ofSeconds(3));
        try (TritonModelClient client =
                client("add_sub")
                        .requestTimeout(Duration.ofMillis(300))
                        .retry(RetryPolicy.none())
                        .build()) {
            client.modelInfo().join();
            long start = System.nanoTime();

            Throwable thrown =
                    catchThrowable(
                            () -> client.inferBlocking(records(2), INPUT, new ThreadNoting()));

            assertThat(thrown)
                    .isExactlyInstanceOf(TritonTimeoutException.class)
                    .hasMessageStartingWith("Model 'add_sub': POST /v2/models/add_sub/infer")
                    .hasMessageContaining("did not complete within requestTimeout 300 ms");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(280L, 1_500L);
        }
    }

    @Test
    void anInterruptedThreadSendsNothing() {
        try (TritonModelClient client = client("add_sub").build()) {
            client.modelInfo().join();
            Thread.currentThread().interrupt();

            Throwable thrown =
                    catchThrowable(() -> client.inferBlocking(records(2), AddSubResult.class));

            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(thrown)
                    .isExactlyInstanceOf(TritonException.class)
                    .hasMessage(
                            "Model 'add_sub': the calling thread is interrupted; nothing was sent,"
                                    + " and the thread stays interrupted");
            assertThat(server.stats().inferRequests()).isZero();
        }
    }

    @Test
    void anInterruptWhileWaitingForTheOtherRequestsCancelsTheCall() throws Exception {
        try (TritonModelClient client = client("sleepy").build()) {
            client.modelInfo().join();
            // Two requests: records 0-7, quick, on this thread; record 8, slow, on a client thread.
            List<AddSubRequest> records = records(9);
            records.get(8).a[0] = SLOW;
            Thread caller = Thread.currentThread();
            Thread interrupter =
                    new Thread(
                            () -> {
                                try {
                                    server.stats().awaitInferRequests(2, Duration.ofSeconds(5));
                                    Thread.sleep(200);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                caller.interrupt();
                            });
            interrupter.start();
            long start = System.nanoTime();

            Throwable thrown =
                    catchThrowable(() -> client.inferBlocking(records, AddSubResult.class));

            assertThat(Thread.interrupted()).isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_500L);
            assertThat(thrown)
                    .isExactlyInstanceOf(TritonException.class)
                    .hasMessage(
                            "Model 'sleepy': the calling thread was interrupted while waiting;"
                                    + " the call was cancelled");
            interrupter.join();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (client.activeCalls() > 0 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(client.activeCalls()).isZero();
        }
    }
}
