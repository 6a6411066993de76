package org.flinktriton.benchmarks.realserver;

import java.io.Closeable;
import java.io.IOException;

/** Sends one inference request to one model's {@code /infer} and reads the whole response. */
interface FloorTransport extends Closeable {
    /**
     * POSTs {@code body} with its {@code Inference-Header-Content-Length} and {@code
     * Content-Length}, on the calling thread, and returns the response body once it is all read.
     * Fails on any status but 200.
     */
    InferResponse infer(InferBody body) throws IOException;

    /** Starts counting {@link #stats} anew: at the start of the timed part. */
    default void resetStats() {}

    /** Extra figures for the JSON line, as {@code "key": value} pairs, or an empty string. */
    default String stats(int requests) {
        return "";
    }
}
