package org.flinktriton.samples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.flinktriton.samples.cluster.StandaloneFlinkCluster.ClusterProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the text-classification sample's fat jar with {@code flink run} on a real standalone Flink
 * 2.3 session cluster — a JobManager and two task managers, each a JVM of its own — kills the task
 * manager that runs most of the job's subtasks with SIGKILL in the middle of the job (after a
 * checkpoint has completed), and checks that Flink restores the job from its last checkpoint on the
 * other task manager and that the job finishes with every result exactly once.
 *
 * <p>What it starts ({@link StandaloneFlinkCluster}, everything on {@code 127.0.0.1}): the
 * JobManager ({@code StandaloneSessionClusterEntrypoint}), task managers {@code tm-1} and {@code
 * tm-2} ({@code TaskManagerRunner}, 2 slots each, so either one can run the whole job: parallelism
 * 2 fits in 2 slots through slot sharing), and the client ({@code CliFrontend run
 * flink-triton-samples-<version>.jar}) on the class path Maven resolved for Flink ({@code
 * target/flink-classpath.txt}), with a generated {@code config.yaml}: checkpoints every second to
 * files under the cluster's directory, a fixed-delay restart strategy. The client runs the job's
 * {@code main}, which starts the embedded Triton-compatible server in the client's JVM; the task
 * managers call it over loopback. Logs: {@code samples/target/flink-cluster/log/}; the test prints
 * their tails when it fails.
 *
 * <p>The job scores {@value #RECORDS} reviews one per request ({@code --max-batch-size 1 --capacity
 * 1}), which keeps it running for a while, and prints every result ({@code --show}).
 *
 * <p><b>Delivery guarantee.</b> The sample collects its results into the client with {@code
 * DataStream#executeAndCollect}, whose sink is exactly-once when checkpointing is on: the client
 * sees results only once a checkpoint covering them has completed, and after a restore the sink
 * resends from that checkpoint. The source ({@code fromSequence}) and flink-triton's batch operator
 * restore from the same checkpoint, so records in flight at the kill are sent to the server again
 * (the server sees more requests than records) but the client gets each result once. The test
 * therefore asserts exactly {@value #RECORDS} results, ids 0 to {@value #RECORDS} − 1, no
 * duplicates.
 *
 * <p>Run it without the other tests: {@code mvn -B -pl samples -am verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class TextClassificationJobClusterIT {
    private static final int RECORDS = 40_000;
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern RESULT = Pattern.compile("^  #(\\d+) ", Pattern.MULTILINE);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void jobFinishesWithEveryResultAfterATaskManagerIsKilled() throws Exception {
        Path jar = Path.of(property("flinktriton.samplesJar"));
        assertThat(jar)
                .as("the samples' fat jar, built by `package` before this integration test")
                .exists();
        List<Path> classPath =
                Arrays.stream(
                                Files.readString(Path.of(property("flinktriton.flinkClasspath")))
                                        .trim()
                                        .split(File.pathSeparator))
                        .map(Path::of)
                        .toList();

        Path dir = Path.of(property("flinktriton.clusterDir")).toAbsolutePath();
        long started = System.nanoTime();
        StandaloneFlinkCluster cluster =
                StandaloneFlinkCluster.builder(dir, classPath)
                        .taskManagers(2)
                        .slots(2)
                        // Both task managers get subtasks: the survivor sees its peer vanish.
                        .config("taskmanager.load-balance.mode", "SLOTS")
                        .config("execution.checkpointing.interval", "1 s")
                        .config(
                                "execution.checkpointing.dir",
                                dir.resolve("checkpoints").toUri().toString())
                        .config("restart-strategy.type", "fixed-delay")
                        .config("restart-strategy.fixed-delay.attempts", "10")
                        .config("restart-strategy.fixed-delay.delay", "1 s")
                        .config("heartbeat.interval", "1 s")
                        .config("heartbeat.timeout", "20 s")
                        .start();
        try {
            cluster.awaitTaskManagers(Duration.ofMinutes(2));
            double clusterSeconds = secondsSince(started);

            ClusterProcess client =
                    cluster.run(
                            jar,
                            List.of(
                                    "--records", String.valueOf(RECORDS),
                                    "--parallelism", "2",
                                    "--max-batch-size", "1",
                                    "--capacity", "1",
                                    "--show", String.valueOf(RECORDS)));
            List<ClusterProcess> all = new ArrayList<>(cluster.taskManagers().values());
            all.add(client);

            String jobId =
                    StandaloneFlinkCluster.await(
                            "the client to submit the job",
                            Duration.ofMinutes(1),
                            () -> {
                                StandaloneFlinkCluster.requireAlive(List.of(client));
                                Matcher matcher = JOB_ID.matcher(client.output());
                                return matcher.find()
                                        ? Optional.of(matcher.group(1))
                                        : Optional.empty();
                            });
            String job = "/jobs/" + jobId;

            // Mid-job: every task running and at least one checkpoint to come back to.
            StandaloneFlinkCluster.await(
                    "the job to run and complete a checkpoint",
                    Duration.ofMinutes(1),
                    () -> {
                        StandaloneFlinkCluster.requireAlive(all);
                        return cluster.tryGet(job + "/checkpoints")
                                .filter(c -> c.path("counts").path("completed").asInt() >= 1)
                                .flatMap(c -> cluster.tryGet(job))
                                .filter(StandaloneFlinkCluster::allTasksRunning);
                    });
            String victim = cluster.busiestTaskManager(job);
            assertThat(cluster.get(job).path("state").asText())
                    .as("the job must still run when the task manager is killed")
                    .isEqualTo("RUNNING");

            long killedAtMillis = System.currentTimeMillis();
            cluster.taskManagers().get(victim).kill();
            List<ClusterProcess> survivors = new ArrayList<>(all);
            survivors.remove(cluster.taskManagers().get(victim));

            long restoredAtMillis =
                    StandaloneFlinkCluster.await(
                            "the job to restore from a checkpoint",
                            Duration.ofMinutes(1),
                            () -> {
                                StandaloneFlinkCluster.requireAlive(survivors);
                                return cluster.tryGet(job + "/checkpoints")
                                        .map(c -> c.path("latest").path("restored"))
                                        .filter(r -> r.has("restore_timestamp"))
                                        .map(r -> r.path("restore_timestamp").asLong());
                            });
            long runningAgainAtMillis =
                    StandaloneFlinkCluster.await(
                            "the restored job to run again (or finish)",
                            Duration.ofMinutes(1),
                            () ->
                                    cluster.tryGet(job)
                                            .filter(
                                                    j ->
                                                            StandaloneFlinkCluster.allTasksRunning(
                                                                            j)
                                                                    || j.path("state")
                                                                            .asText()
                                                                            .equals("FINISHED"))
                                            .map(j -> System.currentTimeMillis()));

            assertThat(client.process().waitFor(2, TimeUnit.MINUTES))
                    .as("the client to finish (flink run waits for the job)")
                    .isTrue();
            String output = client.output();
            assertThat(client.process().exitValue()).as("flink run's exit code").isZero();

            JsonNode finished = cluster.get(job);
            assertThat(finished.path("state").asText()).isEqualTo("FINISHED");
            JsonNode checkpoints = cluster.get(job + "/checkpoints");
            assertThat(checkpoints.path("counts").path("restored").asInt())
                    .as("restores from a checkpoint")
                    .isGreaterThanOrEqualTo(1);
            JsonNode failures = cluster.get(job + "/exceptions").path("exceptionHistory");
            assertThat(failures.path("entries").toString())
                    .as("the job's failure history names the lost task manager")
                    .contains(victim);

            // Every review scored, each exactly once.
            List<Long> ids = new ArrayList<>();
            Matcher result = RESULT.matcher(output);
            while (result.find()) {
                ids.add(Long.parseLong(result.group(1)));
            }
            Set<Long> distinct = new TreeSet<>(ids);
            assertThat(distinct).hasSize(RECORDS);
            assertThat(distinct)
                    .containsExactlyElementsOf(LongStream.range(0, RECORDS).boxed().toList());
            assertThat(ids).as("results, duplicates included").hasSize(RECORDS);
            assertThat(output)
                    .contains("summary: " + RECORDS + " records, ")
                    .doesNotContain("WARNING");

            System.out.printf(
                    Locale.ROOT,
                    "%s: cluster up in %.1f s; killed %s mid-job; restored from checkpoint"
                            + " %.1f s later; all tasks running again %.1f s after the kill;"
                            + " whole test %.1f s%n%s%n",
                    TextClassificationJobClusterIT.class.getSimpleName(),
                    clusterSeconds,
                    victim,
                    (restoredAtMillis - killedAtMillis) / 1e3,
                    (runningAgainAtMillis - killedAtMillis) / 1e3,
                    secondsSince(started),
                    output.lines()
                            .filter(line -> line.startsWith("summary:"))
                            .collect(Collectors.joining()));
        } catch (Throwable failure) {
            System.err.println(
                    "Flink cluster logs (" + cluster.logDir() + "):" + cluster.logTails(40));
            throw failure;
        } finally {
            cluster.close();
        }
    }

    /**
     * The fat jar the job above runs from keeps every library it bundles under {@code
     * org.flinktriton.shaded}, so that other versions of them on a cluster's class path cannot take
     * their place; only the Kafka connector keeps Flink's package, and zstd-jni its own (its native
     * methods bind by class name). grpc-java's service files name relocated classes in the jar, and
     * Netty's native libraries carry the relocated package in their names.
     */
    @Test
    void theFatJarBundlesItsLibrariesRelocated() throws Exception {
        Path jar = Path.of(property("flinktriton.samplesJar"));
        List<String> outside = new ArrayList<>();
        List<String> services = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String name = entry.getName();
                boolean service = name.startsWith("META-INF/services/") && !name.endsWith("/");
                // Netty finds its native libraries by its (relocated) package, mangled.
                if (name.startsWith("META-INF/native/")
                        && !entry.isDirectory()
                        && !name.matches("META-INF/native/(lib)?org_flinktriton_shaded_.*")) {
                    outside.add(name);
                }
                if (service && name.startsWith("META-INF/services/org.flinktriton.shaded.")) {
                    String text =
                            new String(
                                    file.getInputStream(entry).readAllBytes(),
                                    StandardCharsets.UTF_8);
                    for (String line : text.split("\n")) {
                        String provider = line.replaceAll("#.*", "").trim();
                        if (!provider.isEmpty()
                                && file.getEntry(provider.replace('.', '/') + ".class") == null) {
                            outside.add(name + " -> " + provider + " (not relocated)");
                        }
                    }
                    services.add(name.substring("META-INF/services/".length()));
                }
                if ((name.endsWith(".class")
                                && !name.startsWith("org/flinktriton/")
                                && !name.startsWith("org/apache/flink/")
                                && !name.startsWith("com/github/luben/zstd/"))
                        || (service
                                && !name.startsWith("META-INF/services/org.flinktriton.")
                                && !name.startsWith("META-INF/services/org.apache.flink."))) {
                    outside.add(name);
                }
            }
        }
        assertThat(outside).as("classes and service files of %s not relocated", jar).isEmpty();
        // grpc-java finds its transport, load balancers and name resolvers through these.
        assertThat(services)
                .contains(
                        "org.flinktriton.shaded.io.grpc.ManagedChannelProvider",
                        "org.flinktriton.shaded.io.grpc.LoadBalancerProvider",
                        "org.flinktriton.shaded.io.grpc.NameResolverProvider");
    }

    /**
     * The fat jar alone, beside Flink's class path, runs the sample with {@code --grpc} on a local
     * environment: its embedded server serves gRPC with the jar's relocated grpc-java, and the job
     * calls it with the same relocated classes, found through the jar's merged service files.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theFatJarAloneRunsTheSampleOverGrpc(@TempDir Path dir) throws Exception {
        Path jar = Path.of(property("flinktriton.samplesJar"));
        String classPath =
                Files.readString(Path.of(property("flinktriton.flinkClasspath"))).trim()
                        + File.pathSeparator
                        + jar;
        Path output = dir.resolve("sample.out");
        Process sample =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx512m",
                                "-cp",
                                classPath,
                                "org.flinktriton.samples.text.TextClassificationJob",
                                "--grpc",
                                "--records",
                                "300")
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
        boolean ended = sample.waitFor(150, TimeUnit.SECONDS);
        if (!ended) {
            sample.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("the sample ended within 150 s:%n%s", text).isTrue();
        assertThat(sample.exitValue()).as("exit code:%n%s", text).isZero();
        assertThat(text)
                .contains("model sentiment at the embedded test server over gRPC")
                .containsPattern("summary: 300 records, [1-9][0-9]* requests");
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value)
                .as("system property %s, set by maven-failsafe-plugin in samples/pom.xml", name)
                .isNotBlank();
        return value;
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
