package org.flinktriton.benchmarks.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;
import org.flinktriton.client.ResponseListener;
import org.flinktriton.client.StreamDelivery;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TritonTestServer;
import org.flinktriton.wire.Tensor;

/**
 * Responses/s and client CPU per response of {@link TritonModelClient#inferStream} against those of
 * NVIDIA's Python {@code tritonclient.grpc} ({@code start_stream} and {@code async_stream_infer}),
 * on the same embedded server's gRPC endpoint in the same run. The server serves a decoupled model
 * that answers each FP32[16] request with 100 responses (the input echoed, with the response's
 * index), then the empty final response both clients ask for.
 *
 * <p>After a warm-up of each client, rounds alternate (in turn first): our client sends {@code
 * requests} records in one {@code inferStream} call with {@code inFlight} of them open at most
 * ({@code maxConcurrentRequests}), its CPU the time of its threads only (the server runs in this
 * JVM; {@link CpuAccounting} tells them apart by name); then a Python child process ({@code
 * src/main/python/triton_stream_client.py}) sends as many requests with as many in flight on one
 * stream, after a warm-up of its own, and reports its whole process's CPU (user + system) over the
 * timed part. The medians of the rounds and the ratio of CPU per response, ours over theirs, are
 * the figures. Our threads' CPU leaves out the JVM's JIT compilers and GC, which the Python
 * process's figure includes, so each round also shows the JVM's CPU less the server's threads, the
 * client's upper bound, and its ratio.
 *
 * <p>Run from the repository root with the module's class path (see docs/PERFORMANCE.md), with
 * arguments {@code key=value}: {@code requests} (2000), {@code inFlight} (16), {@code rounds} (10),
 * {@code warmUp} requests per client (2000), {@code delivery} ({@code AFTER_FINAL} or {@code
 * IMMEDIATE}), {@code python} (the interpreter with {@code grpcio} and {@code numpy}), {@code
 * pythonPath} (added to {@code PYTHONPATH}, where {@code tritonclient} is, when it is not
 * installed), {@code script}.
 */
public final class StreamBenchmark {
    private static final String MODEL = "echo_stream";
    private static final int WIDTH = 16;
    private static final int RESPONSES = 100;

    /** The JVM's CPU as a whole, JIT compilers and GC included, for the client's upper bound. */
    private static final OperatingSystemMXBean PROCESS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private StreamBenchmark() {}

    /** One request: the FP32 vector to echo. */
    public static final class Request {
        @TritonInput(
                name = "X",
                shape = {WIDTH})
        public float[] x;

        public Request() {}

        Request(float[] x) {
            this.x = x;
        }
    }

