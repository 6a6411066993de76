package org.flinktriton.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The seeded fault decision engine behind {@link Faults}: holds the fault settings, the counters of
 * the counted faults and one random stream per rate, and decides, for each infer request, what
 * happens to it before the model runs ({@link #beforeInfer}), whether its batch is poisoned ({@link
 * #poisoned}) and what happens to a successful answer ({@link #afterInfer}). Thread-safe.
 *
 * <p>It knows no transport: decisions are in the terms Triton uses on every transport (an HTTP
 * status such as 503, which Triton's gRPC face sends as {@code UNAVAILABLE}; a dropped answer; a
 * cut-off one), so that every face of one {@link TritonTestServer} asks the same engine, counts
 * towards the same {@code failEvery}, draws from the same streams and meets the same seeded
 * decisions. {@link Faults} is its public face: it checks each setting and documents what a client
 * sees.
 */
final class FaultEngine {
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

    private long seed = Faults.DEFAULT_SEED;
    private final List<FailRate> failRates = new ArrayList<>();
    private double resetRate;
    private SplittableRandom resetRandom;
    private double spikeRate;
    private Duration spike = Duration.ZERO;
    private SplittableRandom spikeRandom;
    private final List<Predicate<ModelRequest.Record>> poison = new CopyOnWriteArrayList<>();

    FaultEngine() {}

    // ---- settings, checked by Faults ----------------------------------------------------------

    void latency(Duration latency) {
        this.latency = latency;
    }

    Duration latency() {
        return latency;
    }

    synchronized void failNext(int count, int status, String error) {
        this.failNext = count;
        this.failNextStatus = status;
        this.failNextError = error;
    }

    synchronized void failEvery(int k, int status, String error) {
        this.failEvery = k;
        this.failEveryStatus = status;
        this.failEveryError = error;
        this.sinceFailEvery = 0;
    }

    synchronized void dropNext(int count) {
        this.dropNext = count;
    }

    synchronized void truncateNext(int count) {
        this.truncateNext = count;
    }

    synchronized void malformNext(int count) {
        this.malformNext = count;
    }

    synchronized void seed(long seed) {
        this.seed = seed;
        for (int i = 0; i < failRates.size(); i++) {
            failRates.get(i).random = random(FAIL_STREAM + i);
        }
        resetRandom = random(RESET_STREAM);
        spikeRandom = random(SPIKE_STREAM);
    }

    synchronized long seed() {
        return seed;
    }

    /**
     * @param retryAfter the {@code Retry-After} value in whole seconds, or null for none
     */
    synchronized void addFailRate(double rate, int status, String error, String retryAfter) {
        failRates.add(
                new FailRate(
                        rate, status, error, retryAfter, random(FAIL_STREAM + failRates.size())));
    }

    synchronized void resetRate(double rate) {
        this.resetRate = rate;
        this.resetRandom = random(RESET_STREAM);
    }

    synchronized void latencySpikes(double rate, Duration spike) {
        this.spikeRate = rate;
        this.spike = spike;
        this.spikeRandom = random(SPIKE_STREAM);
    }

    void addPoison(Predicate<ModelRequest.Record> predicate) {
        poison.add(predicate);
    }

    /** Responses still to send before a stream is reset; 0: none armed. */
    private long streamResetIn;

    private volatile Duration streamResponseDelay = Duration.ZERO;

    synchronized void resetStreamAfter(int responses) {
        streamResetIn = responses;
    }

    void streamResponseDelay(Duration delay) {
        streamResponseDelay = delay;
    }

    Duration streamResponseDelay() {
        return streamResponseDelay;
    }

    /** A decoupled response was sent: true when its stream is to be reset now. */
    synchronized boolean streamResponseSent() {
        if (streamResetIn > 0 && --streamResetIn == 0) {
            return true;
        }
        return false;
    }

    synchronized void clear() {
        streamResetIn = 0;
        streamResponseDelay = Duration.ZERO;
        latency = Duration.ZERO;
        dropNext = 0;
        failNext = 0;
        failEvery = 0;
        sinceFailEvery = 0;
        truncateNext = 0;
        malformNext = 0;
        failRates.clear();
        resetRate = 0;
        spikeRate = 0;
        spike = Duration.ZERO;
        poison.clear();
    }

    // ---- decisions ----------------------------------------------------------------------------

    private static final long FAIL_STREAM = 1_000;
    private static final long RESET_STREAM = 1;
    private static final long SPIKE_STREAM = 2;

    /** A stream of its own for each fault, so that one never shifts another's decisions. */
    private SplittableRandom random(long stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream);
    }

    /** One failure-rate rule. */
    private static final class FailRate {
        final double rate;
        final int status;
        final String error;
        final String retryAfter;
        SplittableRandom random;

        FailRate(
                double rate, int status, String error, String retryAfter, SplittableRandom random) {
            this.rate = rate;
            this.status = status;
            this.error = error;
            this.retryAfter = retryAfter;
            this.random = random;
        }
    }

    /** What happens to a request before it runs. */
    static final class Before {
        static final Before NONE = new Before(Kind.NONE, 0, null, null, 0);

        enum Kind {
            NONE,
            DROP,
            RESET,
            FAIL
        }

        final Kind kind;
        final int status;
        final String error;

        /** The {@code Retry-After} value, or null for none. */
        final String retryAfter;

        /** The latency spike to add before the answer, in nanoseconds; 0 for none. */
        final long spikeNanos;

        private Before(Kind kind, int status, String error, String retryAfter, long spikeNanos) {
            this.kind = kind;
            this.status = status;
            this.error = error;
            this.retryAfter = retryAfter;
            this.spikeNanos = spikeNanos;
        }
    }

    /** What happens to a successful response. */
    enum After {
        NONE,
        TRUNCATE,
        MALFORM
    }

    /**
     * Decides what happens to the next infer request before it runs; every active random stream
     * draws once, and the request counts towards {@code failEvery}, whatever the answer.
     */
    synchronized Before beforeInfer() {
        boolean everyDue = failEvery > 0 && ++sinceFailEvery % failEvery == 0;
        // Every active stream draws, whatever the answer, to keep the streams independent.
        long spikeNanos =
                spikeRate > 0 && spikeRandom.nextDouble() < spikeRate ? spike.toNanos() : 0;
        boolean reset = resetRate > 0 && resetRandom.nextDouble() < resetRate;
        FailRate failed = null;
        for (FailRate rule : failRates) {
            if (rule.random.nextDouble() < rule.rate && failed == null) {
                failed = rule;
            }
        }
        if (dropNext > 0) {
            dropNext--;
            return new Before(Before.Kind.DROP, 0, null, null, spikeNanos);
        }
        if (failNext > 0) {
            failNext--;
            return new Before(Before.Kind.FAIL, failNextStatus, failNextError, null, spikeNanos);
        }
        if (everyDue) {
            return new Before(Before.Kind.FAIL, failEveryStatus, failEveryError, null, spikeNanos);
        }
        if (reset) {
            return new Before(Before.Kind.RESET, 0, null, null, spikeNanos);
        }
        if (failed != null) {
            return new Before(
                    Before.Kind.FAIL, failed.status, failed.error, failed.retryAfter, spikeNanos);
        }
        return spikeNanos == 0
                ? Before.NONE
                : new Before(Before.Kind.NONE, 0, null, null, spikeNanos);
    }

    /**
     * The 400 for a batch that holds a poison record, or null when it holds none or no predicate is
     * set.
     */
    HttpError poisoned(ModelRequest request, ServerStats stats) {
        if (poison.isEmpty()) {
            return null;
        }
        int first = -1;
        int count = 0;
        for (int i = 0; i < request.batchSize(); i++) {
            ModelRequest.Record record = request.record(i);
            for (Predicate<ModelRequest.Record> predicate : poison) {
                if (predicate.test(record)) {
                    if (first < 0) {
                        first = i;
                    }
                    count++;
                    break;
                }
            }
        }
        if (count == 0) {
            return null;
        }
        stats.poisoned(count);
        return HttpError.badRequest(
                "Model '"
                        + request.model().name()
                        + "' cannot run the batch: poison record at index "
                        + first
                        + " of "
                        + request.batchSize()
                        + (count > 1 ? " (" + count + " poison records)" : ""));
    }

    /** Decides what happens to the successful answer of a request that ran. */
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
                + ", seed="
                + seed
                + ", failRates="
                + failRates.size()
                + ", resetRate="
                + resetRate
                + ", spikeRate="
                + spikeRate
                + ", poison="
                + poison.size()
                + '}';
    }
}
