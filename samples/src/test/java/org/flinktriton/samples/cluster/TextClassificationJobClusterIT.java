package org.flinktriton.samples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
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
    private static final Pattern RESULT = Pattern.compile("^  #(\\d+) ", Pattern.MULTILINE);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void jobFinishesWithEveryResultAfterATaskManagerIsKilled() throws Exception {
        Path jar = FailoverRun.samplesJar();
        Path dir = Path.of(property("flinktriton.clusterDir")).toAbsolutePath();
        long started = System.nanoTime();
        StandaloneFlinkCluster cluster =
                FailoverRun.cluster(dir, FailoverRun.flinkClassPath())
                        .config("execution.checkpointing.interval", "1 s")
                        .start();
        try {
            cluster.awaitTaskManagers(Duration.ofMinutes(2));
            double clusterSeconds = secondsSince(started);

            FailoverRun run =
                    FailoverRun.submit(
                            cluster,
                            jar,
                            null,
                            List.of(
                                    "--records", String.valueOf(RECORDS),
                                    "--parallelism", "2",
                                    "--max-batch-size", "1",
                                    "--capacity", "1",
                                    "--show", String.valueOf(RECORDS)));

            // Mid-job: every task running and at least one checkpoint to come back to.
            run.awaitCheckpointWhileRunning();
            long killedAtMillis = System.currentTimeMillis();
            String victim = run.killBusiestTaskManager();
            long restoredAtMillis = run.awaitRestore();
            long runningAgainAtMillis = run.awaitRunningAgain();

            ClusterProcess client = run.client();
            assertThat(client.process().waitFor(2, TimeUnit.MINUTES))
                    .as("the client to finish (flink run waits for the job)")
                    .isTrue();
            String output = client.output();
            assertThat(client.process().exitValue()).as("flink run's exit code").isZero();
            run.assertRestoredAfterLosing(victim);

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
        return FailoverRun.property(name);
    }

    private static double secondsSince(long nanos) {
        return FailoverRun.secondsSince(nanos);
    }
}
