package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop with a savepoint while batches are buffered and in flight, then resume from it at another
 * parallelism. Records 0 to 3,999 carry their id as event time; a source of parallelism 1 assigns
 * monotonous watermarks every 50 ms (so no record is late where it enters), a throttle keeps the
 * first run going, and the records are dealt round-robin to the {@link TritonInference} subtasks.
 * Just before the stop every request starts taking 300 ms, so each subtask holds batches on the
 * server and an open one when the savepoint is taken; the job resumes at the new parallelism
 * without the throttle and runs to its end.
 *
 * <p>After both runs: every record's output is committed once by the {@link CommittingSink} (none
 * lost, none twice), the server saw more than 4,000 records (the batches in flight at the stop were
 * sent again: at-least-once towards Triton), and an operator behind the inference saw, in each
 * subtask, watermarks that never went backwards and no record whose timestamp was at or below the
 * watermark already passed, although each restored subtask merges the state of several old ones.
 * (With the records and watermarks of the old subtasks replayed in stored order, as before commit
 * 5e3f97f, the scale-in fails here with records behind a higher watermark and a watermark going
 * backwards.)
 *
 * <p>The dead-letter test stops a job whose inference sends rejected records to the dead-letter
 * output and resumes it with an operator added upstream of the inference. {@link
 * TritonInference.Builder#uid} gives the batch operator (not only the splitter {@code apply}
 * returns) its uid, so its buffered and in-flight records are restored into the changed graph: the
 * restore drops state that no operator claims, as a user adding an operator would have it do, and
 * every record still ends up committed once, as a result or, for the poison ones, a dead letter.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StopWithSavepointRescaleITCase {

    private static final int RECORDS = 4_000;
    private static final String MODEL = "add_sub";

    /** Records the server rejects, in the dead-letter test. */
    private static final Set<Long> POISON = Set.of(7L, 150L, 1_234L, 2_500L, 3_999L);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(
                                TestModels.withCost(
                                        TestModels.addSub(
                                                MODEL,
                                                TritonDataType.FP32,
                                                InferenceTypes.LENGTH,
                                                16),
                                        Duration.ofMillis(2),
                                        Duration.ZERO))
                        .workerThreads(16)
                        .start();
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
        WatermarkCheck.reset();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void scaleOutFrom2To3(@TempDir Path savepoints) throws Exception {
        stopRescaleAndResume(2, 3, savepoints);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void scaleInFrom4To2(@TempDir Path savepoints) throws Exception {
        stopRescaleAndResume(4, 2, savepoints);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deadLettersRestoreIntoAGraphWithAnOperatorAddedUpstream(@TempDir Path savepoints)
            throws Exception {
        poison();
        Stop stop = runUntilSavepoint(2, Graph.DEAD_LETTERS, savepoints);
        server.faults().clear();
        poison();
        Throttle.pauseNanos = 0;

        // As a user who adds an operator would, the restore drops state the new graph does not
        // claim: had the batch operator's uid changed, its buffered records would be lost here.
        job(2, stop.savepoint(), Graph.DEAD_LETTERS_AND_AN_OPERATOR_UPSTREAM)
                .executeAsync("TritonInference: dead letters, resumed with an operator upstream")
                .getJobExecutionResult()
                .get(40, TimeUnit.SECONDS);

        System.out.printf(
                "Savepoint with dead letters: stopped after %d ms with %d of %d outputs committed"
                        + " and %d records sent; %d records sent in all%n",
                stop.stoppedAfterMillis(),
                stop.committed(),
                RECORDS,
                stop.sent(),
                server.stats().records(MODEL));
        assertThat(stop.committed()).as("outputs committed at the stop").isLessThan(RECORDS);
        // Each record's result, or for a poison record its dead letter (deadLetterId), once.
        CommittingSink.assertEveryRecordCommittedOnce(RECORDS);
        assertThat(server.stats().poisonAnswers()).as("poison answers").isPositive();
        assertThat(WatermarkCheck.PROBLEMS).as("late records and backward watermarks").isEmpty();
    }

    /** What the first run left: its savepoint, and how far it had come. */
    private record Stop(
            String savepoint,
            long stoppedAfterMillis,
            long committed,
            long sent,
            long watermarks) {}

    /**
     * Runs the job until outputs are committed, then, with every subtask's batch held on the
     * server, stops it with a savepoint.
     */
    private static Stop runUntilSavepoint(int parallelism, Graph graph, Path savepoints)
            throws Exception {
        Throttle.pauseNanos = TimeUnit.MILLISECONDS.toNanos(1);
        long start = System.nanoTime();
        JobClient first =
                job(parallelism, null, graph)
                        .executeAsync("TritonInference: run until the savepoint");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (CommittingSink.committed() < RECORDS / 20) {
            assertThat(System.nanoTime()).as("outputs are committed in time").isLessThan(deadline);
            assertThat(first.getJobStatus().get().isGloballyTerminalState())
                    .as("the first run still runs")
                    .isFalse();
            Thread.sleep(10);
        }
        server.faults().latency(Duration.ofMillis(300));
        assertThat(server.stats().awaitInFlight(parallelism, Duration.ofSeconds(10)))
                .as("every subtask has a batch on the server")
                .isTrue();
        String savepoint =
                first.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(30, TimeUnit.SECONDS);
        first.getJobExecutionResult().get(30, TimeUnit.SECONDS);
        return new Stop(
                savepoint,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                CommittingSink.committed(),
                server.stats().records(MODEL),
                WatermarkCheck.WATERMARKS.get());
    }

    private static void stopRescaleAndResume(int before, int after, Path savepoints)
            throws Exception {
        Stop stop = runUntilSavepoint(before, Graph.PLAIN, savepoints);
        server.faults().clear();
        Throttle.pauseNanos = 0;

        long resumed = System.nanoTime();
        job(after, stop.savepoint(), Graph.PLAIN)
                .executeAsync("TritonInference: resumed at parallelism " + after)
                .getJobExecutionResult()
                .get(40, TimeUnit.SECONDS);
        long resumedFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);

        System.out.printf(
                "Savepoint %d -> %d: stopped after %d ms with %d of %d outputs committed and %d"
                        + " records sent; resumed run %d ms; %d records sent in all; %d watermarks"
                        + " checked%n",
                before,
                after,
                stop.stoppedAfterMillis(),
                stop.committed(),
                RECORDS,
                stop.sent(),
                resumedFor,
                server.stats().records(MODEL),
                WatermarkCheck.WATERMARKS.get());
        assertThat(stop.committed()).as("outputs committed at the stop").isLessThan(RECORDS);
        CommittingSink.assertEveryRecordCommittedOnce(RECORDS);
        assertThat(server.stats().records(MODEL))
                .as("records sent to the server: those in flight at the stop went again")
                .isGreaterThan(RECORDS);
        assertThat(WatermarkCheck.PROBLEMS).as("late records and backward watermarks").isEmpty();
        assertThat(stop.watermarks()).as("watermarks before the stop").isPositive();
        assertThat(WatermarkCheck.WATERMARKS.get())
                .as("watermarks after the restore")
                .isGreaterThan(stop.watermarks());
        assertThat(WatermarkCheck.RESTORED_SUBTASKS)
                .as("subtasks of the resumed run")
                .hasSize(after);
    }

    /** The shapes of the job: as it was, with dead letters, and with an operator added. */
    private enum Graph {
        PLAIN,
        DEAD_LETTERS,
        DEAD_LETTERS_AND_AN_OPERATOR_UPSTREAM
    }

    private static StreamExecutionEnvironment job(int parallelism, String savepoint, Graph graph) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.enableCheckpointing(200);
        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        configuration.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ofMillis(50));
        if (savepoint != null) {
            configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            configuration.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        env.configure(configuration);

        // One source subtask: its records and watermarks are in order, none is late at the start.
        WatermarkStrategy<Long> eventTimeIsTheId =
                WatermarkStrategy.<Long>forMonotonousTimestamps()
                        .withTimestampAssigner((id, previous) -> id);
        SingleOutputStreamOperator<AddSubRequest> requests =
                env.fromSource(
                                new NumberSequenceSource(0, RECORDS - 1),
                                eventTimeIsTheId,
                                "sequence")
                        .setParallelism(1)
                        .uid("sequence")
                        .map(new Throttle())
                        .setParallelism(1)
                        .uid("throttle");
        if (graph == Graph.DEAD_LETTERS_AND_AN_OPERATOR_UPSTREAM) {
            requests =
                    requests.filter(request -> request.id >= 0)
                            .setParallelism(1)
                            .name("added upstream")
                            .uid("added-upstream");
        }
        TritonInference.Builder<AddSubRequest, AddSubResult> builder =
                TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                        .endpoint(server.endpoint())
                        .model(MODEL)
                        .maxBatchSize(16)
                        .maxBatchDelay(Duration.ofMillis(20))
                        .capacity(2)
                        .uid("inference");
        TritonInference<AddSubRequest, AddSubResult> inference =
                (graph == Graph.PLAIN ? builder : builder.deadLetters()).build();
        SingleOutputStreamOperator<AddSubResult> results = inference.apply(requests.rebalance());
        results.transform(
                        "watermark check",
                        TypeInformation.of(AddSubResult.class),
                        new WatermarkCheck<AddSubResult>())
                .uid("watermark-check")
                .sinkTo(new CommittingSink<>(StopWithSavepointRescaleITCase::idOf))
                .uid("committing-sink");
        if (inference.deadLetters()) {
            results.getSideOutput(inference.deadLetterTag())
                    .sinkTo(new CommittingSink<>(StopWithSavepointRescaleITCase::deadLetterId))
                    .uid("dead-letter-sink");
        }
        return env;
    }

    /** The server answers 400 to a request that holds one of {@link #POISON}. */
    private static void poison() {
        server.faults().poison(record -> POISON.contains((long) record.doubleValue("INPUT0")));
    }

    /** The id of a poison record's dead letter; anything else is wrong. */
    private static long deadLetterId(FailedInference<AddSubRequest> dead) {
        long id = dead.input().id;
        if (!POISON.contains(id) || dead.statusCode() != 400) {
            throw new IllegalArgumentException(
                    "a dead letter for record " + id + ": " + dead.statusCode());
        }
        return id;
    }

    private static long idOf(AddSubResult result) {
        long id = (long) result.difference()[0];
        if (!InferenceTypes.isDifferenceOf(id, result.difference())
                || !InferenceTypes.isSumOf(id, result.sum())) {
            throw new IllegalArgumentException("wrong result for record " + id);
        }
        return id;
    }

    /** Makes a request of each id, pausing after each while the test asks it to. */
    private static final class Throttle implements MapFunction<Long, AddSubRequest> {
        private static final long serialVersionUID = 1L;

        static volatile long pauseNanos;

        @Override
        public AddSubRequest map(Long id) {
            long pause = pauseNanos;
            if (pause > 0) {
                LockSupport.parkNanos(pause);
            }
            return AddSubRequest.of(id);
        }
    }

    /**
     * Passes records and watermarks on, and notes, per subtask, every watermark lower than one it
     * already saw and every record whose timestamp is at or below the watermark already seen (a
     * record an event-time window would drop as late).
     */
    private static final class WatermarkCheck<T> extends AbstractStreamOperator<T>
            implements OneInputStreamOperator<T, T> {
        private static final long serialVersionUID = 1L;

        static final Queue<String> PROBLEMS = new ConcurrentLinkedQueue<>();
        static final AtomicLong WATERMARKS = new AtomicLong();
        static final Map<Integer, Boolean> RESTORED_SUBTASKS = new ConcurrentHashMap<>();

        private transient long watermark;
        private transient int subtask;

        static void reset() {
            PROBLEMS.clear();
            WATERMARKS.set(0);
            RESTORED_SUBTASKS.clear();
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            if (context.isRestored()) {
                RESTORED_SUBTASKS.put(
                        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), true);
            }
        }

        @Override
        public void open() throws Exception {
            super.open();
            watermark = Long.MIN_VALUE;
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public void processElement(StreamRecord<T> element) throws Exception {
            if (!element.hasTimestamp()) {
                note("subtask " + subtask + ": a record without a timestamp");
            } else if (element.getTimestamp() <= watermark) {
                note(
                        "subtask "
                                + subtask
                                + ": record at "
                                + element.getTimestamp()
                                + " after watermark "
                                + watermark);
            }
            output.collect(element);
        }

        @Override
        public void processWatermark(Watermark mark) throws Exception {
            WATERMARKS.incrementAndGet();
            if (mark.getTimestamp() < watermark) {
                note(
                        "subtask "
                                + subtask
                                + ": watermark "
                                + mark.getTimestamp()
                                + " after watermark "
                                + watermark);
            }
            watermark = Math.max(watermark, mark.getTimestamp());
            super.processWatermark(mark);
        }

        private static void note(String problem) {
            if (PROBLEMS.size() < 20) {
                PROBLEMS.add(problem);
            }
        }
    }
}
