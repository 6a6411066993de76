package org.flinktriton.benchmarks.flink;

import java.time.Duration;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;

/**
 * The model the Flink and SQL harnesses measure against, on the embedded server: add_sub over
 * FP32[{@value #WIDTH}], {@code max_batch_size} {@value #MAX_BATCH}, a fixed cost per request.
 */
public final class BenchModel {
    public static final String NAME = "bench_add_sub";
    public static final int WIDTH = BenchRequest.WIDTH;
    public static final int MAX_BATCH = 128;
    public static final Duration COST_PER_REQUEST = Duration.ofMillis(2);

    private BenchModel() {}

    /**
     * Starts the embedded server with the model and enough worker threads for {@code parallelism ×
     * requestsInFlight} requests at once; uncompressed answers, as Triton's default; over HTTP and,
     * on a second port, gRPC.
     */
    public static TritonTestServer start(int parallelism, int requestsInFlight) {
        return TritonTestServer.builder()
                .model(
                        TestModels.withCost(
                                TestModels.addSub(NAME, TritonDataType.FP32, WIDTH, MAX_BATCH),
                                COST_PER_REQUEST,
                                Duration.ZERO))
                .compressResponses(false)
                .grpc()
                .workerThreads(Math.max(32, 2 * parallelism * requestsInFlight))
                .start();
    }
}
