package org.flinktriton.benchmarks.flink;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.flinktriton.benchmarks.flink.BenchJobs.Maker;
import org.flinktriton.benchmarks.flink.BenchJobs.Measurements;
import org.flinktriton.benchmarks.flink.BenchJobs.TimingSink;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.testkit.TritonTestServer;

/**
 * Records per second and latency of Flink jobs that run every record through a Triton model: the
 * batch operator ({@link TritonInference}) against Flink's stock per-record async I/O ({@link
 * AsyncDataStream#unorderedWait} calling a {@link TritonModelClient} once per record), both in the
 * same run, against the same embedded {@link TritonTestServer}.
 *
 * <p>The model is add_sub over FP32[16] with {@code max_batch_size} 128 and a fixed cost of 2 ms
 * per request, whatever its size, as a GPU kernel launch costs; responses are not compressed. Both
 * pipelines get the same concurrency: per parallel instance, {@code concurrency} requests in flight
 * ({@code capacity} batches and {@code maxConcurrentRequests} for the batch operator; {@code
 * capacity} records and {@code maxConcurrentRequests} for async I/O). Sources, the operator and the
 * sink chain into one task per subtask; everything, the server included, shares one JVM.
 *
 * <p>Records/s is the record count over the span from the first record created to the last one at
 * the sink (job start-up excluded). Latency runs from a record's creation to the sink; in a paced
 * run, from the moment it was due, so that a source slowed by back-pressure does not hide latency.
 *
 * <p>Run (Flink is a provided dependency of this module, so it runs with the module's class path):
 *
 * <pre>
 * mvn -B -q install -DskipTests -pl benchmarks -am
 * mvn -B -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     org.flinktriton.benchmarks.flink.FlinkBatchBenchmark [parallelism=2] [concurrency=4] [all|enrichment|paced [rounds]|transports [rounds]]
 * </pre>
 *
 * <p>The last section compares a separate output class with an enrichment (one class with inputs
 * and outputs, emitted filled in): the operator sends copies of enriched records, one Flink
 * serializer copy per record on the task thread, so that the records it holds and checkpoints are
 * never written by the client's threads. {@code enrichment} runs that section alone; {@code paced}
 * repeats the paced rows at 40,000 records/s and shows when their slow records were due; {@code
 * transports} runs the headline batch job over HTTP and over gRPC, alternating, with the job's CPU
 * per record: the CPU of the whole process minus that of the embedded server's threads (named
 * {@code triton-test-server…}, and the JDK HTTP server's dispatcher), so Flink's task threads, the
 * client, JIT and GC all count.
 */
public final class FlinkBatchBenchmark {

    /** A paced record slower than this counts as slow. */
    private static final int SLOW_MILLIS = 25;

    private final int parallelism;
    private final int concurrency;
    private final boolean enrichmentOnly;
    private final TritonTestServer server;
    private String endpoint;

    private FlinkBatchBenchmark(
            int parallelism, int concurrency, boolean enrichmentOnly, TritonTestServer server) {
        this.parallelism = parallelism;
        this.concurrency = concurrency;
        this.enrichmentOnly = enrichmentOnly;
        this.server = server;
        this.endpoint = server.endpoint();
    }

    public static void main(String[] args) throws Exception {
        int parallelism = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String sections = args.length > 2 ? args[2] : "all";
        if (!List.of("all", "enrichment", "paced", "transports").contains(sections)) {
            throw new IllegalArgumentException(
                    "The third argument names the sections to run: all, enrichment, paced or"
                            + " transports, not "
                            + sections);
        }
        try (TritonTestServer server = BenchModel.start(parallelism, concurrency)) {
            FlinkBatchBenchmark benchmark =
                    new FlinkBatchBenchmark(
                            parallelism, concurrency, sections.equals("enrichment"), server);
            int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
            if (sections.equals("paced")) {
                benchmark.pacedRounds(rounds);
            } else if (sections.equals("transports")) {
                benchmark.transports(rounds);
            } else {
                benchmark.run();
            }
        }
    }

