package org.flinktriton.benchmarks.table;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.types.Row;
import org.flinktriton.benchmarks.flink.BenchModel;
import org.flinktriton.testkit.TritonTestServer;

/**
 * Rows per second of Flink SQL's {@code ML_PREDICT} on a {@code 'provider' = 'flink-triton'} model,
 * two ways in the same run against the same embedded {@link TritonTestServer}:
 *
 * <ul>
 *   <li><b>batched</b>: {@code 'max-batch-size' = '64'}, binary tensors (the defaults' way), and
 *       ML_PREDICT allowed {@code concurrency} × 64 rows in flight;
 *   <li><b>one row per request, JSON</b>: {@code 'max-batch-size' = '1'}, {@code 'binary-data' =
 *       'false'}, {@code concurrency} rows in flight: what Flink's own Triton provider does.
 * </ul>
 *
 * <p>Both sides have {@code concurrency} HTTP requests in flight per parallel instance ({@code
 * max-concurrent-requests}). The model is add_sub over FP32[16] with {@code max_batch_size} 128 and
 * a fixed cost of 2 ms per request, whatever its size. The query is {@code SELECT created, <check>
 * FROM ML_PREDICT(TABLE pairs, MODEL m, DESCRIPTOR(a, b))} over a bounded {@code datagen} table;
 * {@code created} is stamped per row in the view before ML_PREDICT, and a sink counts the rows,
 * checks every output ({@code OUTPUT0 = a + b}, {@code OUTPUT1 = a - b} on the first and the last
 * element) and takes the time of the last one. Rows/s is the row count over the span from the first
 * row created to the last one at the sink (job start-up excluded). Everything, the server included,
 * shares one JVM.
 *
 * <p>Run (Flink is a provided dependency of this module, so it runs with the module's class path):
 *
 * <pre>
 * mvn -B -q install -DskipTests -Dspotless.check.skip=true -pl annotations,processor,runtime,testkit,table,benchmarks
 * mvn -B -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     org.flinktriton.benchmarks.table.MlPredictBenchmark [parallelism=2] [concurrency=4] \
 *     [batched rows=400000] [per-row rows=20000] [rounds=3]
 * </pre>
 */
public final class MlPredictBenchmark {

    private static final int BATCH = 64;

    /** The ratio the issue asks for. */
    private static final double FLOOR = 10.0;

    private final int parallelism;
    private final int concurrency;
    private final String endpoint;
    private final TritonTestServer server;

    private MlPredictBenchmark(int parallelism, int concurrency, TritonTestServer server) {
        this.parallelism = parallelism;
        this.concurrency = concurrency;
        this.server = server;
        this.endpoint = server.endpoint();
    }

    public static void main(String[] args) throws Exception {
        int parallelism = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int batchedRows = args.length > 2 ? Integer.parseInt(args[2]) : 400_000;
        int perRowRows = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        try (TritonTestServer server = BenchModel.start(parallelism, concurrency)) {
            new MlPredictBenchmark(parallelism, concurrency, server)
                    .run(batchedRows, perRowRows, rounds);
        }
    }

