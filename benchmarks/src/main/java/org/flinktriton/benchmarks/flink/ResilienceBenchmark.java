package org.flinktriton.benchmarks.flink;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.flinktriton.benchmarks.flink.BenchJobs.Measurements;
import org.flinktriton.benchmarks.flink.BenchJobs.TimingSink;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.flink.FailedInference;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.testkit.Faults;
import org.flinktriton.testkit.TritonTestServer;

/**
 * What faults on the server cost a Flink job with {@link TritonInference}: throughput and latency
 * under transient 503s and under poison records, each against a fault-free baseline in the same
 * minutes, and how soon the job is back to full throughput after a 3-second outage.
 *
 * <p>The job is the one a production job would run: {@code TritonInference} with {@code
 * deadLetters()}, the default retry policy ({@link RetryPolicy#defaults()}), adaptive concurrency
 * on, a 30 s operator {@code timeout}, and checkpoints every second; the restart strategy is {@code
 * none}, so a failure that would have restarted the job aborts the benchmark instead of hiding in
 * its figures. Unordered, maxBatchSize 64, maxBatchDelay 5 ms, {@code concurrency} HTTP requests
 * and {@code capacity} batches in flight per subtask (more batches than requests, so that a batch
 * waiting for its retry does not keep the others from the server), against the embedded {@link
 * TritonTestServer}'s add_sub over FP32[16] with a fixed cost of 2 ms per request (as in {@link
 * FlinkBatchBenchmark}). Everything, the server included, shares one JVM.
 *
 * <ol>
 *   <li><b>5 % transient 503s</b> ({@link Faults#failRate}, no {@code Retry-After}): records/s
 *       against a fault-free run, floor ≥ 0.8×; p99 latency of each; every output once, no dead
 *       letter.
 *   <li><b>One poison record per 10,000</b> ({@link Faults#poison}: the server answers 400 for any
 *       request holding one, so the operator bisects its batch): time against a fault-free run of
 *       the same records, ceiling ≤ 1.2×; p99 latency of each; exactly the poison records in the
 *       dead-letter output, every other output once.
 *   <li><b>A 3-second outage</b> ({@link TritonTestServer#outage}) in the middle of a paced run (a
 *       fixed input rate below capacity): the time from the end of the outage until the outputs per
 *       100 ms are back to ≥ 90 % of the pre-outage rate (and stay there for 500 ms), the time
 *       until every record held up by the outage is out, and that nothing was lost or
 *       dead-lettered.
 * </ol>
 *
 * <p>Sections 1 and 2 alternate fault-free and faulty jobs (which one goes first alternates too)
 * for {@code rounds} rounds; each round gives a ratio and the figure is the median of the rounds'
 * ratios. Records/s is the record count over the span from the first record created to the last one
 * at the sink; latency runs from a record's creation (in the paced run, from when it was due) to
 * the sink.
 *
 * <p>Full run (about 3–5 minutes on 2 cores; Flink is a provided dependency of this module, so it
 * runs with the module's class path):
 *
 * <pre>
 * mvn -B -q -o -pl benchmarks -am package -DskipTests \
 *     dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     org.flinktriton.benchmarks.flink.ResilienceBenchmark \
 *     [rounds=5] [records=400000] [paced rate=20000] [paced seconds=20] [parallelism=2] [concurrency=4]
 *     [capacity=16]
 * </pre>
 *
 * <p>{@code ResilienceBenchmark smoke} runs each section once, small, in well under a minute, to
 * check that the harness works; its figures mean nothing. The exit status is 1 when a floor or a
 * check fails.
 */
public final class ResilienceBenchmark {