    private void run() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "# Flink batch operator vs per-record async I/O%n"
                        + "model %s: FP32[%d], max_batch_size %d, %d ms per request;"
                        + " parallelism %d, %d requests in flight per subtask;"
                        + " %d available processors, Java %s%n%n",
                BenchModel.NAME,
                BenchRequest.WIDTH,
                BenchModel.MAX_BATCH,
                BenchModel.COST_PER_REQUEST.toMillis(),
                parallelism,
                concurrency,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));

        if (enrichmentOnly) {
            batched(64, Duration.ofMillis(5), 40_000, 0);
            enriched(64, Duration.ofMillis(5), 40_000, 0);
            enrichment();
            return;
        }

        // Warm-up: class loading, JIT, connection pools; not reported.
        perRecord(4_000, 0);
        batched(64, Duration.ofMillis(5), 40_000, 0);

        System.out.println("## Headline: maxBatchSize 64, maxBatchDelay 5 ms, full speed");
        System.out.println();
        System.out.println("| round | per-record async I/O rec/s | batch operator rec/s | ratio |");
        System.out.println("| ---: | ---: | ---: | ---: |");
        double[] baseline = new double[3];
        double[] batch = new double[3];
        for (int round = 0; round < 3; round++) {
            baseline[round] = perRecord(20_000, 0).recordsPerSecond;
            batch[round] = batched(64, Duration.ofMillis(5), 400_000, 0).recordsPerSecond;
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %,.0f | %,.0f | %.1f× |%n",
                    round + 1,
                    baseline[round],
                    batch[round],
                    batch[round] / baseline[round]);
        }
        double medianBaseline = BenchJobs.median(baseline);
        double medianBatch = BenchJobs.median(batch);
        System.out.printf(
                Locale.ROOT,
                "| median | %,.0f | %,.0f | **%.1f×** |%n%n",
                medianBaseline,
                medianBatch,
                medianBatch / medianBaseline);

        System.out.println("## Full speed by maxBatchSize (maxBatchDelay 5 ms)");
        System.out.println();
        System.out.println(
                "| pipeline | maxBatchSize | records | rec/s | mean request size | p50 ms | p99 ms |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        row("per-record async I/O", "1", perRecord(20_000, 0));
        for (int size : new int[] {1, 8, 16, 32, 64, 128}) {
            int records = Math.min(400_000, 20_000 * size);
            row(
                    "batch operator",
                    Integer.toString(size),
                    batched(size, Duration.ofMillis(5), records, 0));
        }
        System.out.println();

        System.out.println("## Paced input: latency by maxBatchDelay (maxBatchSize 64)");
        System.out.println();
        System.out.println(
                "| input rec/s | pipeline | maxBatchDelay | rec/s | mean request size | p50 ms |"
                        + " p99 ms |");
        System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        int slow = 2_000;
        pacedRow(slow, "per-record async I/O", "–", perRecord(slow * 4, slow));
        for (int delay : new int[] {1, 5, 20}) {
            pacedRow(
                    slow,
                    "batch operator",
                    delay + " ms",
                    batched(64, Duration.ofMillis(delay), slow * 4, slow));
        }
        int fast = 40_000;
        for (int delay : new int[] {1, 5, 20}) {
            pacedRow(
                    fast,
                    "batch operator",
                    delay + " ms",
                    batched(64, Duration.ofMillis(delay), fast * 4, fast));
        }
        System.out.println();

        enrichment();
    }

    /**
     * The paced rows at 40,000 records/s, {@code rounds} times each, the three delays in a rotating
     * order, with where in the run the slow records (over {@link #SLOW_MILLIS}) were due: a tail
     * that comes from one stall shows as a short window, a tail spread over the run as a long one.
     */
    private void pacedRounds(int rounds) throws Exception {
        int rate = 40_000;
        batched(64, Duration.ofMillis(5), rate, rate); // warm-up, not reported
        System.out.printf(
                Locale.ROOT,
                "## Paced input at %,d rec/s, maxBatchSize 64, %d rounds%n%n"
                        + "| round | maxBatchDelay | mean request size | p50 ms | p99 ms | max ms |"
                        + " records over %d ms | they were due at (ms into the run) |%n"
                        + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |%n",
                rate,
                rounds,
                SLOW_MILLIS);
        int[] delays = {1, 5, 20};
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < delays.length; i++) {
                int delay = delays[(round + i) % delays.length];
                Result result = batched(64, Duration.ofMillis(delay), rate * 4, rate);
                System.out.printf(
                        Locale.ROOT,
                        "| %d | %d ms | %.1f | %.1f | %.1f | %.1f | %,d | %s |%n",
                        round + 1,
                        delay,
                        result.meanRequestSize,
                        result.p50Millis,
                        result.p99Millis,
                        result.maxMillis,
                        result.slowRecords,
                        result.slowWindow);
            }
        }
        System.out.println();
    }

    /**
     * The headline job (maxBatchSize 64, maxBatchDelay 5 ms, full speed) over HTTP and over gRPC,
     * {@code rounds} times, alternating which goes first: records/s and the job's CPU per record.
     */
    private void transports(int rounds) throws Exception {
        String http = server.endpoint();
        String grpc = server.grpcEndpoint();
        int records = 400_000;
        for (String warmUp : List.of(http, grpc)) {
            endpoint = warmUp;
            batched(64, Duration.ofMillis(5), 40_000, 0);
        }
        System.out.printf(
                Locale.ROOT,
                "## HTTP and gRPC: maxBatchSize 64, maxBatchDelay 5 ms, full speed,"
                        + " %,d records, %d rounds%n%n"
                        + "| round | HTTP rec/s | gRPC rec/s | gRPC / HTTP rec/s"
                        + " | HTTP CPU µs/rec | gRPC CPU µs/rec | gRPC / HTTP CPU |%n"
                        + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |%n",
                records,
                rounds);
        double[][] rates = new double[2][rounds];
        double[][] cpu = new double[2][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 2; i++) {
                int side = (round + i) % 2;
                endpoint = side == 0 ? http : grpc;
                JobCpu jobCpu = JobCpu.start();
                Result result = batched(64, Duration.ofMillis(5), records, 0);
                rates[side][round] = result.recordsPerSecond;
                cpu[side][round] = jobCpu.elapsedNanos() / 1e3 / records;
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %,.0f | %,.0f | %.2f× | %.2f | %.2f | %.2f× |%n",
                    round + 1,
                    rates[0][round],
                    rates[1][round],
                    rates[1][round] / rates[0][round],
                    cpu[0][round],
                    cpu[1][round],
                    cpu[1][round] / cpu[0][round]);
        }
        double[] medianRate = {BenchJobs.median(rates[0]), BenchJobs.median(rates[1])};
        double[] medianCpu = {BenchJobs.median(cpu[0]), BenchJobs.median(cpu[1])};
        System.out.printf(
                Locale.ROOT,
                "| median | %,.0f | %,.0f | **%.2f×** | %.2f | %.2f | **%.2f×** |%n%n",
                medianRate[0],
                medianRate[1],
                medianRate[1] / medianRate[0],
                medianCpu[0],
                medianCpu[1],
                medianCpu[1] / medianCpu[0]);
        endpoint = http;
    }

    /** A separate output class against an enrichment, which costs a copy of each input. */
    private void enrichment() throws Exception {
        System.out.println(
                "## Enrichment: maxBatchSize 64, maxBatchDelay 5 ms, full speed (inputs copied)");
        System.out.println();
        System.out.println("| round | separate output class rec/s | enrichment rec/s | ratio |");
        System.out.println("| ---: | ---: | ---: | ---: |");
        double[] separate = new double[3];
        double[] enriched = new double[3];
        for (int round = 0; round < 3; round++) {
            separate[round] = batched(64, Duration.ofMillis(5), 200_000, 0).recordsPerSecond;
            enriched[round] = enriched(64, Duration.ofMillis(5), 200_000, 0).recordsPerSecond;
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %,.0f | %,.0f | %.2f |%n",
                    round + 1,
                    separate[round],
                    enriched[round],
                    enriched[round] / separate[round]);
        }
        System.out.printf(
                Locale.ROOT,
                "| median | %,.0f | %,.0f | %.2f |%n%n",
                BenchJobs.median(separate),
                BenchJobs.median(enriched),
                BenchJobs.median(enriched) / BenchJobs.median(separate));
    }

    private void row(String pipeline, String size, Result result) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %,d | %,.0f | %.1f | %.1f | %.1f |%n",
                pipeline,
                size,
                result.records,
                result.recordsPerSecond,
                result.meanRequestSize,
                result.p50Millis,
                result.p99Millis);
    }

    private void pacedRow(int rate, String pipeline, String delay, Result result) {
        System.out.printf(
                Locale.ROOT,
                "| %,d | %s | %s | %,.0f | %.1f | %.1f | %.1f |%n",
                rate,
                pipeline,
                delay,
                result.recordsPerSecond,
                result.meanRequestSize,
                result.p50Millis,
                result.p99Millis);
    }

    // ---------------------------------------------------------------------------------------

    /** The batch operator, unordered, with the combiner that timestamps each result. */
    private Result batched(int maxBatchSize, Duration delay, int records, int ratePerSecond)
            throws Exception {
        StreamExecutionEnvironment env = environment();
        TritonInference.builder(BenchRequest.class, BenchResult.class)
                .endpoint(endpoint)
                .model(BenchModel.NAME)
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(delay)
                .capacity(concurrency)
                .maxConcurrentRequests(concurrency)
                .ordered(false)
                .build()
                .apply(
                        source(env, records, ratePerSecond, BenchRequest::of, BenchRequest.class),
                        Timed::of,
                        Timed.class)
                .sinkTo(new TimingSink());
        return execute(env, records, "batch operator, maxBatchSize " + maxBatchSize);
    }

    /** As {@link #batched}, with records that are sent and come back filled in. */
    private Result enriched(int maxBatchSize, Duration delay, int records, int ratePerSecond)
            throws Exception {
        StreamExecutionEnvironment env = environment();
        TritonInference.builder(BenchEnriched.class, BenchEnriched.class)
                .endpoint(endpoint)
                .model(BenchModel.NAME)
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(delay)
                .capacity(concurrency)
                .maxConcurrentRequests(concurrency)
                .ordered(false)
                .build()
                .apply(
                        source(env, records, ratePerSecond, BenchEnriched::of, BenchEnriched.class),
                        (input, output) -> Timed.of(output),
                        Timed.class)
                .sinkTo(new TimingSink());
        return execute(env, records, "batch operator, enrichment, maxBatchSize " + maxBatchSize);
    }

    /** Flink's own async I/O, one request per record, same concurrency. */
    private Result perRecord(int records, int ratePerSecond) throws Exception {
        StreamExecutionEnvironment env = environment();
        AsyncDataStream.unorderedWait(
                        source(env, records, ratePerSecond, BenchRequest::of, BenchRequest.class),
                        new PerRecordInference(endpoint, concurrency),
                        30,
                        TimeUnit.SECONDS,
                        concurrency)
                .returns(Timed.class)
                .sinkTo(new TimingSink());
        return execute(env, records, "per-record async I/O");
    }

    private StreamExecutionEnvironment environment() {
        Configuration configuration = new Configuration();
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, configuration);
    }

    private <T> DataStream<T> source(
            StreamExecutionEnvironment env,
            int records,
            int ratePerSecond,
            Maker<T> maker,
            Class<T> type) {
        return BenchJobs.source(env, records, ratePerSecond, parallelism, maker, type);
    }

    private Result execute(StreamExecutionEnvironment env, int records, String name)
            throws Exception {
        Measurements.reset(records, true);
        // Each job of this JVM has its own user-code class loader. Unloading the classes of the
        // jobs before runs in G1's Remark pause, which stalls a job for 20-50 ms when it falls
        // inside one (docs/PERFORMANCE.md); a full collection now does it between jobs.
        System.gc();
        long requestsBefore = requestCount();
        env.execute(name);
        long requests = requestCount() - requestsBefore;
        int seen = Measurements.COUNT.get();
        if (seen != records || Measurements.WRONG.get() != 0) {
            throw new IllegalStateException(
                    name
                            + ": "
                            + seen
                            + " outputs for "
                            + records
                            + " records, "
                            + Measurements.WRONG.get()
                            + " wrong");
        }
        long[] latencies = Arrays.copyOf(Measurements.LATENCIES, seen);
        int slow = 0;
        long firstSlowDue = Long.MAX_VALUE;
        long lastSlowDue = Long.MIN_VALUE;
        for (int i = 0; i < seen; i++) {
            if (latencies[i] > SLOW_MILLIS * 1_000_000L) {
                long due = Measurements.ARRIVALS[i] - latencies[i] - Measurements.FIRST.get();
                slow++;
                firstSlowDue = Math.min(firstSlowDue, due);
                lastSlowDue = Math.max(lastSlowDue, due);
            }
        }
        Arrays.sort(latencies);
        double seconds = (Measurements.LAST.get() - Measurements.FIRST.get()) / 1e9;
        return new Result(
                records,
                records / seconds,
                requests == 0 ? 0 : (double) records / requests,
                BenchJobs.percentile(latencies, 0.50) / 1e6,
                BenchJobs.percentile(latencies, 0.99) / 1e6,
                latencies[seen - 1] / 1e6,
                slow,
                slow == 0
                        ? "–"
                        : String.format(
                                Locale.ROOT,
                                "%d–%d",
                                firstSlowDue / 1_000_000,
                                lastSlowDue / 1_000_000));
    }

    private long requestCount() {
        return server.stats().inferRequests(BenchModel.NAME);
    }

    /**
     * CPU of this process since {@link #start()} minus that of the embedded server's threads: the
     * job's side. A server thread that ended in between takes its CPU with it and is counted for
     * the job; the server's pools keep their threads for the length of a run.
     */
    private static final class JobCpu {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final long processAtStart;
        private final Map<Long, Long> serverAtStart;

        private JobCpu() {
            processAtStart = processCpu();
            serverAtStart = serverThreads();
        }

        static JobCpu start() {
            return new JobCpu();
        }

        long elapsedNanos() {
            long server = 0;
            for (Map.Entry<Long, Long> thread : serverThreads().entrySet()) {
                server += thread.getValue() - serverAtStart.getOrDefault(thread.getKey(), 0L);
            }
            return processCpu() - processAtStart - server;
        }

        private static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean)
                            ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        private static Map<Long, Long> serverThreads() {
            Map<Long, Long> cpu = new HashMap<>();
            long[] ids = THREADS.getAllThreadIds();
            ThreadInfo[] infos = THREADS.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                long nanos = THREADS.getThreadCpuTime(ids[i]);
                if (infos[i] != null
                        && nanos >= 0
                        && (infos[i].getThreadName().startsWith("triton-test-server")
                                || infos[i].getThreadName().startsWith("HTTP-Dispatcher"))) {
                    cpu.put(ids[i], nanos);
                }
            }
            return cpu;
        }
    }

    private static final class Result {
        final int records;
        final double recordsPerSecond;
        final double meanRequestSize;
        final double p50Millis;
        final double p99Millis;
        final double maxMillis;
        final int slowRecords;
        final String slowWindow;

        Result(
                int records,
                double recordsPerSecond,
                double meanRequestSize,
                double p50Millis,
                double p99Millis,
                double maxMillis,
                int slowRecords,
                String slowWindow) {
            this.records = records;
            this.recordsPerSecond = recordsPerSecond;
            this.meanRequestSize = meanRequestSize;
            this.p50Millis = p50Millis;
            this.p99Millis = p99Millis;
            this.maxMillis = maxMillis;
            this.slowRecords = slowRecords;
            this.slowWindow = slowWindow;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Job parts. The MiniCluster runs in this JVM, so they report through static fields
    // (BenchJobs.Measurements).

    /** The baseline: one {@code infer} call, of one record, per record. */
    static final class PerRecordInference extends RichAsyncFunction<BenchRequest, Timed> {
        private static final long serialVersionUID = 1L;

        private final String endpoint;
        private final int maxConcurrentRequests;
        private transient TritonModelClient client;

        PerRecordInference(String endpoint, int maxConcurrentRequests) {
            this.endpoint = endpoint;
            this.maxConcurrentRequests = maxConcurrentRequests;
        }

        @Override
        public void open(OpenContext openContext) {
            client =
                    TritonModelClient.builder()
                            .endpoint(endpoint)
                            .model(BenchModel.NAME)
                            .maxRecordsPerRequest(1)
                            .maxConcurrentRequests(maxConcurrentRequests)
                            .build();
            client.validate(BenchRequest.class, BenchResult.class);
        }

        @Override
        public void asyncInvoke(BenchRequest request, ResultFuture<Timed> resultFuture) {
            client.infer(List.of(request), BenchResult.class)
                    .whenComplete(
                            (results, error) -> {
                                if (error != null) {
                                    resultFuture.completeExceptionally(error);
                                } else {
                                    resultFuture.complete(
                                            List.of(Timed.of(request, results.get(0))));
                                }
                            });
        }

        @Override
        public void close() {
            if (client != null) {
                client.close();
            }
        }
    }
}
