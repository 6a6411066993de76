package org.flinktriton.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;

/**
 * A model served by {@link TritonTestServer}, defined in Java: a name and version, {@code
 * max_batch_size}, input and output specs (dims without the batch dimension, {@code -1} for a
 * variable one, as in Triton's {@code config.pbtxt}) and a {@link ModelHandler} that computes the
 * outputs. Immutable; {@link #toBuilder()} derives variants.
 *
 * <pre>{@code
 * TestModel addSub = TestModel.builder("add_sub")
 *         .maxBatchSize(8)
 *         .input("INPUT0", TritonDataType.FP32, 16)
 *         .input("INPUT1", TritonDataType.FP32, 16)
 *         .output("OUTPUT0", TritonDataType.FP32, 16)
 *         .output("OUTPUT1", TritonDataType.FP32, 16)
 *         .handler(request -> {
 *             float[] a = request.input("INPUT0").toFloats();
 *             float[] b = request.input("INPUT1").toFloats();
 *             float[] sum = new float[a.length];
 *             float[] difference = new float[a.length];
 *             for (int i = 0; i < a.length; i++) {
 *                 sum[i] = a[i] + b[i];
 *                 difference[i] = a[i] - b[i];
 *             }
 *             long[] shape = request.outputShape("OUTPUT0");   // [batch, 16]
 *             return List.of(
 *                     Tensor.ofFloats("OUTPUT0", TritonDataType.FP32, shape, sum),
 *                     Tensor.ofFloats("OUTPUT1", TritonDataType.FP32, shape, difference));
 *         })
 *         .build();
 * }</pre>
 *
 * <p>Servers other than Triton speak the same protocol with a few differences that a client has to
 * take in stride; {@link Builder#genericKServe()} makes a model behave like them (no {@code
 * …/config}, version paths answered 501, binary responses chunked without {@code Content-Length} or
 * {@code Content-Type}, {@code null} in optional fields, {@code null} for non-finite floats in JSON
 * data). The five switches also exist one by one.
 */
public final class TestModel {
    private final String name;
    private final String version;
    private final String platform;
    private final int maxBatchSize;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final ModelHandler handler;
    private final DecoupledHandler decoupledHandler;
    private final Duration costPerRequest;
    private final Duration costPerRecord;
    private final boolean configEndpoint;
    private final boolean versionPaths;
    private final boolean chunkedBinaryResponses;
    private final boolean nullOptionalFields;
    private final boolean nonFiniteAsNull;

    private TestModel(Builder builder) {
        this.name = builder.name;
        this.version = builder.version;
        this.platform = builder.platform;
        this.maxBatchSize = builder.maxBatchSize;
        this.inputs = List.copyOf(builder.inputs);
        this.outputs = List.copyOf(builder.outputs);
        this.handler = builder.handler;
        this.decoupledHandler = builder.decoupledHandler;
        this.costPerRequest = builder.costPerRequest;
        this.costPerRecord = builder.costPerRecord;
        this.configEndpoint = builder.configEndpoint;
        this.versionPaths = builder.versionPaths;
        this.chunkedBinaryResponses = builder.chunkedBinaryResponses;
        this.nullOptionalFields = builder.nullOptionalFields;
        this.nonFiniteAsNull = builder.nonFiniteAsNull;
    }

    /** Starts a model definition; {@code name} is the model name in URLs. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding all of this model's settings, to derive a variant. */
    public Builder toBuilder() {
        Builder builder = new Builder(name);
        builder.version = version;
        builder.platform = platform;
        builder.maxBatchSize = maxBatchSize;
        builder.inputs.addAll(inputs);
        builder.outputs.addAll(outputs);
        builder.handler = handler;
        builder.decoupledHandler = decoupledHandler;
        builder.costPerRequest = costPerRequest;
        builder.costPerRecord = costPerRecord;
        builder.configEndpoint = configEndpoint;
        builder.versionPaths = versionPaths;
        builder.chunkedBinaryResponses = chunkedBinaryResponses;
        builder.nullOptionalFields = nullOptionalFields;
        builder.nonFiniteAsNull = nonFiniteAsNull;
        return builder;
    }

    public String name() {
        return name;
    }

    /** The one version the model has; {@code "1"} unless set. */
    public String version() {
        return version;
    }

    /** The {@code platform} that metadata and config report. */
    public String platform() {
        return platform;
    }

    /** Triton's {@code max_batch_size}: 0 means the inputs carry no batch dimension. */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** Whether requests carry a batch dimension ({@code max_batch_size > 0}). */
    public boolean isBatched() {
        return maxBatchSize > 0;
    }

    /** The inputs, in declared order; shapes without the batch dimension. */
    public List<TensorSpec> inputs() {
        return inputs;
    }

