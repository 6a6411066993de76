package org.flinktriton.benchmarks.realserver;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import okhttp3.HttpUrl;

/**
 * The floors of client CPU per record that a Java client can reach against a real KServe server on
 * this machine, measured as the anchors' {@code Bench.java} measures {@code TritonModelClient}: the
 * same workloads, records and requests, the same accounting.
 *
 * <p>Each request does what any client must and no more: builds the KServe v2 binary-extension
 * request for the records (JSON header, then the floats encoded little-endian from the {@code
 * float[]}s), sends it, reads the whole response, finds each output from the JSON header and
 * decodes it into a new {@code float[]} per record. The first answer is checked once. Modes:
 *
 * <ul>
 *   <li>{@code socket}: a minimal blocking HTTP/1.1 client on one {@link java.net.Socket} ({@link
 *       SocketTransport}), the physical floor for Java here;
 *   <li>{@code okhttp}: OkHttp's {@code execute()} on the calling thread with no timeouts and, as
 *       for the socket, Nagle off ({@link OkHttpTransport}), what OkHttp itself costs.
 * </ul>
 *
 * <p>After a warm-up of {@code WARMUP_SECONDS}, {@code REQUESTS} sequential requests are timed; the
 * process's CPU over them (all threads, JIT and GC included) per record and per request, user and
 * system time, context switches per request, GC and JIT time and CPU per Java thread group are
 * printed as one JSON line. With {@code KSERVE_PID} set, the line also splits the machine's busy
 * cores into this client, the server and others, as {@code Bench.java} does. {@code
 * benchmarks/real-server.sh} runs it beside the anchors' clients. Run (after {@code mvn -B -q -pl
 * benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.flinktriton.benchmarks.realserver.HttpFloor \
 *     socket addsub64 60 5000 http://127.0.0.1:8080
 * </pre>
 */
public final class HttpFloor {
    private HttpFloor() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || args.length > 5) {
            System.err.println(
                    "Usage: HttpFloor socket|okhttp "
                            + FloorWorkload.NAMES.replace(", ", "|")
                            + " WARMUP_SECONDS REQUESTS [ENDPOINT=http://127.0.0.1:8080]");
            System.exit(2);
        }
        String mode = args[0];
        FloorWorkload workload = FloorWorkload.of(args[1]);
        double warmupSeconds = Double.parseDouble(args[2]);
        int requests = Integer.parseInt(args[3]);
        URI endpoint = URI.create(args.length > 4 ? args[4] : "http://127.0.0.1:8080");
        long serverPid = Long.parseLong(System.getenv().getOrDefault("KSERVE_PID", "0"));
        String path =
                endpoint.getPath().replaceAll("/+$", "")
                        + "/v2/models/"
                        + workload.model
                        + "/infer";

        String side;
        FloorTransport transport;
        switch (mode) {
            case "socket":
                side = "socket-floor";
                int port = endpoint.getPort() < 0 ? 80 : endpoint.getPort();
                transport = new SocketTransport(endpoint.getHost(), port, path);
                break;
            case "okhttp":
                side = "okhttp-floor";
                transport = new OkHttpTransport(HttpUrl.get(endpoint.resolve(path).toString()));
                break;
            default:
                throw new IllegalArgumentException("Unknown mode '" + mode + "'; socket or okhttp");
        }

        try (transport) {
            workload.check(call(transport, workload));

            long warmUpEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            int warmUpRequests = 0;
            while (System.nanoTime() < warmUpEnd) {
                call(transport, workload);
                warmUpRequests++;
            }

            transport.resetStats();
            ProcessSnapshot start = ProcessSnapshot.before(serverPid);
            float[][][] last = null;
            for (int i = 0; i < requests; i++) {
                last = call(transport, workload);
            }
            ProcessSnapshot end = ProcessSnapshot.after(serverPid);
            System.out.println(
                    line(side, workload, requests, warmUpRequests, warmupSeconds, start, end, last)
                            .add(transport.stats(requests)));
        }
    }

    /** One request for the workload's records, its outputs decoded: the measured unit of work. */
    private static float[][][] call(FloorTransport transport, FloorWorkload workload)
            throws IOException {
        return transport.infer(workload.request()).decode(workload);
    }

    private static JsonLine line(
            String side,
            FloorWorkload workload,
            int requests,
            int warmUpRequests,
            double warmupSeconds,
            ProcessSnapshot start,
            ProcessSnapshot end,
            float[][][] last)
            throws IOException {
        double t = ProcessSnapshot.TICKS_PER_SECOND;
        double wallS = (end.nanoTime - start.nanoTime) / 1e9;
        double cpuS = (end.cpuNanos - start.cpuNanos) / 1e9;
        long records = (long) requests * workload.records;
        double busyCores = (end.machineBusyTicks - start.machineBusyTicks) / t / wallS;
        double serverCores = (end.serverTicks - start.serverTicks) / t / wallS;
        String[] load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        JsonLine threads = new JsonLine();
        for (Map.Entry<String, Double> group :
                end.threadMicrosPerRequest(start, requests).entrySet()) {
            threads.add(group.getKey(), group.getValue(), 1);
        }
        return new JsonLine()
                .add("side", side)
                .add("workload", workload.name)
                .add("records_per_request", workload.records)
                .add("requests", requests)
                .add("records", records)
                .add("warmup_requests", warmUpRequests)
                .add("warmup_s", warmupSeconds, 0)
                .add("user_s", (end.userTicks - start.userTicks) / t, 2)
                .add("sys_s", (end.systemTicks - start.systemTicks) / t, 2)
                .add("cpu_s", cpuS, 4)
                .add("wall_s", wallS, 3)
                .add("req_per_s", requests / wallS, 1)
                .add("cpu_us_per_record", cpuS * 1e6 / records, 3)
                .add("cpu_us_per_request", cpuS * 1e6 / requests, 1)
                .add("input_crc32", String.format(Locale.ROOT, "%08x", workload.inputCrc32()))
                .add("threads", Thread.activeCount())
                .add("pid", ProcessHandle.current().pid())
                .addRaw(
                        "loadavg",
                        "[\"" + load[0] + "\", \"" + load[1] + "\", \"" + load[2] + "\"]")
                .add("sink", last == null ? 0 : 1)
                .add(
                        "vol_ctxsw_per_req",
                        (end.voluntarySwitches - start.voluntarySwitches) / (double) requests,
                        2)
                .add(
                        "invol_ctxsw_per_req",
                        (end.involuntarySwitches - start.involuntarySwitches) / (double) requests,
                        2)
                .add("gc_count", end.gcCount - start.gcCount)
                .add("gc_ms", end.gcMillis - start.gcMillis)
                .add("jit_ms", end.jitMillis - start.jitMillis)
                .addRaw("java_thread_cpu_us_per_req", threads.toString())
                .add("vm", System.getProperty("java.vm.version") + " " + ProcessSnapshot.gcNames())
                .add("busy_cores", busyCores, 2)
                .add("client_cores", cpuS / wallS, 2)
                .add("server_cores", serverCores, 2)
                .add("other_cores", busyCores - cpuS / wallS - serverCores, 2);
    }
}
