package org.flinktriton.client;

import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * When the client stops sending requests to a server that keeps failing: once at least {@code
 * minimumCalls} of the last {@code windowSize} requests have finished and at least {@code
 * failureThreshold} of them failed retryably (unreachable, timed out, 429, 503, …: the answers that
 * say the server is unwell, not that a record is bad), the breaker opens. While it is open, every
 * request fails at once with a retryable {@link org.flinktriton.TritonException} that says so,
 * without touching the network. After {@code openDuration} it lets {@code halfOpenProbes} requests
 * through; if enough of them pass it closes, otherwise it opens again.
 *
 * <pre>{@code
 * CircuitBreakerPolicy breaker = CircuitBreakerPolicy.builder()
 *         .failureThreshold(0.5)
 *         .openDuration(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 *
 * <p>Off by default ({@link #none()}): retries with backoff and adaptive concurrency already keep
 * the load on an unwell server low, and a breaker turns a short outage into failed calls. Turn it
 * on where failing fast is worth more than waiting, e.g. with a fallback. {@link #defaults()} is
 * the breaker on with: threshold 0.5, minimum 20 calls, window 50 calls, open for 10 s, 3 probes.
 */
public final class CircuitBreakerPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    static final double DEFAULT_FAILURE_THRESHOLD = 0.5;
    static final int DEFAULT_MINIMUM_CALLS = 20;
    static final int DEFAULT_WINDOW_SIZE = 50;
    static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(10);
    static final int DEFAULT_HALF_OPEN_PROBES = 3;

    private static final CircuitBreakerPolicy NONE = new CircuitBreakerPolicy(new Builder(), false);
    private static final CircuitBreakerPolicy DEFAULTS = builder().build();

    private final boolean enabled;
    private final double failureThreshold;
    private final int minimumCalls;
    private final int windowSize;
    private final Duration openDuration;
    private final int halfOpenProbes;

    private CircuitBreakerPolicy(Builder builder, boolean enabled) {
        this.enabled = enabled;
        this.failureThreshold = builder.failureThreshold;
        this.minimumCalls = builder.minimumCalls;
        this.windowSize = builder.windowSize;
        this.openDuration = builder.openDuration;
        this.halfOpenProbes = builder.halfOpenProbes;
    }

    /** No breaker: the default. */
    public static CircuitBreakerPolicy none() {
        return NONE;
    }

    /** The breaker on, with the defaults of the class comment. */
    public static CircuitBreakerPolicy defaults() {
        return DEFAULTS;
    }

    /** Starts from {@link #defaults()}: building gives a breaker that is on. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these values (and builds a breaker that is on). */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.failureThreshold = failureThreshold;
        builder.minimumCalls = minimumCalls;
        builder.windowSize = windowSize;
        builder.openDuration = openDuration;
        builder.halfOpenProbes = halfOpenProbes;
        return builder;
    }

    /** Whether there is a breaker at all. */
    public boolean enabled() {
        return enabled;
    }

    /** The share of failed requests in the window, in (0, 1], that opens the breaker. */
    public double failureThreshold() {
        return failureThreshold;
    }

    /** How many requests must have finished before the failure rate counts. */
    public int minimumCalls() {
        return minimumCalls;
    }

    /** How many of the latest requests the failure rate is taken over. */
    public int windowSize() {
        return windowSize;
    }

    /** How long the breaker stays open before it lets probes through. */
    public Duration openDuration() {
        return openDuration;
    }

    /** How many requests pass while half-open, to decide whether to close again. */
    public int halfOpenProbes() {
        return halfOpenProbes;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof CircuitBreakerPolicy)) {
            return false;
        }
        CircuitBreakerPolicy that = (CircuitBreakerPolicy) other;
        if (!enabled || !that.enabled) {
            return enabled == that.enabled;
        }
        return Double.compare(failureThreshold, that.failureThreshold) == 0
                && minimumCalls == that.minimumCalls
                && windowSize == that.windowSize
                && openDuration.equals(that.openDuration)
                && halfOpenProbes == that.halfOpenProbes;
    }

    @Override
    public int hashCode() {
        return enabled
                ? Objects.hash(
                        failureThreshold, minimumCalls, windowSize, openDuration, halfOpenProbes)
                : 0;
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "CircuitBreakerPolicy{none}";
        }
        return String.format(
                Locale.ROOT,
                "CircuitBreakerPolicy{threshold %s, minimum %d calls, window %d calls, open %d ms,"
                        + " %d probes}",
                failureThreshold,
                minimumCalls,
                windowSize,
                openDuration.toMillis(),
                halfOpenProbes);
    }

    /** Collects a {@link CircuitBreakerPolicy} that is on; each setter checks its value. */
    public static final class Builder {
        private double failureThreshold = DEFAULT_FAILURE_THRESHOLD;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private int windowSize = DEFAULT_WINDOW_SIZE;
        private Duration openDuration = DEFAULT_OPEN_DURATION;
        private int halfOpenProbes = DEFAULT_HALF_OPEN_PROBES;

        private Builder() {}

        /** The share of failed requests, in (0, 1], that opens the breaker. */
        public Builder failureThreshold(double threshold) {
            if (!(threshold > 0.0 && threshold <= 1.0)) {
                throw new IllegalArgumentException(
                        "failureThreshold must be above 0 and at most 1, not " + threshold);
            }
            this.failureThreshold = threshold;
            return this;
        }

        /** How many requests must have finished before the failure rate counts; at least 1. */
        public Builder minimumCalls(int calls) {
            this.minimumCalls = atLeastOne(calls, "minimumCalls");
            return this;
        }

        /** How many of the latest requests the failure rate is taken over; at least 1. */
        public Builder windowSize(int calls) {
            this.windowSize = atLeastOne(calls, "windowSize");
            return this;
        }

        /** How long the breaker stays open; at least 1 ms. */
        public Builder openDuration(Duration duration) {
            Objects.requireNonNull(duration, "openDuration");
            if (duration.toMillis() < 1) {
                throw new IllegalArgumentException("openDuration must be at least 1 ms");
            }
            this.openDuration = duration;
            return this;
        }

        /** How many requests pass while half-open; at least 1. */
        public Builder halfOpenProbes(int probes) {
            this.halfOpenProbes = atLeastOne(probes, "halfOpenProbes");
            return this;
        }

        /** The breaker, on. */
        public CircuitBreakerPolicy build() {
            return new CircuitBreakerPolicy(this, true);
        }

        private static int atLeastOne(int value, String what) {
            if (value < 1) {
                throw new IllegalArgumentException(what + " must be at least 1, not " + value);
            }
            return value;
        }
    }
}