    /** The outputs, in declared order; shapes without the batch dimension. */
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /** The declared input of that name, or null. */
    public TensorSpec input(String name) {
        return find(inputs, name);
    }

    /** The declared output of that name, or null. */
    public TensorSpec output(String name) {
        return find(outputs, name);
    }

    public ModelHandler handler() {
        return handler;
    }

    /** The simulated compute time per request (a GPU launch); zero unless set. */
    /**
     * Whether the model is decoupled ({@link Builder#decoupled}): its config says {@code
     * model_transaction_policy { decoupled: true }} and it answers over gRPC's {@code
     * ModelStreamInfer} only.
     */
    public boolean isDecoupled() {
        return decoupledHandler != null;
    }

    /** The handler of a decoupled model; null for one that is not. */
    public DecoupledHandler decoupledHandler() {
        return decoupledHandler;
    }

    public Duration costPerRequest() {
        return costPerRequest;
    }

    /** The simulated compute time per record of a batch; zero unless set. */
    public Duration costPerRecord() {
        return costPerRecord;
    }

    /** Whether {@code …/config} is served (Triton) or answered 404 (other KServe servers). */
    public boolean hasConfigEndpoint() {
        return configEndpoint;
    }

    /** Whether {@code …/versions/{v}/…} paths are served (Triton) or answered 501. */
    public boolean hasVersionPaths() {
        return versionPaths;
    }

    /** Whether binary responses go out chunked, without {@code Content-Length}/{@code Type}. */
    public boolean chunkedBinaryResponses() {
        return chunkedBinaryResponses;
    }

    /** Whether absent optional fields are sent as {@code null} rather than left out. */
    public boolean nullOptionalFields() {
        return nullOptionalFields;
    }

    /** Whether NaN and ±infinity in JSON output data are written as {@code null}. */
    public boolean nonFiniteAsNull() {
        return nonFiniteAsNull;
    }

    private static TensorSpec find(List<TensorSpec> specs, String name) {
        for (TensorSpec spec : specs) {
            if (spec.name().equals(name)) {
                return spec;
            }
        }
        return null;
    }

    /** For example {@code add_sub v1 (max_batch_size 8) [INPUT0 FP32[16], …] -> […]}. */
    @Override
    public String toString() {
        return name
                + " v"
                + version
                + " (max_batch_size "
                + maxBatchSize
                + ") "
                + inputs
                + " -> "
                + outputs;
    }

    /** Builds a {@link TestModel}; {@link #build()} names whatever is missing or inconsistent. */
    public static final class Builder {
        private final String name;
        private String version = "1";
        private String platform = "flink_triton_testkit";
        private int maxBatchSize;
        private final List<TensorSpec> inputs = new ArrayList<>();
        private final List<TensorSpec> outputs = new ArrayList<>();
        private ModelHandler handler;
        private DecoupledHandler decoupledHandler;
        private Duration costPerRequest = Duration.ZERO;
        private Duration costPerRecord = Duration.ZERO;
        private boolean configEndpoint = true;
        private boolean versionPaths = true;
        private boolean chunkedBinaryResponses;
        private boolean nullOptionalFields;
        private boolean nonFiniteAsNull;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** The model's one version; default {@code "1"}. */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** The {@code platform} to report; default {@code "flink_triton_testkit"}. */
        public Builder platform(String platform) {
            this.platform = Objects.requireNonNull(platform, "platform");
            return this;
        }

        /**
         * Triton's {@code max_batch_size}; default 0 (no batch dimension: one record per request).
         */
        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        /** Declares an input; {@code dims} without the batch dimension, {@code -1} = variable. */
        public Builder input(String name, TritonDataType datatype, int... dims) {
            return input(TensorSpec.of(name, datatype, dims));
        }