    private void run(int batchedRows, int perRowRows, int rounds) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "# ML_PREDICT: flink-triton batched vs one row per request in JSON%n"
                        + "model %s: FP32[%d], max_batch_size %d, %d ms per request;"
                        + " parallelism %d, %d requests in flight per parallel instance;"
                        + " %d available processors, Java %s%n%n",
                BenchModel.NAME,
                BenchModel.WIDTH,
                BenchModel.MAX_BATCH,
                BenchModel.COST_PER_REQUEST.toMillis(),
                parallelism,
                concurrency,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));

        // Warm-up: class loading, the planner's code generation, JIT, connection pools.
        perRow(Math.max(500, perRowRows / 10));
        batched(Math.max(5_000, batchedRows / 10));

        System.out.println(
                "| round | one row per request, JSON rows/s | batched (64, binary) rows/s |"
                        + " ratio | rows per request (per-row / batched) |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: |");
        double[] baseline = new double[rounds];
        double[] batch = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            Result one = perRow(perRowRows);
            Result many = batched(batchedRows);
            baseline[round] = one.rowsPerSecond;
            batch[round] = many.rowsPerSecond;
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %,.0f | %,.0f | %.1f× | %.1f / %.1f |%n",
                    round + 1,
                    one.rowsPerSecond,
                    many.rowsPerSecond,
                    many.rowsPerSecond / one.rowsPerSecond,
                    one.rowsPerRequest,
                    many.rowsPerRequest);
        }
        double ratio = median(batch) / median(baseline);
        System.out.printf(
                Locale.ROOT,
                "| median | %,.0f | %,.0f | **%.1f×** | |%n%n%s the %.0f× floor%n",
                median(baseline),
                median(batch),
                ratio,
                ratio >= FLOOR ? "meets" : "BELOW",
                FLOOR);
    }

    /** Batches of 64 rows, binary tensors, 64 × concurrency rows in flight. */
    private Result batched(int rows) throws Exception {
        return predict(
                "batched",
                rows,
                "'max-batch-size' = '" + BATCH + "', 'max-batch-delay' = '5 ms'",
                BATCH * concurrency);
    }

    /** One row per request in JSON, as Flink's Triton provider sends them. */
    private Result perRow(int rows) throws Exception {
        return predict(
                "one row per request",
                rows,
                "'max-batch-size' = '1', 'binary-data' = 'false'",
                concurrency);
    }

    private Result predict(String name, int rows, String options, int rowsInFlight)
            throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, new Configuration());
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporarySystemFunction("now_nanos", NowNanos.class);
        tEnv.executeSql(
                // datagen emits 10,000 rows/s unless told otherwise: that would be the ceiling.
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'rows-per-second' = '1000000000',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '"
                        + (rows - 1)
                        + "')");
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < BenchModel.WIDTH; i++) {
            a.append(i == 0 ? "" : ", ").append("CAST(id + ").append(i).append(" AS FLOAT)");
            b.append(i == 0 ? "" : ", ").append("CAST(").append(i - 8).append(" AS FLOAT)");
        }
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT now_nanos() AS created, ARRAY["
                        + a
                        + "] AS a, ARRAY["
                        + b
                        + "] AS b FROM gen");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL m"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + endpoint
                        + "', 'model-name' = '"
                        + BenchModel.NAME
                        + "', 'max-concurrent-requests' = '"
                        + concurrency
                        + "', "
                        + options
                        + ")");
        tEnv.toDataStream(
                        tEnv.sqlQuery(
                                "SELECT created,"
                                        + " OUTPUT0[1] = a[1] + b[1] AND OUTPUT1[1] = a[1] - b[1]"
                                        + " AND OUTPUT0["
                                        + BenchModel.WIDTH
                                        + "] = a["
                                        + BenchModel.WIDTH
                                        + "] + b["
                                        + BenchModel.WIDTH
                                        + "] AS correct"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL m,"
                                        + " DESCRIPTOR(a, b), MAP['max-concurrent-operations', '"
                                        + rowsInFlight
                                        + "'])"))
                .sinkTo(new TimingSink());

        Measurements.reset();
        long requestsBefore = server.stats().inferRequests(BenchModel.NAME);
        env.execute("ML_PREDICT " + name);
        long requests = server.stats().inferRequests(BenchModel.NAME) - requestsBefore;
        int seen = Measurements.COUNT.get();
        if (seen != rows || Measurements.WRONG.get() != 0) {
            throw new IllegalStateException(
                    name
                            + ": "
                            + seen
                            + " outputs for "
                            + rows
                            + " rows, "
                            + Measurements.WRONG.get()
                            + " wrong");
        }
        double seconds = (Measurements.LAST.get() - Measurements.FIRST.get()) / 1e9;
        return new Result(rows / seconds, requests == 0 ? 0 : (double) rows / requests);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static final class Result {
        final double rowsPerSecond;
        final double rowsPerRequest;

        Result(double rowsPerSecond, double rowsPerRequest) {
            this.rowsPerSecond = rowsPerSecond;
            this.rowsPerRequest = rowsPerRequest;
        }
    }

    // The MiniCluster runs in this JVM, so the job reports through static fields.

    /** Where the sink reports; reset before each job. */
    static final class Measurements {
        static final AtomicInteger COUNT = new AtomicInteger();
        static final AtomicLong WRONG = new AtomicLong();
        static final AtomicLong FIRST = new AtomicLong(Long.MAX_VALUE);
        static final AtomicLong LAST = new AtomicLong(Long.MIN_VALUE);

        static void reset() {
            COUNT.set(0);
            WRONG.set(0);
            FIRST.set(Long.MAX_VALUE);
            LAST.set(Long.MIN_VALUE);
        }
    }

    /** {@code now_nanos()}: {@link System#nanoTime()} as each row passes. */
    public static final class NowNanos extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        public long eval() {
            return System.nanoTime();
        }

        @Override
        public boolean isDeterministic() {
            return false;
        }
    }

    /** Counts rows, checks them, and keeps the first creation and the last arrival. */
    static final class TimingSink implements Sink<Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Row> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Row row, Context context) {
                    long now = System.nanoTime();
                    if (!Boolean.TRUE.equals(row.getField(1))) {
                        Measurements.WRONG.incrementAndGet();
                    }
                    Measurements.COUNT.incrementAndGet();
                    Measurements.FIRST.accumulateAndGet((Long) row.getField(0), Math::min);
                    Measurements.LAST.accumulateAndGet(now, Math::max);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
