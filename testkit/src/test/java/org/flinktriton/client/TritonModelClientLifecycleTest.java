package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Concurrency, cancellation, close, and what is left of a client after close. */
class TritonModelClientLifecycleTest {
    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(slow())
                        .start();
    }

    /** Requests running in the model right now, and the most seen at once. */
    private static final AtomicInteger RUNNING = new AtomicInteger();

    private static final AtomicInteger PEAK = new AtomicInteger();

    /**
     * One record per request, 50 ms each, counted inside the model: the count drops before the
     * answer is written, so it never overlaps the next request the client sends.
     */
    private static TestModel slow() {
        TestModel addSub = TestModels.addSub("slow", TritonDataType.FP32, 16, 1);
        return addSub.toBuilder()
                .handler(
                        request -> {
                            PEAK.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
                            try {
                                Thread.sleep(50);
                                return addSub.handler().infer(request);
                            } finally {
                                RUNNING.decrementAndGet();
                            }
                        })
                .build();
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

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not within " + timeout + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    // ---- concurrency -------------------------------------------------------------------------

    @Test
    void callsBeyondMaxConcurrentRequestsQueueAndAllSucceed() {
        PEAK.set(0);
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(server.endpoint())
                        .model("slow")
                        .maxConcurrentRequests(3)
                        // Each call takes ~50 ms, all 32 together over 500 ms: time spent waiting
                        // in the queue must not count against a call's timeout.
                        .requestTimeout(Duration.ofMillis(400))
                        .build()) {
            // 24 requests from one call plus 2 × 4 from two more, all at once.
            CompletableFuture<List<AddSubResult>> big =
                    client.infer(records(24), AddSubResult.class);
            CompletableFuture<List<AddSubResult>> small1 =
                    client.infer(records(4), AddSubResult.class);
            CompletableFuture<List<AddSubResult>> small2 =
                    client.infer(records(4), AddSubResult.class);

            long start = System.nanoTime();
            assertThat(big.orTimeout(20, SECONDS).join()).hasSize(24);
            assertThat(small1.join()).hasSize(4);
            assertThat(small2.join()).hasSize(4);
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThan(400);
        }
        assertThat(server.stats().inferRequests("slow")).isEqualTo(32);
        assertThat(PEAK.get()).isEqualTo(3);
        assertThat(server.stats().errorResponses()).isZero();
    }

    // ---- cancellation ------------------------------------------------------------------------

    @Test
    void cancellingTheFutureCancelsTheHttpCall() throws Exception {
        server.faults().latency(Duration.ofSeconds(3));
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("add_sub")
                                .build()) {
            client.modelInfo().join(); // its pooled connection carries the infer call below
            CompletableFuture<List<AddSubResult>> future =
                    client.infer(records(2), AddSubResult.class);
            assertThat(server.stats().awaitInferRequests(1, Duration.ofSeconds(5))).isTrue();
            assertThat(tap.openConnections()).isEqualTo(1);

            long start = System.nanoTime();
            assertThat(future.cancel(true)).isTrue();

            assertThat(future).isCancelled();
            // The socket closes at once (a call that finished would leave it in the pool).
            await(() -> tap.openConnections() == 0, Duration.ofSeconds(1), "the socket closes");
            await(() -> client.activeCalls() == 0, Duration.ofSeconds(1), "the call ends");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_000);
        }
    }

    @Test
    void aCallerBlockedInJoinIsReleasedByACancelFromAnotherThread() throws Exception {
        // A cancel from another thread reaches the socket and releases the caller in join().
        server.faults().latency(Duration.ofSeconds(3));
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("add_sub")
                                .build()) {
            client.modelInfo().join();
            CompletableFuture<List<AddSubResult>> future =
                    client.infer(records(2), AddSubResult.class);
            Thread canceller =
                    new Thread(
                            () -> {
                                try {
                                    server.stats().awaitInferRequests(1, Duration.ofSeconds(5));
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                future.cancel(true);
                            });
            canceller.start();

            long start = System.nanoTime();
            Throwable thrown = catchThrowable(future::join);

            assertThat(thrown).isInstanceOf(CancellationException.class);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
            await(() -> tap.openConnections() == 0, Duration.ofSeconds(1), "the socket closes");
            await(() -> client.activeCalls() == 0, Duration.ofSeconds(1), "the call ends");
            canceller.join();
        }
    }

    // ---- close -------------------------------------------------------------------------------

    @Test
    void closeWaitsForCallsInFlightAndRefusesNewOnes() throws Exception {
        server.faults().latency(Duration.ofMillis(400));
        TritonModelClient client =
                TritonModelClient.builder().endpoint(server.endpoint()).model("add_sub").build();
        client.modelInfo().join();
        CompletableFuture<List<AddSubResult>> inFlight =
                client.infer(records(10), AddSubResult.class);
        assertThat(server.stats().awaitInFlight(2, Duration.ofSeconds(5))).isTrue();

        long start = System.nanoTime();
        client.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(inFlight).isCompleted();
        assertThat(inFlight.join()).hasSize(10);
        assertThat(closeMillis).isBetween(200L, 3_000L);
        assertClosed(client.infer(records(1), AddSubResult.class));
        assertClosed(client.modelInfo());
        assertClosed(client.serverLive());
        assertThat(catchThrowable(() -> client.validate(AddSubRequest.class, AddSubResult.class)))
                .isInstanceOf(TritonException.class)
                .hasMessage("Model 'add_sub': client closed; no new calls are accepted");
        client.close(); // idempotent
    }

    @Test
    void closeCancelsWhatOutlastsItsDeadline() throws Exception {
        server.faults().latency(Duration.ofSeconds(5));
        TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(server.endpoint())
                        .model("add_sub")
                        .closeTimeout(Duration.ofMillis(200))
                        .build();
        client.modelInfo().join();
        CompletableFuture<List<AddSubResult>> inFlight =
                client.infer(records(3), AddSubResult.class);
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();

        long start = System.nanoTime();
        client.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(closeMillis).isBetween(150L, 2_000L);
        Throwable thrown = catchThrowable(inFlight::join);
        assertThat(thrown).isInstanceOf(CompletionException.class);
        assertThat(thrown.getCause())
                .isInstanceOf(TritonException.class)
                .hasMessage(
                        "Model 'add_sub': client closed; the call was cancelled after closeTimeout"
                                + " 200 ms")
                .satisfies(e -> assertThat(((TritonException) e).retryable()).isFalse());
        assertThat(client.activeCalls()).isZero();
        assertThat(client.connectionCount()).isZero();
    }

    private static void assertClosed(CompletableFuture<?> future) {
        Throwable thrown = catchThrowable(() -> future.orTimeout(5, SECONDS).join());
        assertThat(thrown).isInstanceOf(CompletionException.class);
        assertThat(thrown.getCause())
                .isInstanceOf(TritonException.class)
                .hasMessage("Model 'add_sub': client closed; no new calls are accepted")
                .satisfies(e -> assertThat(((TritonException) e).retryable()).isFalse());
    }

    // ---- cleanup -----------------------------------------------------------------------------

    /**
     * After close no thread of this client and no connection of it remain. Three JVM-wide daemon
     * pools belong to no client and none can stop them: "OkHttp TaskRunner" (OkHttp's shared
     * TaskRunner, whose threads idle out after 60 s), "Okio Watchdog" (Okio's timeout thread,
     * likewise) and "flink-triton connection pools" (the pools' housekeeping, PoolHousekeeping,
     * likewise). The test allows those, requires them to be daemons, and requires every TaskRunner
     * and housekeeping thread to be idle (parked in its pool, running no task of this client's
     * connection pool).
     */
    @Test
    void closeLeavesNoThreadAndNoConnectionOfTheClient() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        TritonModelClient client;
        try (WireTap tap = new WireTap(server.port())) {
            client =
                    TritonModelClient.builder()
                            .endpoint(tap.endpoint())
                            .model("slow")
                            .maxConcurrentRequests(4)
                            .requestTimeout(Duration.ofSeconds(5))
                            .build();
            List<CompletableFuture<List<AddSubResult>>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(client.infer(records(4), AddSubResult.class));
            }
            calls.forEach(call -> assertThat(call.join()).hasSize(4));
            assertThat(tap.openConnections()).isBetween(1, 4); // kept alive in the pool
            assertThat(client.connectionCount()).isBetween(1, 4);
            assertThat(newThreads(before))
                    .anyMatch(
                            thread ->
                                    thread.getName()
                                            .startsWith(
                                                    "flink-triton "
                                                            + tap.endpoint().substring(7)
                                                            + " #"));

            client.close();

            assertThat(client.connectionCount()).isZero();
            await(() -> tap.openConnections() == 0, Duration.ofSeconds(2), "sockets closed");
            assertThat(tap.acceptedConnections()).isBetween(1, 5);
        }
        await(
                () -> leftovers(before).isEmpty(),
                Duration.ofSeconds(3),
                "threads end; still running: " + describe(leftovers(before)));
        for (Thread thread : newThreads(before)) {
            String name = thread.getName();
            if (name.startsWith("OkHttp")
                    || name.startsWith("Okio")
                    || name.startsWith(PoolHousekeeping.THREAD_NAME)) {
                assertThat(thread.isDaemon()).as(name + " is a daemon").isTrue();
            }
        }
    }

    private static Set<Thread> newThreads(Set<Thread> before) {
        Set<Thread> now = new HashSet<>(Thread.getAllStackTraces().keySet());
        now.removeAll(before);
        now.removeIf(thread -> !thread.isAlive());
        return now;
    }

    /**
     * Threads of the client, or of OkHttp and Okio, that may not be there after close: any
     * "flink-triton" thread but the pools' housekeeping, any "OkHttp …" thread other than the
     * shared TaskRunner, and a TaskRunner or housekeeping thread that is not idle.
     */
    private static Set<Thread> leftovers(Set<Thread> before) {
        Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
        return stacks.keySet().stream()
                .filter(Thread::isAlive)
                .filter(
                        thread -> {
                            String name = thread.getName();
                            if (name.equals("OkHttp TaskRunner")
                                    || name.startsWith(PoolHousekeeping.THREAD_NAME)) {
                                return !idleInPool(stacks.get(thread));
                            }
                            if (name.startsWith("flink-triton ")) {
                                return true;
                            }
                            return name.startsWith("OkHttp") && !before.contains(thread);
                        })
                .collect(Collectors.toSet());
    }

    /** Whether a pool thread is waiting for work rather than running a task. */
    private static boolean idleInPool(StackTraceElement[] stack) {
        return Arrays.stream(stack)
                        .anyMatch(
                                frame ->
                                        frame.getClassName()
                                                        .equals(
                                                                "java.util.concurrent.ThreadPoolExecutor")
                                                && frame.getMethodName().equals("getTask"))
                && Arrays.stream(stack)
                        .noneMatch(frame -> frame.getClassName().startsWith("okhttp3."));
    }

    private static String describe(Set<Thread> threads) {
        Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
        return threads.stream()
                .map(
                        thread ->
                                thread.getName()
                                        + " "
                                        + Arrays.stream(
                                                        stacks.getOrDefault(
                                                                thread, new StackTraceElement[0]))
                                                .limit(6)
                                                .map(String::valueOf)
                                                .collect(Collectors.joining(" <- ")))
                .collect(Collectors.joining("; "));
    }
}