        /** Declares an input. */
        public Builder input(TensorSpec spec) {
            inputs.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /** Declares an output; {@code dims} without the batch dimension, {@code -1} = variable. */
        public Builder output(String name, TritonDataType datatype, int... dims) {
            return output(TensorSpec.of(name, datatype, dims));
        }

        /** Declares an output. */
        public Builder output(TensorSpec spec) {
            outputs.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /** What the model computes. Required, unless the model is {@link #decoupled}. */
        public Builder handler(ModelHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            this.decoupledHandler = null;
            return this;
        }

        /**
         * Makes the model decoupled, computed by {@code handler}: each request gets zero or more
         * responses over gRPC's {@code ModelStreamInfer} ({@link TritonTestServer.Builder#grpc()}
         * is needed to reach it), and the config says {@code model_transaction_policy { decoupled:
         * true }}. The unary {@code ModelInfer} answers {@code UNIMPLEMENTED} and HTTP's {@code
         * …/infer} 501, as Triton refuses decoupled models there. Replaces a {@link #handler}.
         *
         * <pre>{@code
         * TestModel words = TestModel.builder("words")
         *         .input("N", TritonDataType.INT32, 1)
         *         .output("WORD", TritonDataType.BYTES, 1)
         *         .decoupled((request, sink) -> {
         *             for (int i = 0; i < request.input("N").toInt32s()[0]; i++) {
         *                 sink.send(List.of(
         *                         Tensor.ofStrings("WORD", new long[] {1}, new String[] {"w" + i})));
         *             }
         *         })
         *         .build();
         * }</pre>
         */
        public Builder decoupled(DecoupledHandler handler) {
            this.decoupledHandler = Objects.requireNonNull(handler, "handler");
            this.handler = null;
            return this;
        }

        /**
         * Simulated compute time, slept (not spun) before the handler runs: {@code perRequest +
         * batchSize * perRecord}. A fixed per-request cost imitates a GPU kernel launch, which is
         * what makes batching pay off.
         */
        public Builder cost(Duration perRequest, Duration perRecord) {
            this.costPerRequest = nonNegative(perRequest, "perRequest");
            this.costPerRecord = nonNegative(perRecord, "perRecord");
            return this;
        }

        /** Whether to serve Triton's {@code …/config}; false answers it 404. Default true. */
        public Builder configEndpoint(boolean served) {
            this.configEndpoint = served;
            return this;
        }

        /**
         * Whether to serve {@code …/versions/{v}/…} paths; false answers them 501. Default true.
         */
        public Builder versionPaths(boolean served) {
            this.versionPaths = served;
            return this;
        }

        /**
         * Whether responses with binary outputs go out chunked, with neither {@code Content-Length}
         * nor {@code Content-Type}, as some KServe servers send them. Default false.
         */
        public Builder chunkedBinaryResponses(boolean chunked) {
            this.chunkedBinaryResponses = chunked;
            return this;
        }

        /**
         * Whether absent optional fields are sent as {@code null} ({@code "model_version": null},
         * {@code "parameters": null}, {@code "versions": null}), as Python KServe servers do.
         * Default false.
         */
        public Builder nullOptionalFields(boolean nulls) {
            this.nullOptionalFields = nulls;
            return this;
        }

        /**
         * Whether NaN, infinity and -infinity in the {@code data} of JSON outputs are written as
         * {@code null}, as KServe's Python server writes them (Triton writes {@code "NaN"} and the
         * like). Binary outputs keep every value. Default false.
         */
        public Builder nonFiniteAsNull(boolean nulls) {
            this.nonFiniteAsNull = nulls;
            return this;
        }

        /**
         * Behave like a KServe v2 server that is not Triton: no {@code …/config}, version paths
         * 501, chunked binary responses without length or type, {@code null} optional fields,
         * {@code null} for non-finite floats in JSON outputs.
         */
        public Builder genericKServe() {
            return configEndpoint(false)
                    .versionPaths(false)
                    .chunkedBinaryResponses(true)
                    .nullOptionalFields(true)
                    .nonFiniteAsNull(true);
        }

        /**
         * Builds the model.
         *
         * @throws IllegalStateException when the name is blank or holds a '/', {@code
         *     max_batch_size} is negative, there is no input, no output or no handler, or two
         *     inputs (or two outputs) share a name
         */
        public TestModel build() {
            List<String> problems = new ArrayList<>();
            if (name.isBlank() || name.contains("/")) {
                problems.add("the name must be non-blank and hold no '/'");
            }
            if (version.isBlank() || version.contains("/")) {
                problems.add("the version must be non-blank and hold no '/'");
            }
            if (maxBatchSize < 0) {
                problems.add("max_batch_size is " + maxBatchSize + "; use 0 or more");
            }
            if (inputs.isEmpty()) {
                problems.add("it declares no input; add one with input(name, datatype, dims...)");
            }
            if (outputs.isEmpty()) {
                problems.add("it declares no output; add one with output(name, datatype, dims...)");
            }
            duplicates(inputs, "input", problems);
            duplicates(outputs, "output", problems);
            if (handler == null && decoupledHandler == null) {
                problems.add(
                        "it has no handler; set one with handler(...) or start from TestModels");
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException(
                        "TestModel '" + name + "': " + String.join("; ", problems));
            }
            return new TestModel(this);
        }

        private static void duplicates(List<TensorSpec> specs, String role, List<String> problems) {
            Set<String> seen = new HashSet<>();
            for (TensorSpec spec : specs) {
                if (!seen.add(spec.name())) {
                    problems.add("it declares " + role + " '" + spec.name() + "' twice");
                }
            }
        }

        private static Duration nonNegative(Duration duration, String what) {
            Objects.requireNonNull(duration, what);
            if (duration.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + duration);
            }
            return duration;
        }
    }
}
