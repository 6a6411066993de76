package org.flinktriton.samples.common;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The command line every sample job understands. Without {@code --endpoint} a job starts the
 * embedded {@link org.flinktriton.testkit.TritonTestServer} with a Java version of its model; with
 * one it talks to that server, which must serve the model under {@code --model}.
 *
 * <pre>{@code
 * --endpoint URL            a Triton (or KServe v2) server, e.g. http://localhost:8000, or its
 *                           gRPC port, grpc://localhost:8001
 * --grpc                    the embedded server serves gRPC too, and the job calls it over gRPC
 * --model NAME              the model name on that server
 * --records N               how many records the job generates (0: none)
 * --records-per-second N    the pace of the source (0: as fast as the job takes them)
 * --parallelism P           the job's parallelism
 * --max-batch-size N        records per Flink batch (TritonInference.maxBatchSize)
 * --max-batch-delay-ms      how long a partial batch may wait
 * --batch-timeout-ms        how long a batch, retries included, may take
 * --capacity N              batches in flight per subtask
 * --show N                  how many results to print
 * --verbose                 print a failed job's whole exception chain
 * }</pre>
 *
 * <p>Each sample passes its own defaults, and may declare options of its own ({@link
 * Builder#option}); {@code --help} prints them all. A wrong command line is a {@link
 * UsageException}, which {@link SampleMain} prints as one line and the usage.
 */
public final class SampleOptions {
    private final String endpoint;
    private final String model;
    private final int records;
    private final int recordsPerSecond;
    private final int parallelism;
    private final int maxBatchSize;
    private final Duration maxBatchDelay;
    private final Duration batchTimeout;
    private final int capacity;
    private final int show;
    private final boolean verbose;
    private final boolean grpc;
    private final Map<String, ExtraOption> extra;

    private SampleOptions(Builder builder) {
        this.endpoint = builder.endpoint;
        this.model = builder.model;
        this.records = builder.records;
        this.recordsPerSecond = builder.recordsPerSecond;
        this.parallelism = builder.parallelism;
        this.maxBatchSize = builder.maxBatchSize;
        this.maxBatchDelay = builder.maxBatchDelay;
        this.batchTimeout = builder.batchTimeout;
        this.capacity = builder.capacity;
        this.show = builder.show;
        this.verbose = builder.verbose;
        this.grpc = builder.grpc;
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(builder.extra));
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

    /** How many records the job generates; 0 for none. */
    public int records() {
        return records;
    }

    /**
     * How many records per second the source generates, across all its parallel instances; 0 for as
     * many as the job takes. A source that runs ahead of the inference fills the queues in front of
     * it, and the latency then measures those queues rather than the inference.
     */
    public int recordsPerSecond() {
        return recordsPerSecond;
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

    /**
     * How long a batch may take, retries included, before its records fail
     * (TritonInference.batchTimeout); it also bounds the wait for the model's metadata at start.
     */
    public Duration batchTimeout() {
        return batchTimeout;
    }

    /** The most batches in flight per subtask. */
    public int capacity() {
        return capacity;
    }

    /** How many results to print. */
    public int show() {
        return show;
    }

    /** Whether a failure prints its whole exception chain, not only the root cause's message. */
    public boolean verbose() {
        return verbose;
    }

    /**
     * Whether the embedded server serves gRPC as well and the job calls its {@code grpc://}
     * endpoint ({@code --grpc}); a given {@code --endpoint} chooses the protocol by its scheme.
     */
    public boolean grpc() {
        return grpc;
    }

    /**
     * The value of a sample's own option, such as {@code --input-topic}; empty when it has no
     * default and the command line did not give it.
     *
     * @throws IllegalArgumentException when the sample declared no such option
     */
    public Optional<String> option(String name) {
        ExtraOption option = extra.get(name);
        if (option == null) {
            throw new IllegalArgumentException("No option " + name + " was declared");
        }
        return Optional.ofNullable(option.value());
    }

    /** A sample's own option that takes a whole number; see {@link Builder#option}. */
    public int intOption(String name) {
        return Builder.number(
                name,
                option(name)
                        .orElseThrow(() -> new IllegalArgumentException(name + " has no value")));
    }

    /** The same options with another endpoint; tests point a job at their own server. */
    public SampleOptions withEndpoint(String endpoint) {
        return toBuilder().endpoint(endpoint).build();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder builder =
                new Builder(model)
                        .endpoint(endpoint)
                        .records(records)
                        .recordsPerSecond(recordsPerSecond)
                        .parallelism(parallelism)
                        .maxBatchSize(maxBatchSize)
                        .maxBatchDelay(maxBatchDelay)
                        .batchTimeout(batchTimeout)
                        .capacity(capacity)
                        .show(show)
                        .verbose(verbose)
                        .grpc(grpc);
        builder.extra.putAll(extra);
        return builder;
    }

    @Override
    public String toString() {
        return "model "
                + model
                + " at "
                + (endpoint == null
                        ? "the embedded test server" + (grpc ? " over gRPC" : "")
                        : endpoint)
                + ", "
                + records
                + " records"
                + (recordsPerSecond > 0 ? " at " + recordsPerSecond + "/s" : "")
                + ", parallelism "
                + parallelism
                + ", maxBatchSize "
                + maxBatchSize
                + ", maxBatchDelay "
                + maxBatchDelay.toMillis()
                + " ms, capacity "
                + capacity;
    }

    /**
     * A command line the sample cannot run with: {@link #getMessage()} is one line that names the
     * option, {@link #usage()} the options there are.
     */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final String usage;

        UsageException(String problem, String usage) {
            super(problem);
            this.usage = usage;
        }

        /** The sample's usage text, with its defaults. */
        public String usage() {
            return usage;
        }
    }

    /** Collects option values. */
    public static final class Builder {
        private String endpoint;
        private String model;
        private int records = 10_000;
        private int recordsPerSecond;
        private int parallelism = 1;
        private int maxBatchSize = 32;
        private Duration maxBatchDelay = Duration.ofMillis(5);
        private Duration batchTimeout = Duration.ofSeconds(60);
        private int capacity = 4;
        private int show = 3;
        private boolean verbose;
        private boolean grpc;
        private final Map<String, ExtraOption> extra = new LinkedHashMap<>();

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
            this.records = atLeast(records, 0, "--records");
            return this;
        }

        /** See {@link SampleOptions#recordsPerSecond()}. */
        public Builder recordsPerSecond(int recordsPerSecond) {
            this.recordsPerSecond = atLeast(recordsPerSecond, 0, "--records-per-second");
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

        /** See {@link SampleOptions#batchTimeout()}. */
        public Builder batchTimeout(Duration batchTimeout) {
            this.batchTimeout = Objects.requireNonNull(batchTimeout, "batchTimeout");
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

        /** See {@link SampleOptions#grpc()}. */
        public Builder grpc(boolean grpc) {
            this.grpc = grpc;
            return this;
        }

        /** See {@link SampleOptions#verbose()}. */
        public Builder verbose(boolean verbose) {
            this.verbose = verbose;
            return this;
        }

        /**
         * Declares an option of the sample's own, such as {@code --input-topic NAME}, with its
         * default (null for none) and a one-line description for the usage. Its value is read with
         * {@link SampleOptions#option} or {@link SampleOptions#intOption}.
         *
         * @param name the option, starting with {@code --}
         * @param argument what the value is, for the usage, such as {@code NAME}
         */
        public Builder option(
                String name, String argument, String description, String defaultValue) {
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("An option starts with --: " + name);
            }
            extra.put(
                    name,
                    new ExtraOption(
                            Objects.requireNonNull(argument, "argument"),
                            Objects.requireNonNull(description, "description"),
                            defaultValue,
                            false));
            return this;
        }

        /**
         * Like {@link #option}, for an option that takes a whole number of at least 0; its value is
         * checked as it is parsed.
         */
        public Builder intOption(String name, String argument, String description, int value) {
            option(name, argument, description, null);
            extra.put(
                    name,
                    new ExtraOption(
                            argument,
                            description,
                            Integer.toString(atLeast(value, 0, name)),
                            true));
            return this;
        }

        /** Sets the value of an option declared with {@link #option} or {@link #intOption}. */
        public Builder set(String name, String value) {
            ExtraOption option = extra.get(name);
            if (option == null) {
                throw new IllegalArgumentException("No option " + name + " was declared");
            }
            if (option.whole()) {
                atLeast(number(name, value), 0, name);
            }
            extra.put(name, option.withValue(value));
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
         * @throws UsageException for an unknown option, a missing or bad value; its message is one
         *     line naming the option, its {@link UsageException#usage()} the options there are
         */
        public Optional<SampleOptions> parse(String job, String[] args, PrintStream out) {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h")) {
                    out.println(usage(job));
                    return Optional.empty();
                }
                if (option.equals("--verbose")) {
                    verbose = true;
                    continue;
                }
                if (option.equals("--grpc")) {
                    grpc = true;
                    continue;
                }
                if (!isKnown(option)) {
                    throw new UsageException("Unknown option " + option, usage(job));
                }
                if (i + 1 >= args.length) {
                    throw new UsageException(option + " needs a value", usage(job));
                }
                String value = args[++i];
                try {
                    apply(option, value);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage(), usage(job));
                }
            }
            if (grpc && endpoint != null) {
                throw new UsageException(
                        "--grpc is for the embedded server; with --endpoint, give its gRPC URL"
                                + " (grpc://host:8001) instead",
                        usage(job));
            }
            return Optional.of(build());
        }

        private boolean isKnown(String option) {
            return switch (option) {
                case "--endpoint",
                        "--model",
                        "--records",
                        "--records-per-second",
                        "--parallelism",
                        "--max-batch-size",
                        "--max-batch-delay-ms",
                        "--batch-timeout-ms",
                        "--capacity",
                        "--show" ->
                        true;
                default -> extra.containsKey(option);
            };
        }

        private void apply(String option, String value) {
            switch (option) {
                case "--endpoint" -> endpoint(value);
                case "--model" -> model = value;
                case "--records" -> records(number(option, value));
                case "--records-per-second" -> recordsPerSecond(number(option, value));
                case "--parallelism" -> parallelism(number(option, value));
                case "--max-batch-size" -> maxBatchSize(number(option, value));
                case "--max-batch-delay-ms" ->
                        maxBatchDelay(Duration.ofMillis(atLeast(number(option, value), 1, option)));
                case "--batch-timeout-ms" ->
                        batchTimeout(Duration.ofMillis(atLeast(number(option, value), 1, option)));
                case "--capacity" -> capacity(number(option, value));
                case "--show" -> show(number(option, value));
                default -> set(option, value);
            }
        }

        /** The usage text, with the current values as defaults. */
        public String usage(String job) {
            StringBuilder text = new StringBuilder("Usage: " + job + " [options]\n");
            line(
                    text,
                    "--endpoint URL",
                    "a Triton server, e.g. http://localhost:8000 or grpc://localhost:8001"
                            + " (default: "
                            + (endpoint == null ? "start the embedded test server" : endpoint)
                            + ")");
            line(text, "--model NAME", "the model to call (default " + model + ")");
            line(text, "--records N", "records to generate (default " + records + ")");
            line(
                    text,
                    "--records-per-second N",
                    "pace of the source, 0 for unpaced (default " + recordsPerSecond + ")");
            line(text, "--parallelism P", "job parallelism (default " + parallelism + ")");
            line(
                    text,
                    "--max-batch-size N",
                    "records per Flink batch (default " + maxBatchSize + ")");
            line(
                    text,
                    "--max-batch-delay-ms N",
                    "longest wait of a partial batch (default " + maxBatchDelay.toMillis() + ")");
            line(
                    text,
                    "--batch-timeout-ms N",
                    "longest time of a batch, retries included (default "
                            + batchTimeout.toMillis()
                            + ")");
            line(text, "--capacity N", "batches in flight per subtask (default " + capacity + ")");
            line(text, "--show N", "results to print (default " + show + ")");
            extra.forEach(
                    (name, option) ->
                            line(
                                    text,
                                    name + " " + option.argument(),
                                    option.description()
                                            + (option.value() == null
                                                    ? ""
                                                    : " (default " + option.value() + ")")));
            line(text, "--grpc", "the embedded server serves gRPC, and the job calls it so");
            line(text, "--verbose", "print a failed job's whole exception chain");
            line(text, "--help", "print this and exit");
            return text.toString().stripTrailing();
        }

        private static void line(StringBuilder text, String option, String description) {
            text.append(String.format("  %-32s %s%n", option, description));
        }

        static int number(String option, String value) {
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

    /** A sample's own option: its usage, its value and whether that is a whole number. */
    private record ExtraOption(String argument, String description, String value, boolean whole) {
        ExtraOption withValue(String newValue) {
            return new ExtraOption(argument, description, newValue, whole);
        }
    }
}
