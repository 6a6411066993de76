package org.flinktriton.benchmarks.table;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.table.FlinkModelTritonPatch;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.flinktriton.wire.Tensor;

/**
 * One {@code ML_PREDICT} query through Flink's own Triton provider ({@code 'provider' = 'triton'},
 * the {@code flink-model-triton-2.3.0} jar from Maven Central <b>patched with the two fixes of
 * Flink's master</b>, without which it runs no ML_PREDICT) and through {@code 'provider' =
 * 'flink-triton'} (the {@code -sql} jar), against the same server, with the same parallelism and
 * the same ML_PREDICT settings ({@code 'async' = 'true'}, {@code max-concurrent-operations} 200,
 * the async capacity their README's tuning tips raise to), each provider with its own defaults (no
 * {@code WITH} option beyond endpoint, model and, for theirs, a version: their default {@code
 * latest} goes into the URL, which Triton refuses).
 *
 * <p>Each run is a JVM of its own ({@link MlPredictChild}) whose class path is Flink's (what a
 * distribution's {@code lib/} holds: Flink 2.3.0, the release their jar comes with, listed in
 * {@code benchmarks/target/flink-classpath.txt}; {@code flinkClasspath=} names another list) plus
 * that provider's jar, so neither provider's libraries meet the other's. It runs the query on an
 * unthrottled, unbounded source and measures a window of {@code seconds} that opens {@code skip}
 * seconds after the first row reaches the sink, then cancels the job: both sides are measured
 * running steadily for the same time, whatever their speed (a fixed number of rows would give the
 * faster side a run of a few seconds, most of it the job's start and the JIT's compilation of the
 * job's generated code). Reported per run: rows/s in the window and client CPU per row (the child
 * JVM's process CPU time over the window: Flink, the provider, its HTTP client, JIT and GC; the
 * server is not counted). The two sides alternate which goes first from round to round; the table
 * gives the ratios of each round and their medians.
 *
 * <p>The server is embedded in this JVM unless {@code url=} names another one. The model: one input
 * {@code X} FP32[width] and one output {@code Y} = X × scale, {@code max_batch_size} 128; on
 * another server pass its name, width and scale (KServe's anchor server of {@code
 * ../shared/anchors}: {@code model=echo_FP32 width=4 scale=1}). Their provider always asks for
 * {@code …/versions/<version>/infer}, which KServe's server answers with 501: {@code
 * theirModel=echo_FP32/infer?v=} gives theirs a model name that ends its URL's path there and puts
 * the version part into a query string the server ignores.
 *
 * <p>Run (the jars come from table's {@code verify}, Flink's class path from benchmarks'):
 *
 * <pre>
 * mvn -B -q verify -DskipTests -Dspotless.check.skip=true -pl table,benchmarks -am
 * mvn -B -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     org.flinktriton.benchmarks.table.MlPredictVersusFlinkTriton \
 *     [seconds=15] [skip=10] [rounds=3] [parallelism=2] [rowsInFlight=200] [costMs=0] \
 *     [url=http://host:port model=echo_FP32 width=4 scale=1 version=1 theirModel=echo_FP32/infer?v=] \
 *     [ours=extra WITH options for ours, e.g. 'max-batch-size' = '64'] [table=table/target]
 *     [only=ours|theirs] [childJvm=extra JVM options of each run, space-separated]
 *     [predict=extra ML_PREDICT MAP entries of both sides, e.g. 'timeout=0 s;output-mode=ALLOW_UNORDERED']
 *     [flink=Flink configuration of both sides' jobs, e.g. 'pipeline.object-reuse=true']
 * </pre>
 *
 * <p>{@code only=} runs one side (no ratios), for profiling it: {@code only=ours
 * childJvm=-XX:StartFlightRecording=filename=ours.jfr,settings=profile} records each run of ours
 * with Flight Recorder. {@code predict=} and {@code flink=} apply to both sides alike, to show what
 * ML_PREDICT's own options and Flink's settings cost per row (each {@code key=value}, separated by
 * {@code ;}); without them each side runs at Flink's defaults.
 */
public final class MlPredictVersusFlinkTriton {
    private static final String MODEL = "scale_fp32";

