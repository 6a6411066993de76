package org.flinktriton.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * Faults that {@link TritonTestServer} injects into its inference responses, to test how a client
 * or a job copes. Thread-safe; every setting may change while requests are running and applies to
 * {@code POST …/infer} of every model (health, metadata and config stay healthy).
 *
 * <pre>{@code
 * server.faults().latency(Duration.ofMillis(200));          // every infer request
 * server.faults().failNext(2, 503, "server is busy");        // the next two answer 503
 * server.faults().failEvery(5, 500, "boom");                 // the 5th, 10th, 15th, … answer 500
 * server.faults().dropNext(1);                               // the next one gets no answer at all
 * server.faults().truncateNext(1);                           // the next 200 stops halfway
 * server.faults().malformNext(1);                            // the next 200 is not valid JSON
 * server.faults().clear();
 * }</pre>
 *
 * <p>Order per request: the body is read, the {@linkplain #latency added latency} passes, then the
 * first of drop, fail-next, fail-every that is armed decides the answer (a request that is dropped
 * or failed is not executed). A request that runs normally and would answer 200 is then malformed
 * or truncated if one of those is armed. Every infer request counts towards {@link #failEvery}.
 */
public final class Faults {
    private volatile Duration latency = Duration.ZERO;
    private int dropNext;
    private int failNext;
    private int failNextStatus;
    private String failNextError;
    private int failEvery;
    private int failEveryStatus;
    private String failEveryError;
    private long sinceFailEvery;
    private int truncateNext;
    private int malformNext;

    Faults() {}

    /** Adds {@code latency} to every infer request, before it is answered; zero turns it off. */
    public Faults latency(Duration latency) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        this.latency = latency;
        return this;
    }

    /** The added latency per infer request. */
    public Duration latency() {
        return latency;
    }

    /**
     * Answers the next {@code count} infer requests with {@code status} and {@code {"error":
     * error}}, without running the model.
     */
    public synchronized Faults failNext(int count, int status, String error) {
        checkStatus(status);
        this.failNext = nonNegative(count, "count");
        this.failNextStatus = status;
        this.failNextError = Objects.requireNonNull(error, "error");
        return this;
    }

    /**
     * Answers every {@code k}-th infer request from now on (the k-th, 2k-th, …) with {@code status}
     * and {@code {"error": error}}; {@code k <= 0} turns it off.
     */
    public synchronized Faults failEvery(int k, int status, String error) {
        checkStatus(status);
        this.failEvery = Math.max(0, k);
        this.failEveryStatus = status;
        this.failEveryError = Objects.requireNonNull(error, "error");
        this.sinceFailEvery = 0;
        return this;
    }

    /**
     * Closes the connection of the next {@code count} infer requests without any answer (the
     * request body is read first), as a crashing server or a proxy would.
     */
    public synchronized Faults dropNext(int count) {
        this.dropNext = nonNegative(count, "count");
        return this;
    }

    /**
     * Cuts the next {@code count} successful responses short: the status and the full {@code
     * Content-Length} go out, then half the body, then the connection closes.
     */
    public synchronized Faults truncateNext(int count) {
        this.truncateNext = nonNegative(count, "count");
        return this;
    }

    /**
     * Replaces the next {@code count} successful responses with a 200 whose {@code
     * application/json} body is cut off mid-JSON.
     */
    public synchronized Faults malformNext(int count) {
        this.malformNext = nonNegative(count, "count");
        return this;
    }

    /** Turns every fault off, latency included. */
    public synchronized void clear() {
        latency = Duration.ZERO;
        dropNext = 0;
        failNext = 0;
        failEvery = 0;
        sinceFailEvery = 0;
        truncateNext = 0;
        malformNext = 0;
    }

    // ---- used by the server -------------------------------------------------------------------

    /** What happens to a request before it runs. */
    static final class Before {
        static final Before NONE = new Before(false, 0, null);
        static final Before DROP = new Before(true, 0, null);

        final boolean drop;
        final int status;
        final String error;

        private Before(boolean drop, int status, String error) {
            this.drop = drop;
            this.status = status;
            this.error = error;
        }

        boolean fails() {
            return status != 0;
        }
    }

    /** What happens to a successful response. */
    enum After {
        NONE,
        TRUNCATE,
        MALFORM
    }

    synchronized Before beforeInfer() {
        boolean everyDue = failEvery > 0 && ++sinceFailEvery % failEvery == 0;
        if (dropNext > 0) {
            dropNext--;
            return Before.DROP;
        }
        if (failNext > 0) {
            failNext--;
            return new Before(false, failNextStatus, failNextError);
        }
        if (everyDue) {
            return new Before(false, failEveryStatus, failEveryError);
        }
        return Before.NONE;
    }

    synchronized After afterInfer() {
        if (malformNext > 0) {
            malformNext--;
            return After.MALFORM;
        }
        if (truncateNext > 0) {
            truncateNext--;
            return After.TRUNCATE;
        }
        return After.NONE;
    }

    private static void checkStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException(
                    "An injected failure needs a 4xx or 5xx status, not " + status);
        }
    }

    private static int nonNegative(int count, String what) {
        if (count < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + count);
        }
        return count;
    }

    @Override
    public synchronized String toString() {
        return "Faults{latency="
                + latency
                + ", dropNext="
                + dropNext
                + ", failNext="
                + failNext
                + ", failEvery="
                + failEvery
                + ", truncateNext="
                + truncateNext
                + ", malformNext="
                + malformNext
                + '}';
    }
}
