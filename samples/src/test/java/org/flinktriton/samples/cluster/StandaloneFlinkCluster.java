package org.flinktriton.samples.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A standalone Flink session cluster made of separate JVM processes, the way {@code
 * bin/start-cluster.sh} starts one from a Flink distribution: one JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and task managers ({@code TaskManagerRunner}), all on {@code
 * 127.0.0.1}, plus {@code flink run} clients ({@code CliFrontend}).
 *
 * <p>Maven Central has no Flink distribution, but it has the distribution's parts: the class path
 * of every process is a list of jars (Flink and its logging binding, resolved by Maven), and the
 * configuration is a generated {@code conf/config.yaml}. Everything lives under one directory:
 * {@code conf/}, {@code log/<process>.log} (Log4j) and {@code log/<process>.out} (standard output
 * and error), and {@code tmp/}.
 *
 * <pre>{@code
 * try (StandaloneFlinkCluster cluster =
 *         StandaloneFlinkCluster.builder(dir, classPath).taskManagers(2).slots(2).start()) {
 *     cluster.awaitTaskManagers(Duration.ofMinutes(2));
 *     ClusterProcess client = cluster.run(jar, List.of("--records", "1000"));
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} kills every process it started (and a JVM shutdown hook does the same if the
 * test JVM is stopped first), so a failed test leaves nothing running.
 */
final class StandaloneFlinkCluster implements AutoCloseable {

    /** What {@code env.java.opts.all} holds in Flink's own {@code config.yaml} for Java 17. */
    private static final List<String> JAVA_17_OPTIONS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /**
     * A task manager's memory, every component explicit: {@code bin/taskmanager.sh} computes these
     * and passes them as dynamic properties, and {@code TaskManagerRunner} refuses to start without
     * them. The JVM limits below add up the same parts.
     */
    private static final Map<String, String> TASK_MANAGER_MEMORY =
            Map.of(
                    "taskmanager.memory.framework.heap.size", "64m",
                    "taskmanager.memory.task.heap.size", "192m",
                    "taskmanager.memory.framework.off-heap.size", "64m",
                    "taskmanager.memory.task.off-heap.size", "0m",
                    "taskmanager.memory.network.min", "32m",
                    "taskmanager.memory.network.max", "32m",
                    "taskmanager.memory.managed.size", "16m",
                    "taskmanager.memory.jvm-metaspace.size", "192m",
                    "taskmanager.memory.jvm-overhead.min", "64m",
                    "taskmanager.memory.jvm-overhead.max", "64m");

    private static final List<String> TASK_MANAGER_JVM =
            List.of(
                    "-Xms256m",
                    "-Xmx256m",
                    "-XX:MaxDirectMemorySize=96m",
                    "-XX:MaxMetaspaceSize=192m");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String classPath;
    private final int restPort;
    private final Map<String, ClusterProcess> taskManagers = new LinkedHashMap<>();
    private final List<ClusterProcess> processes = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread shutdownHook = new Thread(this::destroyAll, "flink-cluster-cleanup");
    private int clients;

    private StandaloneFlinkCluster(Path dir, String classPath, int restPort) {
        this.dir = dir;
        this.classPath = classPath;
        this.restPort = restPort;
    }

    /**
     * A cluster whose files go to {@code dir} (emptied first) and whose processes run on {@code
     * classPath}.
     */
    static Builder builder(Path dir, List<Path> classPath) {
        return new Builder(dir, classPath);
    }

    /** The REST endpoint, e.g. {@code http://127.0.0.1:41234}. */
    String restAddress() {
        return "http://127.0.0.1:" + restPort;
    }

    /** Where the processes' logs are. */
    Path logDir() {
        return dir.resolve("log");
    }

    /** The task managers by resource id ({@code tm-1}, {@code tm-2}, …), in start order. */
    Map<String, ClusterProcess> taskManagers() {
        return taskManagers;
    }

    /** Waits until every task manager has registered with the JobManager. */
    void awaitTaskManagers(Duration timeout) {
        await(
                "all " + taskManagers.size() + " task managers to register",
                timeout,
                () -> {
                    requireAlive(processes);
                    Optional<JsonNode> overview = tryGet("/taskmanagers");
                    return overview.isPresent()
                                    && overview.get().path("taskmanagers").size()
                                            == taskManagers.size()
                            ? Optional.of(true)
                            : Optional.empty();
                });
    }

    /**
     * Starts {@code flink run <jar> <args>}: Flink's command-line client in a JVM of its own, with
     * this cluster's configuration. Its standard output goes to {@code log/client-<n>.out}.
     */
    ClusterProcess run(Path jar, List<String> args) {
        return run(jar, null, args);
    }

    /** Like {@link #run(Path, List)}, with {@code flink run -c mainClass}, unless it is null. */
    ClusterProcess run(Path jar, String mainClass, List<String> args) {
        List<String> arguments = new ArrayList<>(List.of("run"));
        if (mainClass != null) {
            arguments.addAll(List.of("-c", mainClass));
        }
        arguments.add(jar.toString());
        arguments.addAll(args);
        String name = "client-" + ++clients;
        return start(
                name, List.of("-Xmx512m"), "org.apache.flink.client.cli.CliFrontend", arguments);
    }

    /** Whether {@code job} (as {@code GET /jobs/<id>} returns it) and all its tasks run. */
    static boolean allTasksRunning(JsonNode job) {
        if (!job.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (!vertex.path("status").asText().equals("RUNNING")) {
                return false;
            }
        }
        return true;
    }

    /** The task manager that runs the most subtasks of {@code job} ({@code /jobs/<id>}). */
    String busiestTaskManager(String job) {
        Map<String, Integer> subtasks = new LinkedHashMap<>();
        for (JsonNode vertex : get(job).path("vertices")) {
            JsonNode hosts = get(job + "/vertices/" + vertex.path("id").asText() + "/taskmanagers");
            for (JsonNode host : hosts.path("taskmanagers")) {
                int count = 0;
                for (JsonNode n : host.path("status-counts")) {
                    count += n.asInt();
                }
                subtasks.merge(
                        host.path("taskmanager-id").asText(), Math.max(1, count), Integer::sum);
            }
        }
        if (subtasks.isEmpty() || !taskManagers.keySet().containsAll(subtasks.keySet())) {
            throw new AssertionError("Unexpected task managers of " + job + ": " + subtasks);
        }
        return subtasks.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    /** GETs a REST resource of the JobManager, e.g. {@code /jobs/overview}. */
    JsonNode get(String path) {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(URI.create(restAddress() + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET "
                                + path
                                + " answered "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + path, e);
        }
    }

    /** Like {@link #get}, but empty while the JobManager does not answer (yet). */
    Optional<JsonNode> tryGet(String path) {
        try {
            return Optional.of(get(path));
        } catch (UncheckedIOException | IllegalStateException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /**
     * Polls {@code probe} every 200 ms until it returns a value; fails after {@code timeout} with a
     * message that says what was awaited.
     */
    static <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + what, e);
            }
        }
    }

    /** Fails when one of {@code processes} has exited. */
    static void requireAlive(List<ClusterProcess> processes) {
        for (ClusterProcess process : processes) {
            if (!process.process().isAlive()) {
                throw new AssertionError(
                        process.name()
                                + " exited with code "
                                + process.process().exitValue()
                                + "; see "
                                + process.log());
            }
        }
    }

    /** The last {@code lines} lines of every process's log and standard output. */
    String logTails(int lines) {
        StringBuilder text = new StringBuilder();
        for (ClusterProcess process : processes) {
            for (Path file : List.of(process.out(), process.log())) {
                text.append("\n===== ").append(file).append(" (last ").append(lines);
                text.append(" lines) =====\n");
                text.append(tail(file, lines));
            }
        }
        return text.toString();
    }

    private static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(missing)\n";
        }
        try (Stream<String> all = Files.lines(file, StandardCharsets.UTF_8)) {
            List<String> kept = all.collect(Collectors.toList());
            return kept.subList(Math.max(0, kept.size() - lines), kept.size()).stream()
                    .map(line -> line + "\n")
                    .collect(Collectors.joining());
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    /** Kills every process (clients, task managers, the JobManager) and waits for them to exit. */
    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down and runs the hook anyway.
        }
    }

    private synchronized void destroyAll() {
        for (ClusterProcess process : processes) {
            process.process().destroyForcibly();
        }
        for (ClusterProcess process : processes) {
            try {
                process.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private synchronized ClusterProcess start(
            String name, List<String> jvmOptions, String mainClass, List<String> args) {
        Path log = logDir().resolve(name + ".log");
        Path out = logDir().resolve(name + ".out");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JAVA_17_OPTIONS);
        command.addAll(jvmOptions);
        // Two cores run all of this: the serial collector and fewer GC threads keep it calm.
        command.add("-XX:+UseSerialGC");
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + dir.resolve("conf/log4j.properties").toUri());
        command.add("-classpath");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
        builder.environment().put("FLINK_CONF_DIR", dir.resolve("conf").toString());
        try {
            ClusterProcess process = new ClusterProcess(name, builder.start(), log, out);
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name + ": " + command, e);
        }
    }

    /** One JVM of the cluster: its name, the process, its Log4j file and its standard output. */
    record ClusterProcess(String name, Process process, Path log, Path out) {

        /** Everything the process has written to standard output and error so far. */
        String output() {
            try {
                return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Kills the process with SIGKILL and waits for it to be gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " still runs 30 s after SIGKILL");
            }
        }
    }

    /**
     * Sizes and settings of the cluster; {@link #start()} writes the configuration and starts it.
     */
    static final class Builder {
        private final Path dir;
        private final List<Path> classPath;
        private int taskManagers = 1;
        private int slots = 1;
        private final Map<String, String> config = new LinkedHashMap<>();

        private Builder(Path dir, List<Path> classPath) {
            this.dir = Objects.requireNonNull(dir, "dir");
            this.classPath = List.copyOf(classPath);
        }

        /** How many task managers to start. */
        Builder taskManagers(int taskManagers) {
            this.taskManagers = taskManagers;
            return this;
        }

        /** {@code taskmanager.numberOfTaskSlots}. */
        Builder slots(int slots) {
            this.slots = slots;
            return this;
        }

        /** Any other {@code config.yaml} entry; it wins over the cluster's own. */
        Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        /** Writes {@code conf/} and starts the JobManager and the task managers. */
        StandaloneFlinkCluster start() throws IOException {
            deleteRecursively(dir);
            Files.createDirectories(dir.resolve("conf"));
            Files.createDirectories(dir.resolve("log"));
            Files.createDirectories(dir.resolve("tmp"));
            int rpcPort = freePort();
            int restPort = freePort();
            int blobPort = freePort();

            Map<String, String> yaml = new LinkedHashMap<>();
            yaml.put("jobmanager.rpc.address", "127.0.0.1");
            yaml.put("jobmanager.rpc.port", String.valueOf(rpcPort));
            yaml.put("jobmanager.bind-host", "127.0.0.1");
            yaml.put("rest.address", "127.0.0.1");
            yaml.put("rest.bind-address", "127.0.0.1");
            yaml.put("rest.port", String.valueOf(restPort));
            yaml.put("blob.server.port", String.valueOf(blobPort));
            yaml.put("taskmanager.host", "127.0.0.1");
            yaml.put("taskmanager.bind-host", "127.0.0.1");
            yaml.put("taskmanager.numberOfTaskSlots", String.valueOf(slots));
            yaml.put("taskmanager.cpu.cores", String.valueOf(slots));
            yaml.putAll(TASK_MANAGER_MEMORY);
            yaml.put("io.tmp.dirs", dir.resolve("tmp").toString());
            yaml.put("parallelism.default", "1");
            yaml.putAll(config);
            StringBuilder text = new StringBuilder("# Written by StandaloneFlinkCluster.\n");
            yaml.forEach((key, value) -> text.append(key).append(": ").append(value).append('\n'));
            Files.writeString(dir.resolve("conf/config.yaml"), text, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("conf/log4j.properties"), LOG4J, StandardCharsets.UTF_8);

            StandaloneFlinkCluster cluster =
                    new StandaloneFlinkCluster(
                            dir.toAbsolutePath(),
                            classPath.stream()
                                    .map(Path::toString)
                                    .collect(Collectors.joining(File.pathSeparator)),
                            restPort);
            Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
            String configDir = cluster.dir.resolve("conf").toString();
            cluster.start(
                    "jobmanager",
                    List.of("-Xms256m", "-Xmx256m"),
                    "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    List.of("--configDir", configDir));
            for (int i = 1; i <= taskManagers; i++) {
                String id = "tm-" + i;
                cluster.taskManagers.put(
                        id,
                        cluster.start(
                                "taskmanager-" + i,
                                TASK_MANAGER_JVM,
                                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                                List.of(
                                        "--configDir",
                                        configDir,
                                        "-Dtaskmanager.resource-id=" + id)));
            }
            return cluster;
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
        }

        private static void deleteRecursively(Path dir) throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path :
                        paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** Flink's INFO log to a file per process, with its noisiest libraries at WARN. */
    private static final String LOG4J =
            """
            # Written by StandaloneFlinkCluster: one file per process, named by -Dlog.file.
            rootLogger.level = INFO
            rootLogger.appenderRef.file.ref = File
            logger.pekko.name = org.apache.pekko
            logger.pekko.level = WARN
            logger.netty.name = org.apache.flink.shaded.netty4
            logger.netty.level = WARN
            logger.zookeeper.name = org.apache.flink.shaded.zookeeper3
            logger.zookeeper.level = WARN
            appender.file.name = File
            appender.file.type = File
            appender.file.fileName = ${sys:log.file}
            appender.file.layout.type = PatternLayout
            appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n
            """;
}
