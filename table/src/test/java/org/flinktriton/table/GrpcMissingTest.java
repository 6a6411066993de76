package org.flinktriton.table;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Maven build of a Table API job that leaves out {@code flink-triton-grpc} (an optional
 * dependency of this module; the {@code -sql} jar bundles it): in a JVM whose class path lacks it
 * and grpc-java, an {@code http://} model still plans, and a {@code grpc://} one fails when the
 * query is planned, naming the option, the model and the artifact to add.
 */
@Timeout(120)
class GrpcMissingTest {

    @Test
    void aGrpcEndpointWithoutTheGrpcModuleNamesTheArtifact() throws Exception {
        String classPath =
                Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .filter(entry -> !isGrpc(entry))
                        .collect(Collectors.joining(File.pathSeparator));
        Process process =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                classPath,
                                Main.class.getName())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor(100, TimeUnit.SECONDS)).as(output).isTrue();

        assertThat(output)
                .contains("grpc classes: none")
                .contains("http plans: http://127.0.0.1:8000")
                .contains("refused: Invalid option 'endpoint' of model 'add_sub'")
                .contains("no transport serves grpc:// endpoints on this class path")
                .contains("Add the dependency org.flinktriton:flink-triton-grpc");
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

    /** Runs in the JVM without the gRPC module and grpc-java. */
    public static final class Main {
        public static void main(String[] args) {
            boolean grpcPresent;
            try {
                Class.forName("io.grpc.ManagedChannel");
                grpcPresent = true;
            } catch (ClassNotFoundException e) {
                grpcPresent = false;
            }
            System.out.println("grpc classes: " + (grpcPresent ? "present" : "none"));
            System.out.println(
                    "http plans: "
                            + ModelSettings.of(options("http://127.0.0.1:8000"))
                                    .clientOptions
                                    .endpoint());
            try {
                ModelSettings.of(options("grpc://127.0.0.1:8001"));
                System.out.println("planned a grpc:// model without the gRPC module");
                System.exit(1);
            } catch (ValidationException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }

        private static Configuration options(String endpoint) {
            Configuration options = new Configuration();
            options.setString("endpoint", endpoint);
            options.setString("model-name", "add_sub");
            return options;
        }
    }
}
