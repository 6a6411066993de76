package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.testkit.ModelHandler;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job of parallelism 8 in one TaskManager of 8 slots: its 8 inference subtasks each open a
 * client, and the 8 clients hold one connection pool, one deadline thread and one retry timer. The
 * model holds every request until the test has looked, so that all 8 are open and busy then.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedTransportITCase {
    private static final int PARALLELISM = 8;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    /** Opened by the test once it has counted; the model waits for it. */
    private static final CountDownLatch LOOKED = new CountDownLatch(1);

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        TestModel addSub = TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8);
        ModelHandler model = addSub.handler();
        ModelHandler held =
                request -> {
                    LOOKED.await(60, TimeUnit.SECONDS);
                    return model.infer(request);
                };
        server = TritonTestServer.start(addSub.toBuilder().handler(held).build());
    }

    @AfterAll
    static void stopServer() {
        LOOKED.countDown();
        server.close();
    }

    /**
     * Live threads of the clients' stacks: "flink-triton …", but not the JVM-wide housekeeping of
     * the connection pools ("flink-triton connection pools #n"), which no client owns.
     */
    private static List<String> clientThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (thread.isAlive()
                    && name.startsWith("flink-triton ")
                    && !name.startsWith(PoolHousekeeping.THREAD_NAME)) {
                names.add(name);
            }
        }
        return names;
    }

    @Test
    void eightSubtasksInOneTaskManagerShareOnePoolAndItsThreads() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(server.endpoint())
                .maxBatchSize(8)
                .maxBatchDelay(Duration.ofMillis(5))
                // One batch in flight per subtask: 8 held requests are 8 subtasks.
                .capacity(1)
                .build()
                .apply(
                        env.fromSequence(0, PARALLELISM * 64 - 1)
                                .map(AddSubRequest::of)
                                .returns(AddSubRequest.class))
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("TritonInference: 8 subtasks, one pool");
        try {
            // Every subtask has opened its client and sent a batch, which the model holds.
            assertThat(server.stats().awaitInFlight(PARALLELISM, Duration.ofSeconds(60))).isTrue();

            List<String> threads = clientThreads();
            String stack = "flink-triton 127.0.0.1:" + server.port();
            assertThat(threads)
                    .filteredOn(name -> name.endsWith(" deadlines"))
                    .containsExactly(stack + " deadlines");
            assertThat(threads).allMatch(name -> name.startsWith(stack + " "));
            assertThat(HttpStack.SHARED.size()).isEqualTo(1);
            assertThat(HttpStack.SHARED.users()).isEqualTo(PARALLELISM);
        } finally {
            LOOKED.countDown();
        }
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        assertThat(server.stats().records()).isEqualTo(PARALLELISM * 64);
        // The subtasks closed their clients; the last closed the pool.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (HttpStack.SHARED.size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(HttpStack.SHARED.size()).isZero();
    }
}
