package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.ServerLiveRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gRPC face's life: its threads and port end with the server; the command line's option. */
@Timeout(60)
class GrpcLifecycleTest {

    @Test
    void closeReleasesTheGrpcPortAndEveryThread() throws Exception {
        TritonTestServer server =
                TritonTestServer.builder().grpc().model(TestModels.simple()).start();
        String prefix = "triton-test-server-" + server.port() + "-grpc-";
        int grpcPort = server.grpcPort();
        ManagedChannel channel = GrpcClients.plaintext(server);
        try {
            for (int i = 0; i < 3; i++) {
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .modelInfer(GrpcFaceTest.simpleRaw(1, i, "").build());
            }
            assertThat(threadsStartingWith(prefix)).isPositive();

            server.close();

            assertThat(threadsStartingWith(prefix)).isZero();
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), grpcPort));
            }
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.close();
        }
    }

    @Test
    void closeInterruptsCallsInFlight() throws Exception {
        TritonTestServer server =
                TritonTestServer.builder().grpc().model(TestModels.simple()).start();
        ManagedChannel channel = GrpcClients.plaintext(server);
        try {
            server.faults().latency(Duration.ofSeconds(30));
            CompletableFuture<Object> call =
                    CompletableFuture.supplyAsync(
                            () ->
                                    GRPCInferenceServiceGrpc.newBlockingStub(channel)
                                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                                            .modelInfer(GrpcFaceTest.simpleRaw(1, 0, "").build()));
            assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();

            long start = System.nanoTime();
            server.close();

            assertThat(FaultsTest.millisSince(start)).isLessThan(5_000);
            assertThat(call)
                    .failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(StatusRuntimeException.class);
            assertThat(server.stats().inFlight()).isZero();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anOutageWhoseGrpcPortIsTakenGoesOnForBothFaces() throws Exception {
        TritonTestServer server =
                TritonTestServer.builder().grpc().model(TestModels.simple()).start();
        try {
            server.startOutage();
            try (ServerSocket thief = new ServerSocket()) {
                thief.setReuseAddress(true);
                thief.bind(
                        new InetSocketAddress(
                                InetAddress.getByName("127.0.0.1"), server.grpcPort()));

                assertThatThrownBy(server::endOutage) // after 10 s of retrying
                        .isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("gRPC port " + server.grpcPort());
                assertThat(server.isInOutage()).isTrue();
                assertThatThrownBy(() -> V2Http.get(server.endpoint() + "/v2/health/live"))
                        .isInstanceOf(UncheckedIOException.class); // HTTP is down with it
            }
            assertThat(server.endOutage()).isTrue();
            assertThat(V2Http.get(server.endpoint() + "/v2/health/live").status).isEqualTo(200);
        } finally {
            server.close();
        }
    }

    @Test
    void theCommandLineServesGrpcOnAskedPort() throws Exception {
        int free;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            free = socket.getLocalPort();
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        TritonTestServer server =
                TestServerCommand.start(
                        new String[] {"0", "--grpc-port", Integer.toString(free)},
                        new PrintStream(captured, true));
        try {
            assertThat(server.grpcPort()).isEqualTo(free);
            assertThat(captured.toString()).contains("and on grpc://127.0.0.1:" + free + " (gRPC)");
            ManagedChannel channel = GrpcClients.plaintext(server);
            try {
                assertThat(
                                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                                        .serverLive(ServerLiveRequest.getDefaultInstance())
                                        .getLive())
                        .isTrue();
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            server.close();
        }

        for (String[] bad :
                new String[][] {
                    {"--grpc-port"},
                    {"1", "2"},
                    {"--grpc-port", "x"},
                    {"70000"},
                    {"--grpc-port", "1", "--grpc-port", "2"}
                }) {
            ByteArrayOutputStream usage = new ByteArrayOutputStream();
            assertThat(TestServerCommand.start(bad, new PrintStream(usage, true))).isNull();
            assertThat(usage.toString()).startsWith("Usage: TritonTestServer [port] [--grpc-port");
        }
    }

    private static long threadsStartingWith(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith(prefix))
                .count();
    }
}
