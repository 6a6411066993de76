package org.flinktriton.benchmarks.table;

import com.sun.management.OperatingSystemMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * One provider's side of {@link MlPredictVersusFlinkTriton}, in a JVM of its own whose class path
 * is Flink's and that provider's jar: one unbounded query, {@code SELECT y[1] = x[1] * scale AND
 * CARDINALITY(y) = width FROM ML_PREDICT(TABLE v, MODEL m, DESCRIPTOR(x), MAP['async', 'true',
 * 'max-concurrent-operations', n])} over an unthrottled {@code datagen} table, measured over a
 * window of steady running, then cancelled. Flink's and the JDK's types only: nothing else of ours
 * is on this class path.
 *
 * <p>The window opens {@code skip} seconds after the first row reaches the sink (the job's start,
 * class loading and the JIT's first compilations stay outside it) and lasts {@code window} seconds;
 * at both ends the sink's row count and the JVM's process CPU time are read (every thread: Flink's,
 * the provider's HTTP client's, JIT and GC). The server is in the parent JVM (or elsewhere) and not
 * counted. Prints {@code RESULT|rows in the window|seconds|cpu nanoseconds|wrong|rows in all}.
 */
public final class MlPredictChild {
    /** Rows at the sink; the MiniCluster runs in this JVM, so the job reports through a static. */
    static final AtomicLong COUNT = new AtomicLong();

    /** Rows at the sink whose answer is wrong. */
    static final AtomicLong WRONG = new AtomicLong();

    private MlPredictChild() {}

    /**
     * {@code MlPredictChild <provider> <endpoint> <model> <version or -> <width> <scale> <skip
     * seconds> <window seconds> <parallelism> <rows in flight> <extra WITH options or -> <extra
     * ML_PREDICT MAP entries or -> <Flink settings or ->}, the last two as {@code key=value} pairs
     * separated by {@code ;}.
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String provider = args[0];
        String endpoint = args[1];
        String model = args[2];
        String version = args[3];
        int width = Integer.parseInt(args[4]);
        float scale = Float.parseFloat(args[5]);
        double skip = Double.parseDouble(args[6]);
        double window = Double.parseDouble(args[7]);
        int parallelism = Integer.parseInt(args[8]);
        int rowsInFlight = Integer.parseInt(args[9]);
        String extra = args[10].equals("-") ? "" : ", " + args[10];
        StringBuilder predict = new StringBuilder();
        for (Map.Entry<String, String> option : pairs(args[11]).entrySet()) {
            predict.append(", '")
                    .append(option.getKey())
                    .append("', '")
                    .append(option.getValue())
                    .append("'");
        }
        Configuration flink = Configuration.fromMap(pairs(args[12]));
        String with =
                "'provider' = '"
                        + provider
                        + "', 'endpoint' = '"
                        + endpoint
                        + "', 'model-name' = '"
                        + model
                        + "'"
                        + (version.equals("-") ? "" : ", 'model-version' = '" + version + "'")
                        + extra;
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, flink);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'rows-per-second' = '1000000000', 'fields.id.kind' = 'random',"
                        + " 'fields.id.min' = '0', 'fields.id.max' = '999')");
        StringBuilder x = new StringBuilder();
        for (int i = 0; i < width; i++) {
            x.append(i == 0 ? "" : ", ").append("CAST(id + ").append(i).append(" AS FLOAT)");
        }
        tEnv.executeSql("CREATE TEMPORARY VIEW v AS SELECT ARRAY[" + x + "] AS x FROM gen");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL m INPUT (x ARRAY<FLOAT>) OUTPUT (y ARRAY<FLOAT>)"
                        + " WITH ("
                        + with
                        + ")");
        tEnv.toDataStream(
                        tEnv.sqlQuery(
                                "SELECT y[1] = x[1] * CAST("
                                        + scale
                                        + " AS FLOAT) AND CARDINALITY(y) = "
                                        + width
                                        + " AS correct FROM ML_PREDICT(TABLE v, MODEL m,"
                                        + " DESCRIPTOR(x), MAP['async', 'true',"
                                        + " 'max-concurrent-operations', '"
                                        + rowsInFlight
                                        + "'"
                                        + predict
                                        + "])"))
                .sinkTo(new CountingSink());
        JobClient job = env.executeAsync("ML_PREDICT");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (COUNT.get() == 0) {
            if (System.nanoTime() > deadline
                    || job.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "No row reached the sink: " + job.getJobStatus().get());
            }
            Thread.sleep(10);
        }
        Thread.sleep(Math.round(skip * 1000));
        long rows0 = COUNT.get();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(Math.round(window * 1000));
        long rows1 = COUNT.get();
        long cpu1 = cpuNanos();
        long t1 = System.nanoTime();
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            throw new IllegalStateException("The job ended early: " + job.getJobStatus().get());
        }
        job.cancel().get(1, TimeUnit.MINUTES);
        out.printf(
                java.util.Locale.ROOT,
                "RESULT|%d|%.6f|%d|%d|%d%n",
                rows1 - rows0,
                (t1 - t0) / 1e9,
                cpu1 - cpu0,
                WRONG.get(),
                COUNT.get());
        out.flush();
        System.exit(0);
    }

    /** {@code key=value;key=value} as a map; {@code -} for none. */
    private static Map<String, String> pairs(String text) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (text.equals("-")) {
            return pairs;
        }
        for (String pair : text.split(";")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Not key=value: '" + pair + "' in " + text);
            }
            pairs.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return pairs;
    }

    private static long cpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Counts rows and those whose answer is wrong. */
    static final class CountingSink implements Sink<Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Row> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Row row, Context context) {
                    if (!Boolean.TRUE.equals(row.getField(0))) {
                        WRONG.incrementAndGet();
                    }
                    COUNT.incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
