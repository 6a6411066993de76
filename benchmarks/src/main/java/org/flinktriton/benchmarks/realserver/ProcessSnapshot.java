package org.flinktriton.benchmarks.realserver;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * This process's CPU figures at one instant, taken as the anchors' {@code Bench.java} takes them:
 * process CPU time from {@link OperatingSystemMXBean#getProcessCpuTime()} (all threads: the caller,
 * OkHttp's, JIT, GC); user and system clock ticks from {@code /proc/self/stat}; voluntary and
 * involuntary context switches summed over {@code /proc/self/task/}*{@code /status}; JIT and GC
 * time; CPU per Java thread; and, to tell a quiet machine, the busy jiffies of all CPUs and of the
 * server's process. {@link #before} and {@link #after} take them in opposite orders, so that the
 * timed part's own clock is read innermost.
 */
final class ProcessSnapshot {
    /** {@code USER_HZ}: the unit of {@code /proc} CPU times. */
    static final double TICKS_PER_SECOND = 100.0;

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    long nanoTime;
    long cpuNanos;
    long userTicks;
    long systemTicks;
    long serverTicks;
    long machineBusyTicks;
    long voluntarySwitches;
    long involuntarySwitches;
    long jitMillis;
    long gcCount;
    long gcMillis;
    Map<Long, ThreadCpu> threads = Map.of();

    private ProcessSnapshot() {}

    /** The figures at the start of the timed part; {@code serverPid} 0 if unknown. */
    static ProcessSnapshot before(long serverPid) {
        ProcessSnapshot s = new ProcessSnapshot();
        s.threads = threadCpu();
        s.gc();
        s.jitMillis = jitMillis();
        s.contextSwitches();
        s.machineBusyTicks = machineBusyTicks();
        s.serverTicks = processTicks(serverPid);
        s.cpuNanos = OS.getProcessCpuTime();
        s.selfTicks();
        s.nanoTime = System.nanoTime();
        return s;
    }

    /** The figures at the end of the timed part, read in the reverse order of {@link #before}. */
    static ProcessSnapshot after(long serverPid) {
        ProcessSnapshot s = new ProcessSnapshot();
        s.nanoTime = System.nanoTime();
        s.cpuNanos = OS.getProcessCpuTime();
        s.selfTicks();
        s.serverTicks = processTicks(serverPid);
        s.machineBusyTicks = machineBusyTicks();
        s.contextSwitches();
        s.jitMillis = jitMillis();
        s.gc();
        s.threads = threadCpu();
        return s;
    }

    /**
     * CPU microseconds per request of each group of Java threads since {@code start}, threads
     * grouped by name with digits as {@code N} (zero groups left out).
     */
    Map<String, Double> threadMicrosPerRequest(ProcessSnapshot start, int requests) {
        Map<String, Long> byName = new TreeMap<>();
        for (Map.Entry<Long, ThreadCpu> thread : threads.entrySet()) {
            ThreadCpu then = start.threads.get(thread.getKey());
            long nanos = thread.getValue().nanos - (then == null ? 0 : then.nanos);
            byName.merge(thread.getValue().group, nanos, Long::sum);
        }
        Map<String, Double> perRequest = new TreeMap<>();
        byName.forEach(
                (name, nanos) -> {
                    if (nanos > 0) {
                        perRequest.put(name, nanos / 1e3 / requests);
                    }
                });
        return perRequest;
    }

    /** A thread's name group and CPU time. */
    private record ThreadCpu(String group, long nanos) {}

    private static Map<Long, ThreadCpu> threadCpu() {
        Map<Long, ThreadCpu> cpu = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long nanos = THREADS.getThreadCpuTime(ids[i]);
            if (infos[i] != null && nanos >= 0) {
                String group = infos[i].getThreadName().replaceAll("[0-9]+", "N");
                cpu.put(ids[i], new ThreadCpu(group, nanos));
            }
        }
        return cpu;
    }

    private void gc() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
    }

    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** The garbage collectors' names, as in {@code G1 Young Generation/G1 Old Generation}. */
    static String gcNames() {
        StringBuilder names = new StringBuilder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            names.append(names.length() > 0 ? "/" : "").append(gc.getName());
        }
        return names.toString();
    }

    private void contextSwitches() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                List<String> status;
                try {
                    status = Files.readAllLines(task.resolve("status"));
                } catch (IOException ended) {
                    continue; // the thread ended in between
                }
                for (String line : status) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        voluntarySwitches += lastNumber(line);
                    } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                        involuntarySwitches += lastNumber(line);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long lastNumber(String line) {
        return Long.parseLong(line.substring(line.lastIndexOf(':') + 1).trim());
    }

    private void selfTicks() {
        String[] fields = statFields(Path.of("/proc/self/stat"));
        userTicks = Long.parseLong(fields[11]);
        systemTicks = Long.parseLong(fields[12]);
    }

    /** utime + stime of process {@code pid} in ticks; 0 if {@code pid} is 0 or gone. */
    private static long processTicks(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            String[] fields = statFields(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (UncheckedIOException gone) {
            return 0;
        }
    }

    /** The fields of a {@code /proc/PID/stat} after "pid (comm) ": [0] is the state (field 3). */
    private static String[] statFields(Path stat) {
        try {
            String s = Files.readString(stat);
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Busy ticks of all CPUs (all but idle and iowait of the first 8 fields of /proc/stat). */
    private static long machineBusyTicks() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
            String[] f = lines.findFirst().orElseThrow().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            return total - Long.parseLong(f[4]) - Long.parseLong(f[5]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
