package org.flinktriton.benchmarks.client;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of the client's threads versus the embedded server's, both in this JVM, told apart by
 * thread name: the server's are the JDK HTTP server's dispatcher and the testkit's workers; the
 * client's are the JMH or main thread that calls it, the client's dispatcher threads and OkHttp's,
 * and over gRPC the client's callback threads and grpc-java's ({@code grpc-}: its Netty event
 * loops; the testkit's gRPC server names its own threads). The JVM's own threads (JIT compilers,
 * GC) count for neither; {@link #elapsed()} gives them apart.
 */
final class CpuAccounting {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private Map<Long, long[]> atStart = Map.of();

    void start() {
        atStart = sample();
    }

    /**
     * Nanoseconds of CPU since {@link #start()}: {client, server, the rest of the JVM}. Counted per
     * thread, so that a pool thread that ends in between (OkHttp lets idle threads go after a
     * minute) takes only its own time since the start with it, not all the time it ever used.
     */
    long[] elapsed() {
        long[] total = new long[3];
        for (Map.Entry<Long, long[]> thread : sample().entrySet()) {
            long[] now = thread.getValue();
            long[] then = atStart.getOrDefault(thread.getKey(), new long[] {now[0], 0});
            total[(int) now[0]] += now[1] - then[1];
        }
        return total;
    }

    /** Per thread: {side (0 client, 1 server, 2 neither), CPU nanoseconds}. */
    private Map<Long, long[]> sample() {
        Map<Long, long[]> sides = new HashMap<>();
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = threads.getThreadCpuTime(ids[i]);
            if (infos[i] == null || cpu < 0) {
                continue;
            }
            String name = infos[i].getThreadName();
            if (name.startsWith("triton-test-server")
                    || name.startsWith("HTTP-Dispatcher")
                    || name.startsWith("testkit-")) {
                sides.put(ids[i], new long[] {1, cpu});
            } else if (name.contains("jmh-worker")
                    || name.equals("main")
                    || name.startsWith("OkHttp")
                    || name.startsWith("Okio")
                    || name.startsWith("flink-triton")
                    || name.startsWith("grpc-")) {
                sides.put(ids[i], new long[] {0, cpu});
            } else {
                sides.put(ids[i], new long[] {2, cpu});
            }
        }
        return sides;
    }
}
