package org.flinktriton.benchmarks.client;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.testkit.TritonTestServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Requests per second of {@link TritonModelClient} against the embedded {@link TritonTestServer}
 * over loopback HTTP, one call at a time ({@link TritonModelClient#inferBlocking}), for each {@link
 * Workload} at batch sizes 1, 16 and 64, with binary tensors or JSON. Records per second are the
 * score times {@code batch}.
 *
 * <p>After each iteration it prints the CPU time that the client's threads and the server's threads
 * spent per request, to tell which side is the bottleneck. The warm-up is long because both sides
 * keep getting faster for about 50 s (JIT of OkHttp, the JDK HTTP server and Jackson on 2 cores).
 * Batch sizes run in separate forks, a minute or more apart; {@link ClientBatchRatio} compares
 * batch 64 with batch 1 in the same minutes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ClientBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 25, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClientBenchmark {
    @Param({"add_sub_16", "normalize_512", "add_sub_512"})
    public String model;

    @Param({"1", "16", "64"})
    public int batch;

    @Param({"true", "false"})
    public boolean binary;

    private TritonTestServer server;
    private TritonModelClient client;
    private List<Object> records;
    private Class<?> outputType;
    private final CpuAccounting cpu = new CpuAccounting();
    private long requestsAtStart;

    @Setup(Level.Trial)
    public void start() throws Exception {
        Workload workload = Workload.of(model);
        records = workload.records(batch);
        outputType = workload.outputType;
        server = workload.startServer();
        client = workload.client(server, binary);
        client.inferBlocking(records, outputType); // validates the schema once
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        requestsAtStart = server.stats().inferRequests();
        cpu.start();
    }

    @Benchmark
    public List<?> infer() {
        return client.inferBlocking(records, outputType);
    }

    @TearDown(Level.Iteration)
    public void reportCpu() {
        long[] nanos = cpu.elapsed();
        long requests = Math.max(1, server.stats().inferRequests() - requestsAtStart);
        System.out.printf(
                Locale.ROOT,
                "%n  cpu per request: client %.1f us (%.2f us/record), server %.1f us [%d requests]%n",
                nanos[0] / 1e3 / requests,
                nanos[0] / 1e3 / requests / batch,
                nanos[1] / 1e3 / requests,
                requests);
    }

    @TearDown(Level.Trial)
    public void stop() {
        client.close();
        server.close();
    }
}
