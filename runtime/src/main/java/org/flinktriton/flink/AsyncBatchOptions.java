package org.flinktriton.flink;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How the batch operator of {@link AsyncBatchDataStream} forms batches and how many it keeps in
 * flight. The constants are Flink {@link ConfigOption}s, so the same settings can come from a job's
 * configuration; an instance is an immutable, serializable set of validated values.
 *
 * <pre>{@code
 * AsyncBatchOptions options = AsyncBatchOptions.builder()
 *         .maxBatchSize(64)
 *         .maxBatchDelay(Duration.ofMillis(5))
 *         .timeout(Duration.ofSeconds(30))
 *         .capacity(4)
 *         .build();
 *
 * // or from a configuration, with the defaults for every key that is not set
 * AsyncBatchOptions fromJob = AsyncBatchOptions.fromConfig(env.getConfiguration());
 * }</pre>
 */
public final class AsyncBatchOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Timers and timeouts are processing-time milliseconds; far-off values would overflow. */
    private static final Duration LONGEST = Duration.ofDays(365);

    /** The most records in one batch. */
    public static final ConfigOption<Integer> MAX_BATCH_SIZE =
            ConfigOptions.key("flink-triton.async-batch.max-batch-size")
                    .intType()
                    .defaultValue(32)
                    .withDescription(
                            "The most records in one batch. A batch is sent as soon as it holds"
                                    + " this many records. At least 1.");

    /** How long the oldest record of a partial batch may wait before the batch is sent. */
    public static final ConfigOption<Duration> MAX_BATCH_DELAY =
            ConfigOptions.key("flink-triton.async-batch.max-batch-delay")
                    .durationType()
                    .defaultValue(Duration.ofMillis(10))
                    .withDescription(
                            "How long the oldest record of a batch that is not full may wait"
                                    + " (processing time) before the batch is sent anyway."
                                    + " Between 1 ms and 365 days.");

    /** How long one batch call may take before it is handed to timeoutBatch. */
    public static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("flink-triton.async-batch.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "How long one batch may take, from the call of asyncInvokeBatch to its"
                                    + " completion, before AsyncBatchFunction.timeoutBatch is called"
                                    + " (by default that fails the task). Between 1 ms and 365"
                                    + " days; there is no way to wait forever, so that a lost"
                                    + " reply cannot stall the job.");

    /** The most batches sent and not yet emitted; beyond it the operator back-pressures. */
    public static final ConfigOption<Integer> CAPACITY =
            ConfigOptions.key("flink-triton.async-batch.capacity")
                    .intType()
                    .defaultValue(4)
                    .withDescription(
                            "The most batches that have been sent and whose results have not been"
                                    + " emitted yet. When it is reached the operator stops taking"
                                    + " input (back-pressure) until a batch completes. At least"
                                    + " 1.");

    private final int maxBatchSize;
    private final Duration maxBatchDelay;
    private final Duration timeout;
    private final int capacity;

    private AsyncBatchOptions(Builder builder) {
        this.maxBatchSize = builder.maxBatchSize;
        this.maxBatchDelay = builder.maxBatchDelay;
        this.timeout = builder.timeout;
        this.capacity = builder.capacity;
    }

    /** The default of every option. */
    public static AsyncBatchOptions defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads {@link #MAX_BATCH_SIZE}, {@link #MAX_BATCH_DELAY}, {@link #TIMEOUT} and {@link
     * #CAPACITY} from {@code config}, taking the default for each key that is not set.
     *
     * @throws IllegalArgumentException when a value is out of range
     */
    public static AsyncBatchOptions fromConfig(ReadableConfig config) {
        Objects.requireNonNull(config, "config");
        return builder()
                .maxBatchSize(config.get(MAX_BATCH_SIZE))
                .maxBatchDelay(config.get(MAX_BATCH_DELAY))
                .timeout(config.get(TIMEOUT))
                .capacity(config.get(CAPACITY))
                .build();
    }

    /** A builder that starts from these values. */
    public Builder toBuilder() {
        return new Builder()
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(maxBatchDelay)
                .timeout(timeout)
                .capacity(capacity);
    }

    /** The most records in one batch; see {@link #MAX_BATCH_SIZE}. */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** How long a partial batch may wait; see {@link #MAX_BATCH_DELAY}. */
    public Duration maxBatchDelay() {
        return maxBatchDelay;
    }

    /** How long one batch may take; see {@link #TIMEOUT}. */
    public Duration timeout() {
        return timeout;
    }

    /** The most batches in flight; see {@link #CAPACITY}. */
    public int capacity() {
        return capacity;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof AsyncBatchOptions)) {
            return false;
        }
        AsyncBatchOptions that = (AsyncBatchOptions) other;
        return maxBatchSize == that.maxBatchSize
                && capacity == that.capacity
                && maxBatchDelay.equals(that.maxBatchDelay)
                && timeout.equals(that.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxBatchSize, maxBatchDelay, timeout, capacity);
    }

    @Override
    public String toString() {
        return "AsyncBatchOptions{maxBatchSize="
                + maxBatchSize
                + ", maxBatchDelay="
                + maxBatchDelay.toMillis()
                + " ms, timeout="
                + timeout.toMillis()
                + " ms, capacity="
                + capacity
                + '}';
    }

    /** Collects option values; {@link #build()} validates them all at once. */
    public static final class Builder {
        private int maxBatchSize = MAX_BATCH_SIZE.defaultValue();
        private Duration maxBatchDelay = MAX_BATCH_DELAY.defaultValue();
        private Duration timeout = TIMEOUT.defaultValue();
        private int capacity = CAPACITY.defaultValue();

        private Builder() {}

        /** See {@link AsyncBatchOptions#MAX_BATCH_SIZE}. */
        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        /** See {@link AsyncBatchOptions#MAX_BATCH_DELAY}. */
        public Builder maxBatchDelay(Duration maxBatchDelay) {
            this.maxBatchDelay = maxBatchDelay;
            return this;
        }

        /** See {@link AsyncBatchOptions#TIMEOUT}. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** See {@link AsyncBatchOptions#CAPACITY}. */
        public Builder capacity(int capacity) {
            this.capacity = capacity;
            return this;
        }

        /**
         * The validated options.
         *
         * @throws IllegalArgumentException naming every value that is out of range
         */
        public AsyncBatchOptions build() {
            StringBuilder problems = new StringBuilder();
            if (maxBatchSize < 1) {
                problem(problems, "maxBatchSize must be at least 1, but was " + maxBatchSize);
            }
            checkDuration(problems, "maxBatchDelay", maxBatchDelay);
            checkDuration(problems, "timeout", timeout);
            if (capacity < 1) {
                problem(problems, "capacity must be at least 1, but was " + capacity);
            }
            if (problems.length() > 0) {
                throw new IllegalArgumentException("Invalid AsyncBatchOptions: " + problems);
            }
            return new AsyncBatchOptions(this);
        }

        private static void checkDuration(StringBuilder problems, String name, Duration value) {
            if (value == null) {
                problem(problems, name + " must be set, but was null");
            } else if (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(LONGEST) > 0) {
                problem(problems, name + " must be between 1 ms and 365 days, but was " + value);
            }
        }

        private static void problem(StringBuilder problems, String problem) {
            if (problems.length() > 0) {
                problems.append("; ");
            }
            problems.append(problem);
        }
    }
}
