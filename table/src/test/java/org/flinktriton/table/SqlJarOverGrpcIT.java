package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code -sql} jar alone, beside a Flink distribution's {@code lib/}, runs an {@code
 * ML_PREDICT} over {@code grpc://}: the jar's relocated grpc-java finds its channel provider, load
 * balancer and name resolver through the merged, renamed service files, and its relocated Netty
 * loads the native epoll transport and BoringSSL from the libraries renamed to its package. The
 * server is a {@link TritonTestServer} in this JVM, serving gRPC with the unrelocated grpc-java.
 *
 * <p>Runs in {@code verify}, after {@code package} built the jar (failsafe).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlJarOverGrpcIT {
    private static final String MODEL = "shout";
    private static final List<String> WORDS =
            List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta");

    @Test
    void theSqlJarAloneRunsMlPredictOverGrpc(@TempDir Path dir) throws Exception {
        Path sqlJar = Path.of(FlinkJvm.property("flinktriton.sqlJar"));
        assertThat(sqlJar).as("the -sql jar, built by `package` before this test").exists();
        try (TritonTestServer server =
                TritonTestServer.builder().model(ShoutModel.of(MODEL, 8)).grpc().start()) {
            String text =
                    FlinkJvm.run(
                            "ML_PREDICT over gRPC from the -sql jar",
                            List.of(sqlJar.toString()),
                            dir.resolve("job.out"),
                            GrpcSqlJarJob.class,
                            server.grpcEndpoint(),
                            MODEL);

            Map<String, String> origins = new HashMap<>();
            Map<String, String> natives = new HashMap<>();
            Map<Integer, String> rows = new HashMap<>();
            for (String line : text.split("\n")) {
                String[] fields = line.split("\\|", -1);
                switch (fields[0]) {
                    case "CLASS":
                        origins.put(fields[1], fields[2]);
                        break;
                    case "NATIVE":
                        natives.put(fields[1], fields[2]);
                        break;
                    case "ROW":
                        rows.put(Integer.parseInt(fields[1]), fields[2]);
                        break;
                    default:
                        break;
                }
            }
            String jar = sqlJar.toString();
            assertThat(origins)
                    .as("where each class loads from:%n%s", text)
                    .containsEntry("io.grpc.ManagedChannel", "-")
                    .containsEntry("com.google.protobuf.ByteString", "-")
                    .containsEntry("com.google.common.collect.ImmutableList", "-")
                    .containsEntry("io.perfmark.PerfMark", "-")
                    .containsEntry("org.flinktriton.shaded.io.grpc.ManagedChannel", jar)
                    .containsEntry("org.flinktriton.shaded.com.google.protobuf.ByteString", jar)
                    .containsEntry(
                            "org.flinktriton.shaded.com.google.common.collect.ImmutableList", jar)
                    .containsEntry("org.flinktriton.shaded.io.perfmark.PerfMark", jar)
                    .containsEntry("org.flinktriton.grpc.GrpcTransportProvider", jar);
            if (nettyShipsNativesFor()) {
                assertThat(natives)
                        .as("the relocated Netty's native libraries:%n%s", text)
                        .containsEntry("epoll", "true")
                        .containsEntry("openssl", "true");
            }

            Map<Integer, String> expected = new HashMap<>();
            for (int i = 0; i < WORDS.size(); i++) {
                expected.put(i + 1, WORDS.get(i).toUpperCase(Locale.ROOT));
            }
            assertThat(text).contains("DONE");
            assertThat(rows).as("%s", text).isEqualTo(expected);
            assertThat(server.stats().records(MODEL)).as("%s", server.stats()).isEqualTo(8);
        }
    }

    /** Netty's jar carries epoll and tcnative for Linux on x86_64 and aarch64. */
    private static boolean nettyShipsNativesFor() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }
}
