package org.flinktriton.benchmarks.table;

import com.sun.management.OperatingSystemMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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

/**
 * One provider's side of {@link MlPredictVersusFlinkTriton}, in a JVM of its own whose class path
 * is Flink's and that provider's jar: a warm-up query, then the measured one, both {@code SELECT
 * created, Y[1] = x[1] * scale FROM ML_PREDICT(TABLE v, MODEL m, DESCRIPTOR(x), MAP['async',
 * 'true', 'max-concurrent-operations', n])} over a bounded {@code datagen} table. Flink's and the
 * JDK's types only: nothing else of ours is on this class path.
 *
 * <p>The measured span runs from the first row created (stamped before ML_PREDICT) to the last row
 * at the sink; the JVM's process CPU time is read at both ends (every thread: Flink's, the
 * provider's HTTP client's, JIT and GC). The server is in the parent JVM (or elsewhere) and not
 * counted. Prints {@code RESULT|rows|seconds|cpu nanoseconds|wrong}.
 */
public final class MlPredictChild {
    private MlPredictChild() {}

    /**
     * {@code MlPredictChild <provider> <endpoint> <model> <version or -> <width> <scale> <rows>
     * <parallelism> <rows in flight> <extra WITH options or -> <extra ML_PREDICT MAP entries or ->
     * <Flink settings or ->}, the last two as {@code key=value} pairs separated by {@code ;}.
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String provider = args[0];
        String endpoint = args[1];
        String model = args[2];
        String version = args[3];
        int width = Integer.parseInt(args[4]);
        float scale = Float.parseFloat(args[5]);
        int rows = Integer.parseInt(args[6]);
        int parallelism = Integer.parseInt(args[7]);
        int rowsInFlight = Integer.parseInt(args[8]);
        String extra = args[9].equals("-") ? "" : ", " + args[9];
        StringBuilder predict = new StringBuilder();
        for (Map.Entry<String, String> option : pairs(args[10]).entrySet()) {
            predict.append(", '")
                    .append(option.getKey())
                    .append("', '")
                    .append(option.getValue())
                    .append("'");
        }
        Configuration flink = Configuration.fromMap(pairs(args[11]));
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
        Query query = new Query(with, width, scale, parallelism, rowsInFlight, predict, flink);
        run(query, Math.max(1_000, rows / 5));
        Measurements result = run(query, rows);
        out.printf(
                java.util.Locale.ROOT,
                "RESULT|%d|%.6f|%d|%d%n",
                result.count.get(),
                (result.last.get() - result.first.get()) / 1e9,
                result.cpuLast.get() - result.cpuFirst.get(),
                result.wrong.get());
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

    /** What both runs of one side share. */
    private static final class Query {
        final String with;
        final int width;
        final float scale;
        final int parallelism;
        final int rowsInFlight;
        final CharSequence predict;
        final Configuration flink;

        Query(
                String with,
                int width,
                float scale,
                int parallelism,
                int rowsInFlight,
                CharSequence predict,
                Configuration flink) {
            this.with = with;
            this.width = width;
            this.scale = scale;
            this.parallelism = parallelism;
            this.rowsInFlight = rowsInFlight;
            this.predict = predict;
            this.flink = flink;
        }
    }

    private static Measurements run(Query query, int rows) throws Exception {
        String with = query.with;
        int width = query.width;
        float scale = query.scale;
        int rowsInFlight = query.rowsInFlight;
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        query.parallelism, new Configuration(query.flink));
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporarySystemFunction("now_nanos", NowNanos.class);
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'rows-per-second' = '1000000000', 'fields.id.kind' = 'sequence',"
                        + " 'fields.id.start' = '0', 'fields.id.end' = '"
                        + (rows - 1)
                        + "')");
        StringBuilder x = new StringBuilder();
        for (int i = 0; i < width; i++) {
            x.append(i == 0 ? "" : ", ").append("CAST(id % 1000 + ").append(i).append(" AS FLOAT)");
        }
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW v AS SELECT now_nanos() AS created, ARRAY["
                        + x
                        + "] AS x FROM gen");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL m INPUT (x ARRAY<FLOAT>) OUTPUT (y ARRAY<FLOAT>)"
                        + " WITH ("
                        + with
                        + ")");
        Measurements.reset(rows);
        tEnv.toDataStream(
                        tEnv.sqlQuery(
                                "SELECT created, y[1] = x[1] * CAST("
                                        + scale
                                        + " AS FLOAT) AND CARDINALITY(y) = "
                                        + width
                                        + " AS correct FROM ML_PREDICT(TABLE v, MODEL m,"
                                        + " DESCRIPTOR(x), MAP['async', 'true',"
                                        + " 'max-concurrent-operations', '"
                                        + rowsInFlight
                                        + "'"
                                        + query.predict
                                        + "])"))
                .sinkTo(new TimingSink());
        env.execute("ML_PREDICT");
        if (Measurements.CURRENT.count.get() != rows) {
            throw new IllegalStateException(
                    Measurements.CURRENT.count.get() + " outputs for " + rows + " rows");
        }
        return Measurements.CURRENT;
    }

    private static long cpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The MiniCluster runs in this JVM, so the job reports through a static field. */
    static final class Measurements {
        static volatile Measurements CURRENT = new Measurements(0);

        final int rows;
        final AtomicInteger count = new AtomicInteger();
        final AtomicLong wrong = new AtomicLong();
        final AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
        final AtomicBoolean started = new AtomicBoolean();
        final AtomicLong cpuFirst = new AtomicLong();
        final AtomicLong cpuLast = new AtomicLong();

        Measurements(int rows) {
            this.rows = rows;
        }

        static void reset(int rows) {
            CURRENT = new Measurements(rows);
        }
    }

    /** {@code now_nanos()}: {@link System#nanoTime()} as each row passes; the first reads CPU. */
    public static final class NowNanos extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        public long eval() {
            Measurements m = Measurements.CURRENT;
            if (!m.started.get() && m.started.compareAndSet(false, true)) {
                m.cpuFirst.set(cpuNanos());
            }
            return System.nanoTime();
        }

        @Override
        public boolean isDeterministic() {
            return false;
        }
    }

    /** Counts and checks rows; the last one reads the time and the CPU. */
    static final class TimingSink implements Sink<Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Row> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Row row, Context context) {
                    long now = System.nanoTime();
                    Measurements m = Measurements.CURRENT;
                    if (!Boolean.TRUE.equals(row.getField(1))) {
                        m.wrong.incrementAndGet();
                    }
                    m.first.accumulateAndGet((Long) row.getField(0), Math::min);
                    m.last.accumulateAndGet(now, Math::max);
                    if (m.count.incrementAndGet() == m.rows) {
                        m.cpuLast.set(cpuNanos());
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
