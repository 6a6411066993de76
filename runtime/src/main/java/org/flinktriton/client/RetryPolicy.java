package org.flinktriton.client;

import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How the client retries an HTTP request whose failure is {@linkplain
 * org.flinktriton.TritonException#retryable() retryable}: a server that cannot be reached or broke
 * the connection, a timeout, and HTTP 408, 429, 502, 503 and 504. Nothing else is retried: a
 * request the server rejected (400, 404, 500, …) would be rejected again.
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.builder()
 *         .maxAttempts(5)
 *         .initialBackoff(Duration.ofMillis(200))
 *         .maxBackoff(Duration.ofSeconds(2))
 *         .build();
 * TritonModelClient.builder().endpoint("http://triton:8000").model("m").retry(retry).build();
 * }</pre>
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>Retries are per HTTP request: when a call is split into several requests, only the failed
 *       one is sent again.
 *   <li>Attempt {@code k + 1} waits {@code initialBackoff × multiplier^(k-1)}, at most {@code
 *       maxBackoff}, spread by ±{@code jitter} (so that many clients do not retry in step). A 429
 *       or 503 answer with a {@code Retry-After} header (seconds or an HTTP date) waits that long
 *       instead.
 *   <li>The retry budget is the time, counted from the start of the client call, within which a
 *       retry may start: a wait that would end after it is not begun and the call fails with its
 *       last failure. Zero means no budget: only {@code maxAttempts} bound the retries.
 *   <li>In a {@code TritonInference} job, a request is retried until its batch's timeout passes,
 *       whatever {@code maxAttempts} and {@code budget} say (a job logs it at {@code build()} when
 *       it sets them aside); {@link #none()} keeps retries off there too.
 *   <li>No thread waits: a retry is scheduled on the client's timer.
 * </ul>
 *
 * <p>Defaults ({@link #defaults()}): 8 attempts, 100 ms initial backoff, 5 s maximum, multiplier 2,
 * jitter 0.5, budget 30 s: about 11 s of waiting in all, enough to ride out a model reload or a
 * restart of a few seconds, and shorter than the default operator timeout.
 */
public final class RetryPolicy implements Serializable {
    private static final long serialVersionUID = 2L;

    static final int DEFAULT_MAX_ATTEMPTS = 8;
    static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
    static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
    static final double DEFAULT_MULTIPLIER = 2.0;
    static final double DEFAULT_JITTER = 0.5;
    static final Duration DEFAULT_BUDGET = Duration.ofSeconds(30);

    private static final RetryPolicy DEFAULTS = builder().build();
    private static final RetryPolicy NONE = builder().maxAttempts(1).build();

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;
    private final Duration budget;

    /** The setters called on the builder; not part of equality. */
    private final Set<String> explicitSettings;

    private RetryPolicy(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.initialBackoff = builder.initialBackoff;
        this.maxBackoff = builder.maxBackoff;
        this.multiplier = builder.multiplier;
        this.jitter = builder.jitter;
        this.budget = builder.budget;
        this.explicitSettings = Collections.unmodifiableSet(new LinkedHashSet<>(builder.explicit));
    }

    /** The defaults of the class comment: retries on. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** One attempt per request: every failure reaches the caller at once. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** Starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.maxAttempts = maxAttempts;
        builder.initialBackoff = initialBackoff;
        builder.maxBackoff = maxBackoff;
        builder.multiplier = multiplier;
        builder.jitter = jitter;
        builder.budget = budget;
        builder.explicit.addAll(explicitSettings);
        return builder;
    }

    /** Attempts per request, the first one included; 1 means no retries. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The wait before the first retry (before jitter). */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** The longest wait between attempts (before jitter). */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** How much each wait grows over the one before. */
    public double multiplier() {
        return multiplier;
    }

    /** The spread of each wait: 0.5 draws it from [0.5 ×, 1.5 ×] the computed backoff. */
    public double jitter() {
        return jitter;
    }

    /** The time from a call's start within which retries may start; zero for no budget. */
    public Duration budget() {
        return budget;
    }

    /**
     * The settings that were set on the builder ({@code maxAttempts}, {@code initialBackoff},
     * {@code maxBackoff}, {@code multiplier}, {@code jitter}, {@code budget}; from a configuration,
     * the keys that were present), as opposed to those left at their defaults: what a rule that
     * sets some of them aside must tell the user about. Not part of {@link #equals}.
     */
    public Set<String> explicitSettings() {
        return explicitSettings;
    }

    /** Whether failures are retried at all. */
    public boolean enabled() {
        return maxAttempts > 1;
    }

    /** This policy with its budget lowered to {@code limit} when it is larger or unlimited. */
    public RetryPolicy withBudgetAtMost(Duration limit) {
        Objects.requireNonNull(limit, "limit");
        if (limit.isZero() || (!budget.isZero() && budget.compareTo(limit) <= 0)) {
            return this;
        }
        return toBuilder().budget(limit).build();
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof RetryPolicy)) {
            return false;
        }
        RetryPolicy that = (RetryPolicy) other;
        return maxAttempts == that.maxAttempts
                && initialBackoff.equals(that.initialBackoff)
                && maxBackoff.equals(that.maxBackoff)
                && Double.compare(multiplier, that.multiplier) == 0
                && Double.compare(jitter, that.jitter) == 0
                && budget.equals(that.budget);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, budget);
    }

    /**
     * For example {@code RetryPolicy{8 attempts, backoff 100 ms..5000 ms x2.0 ±0.5, budget 30000
     * ms}}.
     */
    @Override
    public String toString() {
        if (!enabled()) {
            return "RetryPolicy{none}";
        }
        return String.format(
                Locale.ROOT,
                "RetryPolicy{%d attempts, backoff %d ms..%d ms x%s ±%s, budget %s}",
                maxAttempts,
                initialBackoff.toMillis(),
                maxBackoff.toMillis(),
                multiplier,
                jitter,
                budget.isZero() ? "none" : budget.toMillis() + " ms");
    }

    /** Collects a {@link RetryPolicy}; each setter checks its value. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private double multiplier = DEFAULT_MULTIPLIER;
        private double jitter = DEFAULT_JITTER;
        private Duration budget = DEFAULT_BUDGET;
        private final Set<String> explicit = new LinkedHashSet<>();

        private Builder() {}

        /** Attempts per request, the first one included; 1 turns retries off. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException(
                        "maxAttempts must be at least 1, not " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            explicit.add("maxAttempts");
            return this;
        }

        /** The wait before the first retry; at least 1 ms. */
        public Builder initialBackoff(Duration backoff) {
            this.initialBackoff = positive(backoff, "initialBackoff");
            explicit.add("initialBackoff");
            return this;
        }

        /** The longest wait between attempts; at least 1 ms. */
        public Builder maxBackoff(Duration backoff) {
            this.maxBackoff = positive(backoff, "maxBackoff");
            explicit.add("maxBackoff");
            return this;
        }

        /** How much each wait grows over the one before; at least 1. */
        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException(
                        "multiplier must be a finite number of at least 1, not " + multiplier);
            }
            this.multiplier = multiplier;
            explicit.add("multiplier");
            return this;
        }

        /** The spread of each wait, between 0 (none) and 1 (from 0 to twice the backoff). */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0.0 && jitter <= 1.0)) {
                throw new IllegalArgumentException("jitter must be between 0 and 1, not " + jitter);
            }
            this.jitter = jitter;
            explicit.add("jitter");
            return this;
        }

        /** The time from a call's start within which retries may start; zero for no budget. */
        public Builder budget(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            if (budget.isNegative()) {
                throw new IllegalArgumentException("budget must not be negative");
            }
            this.budget = budget;
            explicit.add("budget");
            return this;
        }

        /**
         * The policy.
         *
         * @throws IllegalArgumentException when maxBackoff is below initialBackoff
         */
        public RetryPolicy build() {
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException(
                        "maxBackoff "
                                + maxBackoff.toMillis()
                                + " ms is below initialBackoff "
                                + initialBackoff.toMillis()
                                + " ms");
            }
            return new RetryPolicy(this);
        }

        private static Duration positive(Duration duration, String what) {
            Objects.requireNonNull(duration, what);
            if (duration.toMillis() < 1) {
                throw new IllegalArgumentException(what + " must be at least 1 ms");
            }
            return duration;
        }
    }
}