    private static final int BATCH = 64;
    private static final Duration BATCH_DELAY = Duration.ofMillis(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    private static final double FAIL_RATE = 0.05;
    private static final int FAIL_STATUS = 503;
    private static final long SEED = 11;

    /** One record in this many is poison: the one whose id is {@code POISON_EVERY / 2} past. */
    private static final int POISON_EVERY = 10_000;

    /** A poison record's {@code b[0]}: no other record has a negative one. */
    private static final float POISON_MARK = -1f;

    private static final Duration OUTAGE = Duration.ofSeconds(3);
    private static final long BUCKET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int SUSTAIN_BUCKETS = 5;
    private static final double RECOVERED_SHARE = 0.9;

    private static final double THROUGHPUT_FLOOR = 0.8;
    private static final double POISON_TIME_CEILING = 1.2;

    private final Settings settings;
    private final TritonTestServer server;
    private final List<String> failures = new ArrayList<>();

    private ResilienceBenchmark(Settings settings, TritonTestServer server) {
        this.settings = settings;
        this.server = server;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        List<String> failures;
        try (TritonTestServer server =
                BenchModel.start(settings.parallelism, settings.concurrency)) {
            ResilienceBenchmark benchmark = new ResilienceBenchmark(settings, server);
            benchmark.run();
            failures = benchmark.failures;
        }
        if (!failures.isEmpty()) {
            System.exit(1);
        }
    }

    /** The command line: {@code smoke}, or rounds, sizes and concurrency, each with a default. */
    private static final class Settings {
        final boolean smoke;
        final int rounds;
        final int records;
        final int pacedRate;
        final int pacedSeconds;
        final int parallelism;
        final int concurrency;
        final int capacity;

        private Settings(
                boolean smoke,
                int rounds,
                int records,
                int pacedRate,
                int pacedSeconds,
                int parallelism,
                int concurrency,
                int capacity) {
            if (rounds < 1
                    || records < 1
                    || pacedRate < 1
                    || parallelism < 1
                    || concurrency < 1
                    || capacity < 1) {
                throw new IllegalArgumentException(
                        "rounds, records, the paced rate, parallelism, concurrency and capacity"
                                + " must be at least 1");
            }
            if (pacedSeconds < OUTAGE.toSeconds() + 4) {
                throw new IllegalArgumentException(
                        "The paced run must last at least "
                                + (OUTAGE.toSeconds() + 4)
                                + " s, for 2 s around the "
                                + OUTAGE.toSeconds()
                                + " s outage; not "
                                + pacedSeconds);
            }
            this.smoke = smoke;
            this.rounds = rounds;
            this.records = records;
            this.pacedRate = pacedRate;
            this.pacedSeconds = pacedSeconds;
            this.parallelism = parallelism;
            this.concurrency = concurrency;
            this.capacity = capacity;
        }

        static Settings parse(String[] args) {
            if (args.length > 0 && args[0].equals("smoke")) {
                return new Settings(true, 1, 20_000, 5_000, 8, 2, 4, 16);
            }
            return new Settings(
                    false,
                    arg(args, 0, 5),
                    arg(args, 1, 400_000),
                    arg(args, 2, 20_000),
                    arg(args, 3, 20),
                    arg(args, 4, 2),
                    arg(args, 5, 4),
                    arg(args, 6, 16));
        }

        private static int arg(String[] args, int index, int fallback) {
            return args.length > index ? Integer.parseInt(args[index]) : fallback;
        }
    }

    private void run() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "# Resilience under faults%s%n"
                        + "model %s: FP32[%d], max_batch_size %d, %d ms per request;"
                        + " maxBatchSize %d, maxBatchDelay %d ms, unordered, dead letters,"
                        + " default retry policy, timeout %d s, checkpoints every %d ms;"
                        + " parallelism %d, %d requests and %d batches in flight per subtask;"
                        + " %d available processors, Java %s, load average %.1f%n%n",
                settings.smoke ? " (smoke: one small round, figures mean nothing)" : "",
                BenchModel.NAME,
                BenchRequest.WIDTH,
                BenchModel.MAX_BATCH,
                BenchModel.COST_PER_REQUEST.toMillis(),
                BATCH,
                BATCH_DELAY.toMillis(),
                TIMEOUT.toSeconds(),
                CHECKPOINT_INTERVAL.toMillis(),
                settings.parallelism,
                settings.concurrency,
                settings.capacity,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                loadAverage());

        // Warm-up: class loading, JIT, connection pools, and the retry path; not reported.
        int warmUp = Math.max(5_000, settings.records / 4);
        job("warm-up", warmUp, 0, Fault.NONE);
        job("warm-up, 503", warmUp, 0, Fault.FAIL);

