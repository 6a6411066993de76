package org.flinktriton.benchmarks.client;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of the client's threads versus the embedded server's, both in this JVM, told apart by
 * thread name: the server's are the JDK HTTP server's dispatcher and the testkit's workers; the
 * client's are the JMH thread that calls it, the client's dispatcher threads and OkHttp's. The
 * JVM's own threads (JIT compilers, GC) count for neither.
 */
final class CpuAccounting {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long clientStart;
    private long serverStart;

    void start() {
        long[] now = sample();
        clientStart = now[0];
        serverStart = now[1];
    }

    /** Nanoseconds of CPU since {@link #start()}: {client, server}. */
    long[] elapsed() {
        long[] now = sample();
        return new long[] {now[0] - clientStart, now[1] - serverStart};
    }

    private long[] sample() {
        long client = 0;
        long server = 0;
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = threads.getThreadCpuTime(ids[i]);
            if (infos[i] == null || cpu < 0) {
                continue;
            }
            String name = infos[i].getThreadName();
            if (name.startsWith("triton-test-server") || name.startsWith("HTTP-Dispatcher")) {
                server += cpu;
            } else if (name.contains("jmh-worker")
                    || name.startsWith("OkHttp")
                    || name.startsWith("Okio")
                    || name.startsWith("flink-triton")) {
                client += cpu;
            }
        }
        return new long[] {client, server};
    }
}