    /** One response: the vector and the response's index. */
    public record Echo(
            @TritonOutput(
                            name = "Y",
                            shape = {WIDTH})
                    float[] y,
            @TritonOutput(name = "INDEX") int index) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int requests = Integer.parseInt(options.getOrDefault("requests", "2000"));
        int inFlight = Integer.parseInt(options.getOrDefault("inFlight", "16"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "10"));
        int warmUp = Integer.parseInt(options.getOrDefault("warmUp", "2000"));
        StreamDelivery delivery =
                StreamDelivery.valueOf(options.getOrDefault("delivery", "AFTER_FINAL"));
        String python =
                options.getOrDefault("python", "/tmp/flink-triton-anchors/client-venv/bin/python");
        String pythonPath =
                options.getOrDefault(
                        "pythonPath", "/tmp/flink-triton-anchors/tclient/src/python/library");
        Path script =
                Path.of(
                        options.getOrDefault(
                                "script", "benchmarks/src/main/python/triton_stream_client.py"));
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException(
                    "no Python client at "
                            + script.toAbsolutePath()
                            + ": run from the repository root or pass script=<path>");
        }
        List<Request> records = new ArrayList<>(requests);
        List<Request> warmUpRecords = new ArrayList<>(warmUp);
        for (int i = 0; i < Math.max(requests, warmUp); i++) {
            float[] x = new float[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                x[j] = i + j;
            }
            if (i < requests) {
                records.add(new Request(x));
            }
            if (i < warmUp) {
                warmUpRecords.add(new Request(x));
            }
        }
        try (TritonTestServer server =
                        TritonTestServer.builder().grpc().model(echoModel()).start();
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(server.grpcEndpoint())
                                .model(MODEL)
                                .maxConcurrentRequests(inFlight)
                                .build()) {
            String target = server.grpcEndpoint().replaceFirst("^grpc://", "");
            List<String> command =
                    List.of(
                            python,
                            script.toString(),
                            "--url",
                            target,
                            "--model",
                            MODEL,
                            "--requests",
                            Integer.toString(requests),
                            "--in-flight",
                            Integer.toString(inFlight),
                            "--warm-up",
                            Integer.toString(warmUp),
                            "--width",
                            Integer.toString(WIDTH));
            if (warmUp > 0) {
                ours(client, warmUpRecords, delivery);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s: FP32[%d] in, %d responses per request, %d requests per round, %d in"
                            + " flight, %s, %d rounds (warm-up %d requests per client)%n",
                    MODEL,
                    WIDTH,
                    RESPONSES,
                    requests,
                    inFlight,
                    delivery,
                    rounds,
                    warmUp);
            System.out.println(
                    "round  ours resp/s  ours CPU us/resp  (server, JVM-server)  theirs resp/s"
                            + "  theirs CPU us/resp  ratio");
            double[][] columns = new double[6][rounds];
            for (int r = 0; r < rounds; r++) {
                Result ours;
                Result theirs;
                if (r % 2 == 0) {
                    ours = ours(client, records, delivery);
                    theirs = theirs(command, pythonPath, requests);
                } else {
                    theirs = theirs(command, pythonPath, requests);
                    ours = ours(client, records, delivery);
                }
                columns[0][r] = ours.responsesPerSecond();
                columns[1][r] = ours.cpuMicrosPerResponse();
                columns[2][r] = theirs.responsesPerSecond();
                columns[3][r] = theirs.cpuMicrosPerResponse();
                columns[4][r] = columns[1][r] / columns[3][r];
                columns[5][r] = ours.notServerMicrosPerResponse() / columns[3][r];
                System.out.printf(
                        Locale.ROOT,
                        "%5d  %11.0f  %16.2f  (%6.2f, %7.2f)   %13.0f  %18.2f  %5.2f%n",
                        r + 1,
                        columns[0][r],
                        columns[1][r],
                        ours.serverMicrosPerResponse(),
                        ours.notServerMicrosPerResponse(),
                        columns[2][r],
                        columns[3][r],
                        columns[4][r]);
            }
            System.out.printf(
                    Locale.ROOT,
                    "median: ours %.0f resp/s at %.2f us CPU/resp; tritonclient.grpc %.0f resp/s"
                            + " at %.2f us CPU/resp; CPU per response ours/theirs %.2f"
                            + " (rounds %.2f..%.2f); counting the whole JVM but the server's"
                            + " threads %.2f%n",
                    median(columns[0]),
                    median(columns[1]),
                    median(columns[2]),
                    median(columns[3]),
                    median(columns[4]),
                    Arrays.stream(columns[4]).min().orElse(Double.NaN),
                    Arrays.stream(columns[4]).max().orElse(Double.NaN),
                    median(columns[5]));
        }
    }

    /** The decoupled model: each request answered with its input and an index, 100 times. */
    static TestModel echoModel() {
        return TestModel.builder(MODEL)
                .input("X", TritonDataType.FP32, WIDTH)
                .output("Y", TritonDataType.FP32, WIDTH)
                .output("INDEX", TritonDataType.INT32, 1)
                .decoupled(
                        (request, sink) -> {
                            float[] x = request.input("X").toFloats();
                            for (int i = 0; i < RESPONSES; i++) {
                                sink.send(
                                        List.of(
                                                Tensor.ofFloats(
                                                        "Y",
                                                        TritonDataType.FP32,
                                                        new long[] {WIDTH},
                                                        x),
                                                Tensor.ofInt32s(
                                                        "INDEX",
                                                        TritonDataType.INT32,
                                                        new long[] {1},
                                                        new int[] {i})));
                            }
                        })
                .build();
    }

    /** Our client: {@code records} in one {@code inferStream} call, timed, with its CPU. */
    private static Result ours(
            TritonModelClient client, List<Request> records, StreamDelivery delivery) {
        AtomicLong responses = new AtomicLong();
        AtomicReference<TritonException> failure = new AtomicReference<>();
        ResponseListener<Echo> listener =
                new ResponseListener<>() {
                    @Override
                    public void onResponse(int record, int index, Echo response) {
                        responses.incrementAndGet();
                    }

                    @Override
                    public void onEnd(int record, int count) {}

                    @Override
                    public void onFailure(int record, TritonException error) {
                        failure.compareAndSet(null, error);
                    }
                };
        CpuAccounting cpu = new CpuAccounting();
        cpu.start();
        long processAtStart = PROCESS.getProcessCpuTime();
        long start = System.nanoTime();
        client.inferStream(records, Echo.class, delivery, listener).join();
        long nanos = System.nanoTime() - start;
        long[] cpuNanos = cpu.elapsed();
        long process = PROCESS.getProcessCpuTime() - processAtStart;
        if (failure.get() != null) {
            throw new IllegalStateException("a record failed", failure.get());
        }
        check(responses.get(), records.size(), "ours");
        return new Result(responses.get(), nanos, cpuNanos[0], cpuNanos[1], process - cpuNanos[1]);
    }

    /** NVIDIA's client in a child process: its JSON line, the whole process's CPU. */
    private static Result theirs(List<String> command, String pythonPath, int requests)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        if (!pythonPath.isEmpty()) {
            String old = System.getenv("PYTHONPATH");
            builder.environment()
                    .put(
                            "PYTHONPATH",
                            old == null || old.isEmpty()
                                    ? pythonPath
                                    : pythonPath + File.pathSeparator + old);
        }
        Process process = builder.start();
        String last = null;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                last = line;
            }
        } catch (UncheckedIOException e) {
            process.destroyForcibly();
            throw e;
        }
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the Python client did not end: " + command);
        }
        if (process.exitValue() != 0 || last == null) {
            throw new IllegalStateException(
                    "the Python client failed (exit " + process.exitValue() + "): " + command);
        }
        JsonNode json = new ObjectMapper().readTree(last);
        long responses = json.get("responses").asLong();
        check(responses, requests, "tritonclient.grpc");
        return new Result(
                responses,
                (long) (json.get("seconds").asDouble() * 1e9),
                (long) (json.get("cpu_seconds").asDouble() * 1e9),
                0,
                0);
    }

    private static void check(long responses, int requests, String who) {
        if (responses != (long) requests * RESPONSES) {
            throw new IllegalStateException(
                    who
                            + ": "
                            + requests
                            + " requests gave "
                            + responses
                            + " responses, not "
                            + (long) requests * RESPONSES);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got " + arg);
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return options;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Responses of one timed part, its wall time and CPU. */
    private record Result(
            long responses, long nanos, long clientCpu, long serverCpu, long notServerCpu) {
        double responsesPerSecond() {
            return responses * 1e9 / nanos;
        }

        double cpuMicrosPerResponse() {
            return clientCpu / 1e3 / responses;
        }

        double serverMicrosPerResponse() {
            return serverCpu / 1e3 / responses;
        }

        /** The JVM's CPU less the server's threads: the client's, with JIT and GC. */
        double notServerMicrosPerResponse() {
            return notServerCpu / 1e3 / responses;
        }
    }
}
