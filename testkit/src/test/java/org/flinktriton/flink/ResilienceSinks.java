package org.flinktriton.flink;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;

/**
 * Sinks of the resilience ITCases: checked outputs counted per record id, and the dead letters. The
 * MiniCluster runs in the test's JVM, so they report through static fields; {@link #clear()} before
 * each job.
 */
final class ResilienceSinks {
    static final Map<Long, AtomicInteger> OUTPUTS = new ConcurrentHashMap<>();
    static final AtomicLong OUTPUT_COUNT = new AtomicLong();
    static final Queue<FailedInference<AddSubRequest>> DEAD = new ConcurrentLinkedQueue<>();
    static final Queue<String> WRONG = new ConcurrentLinkedQueue<>();

    private ResilienceSinks() {}

    static void clear() {
        OUTPUTS.clear();
        OUTPUT_COUNT.set(0);
        DEAD.clear();
        WRONG.clear();
    }

    /** Counts outputs per record id after checking them. */
    static final class OutputSink extends WriterSink<AddSubResult> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<AddSubResult> createWriter(WriterInitContext context) {
            return new Writer<>() {
                @Override
                public void write(AddSubResult result, Context context) {
                    long id = (long) result.difference()[0];
                    if (!InferenceTypes.isDifferenceOf(id, result.difference())
                            || !InferenceTypes.isSumOf(id, result.sum())) {
                        WRONG.add("wrong result for record " + id);
                    }
                    OUTPUTS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    OUTPUT_COUNT.incrementAndGet();
                }
            };
        }
    }

    /** Keeps the dead letters. */
    static final class DeadLetterSink extends WriterSink<FailedInference<AddSubRequest>> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<FailedInference<AddSubRequest>> createWriter(WriterInitContext context) {
            return new Writer<>() {
                @Override
                public void write(FailedInference<AddSubRequest> dead, Context context) {
                    DEAD.add(dead);
                }
            };
        }
    }

    /** A writer with nothing to flush or close. */
    abstract static class Writer<T> implements SinkWriter<T> {
        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
    }
}
