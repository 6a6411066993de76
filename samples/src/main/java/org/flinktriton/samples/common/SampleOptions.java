package org.flinktriton.samples.common;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The command line every sample job understands. Without {@code --endpoint} a job starts the
 * embedded {@link org.flinktriton.testkit.TritonTestServer} with a Java version of its model; with
 * one it talks to that server, which must serve the model under {@code --model}.
 *
 * <pre>{@code
 * --endpoint URL        a Triton (or KServe v2) server, e.g. http://localhost:8000
 * --model NAME          the model name on that server
 * --records N           how many records the job generates
 * --parallelism P       the job's parallelism
 * --max-batch-size N    records per Flink batch (TritonInference.maxBatchSize)
 * --max-batch-delay-ms  how long a partial batch may wait
 * --capacity N          batches in flight per subtask
 * --show N              how many results to print
 * }</pre>
 *
 * <p>Each sample passes its own defaults; {@code --help} prints them.
 */
public final class SampleOptions {
    private final String endpoint;
    private final String model;
    private final int records;
    private final int parallelism;
    private final int maxBatchSize;
    private final Duration maxBatchDelay;
    private final int capacity;
    private final int show;

    private SampleOptions(Builder builder) {
        this.endpoint = builder.endpoint;
        this.model = builder.model;
        this.records = builder.records;
        this.parallelism = builder.parallelism;
        this.maxBatchSize = builder.maxBatchSize;
        this.maxBatchDelay = builder.maxBatchDelay;
        this.capacity = builder.capacity;
        this.show = builder.show;
    }

    /** Defaults for a sample; {@link Builder#parse} then applies a command line on top. */
    public static Builder defaults(String model) {
        return new Builder(model);
    }

    /** The server to use, or empty for the embedded one. */
    public Optional<String> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /** The model name on the server. */
    public String model() {
        return model;
    }

    /** How many records the job generates. */
    public int records() {
        return records;
    }

    /** The job's parallelism. */
    public int parallelism() {
        return parallelism;
    }

    /** The most records in one Flink batch. */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** How long a partial batch may wait before it is sent. */
    public Duration maxBatchDelay() {
        return maxBatchDelay;
    }

    /** The most batches in flight per subtask. */
    public int capacity() {
        return capacity;
    }

    /** How many results to print. */
    public int show() {
        return show;
    }

    /** The same options with another endpoint; tests point a job at their own server. */
    public SampleOptions withEndpoint(String endpoint) {
        return toBuilder().endpoint(endpoint).build();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return new Builder(model)
                .endpoint(endpoint)
                .records(records)
                .parallelism(parallelism)
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(maxBatchDelay)
                .capacity(capacity)
                .show(show);
    }

    @Override
    public String toString() {
        return "model "
                + model
                + " at "
                + (endpoint == null ? "the embedded test server" : endpoint)
                + ", "
                + records
                + " records, parallelism "
                + parallelism
                + ", maxBatchSize "
                + maxBatchSize
                + ", maxBatchDelay "
                + maxBatchDelay.toMillis()
                + " ms, capacity "
                + capacity;
    }

    /** Collects option values. */
    public static final class Builder {
        private String endpoint;
        private String model;
        private int records = 10_000;
        private int parallelism = 1;
        private int maxBatchSize = 32;
        private Duration maxBatchDelay = Duration.ofMillis(5);
        private int capacity = 4;
        private int show = 3;

        private Builder(String model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** See {@link SampleOptions#endpoint()}. */
        public Builder endpoint(String endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** See {@link SampleOptions#records()}. */
        public Builder records(int records) {
            this.records = atLeast(records, 1, "--records");
            return this;
        }

        /** See {@link SampleOptions#parallelism()}. */
        public Builder parallelism(int parallelism) {
            this.parallelism = atLeast(parallelism, 1, "--parallelism");
            return this;
        }

        /** See {@link SampleOptions#maxBatchSize()}. */
        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = atLeast(maxBatchSize, 1, "--max-batch-size");
            return this;
        }

        /** See {@link SampleOptions#maxBatchDelay()}. */
        public Builder maxBatchDelay(Duration maxBatchDelay) {
            this.maxBatchDelay = Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
            return this;
        }

        /** See {@link SampleOptions#capacity()}. */
        public Builder capacity(int capacity) {
            this.capacity = atLeast(capacity, 1, "--capacity");
            return this;
        }

        /** See {@link SampleOptions#show()}. */
        public Builder show(int show) {
            this.show = atLeast(show, 0, "--show");
            return this;
        }

        /** The options as they are now. */
        public SampleOptions build() {
            return new SampleOptions(this);
        }

        /**
         * Applies a command line to these defaults.
         *
         * @return the options, or empty when {@code --help} was asked for (the usage is printed)
         * @throws IllegalArgumentException for an unknown option or a bad value, with the usage
         */
        public Optional<SampleOptions> parse(String job, String[] args, PrintStream out) {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h")) {
                    out.println(usage(job));
                    return Optional.empty();
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value\n" + usage(job));
                }
                String value = args[++i];
                switch (option) {
                    case "--endpoint" -> endpoint(value);
                    case "--model" -> model = value;
                    case "--records" -> records(number(option, value));
                    case "--parallelism" -> parallelism(number(option, value));
                    case "--max-batch-size" -> maxBatchSize(number(option, value));
                    case "--max-batch-delay-ms" ->
                            maxBatchDelay(
                                    Duration.ofMillis(atLeast(number(option, value), 1, option)));
                    case "--capacity" -> capacity(number(option, value));
                    case "--show" -> show(number(option, value));
                    default ->
                            throw new IllegalArgumentException(
                                    "Unknown option " + option + "\n" + usage(job));
                }
            }
            return Optional.of(build());
        }

        private String usage(String job) {
            return "Usage: "
                    + job
                    + " [options]\n"
                    + "  --endpoint URL          a Triton server, e.g. http://localhost:8000"
                    + " (default: start the embedded test server)\n"
                    + "  --model NAME            the model to call (default "
                    + model
                    + ")\n"
                    + "  --records N             records to generate (default "
                    + records
                    + ")\n"
                    + "  --parallelism P         job parallelism (default "
                    + parallelism
                    + ")\n"
                    + "  --max-batch-size N      records per Flink batch (default "
                    + maxBatchSize
                    + ")\n"
                    + "  --max-batch-delay-ms N  longest wait of a partial batch (default "
                    + maxBatchDelay.toMillis()
                    + ")\n"
                    + "  --capacity N            batches in flight per subtask (default "
                    + capacity
                    + ")\n"
                    + "  --show N                results to print (default "
                    + show
                    + ")";
        }

        private static int number(String option, String value) {
            try {
                return Integer.parseInt(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        option + " takes a whole number, not '" + value + "'");
            }
        }

        private static int atLeast(int value, int min, String option) {
            if (value < min) {
                throw new IllegalArgumentException(
                        option + " must be at least " + min + ", not " + value);
            }
            return value;
        }
    }
}
