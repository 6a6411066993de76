package org.flinktriton.samples.common;

/**
 * A job result that knows when its record entered the job and when its result left the inference
 * operator, both in {@linkplain Micros#now() epoch microseconds}. {@link RunSummary} turns these
 * into throughput and latency percentiles.
 */
public interface Timed {

    /** When the source produced the record. */
    long ingestMicros();

    /** When the record's result came out of the inference operator. */
    long doneMicros();

    /** Latency of this record in microseconds. */
    default long latencyMicros() {
        return doneMicros() - ingestMicros();
    }
}
