package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.NumberSequenceIterator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the batch operator in real jobs: 2 task managers, parallelism 4, checkpoints every 50 ms,
 * 100,000 records through a plain Java async function that doubles each record on a thread pool.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AsyncBatchDataStreamITCase {

    private static final int RECORDS = 100_000;
    private static final int PARALLELISM = 4;
    private static final int LEGACY_RECORDS = 2_000;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(clusterConfiguration())
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    /** Shared with the sink and function instances, which the job runs from copies. */
    private static final Map<Long, AtomicInteger> OUTPUTS = new ConcurrentHashMap<>();

    private static final AtomicLong OUTPUT_COUNT = new AtomicLong();
    private static final AtomicBoolean CHECKPOINT_COMPLETED = new AtomicBoolean();
    private static final AtomicBoolean FAILURE_INJECTED = new AtomicBoolean();
    private static final AtomicLong OUTPUTS_BEFORE_FAILURE = new AtomicLong(-1);

    private static Configuration clusterConfiguration() {
        Configuration configuration = new Configuration();
        // Each subtask's source → batch operator → sink chain is its own failover region, so a
        // failure restarts only the chain that failed; the duplicate bound below relies on it.
        configuration.set(JobManagerOptions.EXECUTION_FAILOVER_STRATEGY, "region");
        return configuration;
    }

    @BeforeEach
    void reset() {
        OUTPUTS.clear();
        OUTPUT_COUNT.set(0);
        CHECKPOINT_COMPLETED.set(false);
        FAILURE_INJECTED.set(false);
        OUTPUTS_BEFORE_FAILURE.set(-1);
    }

    @Test
    void everyRecordHasExactlyOneOutput() throws Exception {
        StreamExecutionEnvironment env = environment();
        DataStream<Long> numbers = env.fromSequence(1, RECORDS);

        AsyncBatchDataStream.orderedWaitBatch(numbers, new Doubler(0), options())
                .sinkTo(new CountingSink());
        env.execute("async batch: exactly one output per record");

        assertThat(OUTPUT_COUNT.get()).isEqualTo(RECORDS);
        assertThat(OUTPUTS).hasSize(RECORDS);
        for (long i = 1; i <= RECORDS; i++) {
            AtomicInteger count = OUTPUTS.get(2 * i);
            assertThat(count).as("output of %d", i).isNotNull();
            assertThat(count.get()).as("outputs of %d", i).isEqualTo(1);
        }
    }

    /**
     * One batch throws after a checkpoint has completed; the failed chain restarts from that
     * checkpoint. The sink is not transactional, so outputs emitted between that checkpoint and the
     * failure are emitted again. Bound: every output appears once or twice, and no more outputs are
     * duplicated than had been emitted, in the whole job, when the failure happened.
     */
    @Test
    void afterAFailoverEveryRecordStillHasAnOutput() throws Exception {
        StreamExecutionEnvironment env = environment();
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);
        DataStream<Long> numbers = env.fromSequence(1, RECORDS);

        // A few milliseconds per batch keep the job running across several checkpoints.
        AsyncBatchDataStream.unorderedWaitBatch(numbers, new FailingOnceDoubler(3), options())
                .sinkTo(new CountingSink());
        env.execute("async batch: failover");

        assertThat(FAILURE_INJECTED).as("the failure was injected").isTrue();
        long duplicates = OUTPUT_COUNT.get() - RECORDS;
        System.out.printf(
                "failover: %d outputs, %d duplicates, %d outputs before the failure%n",
                OUTPUT_COUNT.get(), duplicates, OUTPUTS_BEFORE_FAILURE.get());

        assertThat(OUTPUTS).hasSize(RECORDS);
        for (long i = 1; i <= RECORDS; i++) {
            AtomicInteger count = OUTPUTS.get(2 * i);
            assertThat(count).as("output of %d", i).isNotNull();
            assertThat(count.get()).as("outputs of %d", i).isBetween(1, 2);
        }
        assertThat(duplicates).isBetween(0L, OUTPUTS_BEFORE_FAILURE.get());
    }

    /**
     * A legacy {@code SourceFunction} emits records from its own thread, not the task's mailbox
     * thread. A function slower than the source fills the capacity at once, so the operator must
     * wait for a batch to complete, which it can do only on the mailbox thread.
     */
    @Test
    @SuppressWarnings("deprecation") // fromCollection(Iterator) is the legacy source under test
    void aNonParallelLegacySourceGetsEveryOutputExactlyOnce() throws Exception {
        StreamExecutionEnvironment env = legacySourceEnvironment(1);
        DataStream<Long> numbers =
                env.fromCollection(new NumberSequenceIterator(1, LEGACY_RECORDS), Types.LONG);

        AsyncBatchDataStream.orderedWaitBatch(numbers, new Doubler(2), smallBatches())
                .sinkTo(new CountingSink());
        env.execute("async batch: behind a legacy source");

        assertExactlyOnce(LEGACY_RECORDS);
    }

    @Test
    void aParallelLegacySourceGetsEveryOutputExactlyOnce() throws Exception {
        StreamExecutionEnvironment env = legacySourceEnvironment(PARALLELISM);
        DataStream<Long> numbers =
                env.fromParallelCollection(
                        new NumberSequenceIterator(1, LEGACY_RECORDS), Types.LONG);

        AsyncBatchDataStream.unorderedWaitBatch(numbers, new Doubler(2), smallBatches())
                .sinkTo(new CountingSink());
        env.execute("async batch: behind a parallel legacy source");

        assertExactlyOnce(LEGACY_RECORDS);
    }

    /** Without restarts, so that a failing job fails the test instead of retrying until timeout. */
    private static StreamExecutionEnvironment legacySourceEnvironment(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(noRestarts);
        return env;
    }

    /** Two batches of ten in flight: a function that takes milliseconds fills them at once. */
    private static AsyncBatchOptions smallBatches() {
        return AsyncBatchOptions.builder()
                .maxBatchSize(10)
                .maxBatchDelay(Duration.ofMillis(5))
                .batchTimeout(Duration.ofSeconds(30))
                .capacity(2)
                .build();
    }

    private static void assertExactlyOnce(long records) {
        assertThat(OUTPUT_COUNT.get()).isEqualTo(records);
        assertThat(OUTPUTS).hasSize((int) records);
        for (long i = 1; i <= records; i++) {
            AtomicInteger count = OUTPUTS.get(2 * i);
            assertThat(count).as("output of %d", i).isNotNull();
            assertThat(count.get()).as("outputs of %d", i).isEqualTo(1);
        }
    }

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(50);
        return env;
    }

    private static AsyncBatchOptions options() {
        return AsyncBatchOptions.builder()
                .maxBatchSize(50)
                .maxBatchDelay(Duration.ofMillis(5))
                .batchTimeout(Duration.ofSeconds(30))
                .capacity(4)
                .build();
    }

    /** Doubles every record on its own thread pool, optionally after a delay per batch. */
    static class Doubler extends RichAsyncBatchFunction<Long, Long> {
        private static final long serialVersionUID = 1L;

        private final long delayMillis;
        private transient ExecutorService pool;

        Doubler(long delayMillis) {
            this.delayMillis = delayMillis;
        }

        /** How long the next batch takes. */
        long delayMillis() {
            return delayMillis;
        }

        @Override
        public void open(OpenContext openContext) {
            pool = Executors.newFixedThreadPool(2);
        }

        @Override
        public void asyncInvokeBatch(List<Long> inputs, ResultFuture<Long> resultFuture) {
            long delay = delayMillis();
            Executor executor =
                    delay > 0
                            ? CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, pool)
                            : pool;
            CompletableFuture.supplyAsync(
                            () -> inputs.stream().map(x -> x * 2).collect(Collectors.toList()),
                            executor)
                    .whenComplete(
                            (results, error) -> {
                                if (error != null) {
                                    resultFuture.completeExceptionally(error);
                                } else {
                                    resultFuture.complete(results);
                                }
                            });
        }

        @Override
        public void close() {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Throws from the first batch that starts after any checkpoint completed, once per test. Until
     * a checkpoint has completed, each batch takes {@link #BEFORE_A_CHECKPOINT_MILLIS}, so that the
     * job cannot reach its end before the first checkpoint however slowly checkpoints start.
     */
    static final class FailingOnceDoubler extends Doubler implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        private static final long BEFORE_A_CHECKPOINT_MILLIS = 25;

        FailingOnceDoubler(long delayMillis) {
            super(delayMillis);
        }

        @Override
        long delayMillis() {
            return CHECKPOINT_COMPLETED.get() ? super.delayMillis() : BEFORE_A_CHECKPOINT_MILLIS;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINT_COMPLETED.set(true);
        }

        @Override
        public void asyncInvokeBatch(List<Long> inputs, ResultFuture<Long> resultFuture) {
            if (CHECKPOINT_COMPLETED.get() && FAILURE_INJECTED.compareAndSet(false, true)) {
                OUTPUTS_BEFORE_FAILURE.set(OUTPUT_COUNT.get());
                throw new IllegalStateException("injected failure after a completed checkpoint");
            }
            super.asyncInvokeBatch(inputs, resultFuture);
        }
    }

    /** Counts every output it receives; not transactional, so a replay shows as duplicates. */
    static final class CountingSink extends WriterSink<Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Long> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Long value, Context context) {
                    OUTPUTS.computeIfAbsent(value, v -> new AtomicInteger()).incrementAndGet();
                    OUTPUT_COUNT.incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
