package org.flinktriton.benchmarks.client;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.testkit.TritonTestServer;

/**
 * Records/s of batch 64 against batch 1 for one {@link Workload}, binary tensors, measured in the
 * same minutes: one client and one embedded server, one call at a time ({@code inferBlocking}),
 * alternating 2-second windows of batch-1 and batch-64 calls (in turn first). Each round gives a
 * ratio; the median over the rounds is the figure.
 *
 * <p>{@link ClientBenchmark} measures each batch size in its own JVM fork, a minute or more apart;
 * on a shared 2-vCPU machine the speed of both sides drifts by up to a third from one minute to the
 * next, so the ratio of two such scores carries that drift. Here both batch sizes share the same
 * JIT-compiled code, the same connection and the same minutes.
 *
 * <p>Run (after {@code mvn -B -q install -DskipTests -Dspotless.check.skip=true}):
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar \
 *     org.flinktriton.benchmarks.client.ClientBatchRatio [workload=normalize_512] [rounds=10]
 * </pre>
 */
public final class ClientBatchRatio {
    private static final int BATCH = 64;
    private static final long WARM_UP_NANOS = 60_000_000_000L;
    private static final long WINDOW_NANOS = 2_000_000_000L;

    private ClientBatchRatio() {}

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "normalize_512";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Workload workload = Workload.of(name);
        List<Object> single = workload.records(1);
        List<Object> batch = workload.records(BATCH);
        try (TritonTestServer server = workload.startServer();
                TritonModelClient client = workload.client(server, true)) {
            long warmUpEnd = System.nanoTime() + WARM_UP_NANOS;
            for (int w = 0; System.nanoTime() < warmUpEnd; w++) {
                Window.measure(
                        client, server, workload, w % 2 == 0 ? single : batch, WINDOW_NANOS / 2);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s, binary, batch %d vs 1, %d rounds of 2 x %d s (after %d s of warm-up)%n",
                    name,
                    BATCH,
                    rounds,
                    WINDOW_NANOS / 1_000_000_000L,
                    WARM_UP_NANOS / 1_000_000_000L);
            System.out.println(
                    "round  batch-1 rec/s  batch-64 rec/s  ratio   client/server CPU us per"
                            + " request at 1 | at 64");
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                Window one;
                Window many;
                if (r % 2 == 0) {
                    one = Window.measure(client, server, workload, single, WINDOW_NANOS);
                    many = Window.measure(client, server, workload, batch, WINDOW_NANOS);
                } else {
                    many = Window.measure(client, server, workload, batch, WINDOW_NANOS);
                    one = Window.measure(client, server, workload, single, WINDOW_NANOS);
                }
                ratios[r] = many.recordsPerSecond() / one.recordsPerSecond();
                System.out.printf(
                        Locale.ROOT,
                        "%5d  %13.0f  %14.0f  %5.1fx  %6.0f / %-6.0f | %6.0f / %-6.0f%n",
                        r + 1,
                        one.recordsPerSecond(),
                        many.recordsPerSecond(),
                        ratios[r],
                        one.clientMicrosPerRequest(),
                        one.serverMicrosPerRequest(),
                        many.clientMicrosPerRequest(),
                        many.serverMicrosPerRequest());
            }
            Arrays.sort(ratios);
            double median =
                    rounds % 2 == 1
                            ? ratios[rounds / 2]
                            : (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2;
            System.out.printf(
                    Locale.ROOT,
                    "batch %d / batch 1: median %.1fx, min %.1fx, max %.1fx%n",
                    BATCH,
                    median,
                    ratios[0],
                    ratios[rounds - 1]);
        }
    }

    /** Calls made back to back for a while, with the CPU both sides spent on them. */
    private static final class Window {
        private final long calls;
        private final int batch;
        private final long nanos;
        private final long[] cpuNanos;

        private Window(long calls, int batch, long nanos, long[] cpuNanos) {
            this.calls = calls;
            this.batch = batch;
            this.nanos = nanos;
            this.cpuNanos = cpuNanos;
        }

        /** Calls {@code infer} on {@code records} for at least {@code nanos}, one at a time. */
        static Window measure(
                TritonModelClient client,
                TritonTestServer server,
                Workload workload,
                List<Object> records,
                long nanos) {
            CpuAccounting cpu = new CpuAccounting();
            long requestsAtStart = server.stats().inferRequests();
            cpu.start();
            long start = System.nanoTime();
            long end = start + nanos;
            long calls = 0;
            long now;
            do {
                List<?> outputs = client.inferBlocking(records, workload.outputType);
                if (outputs.size() != records.size()) {
                    throw new IllegalStateException(
                            records.size() + " records gave " + outputs.size() + " outputs");
                }
                calls++;
                now = System.nanoTime();
            } while (now < end);
            long[] cpuNanos = cpu.elapsed();
            long requests = server.stats().inferRequests() - requestsAtStart;
            if (requests != calls) {
                throw new IllegalStateException(calls + " calls made " + requests + " requests");
            }
            return new Window(calls, records.size(), now - start, cpuNanos);
        }

        double recordsPerSecond() {
            return calls * batch * 1e9 / nanos;
        }

        double clientMicrosPerRequest() {
            return cpuNanos[0] / 1e3 / calls;
        }

        double serverMicrosPerRequest() {
            return cpuNanos[1] / 1e3 / calls;
        }
    }
}
