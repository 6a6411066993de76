package org.flinktriton.flink;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.util.TimeUtils;

/**
 * How the batch operator of {@link AsyncBatchDataStream} forms batches and how many it keeps in
 * flight. The constants are Flink {@link ConfigOption}s, so the same settings can come from a job's
 * configuration; an instance is an immutable, serializable set of validated values.
 *
 * <pre>{@code
 * AsyncBatchOptions options = AsyncBatchOptions.builder()
 *         .maxBatchSize(64)
 *         .maxBatchDelay(Duration.ofMillis(5))
 *         .batchTimeout(Duration.ofSeconds(60))
 *         .capacity(4)
 *         .build();
 *
 * // or from a configuration, with the defaults for every key that is not set
 * AsyncBatchOptions fromJob = AsyncBatchOptions.fromConfig(env.getConfiguration());
 * }</pre>
 */
public final class AsyncBatchOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final String DEPRECATED_TIMEOUT_KEY = "flink-triton.async-batch.timeout";

    /** Timers and timeouts are processing-time milliseconds; far-off values would overflow. */
    private static final Duration LONGEST = Duration.ofDays(365);

    /** The most records in one batch (a batch may go out as several requests). */
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

    /**
     * How long one batch may take before it is handed to timeoutBatch; the key {@code
     * flink-triton.async-batch.timeout} still works, deprecated.
     */
    public static final ConfigOption<Duration> BATCH_TIMEOUT =
            ConfigOptions.key("flink-triton.async-batch.batch-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDeprecatedKeys(DEPRECATED_TIMEOUT_KEY)
                    .withDescription(
                            "How long one batch may take, from the call of asyncInvokeBatch to its"
                                    + " completion, before AsyncBatchFunction.timeoutBatch is called"
                                    + " (by default that fails the task). Between 1 ms and 365"
                                    + " days; there is no way to wait forever, so that a lost"
                                    + " reply cannot stall the job. For TritonInference, a"
                                    + " request is retried until it passes: keep it above three"
                                    + " request timeouts plus the backoffs. Formerly timeout.");

    /**
     * The same option as {@link #BATCH_TIMEOUT}.
     *
     * @deprecated renamed, since a request has a timeout of its own: use {@link #BATCH_TIMEOUT},
     *     whose key is {@code flink-triton.async-batch.batch-timeout}
     */
    @Deprecated public static final ConfigOption<Duration> TIMEOUT = BATCH_TIMEOUT;

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
    private final Duration batchTimeout;
    private final int capacity;

    private AsyncBatchOptions(Builder builder) {
        this.maxBatchSize = builder.maxBatchSize;
        this.maxBatchDelay = builder.maxBatchDelay;
        this.batchTimeout = builder.batchTimeout;
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
     * Reads {@link #MAX_BATCH_SIZE}, {@link #MAX_BATCH_DELAY}, {@link #BATCH_TIMEOUT} and {@link
     * #CAPACITY} from {@code config}, taking the default for each key that is not set.
     *
     * @throws IllegalArgumentException when a value is out of range, or when {@code batch-timeout}
     *     and its deprecated name {@code timeout} are both set, to different values
     */
    public static AsyncBatchOptions fromConfig(ReadableConfig config) {
        Objects.requireNonNull(config, "config");
        Optional<Duration> current =
                config.getOptional(
                        ConfigOptions.key(BATCH_TIMEOUT.key()).durationType().noDefaultValue());
        Optional<Duration> old =
                config.getOptional(
                        ConfigOptions.key(DEPRECATED_TIMEOUT_KEY).durationType().noDefaultValue());
        if (current.isPresent() && old.isPresent() && !current.equals(old)) {
            throw new IllegalArgumentException(
                    BATCH_TIMEOUT.key()
                            + " ("
                            + TimeUtils.formatWithHighestUnit(current.get())
                            + ") and its deprecated name "
                            + DEPRECATED_TIMEOUT_KEY
                            + " ("
                            + TimeUtils.formatWithHighestUnit(old.get())
                            + ") are both set, to different values; keep "
                            + BATCH_TIMEOUT.key()
                            + " only");
        }
        return builder()
                .maxBatchSize(config.get(MAX_BATCH_SIZE))
                .maxBatchDelay(config.get(MAX_BATCH_DELAY))
                .batchTimeout(config.get(BATCH_TIMEOUT))
                .capacity(config.get(CAPACITY))
                .build();
    }

    /** A builder that starts from these values. */
    public Builder toBuilder() {
        return new Builder()
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(maxBatchDelay)
                .batchTimeout(batchTimeout)
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

    /** How long one batch may take; see {@link #BATCH_TIMEOUT}. */
    public Duration batchTimeout() {
        return batchTimeout;
    }

    /**
     * How long one batch may take.
     *
     * @deprecated renamed: use {@link #batchTimeout()}
     */
    @Deprecated
    public Duration timeout() {
        return batchTimeout;
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
                && batchTimeout.equals(that.batchTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxBatchSize, maxBatchDelay, batchTimeout, capacity);
    }

    @Override
    public String toString() {
        return "AsyncBatchOptions{maxBatchSize="
                + maxBatchSize
                + ", maxBatchDelay="
                + maxBatchDelay.toMillis()
                + " ms, batchTimeout="
                + batchTimeout.toMillis()
                + " ms, capacity="
                + capacity
                + '}';
    }

    /** Collects option values; {@link #build()} validates them all at once. */
    public static final class Builder {
        private int maxBatchSize = MAX_BATCH_SIZE.defaultValue();
        private Duration maxBatchDelay = MAX_BATCH_DELAY.defaultValue();
        private Duration batchTimeout = BATCH_TIMEOUT.defaultValue();
        private int capacity = CAPACITY.defaultValue();

        private Builder() {}

        /**
         * The most records in one batch: a batch is sent as soon as it holds this many. At least 1;
         * default 32. See {@link AsyncBatchOptions#MAX_BATCH_SIZE}.
         */
        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        /**
         * How long the oldest record of a batch that is not full may wait (processing time) before
         * the batch is sent anyway. Between 1 ms and 365 days; default 10 ms. See {@link
         * AsyncBatchOptions#MAX_BATCH_DELAY}.
         */
        public Builder maxBatchDelay(Duration maxBatchDelay) {
            this.maxBatchDelay = maxBatchDelay;
            return this;
        }

        /**
         * How long one batch may take, all its requests and their retries included, before {@link
         * AsyncBatchFunction#timeoutBatch} is called (for {@code TritonInference}: it fails with a
         * {@link org.flinktriton.TritonTimeoutException} and its requests are cancelled). Between 1
         * ms and 365 days; default 60 s. See {@link AsyncBatchOptions#BATCH_TIMEOUT}.
         */
        public Builder batchTimeout(Duration batchTimeout) {
            this.batchTimeout = batchTimeout;
            return this;
        }

        /**
         * How long one batch may take.
         *
         * @deprecated renamed, since a request has a timeout of its own: use {@link #batchTimeout}
         */
        @Deprecated
        public Builder timeout(Duration timeout) {
            return batchTimeout(timeout);
        }

        /**
         * The most batches sent and not yet emitted; when it is reached the operator stops taking
         * input (back-pressure) until a batch completes. At least 1; default 4. See {@link
         * AsyncBatchOptions#CAPACITY}.
         */
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
            checkDuration(problems, "batchTimeout", batchTimeout);
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
