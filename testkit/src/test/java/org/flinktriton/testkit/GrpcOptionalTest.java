package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gRPC jars are optional for the testkit: in a JVM whose class path lacks them (and the
 * flink-triton-grpc module), a server without gRPC runs, and one asked for gRPC fails with a
 * sentence naming the artifact to add.
 */
@Timeout(120)
class GrpcOptionalTest {

    @Test
    void aServerWithoutGrpcNeedsNoGrpcJars() throws Exception {
        String classPath =
                Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .filter(entry -> !isGrpc(entry))
                        .collect(Collectors.joining(File.pathSeparator));
        Process process =
                new ProcessBuilder(
                                Paths.get(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "-cp",
                                classPath,
                                Main.class.getName())
                        .redirectErrorStream(true)
                        .start();
        assertThat(process.waitFor(100, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);

        assertThat(output)
                .contains("grpc classes: none")
                .contains("served over http without gRPC")
                .contains(
                        "refused: TritonTestServer.builder().grpc() needs"
                                + " org.flinktriton:flink-triton-grpc");
        assertThat(process.exitValue()).as(output).isZero();
    }

    private static boolean isGrpc(String entry) {
        String path = entry.replace('\\', '/');
        return path.contains("/io/grpc/")
                || path.contains("/com/google/protobuf/")
                || path.contains("/com/google/api/grpc/")
                || path.endsWith("grpc/target/classes")
                || path.contains("flink-triton-grpc");
    }

    /** Runs in the JVM without the gRPC jars. */
    public static final class Main {
        public static void main(String[] args) {
            boolean grpcPresent;
            try {
                Class.forName("io.grpc.Server");
                grpcPresent = true;
            } catch (ClassNotFoundException e) {
                grpcPresent = false;
            }
            System.out.println("grpc classes: " + (grpcPresent ? "present" : "none"));
            try (TritonTestServer server = TritonTestServer.start(TestModels.simple())) {
                int status = V2Http.get(server.endpoint() + "/v2/health/ready").status;
                System.out.println(
                        "served over http without gRPC: " + status + " " + !server.hasGrpc());
            }
            try {
                TritonTestServer.builder().grpc().model(TestModels.simple()).start().close();
                System.out.println("started gRPC without its jars");
                System.exit(1);
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}