        Summary throughput = throughputUnder503();
        Summary poison = poisonRecords();
        Outage outage = outage();
        summary(throughput, poison, outage);
    }

    // ---- 1. transient 503s ------------------------------------------------------------------

    private Summary throughputUnder503() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "## 1. %.0f %% transient %d vs fault-free: records/s (%,d records per job)%n%n",
                FAIL_RATE * 100,
                FAIL_STATUS,
                settings.records);
        System.out.println(
                "| round | fault-free rec/s | p99 ms | 5 % 503 rec/s | p99 ms |"
                        + " 503s / requests | ratio |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Summary summary = new Summary(settings.rounds);
        for (int round = 0; round < settings.rounds; round++) {
            Run[] pair = pair(round, Fault.FAIL);
            Run clean = pair[0];
            Run faulty = pair[1];
            double ratio = faulty.recordsPerSecond / clean.recordsPerSecond;
            summary.add(round, ratio, clean.p99Millis, faulty.p99Millis, clean.ok && faulty.ok);
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %,.0f | %.1f | %,.0f | %.1f | %,d / %,d | %.2f× |%n",
                    round + 1,
                    clean.recordsPerSecond,
                    clean.p99Millis,
                    faulty.recordsPerSecond,
                    faulty.p99Millis,
                    faulty.injected,
                    faulty.requests,
                    ratio);
        }
        System.out.printf(
                Locale.ROOT,
                "| median | | %.1f | | %.1f | | **%.2f×** |%n%n",
                summary.baselineP99(),
                summary.faultyP99(),
                summary.ratio());
        return summary;
    }

    // ---- 2. poison records ------------------------------------------------------------------

    private Summary poisonRecords() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "## 2. One poison record per %,d vs fault-free: time (%,d records, %d poison,"
                        + " per job)%n%n",
                POISON_EVERY,
                settings.records,
                poisonCount(settings.records));
        System.out.println(
                "| round | fault-free s | p99 ms | poison s | p99 ms |"
                        + " poison answers / requests | dead letters | ratio |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Summary summary = new Summary(settings.rounds);
        for (int round = 0; round < settings.rounds; round++) {
            Run[] pair = pair(round, Fault.POISON);
            Run clean = pair[0];
            Run faulty = pair[1];
            double ratio = faulty.seconds / clean.seconds;
            summary.add(round, ratio, clean.p99Millis, faulty.p99Millis, clean.ok && faulty.ok);
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %.2f | %.1f | %.2f | %.1f | %,d / %,d | %d | %.2f× |%n",
                    round + 1,
                    clean.seconds,
                    clean.p99Millis,
                    faulty.seconds,
                    faulty.p99Millis,
                    faulty.poisonAnswers,
                    faulty.requests,
                    faulty.deadLetters,
                    ratio);
        }
        System.out.printf(
                Locale.ROOT,
                "| median | | %.1f | | %.1f | | | **%.2f×** |%n%n",
                summary.baselineP99(),
                summary.faultyP99(),
                summary.ratio());
        return summary;
    }

    /** A fault-free and a faulty job, in the order the round gives: [fault-free, faulty]. */
    private Run[] pair(int round, Fault fault) throws Exception {
        String name = fault.label + ", round " + (round + 1);
        if (round % 2 == 0) {
            Run clean = job("fault-free, round " + (round + 1), settings.records, 0, Fault.NONE);
            return new Run[] {clean, job(name, settings.records, 0, fault)};
        }
        Run faulty = job(name, settings.records, 0, fault);
        return new Run[] {
            job("fault-free, round " + (round + 1), settings.records, 0, Fault.NONE), faulty
        };
    }

    // ---- 3. an outage -----------------------------------------------------------------------

    private Outage outage() throws Exception {
        int records = settings.pacedRate * settings.pacedSeconds;
        Duration outageAt =
                Duration.ofMillis((settings.pacedSeconds * 1000L - OUTAGE.toMillis()) / 2);
        System.out.printf(
                Locale.ROOT,
                "## 3. A %d s outage at %.1f s into a paced run: %,d records/s for %d s%n%n",
                OUTAGE.toSeconds(),
                outageAt.toMillis() / 1000.0,
                settings.pacedRate,
                settings.pacedSeconds);
        Run run = job("paced, outage", records, settings.pacedRate, Fault.NONE, outageAt);
        Outage outage = Outage.of(run, settings.pacedSeconds);
        System.out.println(
                "| input rec/s | pre-outage rec/s | during | peak after | back to ≥ 90 % after |"
                        + " backlog out after | p99 ms | max ms | outputs | dead letters |");
        System.out.println(
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        System.out.printf(
                Locale.ROOT,
                "| %,d | %,.0f | %,.0f | %,.0f | %s | %,d ms | %.1f | %,.0f | %,d of %,d | %d |%n%n",
                settings.pacedRate,
                outage.preRate,
                outage.duringRate,
                outage.peakRate,
                outage.recoveryMillis < 0 ? "never" : outage.recoveryMillis + " ms",
                outage.drainedMillis,
                run.p99Millis,
                run.maxMillis,
                run.outputs,
                records,
                run.deadLetters);
        System.out.println(
                "Outputs per 100 ms from 1 s before the outage to 2 s after it (| marks its start"
                        + " and end):");
        System.out.println(outage.profile);
        System.out.println();
        return outage;
    }

    // ---- the summary ------------------------------------------------------------------------

    private void summary(Summary throughput, Summary poison, Outage outage) {
        System.out.printf(
                Locale.ROOT, "## Summary (load average %.1f at the end)%n%n", loadAverage());
        System.out.println("| what | floor | measured | result |");
        System.out.println("| --- | ---: | ---: | --- |");
        row(
                String.format(
                        Locale.ROOT,
                        "records/s with %.0f %% 503 / fault-free, median of %d round(s)",
                        FAIL_RATE * 100,
                        throughput.rounds()),
                String.format(Locale.ROOT, "≥ %.1f×", THROUGHPUT_FLOOR),
                String.format(
                        Locale.ROOT, "%.2f× (rounds %s)", throughput.ratio(), throughput.ratios()),
                throughput.ratio() >= THROUGHPUT_FLOOR);
        reported(
                "p99 latency, fault-free / 5 % 503",
                String.format(
                        Locale.ROOT,
                        "%.1f / %.1f ms",
                        throughput.baselineP99(),
                        throughput.faultyP99()));
        row(
                "5 % 503: every output once, no dead letter",
                "every round", throughput.allOk() ? "yes" : "no", throughput.allOk());
        row(
                String.format(
                        Locale.ROOT,
                        "time with one poison per %,d / fault-free, median of %d round(s)",
                        POISON_EVERY,
                        poison.rounds()),
                String.format(Locale.ROOT, "≤ %.1f×", POISON_TIME_CEILING),
                String.format(Locale.ROOT, "%.2f× (rounds %s)", poison.ratio(), poison.ratios()),
                poison.ratio() <= POISON_TIME_CEILING);
        reported(
                "p99 latency, fault-free / poison",
                String.format(
                        Locale.ROOT, "%.1f / %.1f ms", poison.baselineP99(), poison.faultyP99()));
        row(
                "poison: exactly the poison records dead-lettered (400), every other output once",
                "every round",
                poison.allOk() ? "yes" : "no",
                poison.allOk());
        reported(
                String.format(
                        Locale.ROOT,
                        "%d s outage: throughput back to ≥ 90 %% of the pre-outage rate after",
                        OUTAGE.toSeconds()),
                outage.recoveryMillis < 0
                        ? "never"
                        : String.format(
                                Locale.ROOT,
                                "%,d ms (backlog out after %,d ms)",
                                outage.recoveryMillis,
                                outage.drainedMillis));
        row(
                "outage: every output once, no dead letter, throughput back",
                "every record",
                outage.ok ? "yes" : "no",
                outage.ok && outage.recoveryMillis >= 0);
        System.out.println();
        if (failures.isEmpty()) {
            System.out.println("PASS: every floor and check");
        } else {
            System.out.println("FAIL: " + String.join("; ", failures));
        }
    }

    private void row(String what, String floor, String measured, boolean pass) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %s | %s |%n",
                what,
                floor,
                measured,
                pass ? "PASS" : "FAIL");
        if (!pass) {
            failures.add(what);
        }
    }

    private static void reported(String what, String measured) {
        System.out.printf(Locale.ROOT, "| %s | – | %s | reported |%n", what, measured);
    }

    // ---- one job ----------------------------------------------------------------------------

    /** What the server does wrong during a job. */
    private enum Fault {
        NONE("fault-free"),
        FAIL(String.format(Locale.ROOT, "%.0f %% %d", FAIL_RATE * 100, FAIL_STATUS)),
        POISON("one poison per " + POISON_EVERY);

        final String label;

        Fault(String label) {
            this.label = label;
        }

        void apply(Faults faults) {
            faults.clear();
            faults.seed(SEED);
            if (this == FAIL) {
                faults.failRate(FAIL_RATE, FAIL_STATUS, "injected: model reloading");
            } else if (this == POISON) {
                faults.poison(record -> record.doubleValue("INPUT1") == POISON_MARK);
            }
        }
    }

    private Run job(String name, int records, int ratePerSecond, Fault fault) throws Exception {
        return job(name, records, ratePerSecond, fault, null);
    }

    /**
     * Runs one job of {@code records} records at full speed (rate 0) or paced, with an outage
     * {@code outageAt} after the first record when that is not null, and checks its outputs.
     */
    private Run job(String name, int records, int ratePerSecond, Fault fault, Duration outageAt)
            throws Exception {
        fault.apply(server.faults());
        server.stats().reset();
        Measurements.reset(records, true);
        DeadLetterSink.DEAD.clear();

        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        settings.parallelism, configuration);
        env.enableCheckpointing(CHECKPOINT_INTERVAL.toMillis());
        TritonInference<BenchRequest, BenchResult> inference =
                TritonInference.builder(BenchRequest.class, BenchResult.class)
                        .endpoint(server.endpoint())
                        .model(BenchModel.NAME)
                        .maxBatchSize(BATCH)
                        .maxBatchDelay(BATCH_DELAY)
                        .batchTimeout(TIMEOUT)
                        .capacity(settings.capacity)
                        .maxConcurrentRequests(settings.concurrency)
                        .ordered(false)
                        .deadLetters()
                        .build();
        SingleOutputStreamOperator<Timed> results =
                inference.apply(
                        BenchJobs.source(
                                env,
                                records,
                                ratePerSecond,
                                settings.parallelism,
                                ResilienceBenchmark::request,
                                BenchRequest.class),
                        Timed::of,
                        Timed.class);
        results.sinkTo(new TimingSink());
        results.getSideOutput(inference.deadLetterTag()).sinkTo(new DeadLetterSink());

        JobClient job = env.executeAsync(name);
        long outageStart = 0;
        CompletableFuture<Long> outageEnd = null;
        if (outageAt != null) {
            while (Measurements.FIRST.get() == Long.MAX_VALUE) {
                if (job.getJobExecutionResult().isDone()) {
                    break;
                }
                Thread.sleep(5);
            }
            long due = Measurements.FIRST.get() + outageAt.toNanos();
            while (System.nanoTime() < due && !job.getJobExecutionResult().isDone()) {
                TimeUnit.NANOSECONDS.sleep(Math.min(due - System.nanoTime(), 5_000_000));
            }
            outageStart = System.nanoTime();
            outageEnd = server.outage(OUTAGE).thenApply(back -> System.nanoTime());
        }
        job.getJobExecutionResult().get();
        long end = outageEnd == null ? 0 : outageEnd.get(30, TimeUnit.SECONDS);
        return Run.check(name, records, fault, server, outageStart, end);
    }

    /** A benchmark record; the poison ones carry {@link #POISON_MARK}, whatever the fault. */
    static BenchRequest request(long id, long createdNanos) {
        BenchRequest request = BenchRequest.of(id, createdNanos);
        if (isPoison(id)) {
            request.b[0] = POISON_MARK;
        }
        return request;
    }

    private static boolean isPoison(long id) {
        return id % POISON_EVERY == POISON_EVERY / 2;
    }

    private static int poisonCount(int records) {
        int count = 0;
        for (long id = POISON_EVERY / 2; id < records; id += POISON_EVERY) {
            count++;
        }
        return count;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** One job's figures and whether its outputs and dead letters were as they should be. */
    private static final class Run {
        final int outputs;
        final double seconds;
        final double recordsPerSecond;
        final double p99Millis;
        final double maxMillis;
        final long requests;
        final long injected;
        final long poisonAnswers;
        final int deadLetters;
        final boolean ok;
        final long first;
        final long outageStart;
        final long outageEnd;
        final long[] arrivals;
        final long[] latencies;

        private Run(
                int outputs,
                double seconds,
                long[] latencies,
                long[] arrivals,
                TritonTestServer server,
                int deadLetters,
                boolean ok,
                long first,
                long outageStart,
                long outageEnd) {
            this.outputs = outputs;
            this.seconds = seconds;
            this.recordsPerSecond = outputs / seconds;
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            this.p99Millis = BenchJobs.percentile(sorted, 0.99) / 1e6;
            this.maxMillis = BenchJobs.percentile(sorted, 1.0) / 1e6;
            this.requests = server.stats().inferRequests(BenchModel.NAME);
            this.injected = server.stats().injectedFailures(FAIL_STATUS);
            this.poisonAnswers = server.stats().poisonAnswers();
            this.deadLetters = deadLetters;
            this.ok = ok;
            this.first = first;
            this.outageStart = outageStart;
            this.outageEnd = outageEnd;
            this.arrivals = arrivals;
            this.latencies = latencies;
        }

        /**
         * Checks that each record that is not expected to fail has exactly one correct output and
         * that exactly the expected ones are dead letters, with status 400; prints what is wrong.
         */
        static Run check(
                String name,
                int records,
                Fault fault,
                TritonTestServer server,
                long outageStart,
                long outageEnd) {
            int outputs = Measurements.COUNT.get();
            List<String> problems = new ArrayList<>();
            if (Measurements.WRONG.get() != 0) {
                problems.add(Measurements.WRONG.get() + " wrong outputs");
            }
            AtomicIntegerArray seen = Measurements.SEEN;
            boolean[] dead = new boolean[records];
            int deadLetters = 0;
            for (FailedInference<BenchRequest> letter : DeadLetterSink.DEAD) {
                deadLetters++;
                long id = letter.input().id;
                boolean expected = fault == Fault.POISON && isPoison(id);
                if (!expected || letter.statusCode() != 400 || dead[(int) id]) {
                    if (problems.size() < 10) {
                        problems.add("dead letter " + letter);
                    }
                }
                dead[(int) id] = true;
            }
            int missing = 0;
            int duplicated = 0;
            int poisonOut = 0;
            for (int id = 0; id < records; id++) {
                boolean poisoned = fault == Fault.POISON && isPoison(id);
                if (poisoned) {
                    poisonOut += seen.get(id);
                    if (!dead[id]) {
                        problems.add("poison record " + id + " is not a dead letter");
                    }
                } else if (seen.get(id) == 0) {
                    missing++;
                } else if (seen.get(id) > 1) {
                    duplicated++;
                }
            }
            if (missing + duplicated + poisonOut > 0) {
                problems.add(
                        missing
                                + " records without output, "
                                + duplicated
                                + " with several, "
                                + poisonOut
                                + " outputs of poison records");
            }
            if (!problems.isEmpty()) {
                System.out.println("!! " + name + ": " + String.join("; ", problems));
            }
            int stored = Math.min(outputs, records);
            return new Run(
                    outputs,
                    (Measurements.LAST.get() - Measurements.FIRST.get()) / 1e9,
                    Arrays.copyOf(Measurements.LATENCIES, stored),
                    Arrays.copyOf(Measurements.ARRIVALS, stored),
                    server,
                    deadLetters,
                    problems.isEmpty(),
                    Measurements.FIRST.get(),
                    outageStart,
                    outageEnd);
        }
    }

    /** The rounds of a section: each round's ratio and p99s. */
    private static final class Summary {
        private final double[] ratios;
        private final double[] baselineP99;
        private final double[] faultyP99;
        private boolean allOk = true;

        Summary(int rounds) {
            ratios = new double[rounds];
            baselineP99 = new double[rounds];
            faultyP99 = new double[rounds];
        }

        void add(int round, double ratio, double baseline, double faulty, boolean ok) {
            ratios[round] = ratio;
            baselineP99[round] = baseline;
            faultyP99[round] = faulty;
            allOk &= ok;
        }

        int rounds() {
            return ratios.length;
        }

        double ratio() {
            return BenchJobs.median(ratios);
        }

        String ratios() {
            StringBuilder text = new StringBuilder();
            for (double ratio : ratios) {
                text.append(text.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "%.2f", ratio));
            }
            return text.toString();
        }

        double baselineP99() {
            return BenchJobs.median(baselineP99);
        }

        double faultyP99() {
            return BenchJobs.median(faultyP99);
        }

        boolean allOk() {
            return allOk;
        }
    }

    /** Throughput around the outage, from the outputs' arrival times in 100 ms buckets. */
    private static final class Outage {
        final boolean ok;
        final double preRate;
        final double duringRate;
        final double peakRate;

        /** From the end of the outage to the end of the first of 5 good buckets; -1 for never. */
        final long recoveryMillis;

        /** From the end of the outage until the last record due before it was out. */
        final long drainedMillis;

        final String profile;

        private Outage(
                boolean ok,
                double preRate,
                double duringRate,
                double peakRate,
                long recoveryMillis,
                long drainedMillis,
                String profile) {
            this.ok = ok;
            this.preRate = preRate;
            this.duringRate = duringRate;
            this.peakRate = peakRate;
            this.recoveryMillis = recoveryMillis;
            this.drainedMillis = drainedMillis;
            this.profile = profile;
        }

        static Outage of(Run run, int pacedSeconds) {
            long second = TimeUnit.SECONDS.toNanos(1);
            long inputEnd = run.first + pacedSeconds * second;
            // The steady rate: up to 3 s before the outage, after the first second.
            long preFrom = Math.max(run.first + second, run.outageStart - 3 * second);
            int pre = 0;
            int during = 0;
            long drained = 0;
            int afterBuckets = (int) Math.max(0, (inputEnd - run.outageEnd) / BUCKET_NANOS);
            int[] after = new int[afterBuckets];
            int[] before = new int[10];
            for (int i = 0; i < run.arrivals.length; i++) {
                long at = run.arrivals[i];
                if (at >= preFrom && at < run.outageStart) {
                    pre++;
                }
                if (at >= run.outageStart && at < run.outageEnd) {
                    during++;
                }
                if (at >= run.outageEnd) {
                    int bucket = (int) ((at - run.outageEnd) / BUCKET_NANOS);
                    if (bucket < afterBuckets) {
                        after[bucket]++;
                    }
                    if (at - run.latencies[i] < run.outageEnd) {
                        drained = Math.max(drained, at - run.outageEnd);
                    }
                }
                long beforeStart = run.outageStart - at;
                if (beforeStart > 0 && beforeStart <= 10 * BUCKET_NANOS) {
                    before[(int) ((beforeStart - 1) / BUCKET_NANOS)]++;
                }
            }
            double preRate = pre / ((run.outageStart - preFrom) / 1e9);
            double threshold = RECOVERED_SHARE * preRate * BUCKET_NANOS / 1e9;
            long recovery = -1;
            for (int k = 0; k + SUSTAIN_BUCKETS <= afterBuckets && recovery < 0; k++) {
                boolean good = true;
                for (int j = k; j < k + SUSTAIN_BUCKETS; j++) {
                    good &= after[j] >= threshold;
                }
                if (good) {
                    recovery = (k + 1) * BUCKET_NANOS / 1_000_000;
                }
            }
            int peak = 0;
            for (int count : after) {
                peak = Math.max(peak, count);
            }
            StringBuilder profile = new StringBuilder();
            for (int b = before.length - 1; b >= 0; b--) {
                profile.append(before[b]).append(' ');
            }
            profile.append(
                    String.format(
                            Locale.ROOT,
                            "| %,d in %.1f s | ",
                            during,
                            (run.outageEnd - run.outageStart) / 1e9));
            for (int b = 0; b < Math.min(20, afterBuckets); b++) {
                profile.append(after[b]).append(' ');
            }
            return new Outage(
                    run.ok,
                    preRate,
                    during / ((run.outageEnd - run.outageStart) / 1e9),
                    peak * 1e9 / BUCKET_NANOS,
                    recovery,
                    TimeUnit.NANOSECONDS.toMillis(drained),
                    profile.toString().trim());
        }
    }

    /** Keeps the dead letters. */
    static final class DeadLetterSink implements Sink<FailedInference<BenchRequest>> {
        private static final long serialVersionUID = 1L;

        static final Queue<FailedInference<BenchRequest>> DEAD = new ConcurrentLinkedQueue<>();

        @Override
        public SinkWriter<FailedInference<BenchRequest>> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(FailedInference<BenchRequest> letter, Context context) {
                    DEAD.add(letter);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
