package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A TaskManager is lost while a {@link TritonInference} job runs: two TaskManagers of two slots
 * each run the job at parallelism 4, checkpointing every 200 ms; once checkpoints have completed
 * and part of the outputs are committed, TaskManager 0 is terminated (its two subtasks fail with
 * it) and a fresh one started, so that Flink can place the restarted subtasks again. The subtasks
 * restore the operator's buffered and in-flight batches from the last checkpoint; the committing
 * sink publishes each checkpoint's outputs only once it is complete.
 *
 * <p>Exactly once, end to end: every record's output is committed once, none is missing and none is
 * extra, although the server does see some records twice (at-least-once towards Triton). The test
 * prints how long the job took from the failure to the first output of a restarted subtask, and to
 * the first committed one.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LostTaskManagerITCase {

    private static final int PARALLELISM = 4;
    private static final int RECORDS = 30_000;
    private static final String MODEL = "add_sub_slow";

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(clusterConfiguration())
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    private static Configuration clusterConfiguration() {
        Configuration configuration = new Configuration();
        configuration.set(JobManagerOptions.EXECUTION_FAILOVER_STRATEGY, "region");
        return configuration;
    }

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        // 10 ms per request stretches the job over many checkpoints.
                        .model(
                                TestModels.withCost(
                                        TestModels.addSub(
                                                MODEL,
                                                TritonDataType.FP32,
                                                InferenceTypes.LENGTH,
                                                16),
                                        Duration.ofMillis(10),
                                        Duration.ZERO))
                        .workerThreads(16)
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void afterLosingATaskManagerEveryOutputIsCommittedExactlyOnce(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        CommittingSink.reset();
        server.stats().reset();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(200);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);

        TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(server.endpoint())
                .model(MODEL)
                .maxBatchSize(16)
                .maxBatchDelay(Duration.ofMillis(5))
                .capacity(2)
                .build()
                .apply(
                        env.fromSequence(0, RECORDS - 1)
                                .map(AddSubRequest::of)
                                .returns(AddSubRequest.class))
                .sinkTo(new CommittingSink<>(LostTaskManagerITCase::idOf));
        long start = System.nanoTime();
        JobClient job = env.executeAsync("TritonInference: a lost TaskManager");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (completedCheckpoints(cluster, job.getJobID()) < 2
                || CommittingSink.committed() < RECORDS / 10) {
            assertThat(System.nanoTime()).as("checkpoints complete in time").isLessThan(deadline);
            assertThat(job.getJobStatus().get().isGloballyTerminalState())
                    .as("the job still runs when the TaskManager is lost")
                    .isFalse();
            Thread.sleep(10);
        }
        long committedBefore = CommittingSink.committed();
        long failedAt = System.nanoTime();
        cluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
        cluster.startTaskManager();
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        long firstOutput = CommittingSink.firstRestartedWriteNanos();
        long firstCommit = CommittingSink.firstRestartedCommitNanos();
        System.out.printf(
                "Lost TaskManager: job %d ms; %d of %d outputs committed at the failure; failure"
                        + " to first output of a restarted subtask %d ms, to its first committed"
                        + " output %d ms; %d outputs written, %d records sent to the server%n",
                millis,
                committedBefore,
                RECORDS,
                TimeUnit.NANOSECONDS.toMillis(firstOutput - failedAt),
                TimeUnit.NANOSECONDS.toMillis(firstCommit - failedAt),
                CommittingSink.written(),
                server.stats().records(MODEL));
        assertThat(committedBefore).as("outputs committed at the failure").isLessThan(RECORDS);
        assertThat(firstOutput).as("a restarted subtask wrote outputs").isNotZero();
        assertThat(firstCommit).as("outputs of a restarted subtask were committed").isNotZero();
        CommittingSink.assertEveryRecordCommittedOnce(RECORDS);
        assertThat(server.stats().records(MODEL)).isGreaterThanOrEqualTo(RECORDS);
    }

    private static long completedCheckpoints(MiniCluster cluster, JobID job) throws Exception {
        CheckpointStatsSnapshot stats =
                cluster.getArchivedExecutionGraph(job)
                        .get(10, TimeUnit.SECONDS)
                        .getCheckpointStatsSnapshot();
        return stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
    }

    private static long idOf(AddSubResult result) {
        long id = (long) result.difference()[0];
        if (!InferenceTypes.isDifferenceOf(id, result.difference())
                || !InferenceTypes.isSumOf(id, result.sum())) {
            throw new IllegalArgumentException("wrong result for record " + id);
        }
        return id;
    }
}
