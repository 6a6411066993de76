package org.flinktriton.samples.common;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The figures each sample prints at the end: records, inference requests the server received,
 * records per request (the mean batch size on the wire), throughput and the 50th and 99th
 * percentile of per-record latency.
 *
 * <p>Latency is per record: from the moment the source generated the record to the moment its
 * result left the inference operator ({@link Timed}). It therefore includes the time a record waits
 * for its batch to fill ({@code maxBatchDelay} at most), the time its batch waits for a free slot
 * ({@code capacity}) and the round trip to the server. Throughput is the record count divided by
 * the time from the first record generated to the last result, so job start-up does not count.
 *
 * <pre>{@code
 * RunSummary summary = RunSummary.of(results, requestsAfter - requestsBefore);
 * System.out.println(summary);
 * // summary: 10000 records, 1250 requests, mean batch 8.0, 35211 records/s, latency p50 1.21 ms, p99 3.80 ms
 * }</pre>
 */
public final class RunSummary {
    private final int records;
    private final OptionalLong requests;
    private final double recordsPerSecond;
    private final double p50Millis;
    private final double p99Millis;

    private RunSummary(
            int records,
            OptionalLong requests,
            double recordsPerSecond,
            double p50Millis,
            double p99Millis) {
        this.records = records;
        this.requests = requests;
        this.recordsPerSecond = recordsPerSecond;
        this.p50Millis = p50Millis;
        this.p99Millis = p99Millis;
    }

    /**
     * Summarises {@code results}; {@code requests} is the number of inference requests the server
     * received for them, when it is known.
     */
    public static RunSummary of(List<? extends Timed> results, OptionalLong requests) {
        int n = results.size();
        long[] latencies = new long[n];
        long firstIngest = Long.MAX_VALUE;
        long lastDone = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            Timed result = results.get(i);
            latencies[i] = result.latencyMicros();
            firstIngest = Math.min(firstIngest, result.ingestMicros());
            lastDone = Math.max(lastDone, result.doneMicros());
        }
        Arrays.sort(latencies);
        double seconds = n == 0 ? 0 : Math.max(1, lastDone - firstIngest) / 1e6;
        return new RunSummary(
                n,
                requests,
                n == 0 ? 0 : n / seconds,
                percentile(latencies, 50) / 1e3,
                percentile(latencies, 99) / 1e3);
    }

    /** The nearest-rank percentile of sorted values; 0 for none. */
    static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** How many results were summarised. */
    public int records() {
        return records;
    }

    /** Inference requests the server received, when known. */
    public OptionalLong requests() {
        return requests;
    }

    /** Records per inference request, when the request count is known. */
    public OptionalDouble meanBatchSize() {
        return requests.isPresent() && requests.getAsLong() > 0
                ? OptionalDouble.of((double) records / requests.getAsLong())
                : OptionalDouble.empty();
    }

    /** Records per second, from the first record generated to the last result. */
    public double recordsPerSecond() {
        return recordsPerSecond;
    }

    /** Median per-record latency in milliseconds. */
    public double p50Millis() {
        return p50Millis;
    }

    /** 99th percentile per-record latency in milliseconds. */
    public double p99Millis() {
        return p99Millis;
    }

    @Override
    public String toString() {
        String requestText =
                requests.isPresent() ? requests.getAsLong() + " requests" : "requests unknown";
        String batchText =
                meanBatchSize().isPresent()
                        ? String.format(
                                Locale.ROOT, "mean batch %.1f", meanBatchSize().getAsDouble())
                        : "mean batch unknown";
        return String.format(
                Locale.ROOT,
                "summary: %d records, %s, %s, %.0f records/s, latency p50 %.2f ms, p99 %.2f ms",
                records,
                requestText,
                batchText,
                recordsPerSecond,
                p50Millis,
                p99Millis);
    }
}
