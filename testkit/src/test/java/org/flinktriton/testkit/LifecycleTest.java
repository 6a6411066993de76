package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.Test;

/** Starting, closing, and the builders' refusals. */
class LifecycleTest {

    @Test
    void closeReleasesThePortAndEveryThread() throws Exception {
        long dispatchersBefore = threadsNamed("HTTP-Dispatcher");
        TritonTestServer server = TritonTestServer.start(TestModels.simple());
        int port = server.port();
        String prefix = "triton-test-server-" + port + "-";
        for (int i = 0; i < 3; i++) {
            assertThat(V2Http.get(server.endpoint() + "/v2/health/live").status).isEqualTo(200);
        }
        assertThat(threadsStartingWith(prefix)).isPositive();

        server.close();
        server.close(); // idempotent

        assertThat(server.isClosed()).isTrue();
        assertThat(threadsStartingWith(prefix)).isZero();
        assertThat(threadsNamed("HTTP-Dispatcher")).isEqualTo(dispatchersBefore);
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        }
        assertThatThrownBy(() -> V2Http.get(server.endpoint() + "/v2/health/live"))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void closeInterruptsRequestsInFlight() throws Exception {
        TritonTestServer server = TritonTestServer.start(TestModels.simple());
        server.faults().latency(Duration.ofSeconds(30));
        CompletableFuture<V2Http.Response> call =
                CompletableFuture.supplyAsync(
                        () ->
                                V2Http.infer(
                                        server.endpoint() + "/v2/models/simple/infer",
                                        ServerStatsTest.batch(1)));
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(5))).isTrue();

        long start = System.nanoTime();
        server.close();
        assertThat(FaultsTest.millisSince(start)).isLessThan(5_000);
        assertThatThrownBy(call::join).hasCauseInstanceOf(UncheckedIOException.class);
        assertThat(server.stats().inFlight()).isZero();
    }

    @Test
    void aFixedPortCanBeChosen() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        try (TritonTestServer server =
                TritonTestServer.builder().model(TestModels.simple()).port(port).start()) {
            assertThat(server.endpoint()).isEqualTo("http://127.0.0.1:" + port);
            assertThatThrownBy(() -> TritonTestServer.builder().port(port).start())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void builderRefusesNonsense() {
        assertThatThrownBy(
                        () ->
                                TritonTestServer.builder()
                                        .model(TestModels.simple())
                                        .model(TestModels.simple()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Two models are named 'simple'");
        assertThatThrownBy(() -> TritonTestServer.builder().port(70000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TritonTestServer.builder().workerThreads(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TritonTestServer.builder().maxRequestSize(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void testModelBuilderListsEveryProblem() {
        assertThatThrownBy(
                        () ->
                                TestModel.builder("bad/name")
                                        .maxBatchSize(-1)
                                        .output("Y", TritonDataType.FP32, 1)
                                        .output("Y", TritonDataType.FP32, 1)
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TestModel 'bad/name': the name must be non-blank and hold no '/';"
                                + " max_batch_size is -1; use 0 or more; it declares no input;"
                                + " add one with input(name, datatype, dims...); it declares"
                                + " output 'Y' twice; it has no handler; set one with"
                                + " handler(...) or start from TestModels");
        assertThatThrownBy(() -> TestModel.builder("m").input("X", TritonDataType.FP32, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive or -1");
        assertThatThrownBy(() -> TestModels.addSub("m", TritonDataType.BYTES, 4, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void testModelKeepsItsSettingsThroughToBuilder() {
        TestModel model =
                TestModels.withCost(TestModels.simple(), Duration.ofMillis(3), Duration.ofMillis(1))
                        .toBuilder()
                        .genericKServe()
                        .platform("onnxruntime_onnx")
                        .version("4")
                        .build();
        assertThat(model.name()).isEqualTo("simple");
        assertThat(model.version()).isEqualTo("4");
        assertThat(model.platform()).isEqualTo("onnxruntime_onnx");
        assertThat(model.maxBatchSize()).isEqualTo(8);
        assertThat(model.costPerRequest()).isEqualTo(Duration.ofMillis(3));
        assertThat(model.costPerRecord()).isEqualTo(Duration.ofMillis(1));
        assertThat(model.hasConfigEndpoint()).isFalse();
        assertThat(model.hasVersionPaths()).isFalse();
        assertThat(model.chunkedBinaryResponses()).isTrue();
        assertThat(model.nullOptionalFields()).isTrue();
        assertThat(model.input("INPUT1").toString()).isEqualTo("INPUT1 INT32[16]");
        assertThat(model.output("nope")).isNull();
        assertThat(model.toString()).startsWith("simple v4 (max_batch_size 8)");
    }

    @Test
    void modelRequestHelpersBuildShapes() {
        TestModel batched = TestModels.identity("b", 4, TritonDataType.FP32, 3);
        Tensor x = Tensor.ofFloats("INPUT0", TritonDataType.FP32, new long[] {2, 3}, new float[6]);
        ModelRequest request =
                new ModelRequest(
                        batched,
                        2,
                        null,
                        java.util.Map.of(),
                        java.util.Map.of("INPUT0", x),
                        java.util.Set.of("OUTPUT0"));
        assertThat(request.outputShape("OUTPUT0")).containsExactly(2, 3);
        assertThat(request.batchShape(5, 6)).containsExactly(2, 5, 6);
        assertThat(request.isRequested("OUTPUT0")).isTrue();
        assertThatThrownBy(() -> request.input("X"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Model 'b' has no input 'X'");

        TestModel variable = TestModels.identity("v", 0, TritonDataType.FP32, -1);
        ModelRequest unbatched =
                new ModelRequest(
                        variable,
                        1,
                        null,
                        java.util.Map.of(),
                        java.util.Map.of(),
                        java.util.Set.of());
        assertThat(unbatched.batchShape(7)).containsExactly(7);
        assertThatThrownBy(() -> unbatched.outputShape("OUTPUT0"))
                .hasMessageContaining("variable dims [-1]");
    }

    @Test
    void samplesAreServableAndMainPrintsUsageForBadArguments() {
        List<TestModel> samples = TestModels.samples();
        try (TritonTestServer server = TritonTestServer.builder().models(samples).start()) {
            for (TestModel model : samples) {
                assertThat(V2Http.get(server.endpoint() + "/v2/models/" + model.name()).status)
                        .isEqualTo(200);
            }
        }
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            TritonTestServer.main(new String[] {"not-a-port"});
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString()).startsWith("Usage: TritonTestServer [port]");
    }

    private static long threadsStartingWith(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith(prefix))
                .count();
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().equals(name))
                .count();
    }
}
