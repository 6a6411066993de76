package org.flinktriton.samples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flinktriton.samples.cluster.StandaloneFlinkCluster.ClusterProcess;

/**
 * What the samples' cluster tests share: where Maven put the fat jar and Flink's class path, a
 * cluster set up to lose a task manager ({@link #cluster}), and the steps of a run that kills one:
 * submit with {@code flink run}, wait for a checkpoint with every task running, SIGKILL the task
 * manager that runs the most subtasks, wait for the restore, and check that the job's history shows
 * both.
 *
 * <pre>{@code
 * FailoverRun run = FailoverRun.submit(cluster, jar, mainClass, args);
 * run.awaitCheckpointWhileRunning();
 * String victim = run.killBusiestTaskManager();
 * run.awaitRestore();
 * ... wait for the client, check its output ...
 * run.assertRestoredAfterLosing(victim);
 * }</pre>
 */
final class FailoverRun {
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");

    private final StandaloneFlinkCluster cluster;
    private final ClusterProcess client;
    private final String job;
    private final List<ClusterProcess> alive;

    private FailoverRun(StandaloneFlinkCluster cluster, ClusterProcess client, String job) {
        this.cluster = cluster;
        this.client = client;
        this.job = job;
        this.alive = new ArrayList<>(cluster.taskManagers().values());
        alive.add(client);
    }

    /**
     * A system property that maven-failsafe-plugin sets (samples/pom.xml); fails when it is not.
     */
    static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value)
                .as("system property %s, set by maven-failsafe-plugin in samples/pom.xml", name)
                .isNotBlank();
        return value;
    }

    /** The samples' fat jar, which {@code package} builds before the integration tests. */
    static Path samplesJar() {
        Path jar = Path.of(property("flinktriton.samplesJar"));
        assertThat(jar).as("the samples' fat jar, built by `package`").exists();
        return jar;
    }

    /** The jars of a Flink distribution's {@code lib/}, as Maven resolved them. */
    static List<Path> flinkClassPath() throws IOException {
        return Arrays.stream(
                        Files.readString(Path.of(property("flinktriton.flinkClasspath")))
                                .trim()
                                .split(File.pathSeparator))
                .map(Path::of)
                .toList();
    }

    /** The directory of one test's cluster, {@code samples/target/<name>}. */
    static Path clusterDir(String name) {
        return Path.of(property("flinktriton.clusterDir")).toAbsolutePath().resolveSibling(name);
    }

    /**
     * Two task managers of two slots each, so that either can run a job of parallelism 2 alone,
     * both given subtasks ({@code taskmanager.load-balance.mode: SLOTS}); checkpoints to files
     * under {@code dir}; a fixed-delay restart strategy and a 20 s heartbeat timeout, so that a
     * lost task manager is noticed quickly.
     */
    static StandaloneFlinkCluster.Builder cluster(Path dir, List<Path> classPath) {
        return StandaloneFlinkCluster.builder(dir, classPath)
                .taskManagers(2)
                .slots(2)
                .config("taskmanager.load-balance.mode", "SLOTS")
                .config(
                        "execution.checkpointing.dir",
                        dir.resolve("checkpoints").toUri().toString())
                .config("restart-strategy.type", "fixed-delay")
                .config("restart-strategy.fixed-delay.attempts", "10")
                .config("restart-strategy.fixed-delay.delay", "1 s")
                .config("heartbeat.interval", "1 s")
                .config("heartbeat.timeout", "20 s");
    }

    /**
     * Starts {@code flink run [-c mainClass] jar args} and waits until the client has printed the
     * job's id.
     */
    static FailoverRun submit(
            StandaloneFlinkCluster cluster, Path jar, String mainClass, List<String> args) {
        ClusterProcess client = cluster.run(jar, mainClass, args);
        String id =
                StandaloneFlinkCluster.await(
                        "the client to submit the job",
                        Duration.ofMinutes(1),
                        () -> {
                            StandaloneFlinkCluster.requireAlive(List.of(client));
                            Matcher matcher = JOB_ID.matcher(client.output());
                            return matcher.find()
                                    ? Optional.of(matcher.group(1))
                                    : Optional.<String>empty();
                        });
        return new FailoverRun(cluster, client, "/jobs/" + id);
    }

    /** The {@code flink run} process. */
    ClusterProcess client() {
        return client;
    }

    /** The job's REST path, {@code /jobs/<id>}. */
    String job() {
        return job;
    }

    /** Waits until a checkpoint has completed and every task of the job runs. */
    void awaitCheckpointWhileRunning() {
        StandaloneFlinkCluster.await(
                "the job to run and complete a checkpoint",
                Duration.ofMinutes(1),
                () -> {
                    StandaloneFlinkCluster.requireAlive(alive);
                    return cluster.tryGet(job + "/checkpoints")
                            .filter(c -> c.path("counts").path("completed").asInt() >= 1)
                            .flatMap(c -> cluster.tryGet(job))
                            .filter(StandaloneFlinkCluster::allTasksRunning);
                });
    }

    /**
     * Kills the task manager that runs the most subtasks of the job with SIGKILL, after checking
     * that the job still runs; returns its resource id.
     */
    String killBusiestTaskManager() throws InterruptedException {
        String victim = cluster.busiestTaskManager(job);
        assertThat(cluster.get(job).path("state").asText())
                .as("the job must still run when the task manager is killed")
                .isEqualTo("RUNNING");
        ClusterProcess process = cluster.taskManagers().get(victim);
        process.kill();
        alive.remove(process);
        return victim;
    }

    /** Waits until the job has restored from a checkpoint; returns when it did (epoch millis). */
    long awaitRestore() {
        return StandaloneFlinkCluster.await(
                "the job to restore from a checkpoint",
                Duration.ofMinutes(1),
                () -> {
                    StandaloneFlinkCluster.requireAlive(alive);
                    return cluster.tryGet(job + "/checkpoints")
                            .map(c -> c.path("latest").path("restored"))
                            .filter(r -> r.has("restore_timestamp"))
                            .map(r -> r.path("restore_timestamp").asLong());
                });
    }

    /** Waits until every task of the restored job runs, or the job has finished; returns when. */
    long awaitRunningAgain() {
        return StandaloneFlinkCluster.await(
                "the restored job to run again (or finish)",
                Duration.ofMinutes(1),
                () ->
                        cluster.tryGet(job)
                                .filter(
                                        j ->
                                                StandaloneFlinkCluster.allTasksRunning(j)
                                                        || j.path("state")
                                                                .asText()
                                                                .equals("FINISHED"))
                                .map(j -> System.currentTimeMillis()));
    }

    /**
     * Checks that the job finished, restored from a checkpoint at least once, and names the lost
     * task manager in its failure history.
     */
    void assertRestoredAfterLosing(String victim) {
        assertThat(cluster.get(job).path("state").asText()).isEqualTo("FINISHED");
        assertThat(cluster.get(job + "/checkpoints").path("counts").path("restored").asInt())
                .as("restores from a checkpoint")
                .isGreaterThanOrEqualTo(1);
        assertThat(cluster.get(job + "/exceptions").path("exceptionHistory").toString())
                .as("the job's failure history names the lost task manager")
                .contains(victim);
    }

    /** Seconds since {@code nanos} ({@link System#nanoTime()}). */
    static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
