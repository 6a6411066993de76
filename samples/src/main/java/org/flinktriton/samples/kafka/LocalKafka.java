package org.flinktriton.samples.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Apache Kafka in KRaft mode (broker and controller in one), running inside this JVM
 * on {@code 127.0.0.1} only, with its data in a temporary directory that {@link #close()} deletes.
 * It is Kafka's own server ({@code kafka.server.KafkaRaftServer}), formatted with Kafka's own
 * storage tool, as {@code bin/kafka-storage.sh format} and {@code bin/kafka-server-start.sh} would
 * run it: a real broker with transactions, for samples and tests that need one.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.start()) {
 *     String bootstrapServers = kafka.bootstrapServers();   // 127.0.0.1:<port>
 *     ...
 * }
 * }</pre>
 *
 * <p>It needs the broker on the class path ({@code org.apache.kafka:kafka_2.13}): the samples have
 * it as a {@code provided} dependency, so that {@code mvn exec:exec} and the tests find it while
 * the samples' fat jar, which runs against a real Kafka, leaves it out. Settings are those of a
 * one-node development broker: replication factor 1 everywhere, no automatic topic creation, and
 * Kafka's default {@code transaction.max.timeout.ms} of 15 minutes.
 */
public final class LocalKafka implements AutoCloseable {
    private static final int ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final Path dir;
    private final String bootstrapServers;

    private LocalKafka(KafkaRaftServer server, Path dir, String bootstrapServers) {
        this.server = server;
        this.dir = dir;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats a new data directory and starts the broker; returns once it answers.
     *
     * @throws IllegalStateException when the broker is not on the class path, or does not start
     */
    public static LocalKafka start() {
        try {
            Class.forName("kafka.server.KafkaRaftServer", false, LocalKafka.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException(
                    "No --bootstrap-servers given, and the local Kafka broker"
                            + " (org.apache.kafka:kafka_2.13) is not on the class path: pass"
                            + " --bootstrap-servers, or run the sample with `mvn exec:exec`");
        }
        IllegalStateException failure = null;
        // The ports are chosen free, then bound by the broker: another process may take one in
        // between, so a failed start is tried again on new ports.
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return startOnce();
            } catch (IllegalStateException e) {
                failure = e;
            }
        }
        throw failure;
    }

    private static LocalKafka startOnce() {
        Path dir;
        try {
            dir = Files.createTempDirectory("flink-triton-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the local Kafka's directory", e);
        }
        KafkaRaftServer server = null;
        try {
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties config = config(dir, brokerPort, controllerPort);
            Path file = dir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(file)) {
                config.store(out, "flink-triton's local Kafka");
            }
            format(file);
            server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            awaitReady(bootstrap);
            return new LocalKafka(server, dir, bootstrap);
        } catch (Exception e) {
            if (server != null) {
                stop(server);
            }
            deleteQuietly(dir);
            throw new IllegalStateException("The local Kafka broker did not start: " + e, e);
        }
    }

    private static Properties config(Path dir, int brokerPort, int controllerPort) {
        Properties config = new Properties();
        config.putAll(
                Map.ofEntries(
                        Map.entry("process.roles", "broker,controller"),
                        Map.entry("node.id", "1"),
                        Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                        Map.entry(
                                "listeners",
                                "PLAINTEXT://127.0.0.1:"
                                        + brokerPort
                                        + ",CONTROLLER://127.0.0.1:"
                                        + controllerPort),
                        Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort),
                        Map.entry("controller.listener.names", "CONTROLLER"),
                        Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                        Map.entry(
                                "listener.security.protocol.map",
                                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                        Map.entry("log.dirs", dir.resolve("data").toString()),
                        Map.entry("num.partitions", "2"),
                        Map.entry("auto.create.topics.enable", "false"),
                        Map.entry("offsets.topic.replication.factor", "1"),
                        Map.entry("offsets.topic.num.partitions", "2"),
                        Map.entry("transaction.state.log.replication.factor", "1"),
                        Map.entry("transaction.state.log.min.isr", "1"),
                        Map.entry("transaction.state.log.num.partitions", "2"),
                        Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                        Map.entry("share.coordinator.state.topic.min.isr", "1"),
                        Map.entry("group.initial.rebalance.delay.ms", "0"),
                        Map.entry("log.segment.bytes", Integer.toString(16 * 1024 * 1024))));
        return config;
    }

    /** {@code kafka-storage.sh format}: the cluster id and the metadata log, in the data dir. */
    private static void format(Path configFile) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        String[] args = {
            "format",
            "--cluster-id",
            Uuid.randomUuid().toString(),
            "--config",
            configFile.toString()
        };
        int code;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(args, out);
        }
        if (code != 0) {
            throw new IllegalStateException(
                    "kafka-storage format failed: " + printed.toString(StandardCharsets.UTF_8));
        }
    }

    private static void awaitReady(String bootstrap)
            throws InterruptedException, ExecutionException, TimeoutException {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The broker's address for clients: {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the broker and deletes its data. */
    @Override
    public void close() {
        stop(server);
        deleteQuietly(dir);
    }

    private static void stop(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            // A temporary directory; the OS cleans up what is left.
        }
    }

    @Override
    public String toString() {
        return "a local Kafka broker at " + bootstrapServers;
    }
}
