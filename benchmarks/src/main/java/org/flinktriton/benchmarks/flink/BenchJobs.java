package org.flinktriton.benchmarks.flink;

import java.io.Serializable;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The parts the Flink harnesses share: a source that paces and stamps records, a sink that times
 * them, and the statistics. The MiniCluster runs in the harness's JVM, so the job reports through
 * static fields ({@link Measurements}); one job runs at a time.
 */
final class BenchJobs {

    private BenchJobs() {}

    /**
     * {@code records} sequence numbers turned into records by {@code maker}; at a rate above zero
     * (records/s over all {@code parallelism} subtasks) each is held back until it is due.
     */
    static <T> DataStream<T> source(
            StreamExecutionEnvironment env,
            int records,
            int ratePerSecond,
            int parallelism,
            Maker<T> maker,
            Class<T> type) {
        return env.fromSequence(0, records - 1)
                .map(new Pacer<>((double) ratePerSecond / parallelism, maker))
                .returns(type);
    }

    /** The value at fraction {@code p} of {@code sorted} (nearest rank); 0 when it is empty. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** The median (the upper one for an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Where the sink reports; reset before each job. */
    static final class Measurements {
        /** Creation (or due time) to sink, per output in arrival order. */
        static long[] LATENCIES = new long[0];

        /** When each output reached the sink, in arrival order; empty unless tracked. */
        static long[] ARRIVALS = new long[0];

        /** Outputs per record id; empty unless tracked. */
        static AtomicIntegerArray SEEN = new AtomicIntegerArray(0);

        static final AtomicInteger COUNT = new AtomicInteger();
        static final AtomicLong WRONG = new AtomicLong();
        static final AtomicLong FIRST = new AtomicLong(Long.MAX_VALUE);
        static final AtomicLong LAST = new AtomicLong(Long.MIN_VALUE);

        private Measurements() {}

        /** For a job of {@code records} records: latencies, the count, the first and the last. */
        static void reset(int records) {
            reset(records, false);
        }

        /**
         * As {@link #reset(int)}; with {@code track}, also each output's arrival time and the
         * outputs per record id.
         */
        static void reset(int records, boolean track) {
            LATENCIES = new long[records];
            ARRIVALS = new long[track ? records : 0];
            SEEN = new AtomicIntegerArray(track ? records : 0);
            COUNT.set(0);
            WRONG.set(0);
            FIRST.set(Long.MAX_VALUE);
            LAST.set(Long.MIN_VALUE);
        }
    }

    /** Makes a record from its id and when it was created or due. */
    @FunctionalInterface
    interface Maker<T> extends Serializable {
        T make(long id, long createdNanos);
    }

    /**
     * Turns sequence numbers into requests; at a rate above zero it holds each back until it is due
     * (per subtask) and stamps it with that moment, not with when it got out.
     */
    static final class Pacer<T> extends RichMapFunction<Long, T> {
        private static final long serialVersionUID = 1L;

        private final double ratePerSubtask;
        private final Maker<T> maker;
        private transient long startNanos;
        private transient long emitted;

        Pacer(double ratePerSubtask, Maker<T> maker) {
            this.ratePerSubtask = ratePerSubtask;
            this.maker = maker;
        }

        @Override
        public void open(OpenContext openContext) {
            startNanos = 0;
            emitted = 0;
        }

        @Override
        public T map(Long id) {
            long now = System.nanoTime();
            long created = now;
            if (ratePerSubtask > 0) {
                if (emitted == 0) {
                    startNanos = now;
                }
                created = startNanos + (long) (emitted * 1e9 / ratePerSubtask);
                while (System.nanoTime() < created) {
                    LockSupport.parkNanos(created - System.nanoTime());
                }
            }
            emitted++;
            Measurements.FIRST.accumulateAndGet(created, Math::min);
            return maker.make(id, created);
        }
    }

    /** Records each output's latency and the time of the last one (and more when tracked). */
    static final class TimingSink implements Sink<Timed> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Timed> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Timed timed, Context context) {
                    long now = System.nanoTime();
                    if (!timed.correct()) {
                        Measurements.WRONG.incrementAndGet();
                    }
                    int index = Measurements.COUNT.getAndIncrement();
                    if (index < Measurements.LATENCIES.length) {
                        Measurements.LATENCIES[index] = now - timed.createdNanos();
                    }
                    if (index < Measurements.ARRIVALS.length) {
                        Measurements.ARRIVALS[index] = now;
                    }
                    if (timed.id() >= 0 && timed.id() < Measurements.SEEN.length()) {
                        Measurements.SEEN.incrementAndGet((int) timed.id());
                    }
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