    private MlPredictVersusFlinkTriton() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> arg = new LinkedHashMap<>();
        arg.put("skip", "10");
        arg.put("seconds", "15");
        arg.put("rounds", "3");
        arg.put("parallelism", "2");
        arg.put("rowsInFlight", "200");
        arg.put("costMs", "0");
        arg.put("url", "");
        arg.put("model", MODEL);
        arg.put("width", "16");
        arg.put("scale", "2");
        arg.put("version", "1");
        arg.put("theirModel", "");
        arg.put("ours", "-");
        arg.put("table", "table/target");
        arg.put("flinkClasspath", "benchmarks/target/flink-classpath.txt");
        arg.put("only", "");
        arg.put("childJvm", "");
        arg.put("predict", "");
        arg.put("flink", "");
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0 || !arg.containsKey(a.substring(0, eq))) {
                throw new IllegalArgumentException(
                        "Unknown argument " + a + "; known: " + arg.keySet());
            }
            arg.put(a.substring(0, eq), a.substring(eq + 1));
        }
        if (!List.of("", "ours", "theirs").contains(arg.get("only"))) {
            throw new IllegalArgumentException(
                    "only= takes ours or theirs, not " + arg.get("only"));
        }
        Path table = Path.of(arg.get("table"));
        Path flinkClasspath = Path.of(arg.get("flinkClasspath"));
        Path theirJar = table.resolve("flink-model-triton/flink-model-triton-2.3.0.jar");
        Path sqlJar;
        try (var jars = Files.list(table)) {
            sqlJar =
                    jars.filter(p -> p.getFileName().toString().endsWith("-sql.jar"))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    "No -sql jar in "
                                                            + table
                                                            + ": run mvn verify -pl table -am"));
        }
        for (Path needed : List.of(flinkClasspath, theirJar)) {
            if (!Files.exists(needed)) {
                throw new IllegalStateException(
                        needed
                                + " is missing: run mvn verify -DskipTests -pl table,benchmarks -am");
            }
        }
        Path work = Files.createTempDirectory("ml-predict-versus");
        Path patched = work.resolve(theirJar.getFileName());
        FlinkModelTritonPatch.write(theirJar, patched);

        int parallelism = Integer.parseInt(arg.get("parallelism"));
        int rowsInFlight = Integer.parseInt(arg.get("rowsInFlight"));
        TritonTestServer server = null;
        String endpoint = arg.get("url");
        if (endpoint.isEmpty()) {
            server =
                    TritonTestServer.builder()
                            .model(
                                    TestModels.withCost(
                                            scaleModel(
                                                    Integer.parseInt(arg.get("width")),
                                                    Float.parseFloat(arg.get("scale"))),
                                            Duration.ofMillis(Long.parseLong(arg.get("costMs"))),
                                            Duration.ZERO))
                            .compressResponses(false)
                            .workerThreads(Math.max(32, 2 * parallelism * rowsInFlight))
                            .start();
            endpoint = server.endpoint();
        }
        try {
            new Runner(arg, endpoint, server, flinkClasspath, patched, sqlJar).run();
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** Y = X × scale over FP32[width], {@code max_batch_size} 128. */
    static TestModel scaleModel(int width, float scale) {
        return TestModel.builder(MODEL)
                .maxBatchSize(128)
                .input("X", TritonDataType.FP32, width)
                .output("Y", TritonDataType.FP32, width)
                .handler(
                        request -> {
                            float[] x = request.input("X").toFloats();
                            float[] y = new float[x.length];
                            for (int i = 0; i < x.length; i++) {
                                y[i] = x[i] * scale;
                            }
                            return List.of(
                                    Tensor.ofFloats(
                                            "Y", TritonDataType.FP32, request.outputShape("Y"), y));
                        })
                .build();
    }

    private static final class Runner {
        final Map<String, String> arg;
        final String endpoint;
        final TritonTestServer server;
        final List<String> flinkClasspath;
        final Path theirJar;
        final Path ourJar;

        Runner(
                Map<String, String> arg,
                String endpoint,
                TritonTestServer server,
                Path flinkClasspath,
                Path theirJar,
                Path ourJar)
                throws IOException {
            this.arg = arg;
            this.endpoint = endpoint;
            this.server = server;
            this.flinkClasspath =
                    Arrays.asList(
                            Files.readString(flinkClasspath).trim().split(File.pathSeparator));
            this.theirJar = theirJar;
            this.ourJar = ourJar;
        }

        void run() throws Exception {
            int rounds = Integer.parseInt(arg.get("rounds"));
            System.out.printf(
                    Locale.ROOT,
                    "# ML_PREDICT: 'triton' (flink-model-triton 2.3.0, patched with Flink master's"
                            + " two fixes) vs 'flink-triton', each at its defaults%n"
                            + "server %s, model %s (FP32[%s]); %s s measured after %s s,"
                            + " parallelism %s,"
                            + " 'async' = 'true', 'max-concurrent-operations' = %s; ours' extra"
                            + " options: %s; ML_PREDICT options: %s; Flink settings: %s; %d"
                            + " available processors, Java %s%n%n",
                    server == null ? endpoint : "embedded (cost " + arg.get("costMs") + " ms)",
                    arg.get("model"),
                    arg.get("width"),
                    arg.get("seconds"),
                    arg.get("skip"),
                    arg.get("parallelism"),
                    arg.get("rowsInFlight"),
                    arg.get("ours"),
                    arg.get("predict").isEmpty() ? "-" : arg.get("predict"),
                    arg.get("flink").isEmpty() ? "-" : arg.get("flink"),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            String only = arg.get("only");
            if (!only.isEmpty()) {
                for (int round = 0; round < rounds; round++) {
                    Result result = side(only.equals("theirs") ? "triton" : "flink-triton");
                    System.out.printf(
                            Locale.ROOT,
                            "%s round %d: %,.0f rows/s, %.1f CPU µs/row, %s rows/request%n",
                            only,
                            round + 1,
                            result.rowsPerSecond(),
                            result.cpuMicrosPerRow(),
                            result.rowsPerRequest());
                }
                return;
            }
            System.out.println(
                    "| round | first | theirs rows/s | ours rows/s | rows/s ratio |"
                            + " theirs CPU µs/row | ours CPU µs/row | CPU ratio |"
                            + " rows/request theirs / ours |");
            System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            double[] speed = new double[rounds];
            double[] cpu = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                boolean oursFirst = round % 2 == 1;
                Result ours = null;
                Result theirs;
                if (oursFirst) {
                    ours = side("flink-triton");
                }
                theirs = side("triton");
                if (!oursFirst) {
                    ours = side("flink-triton");
                }
                speed[round] = ours.rowsPerSecond() / theirs.rowsPerSecond();
                cpu[round] = ours.cpuMicrosPerRow() / theirs.cpuMicrosPerRow();
                System.out.printf(
                        Locale.ROOT,
                        "| %d | %s | %,.0f | %,.0f | %.1f× | %.1f | %.2f | %.3f× | %s / %s |%n",
                        round + 1,
                        oursFirst ? "ours" : "theirs",
                        theirs.rowsPerSecond(),
                        ours.rowsPerSecond(),
                        speed[round],
                        theirs.cpuMicrosPerRow(),
                        ours.cpuMicrosPerRow(),
                        cpu[round],
                        theirs.rowsPerRequest(),
                        ours.rowsPerRequest());
            }
            System.out.printf(
                    Locale.ROOT,
                    "| median | | | | **%.1f×** | | | **%.3f×** | |%n",
                    median(speed),
                    median(cpu));
        }

        Result side(String provider) throws Exception {
            boolean theirs = provider.equals("triton");
            List<String> classPath = new ArrayList<>(flinkClasspath);
            classPath.add((theirs ? theirJar : ourJar).toString());
            classPath.add(
                    Path.of(
                                    MlPredictChild.class
                                            .getProtectionDomain()
                                            .getCodeSource()
                                            .getLocation()
                                            .toURI())
                            .toString());
            long requestsBefore = server == null ? 0 : server.stats().inferRequests(MODEL);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx1g");
            for (String option : arg.get("childJvm").trim().split("\\s+")) {
                if (!option.isEmpty()) {
                    command.add(option);
                }
            }
            command.addAll(
                    List.of(
                            "-cp",
                            String.join(File.pathSeparator, classPath),
                            MlPredictChild.class.getName(),
                            provider,
                            theirs ? endpoint + "/v2/models" : endpoint,
                            theirs && !arg.get("theirModel").isEmpty()
                                    ? arg.get("theirModel")
                                    : arg.get("model"),
                            theirs ? arg.get("version") : "-",
                            arg.get("width"),
                            arg.get("scale"),
                            arg.get("skip"),
                            arg.get("seconds"),
                            arg.get("parallelism"),
                            arg.get("rowsInFlight"),
                            theirs ? "-" : arg.get("ours"),
                            arg.get("predict").isEmpty() ? "-" : arg.get("predict"),
                            arg.get("flink").isEmpty() ? "-" : arg.get("flink")));
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output =
                    new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!child.waitFor(30, TimeUnit.MINUTES) || child.exitValue() != 0) {
                child.destroyForcibly();
                throw new IllegalStateException(provider + " failed:\n" + output);
            }
            long requests =
                    server == null ? 0 : server.stats().inferRequests(MODEL) - requestsBefore;
            for (String line : output.split("\n")) {
                if (line.startsWith("RESULT|")) {
                    String[] f = line.trim().split("\\|");
                    long rows = Long.parseLong(f[1]);
                    if (Long.parseLong(f[4]) != 0) {
                        throw new IllegalStateException(
                                provider + ": " + f[4] + " wrong outputs\n" + output);
                    }
                    return new Result(
                            rows,
                            Double.parseDouble(f[2]),
                            Long.parseLong(f[3]),
                            Long.parseLong(f[5]),
                            requests);
                }
            }
            throw new IllegalStateException(provider + " printed no RESULT:\n" + output);
        }
    }

    /**
     * One run. {@code requests} (0 on another server, which this JVM cannot count) covers the whole
     * run, so rows per request divide it into {@code rowsSent}, every row of the run.
     */
    private static final class Result {
        final long rows;
        final double seconds;
        final long cpuNanos;
        final long rowsSent;
        final long requests;

        Result(long rows, double seconds, long cpuNanos, long rowsSent, long requests) {
            this.rows = rows;
            this.seconds = seconds;
            this.cpuNanos = cpuNanos;
            this.rowsSent = rowsSent;
            this.requests = requests;
        }

        double rowsPerSecond() {
            return rows / seconds;
        }

        double cpuMicrosPerRow() {
            return cpuNanos / 1e3 / rows;
        }

        String rowsPerRequest() {
            return requests == 0
                    ? "?"
                    : String.format(Locale.ROOT, "%.1f", (double) rowsSent / requests);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
