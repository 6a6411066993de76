package org.flinktriton.flink;

import java.io.Serializable;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.flinktriton.client.CircuitBreakerPolicy;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;

/**
 * Batched inference on a Triton Inference Server (or any KServe v2 server) as one step of a Flink
 * DataStream job: records of an annotated input class go out in batches, the model's outputs come
 * back as records of an annotated output class, one per input.
 *
 * <pre>{@code
 * @TritonModel(name = "add_sub", version = "1")
 * public class AddSubRequest {
 *     @TritonInput(name = "INPUT0", shape = {16}) public float[] a;
 *     @TritonInput(name = "INPUT1", shape = {16}) public float[] b;
 * }
 * public record AddSubResult(
 *         @TritonOutput(name = "OUTPUT0", shape = {16}) float[] sum,
 *         @TritonOutput(name = "OUTPUT1", shape = {16}) float[] difference) {}
 *
 * DataStream<AddSubResult> results =
 *         TritonInference.builder(AddSubRequest.class, AddSubResult.class)
 *                 .endpoint("http://triton:8000")      // the model comes from @TritonModel
 *                 .maxBatchSize(64)                    // the model's max_batch_size
 *                 .maxBatchDelay(Duration.ofMillis(5))
 *                 .build()
 *                 .apply(requests)
 *                 .uid("add-sub-inference");           // keep savepoints compatible
 * }</pre>
 *
 * <p>Keep what the model does not see next to what it returns with a combiner, which runs on the
 * task thread for each input and its output, in order:
 *
 * <pre>{@code
 * DataStream<ScoredReview> scored =
 *         TritonInference.builder(Review.class, Score.class)
 *                 .endpoint("http://triton:8000")
 *                 .model("sentiment")
 *                 .bearerToken(token)
 *                 .build()
 *                 .apply(reviews, (review, score) -> new ScoredReview(review.id, score.value),
 *                         ScoredReview.class);
 * }</pre>
 *
 * <p>The client's settings may also come as one {@link TritonClientOptions}, built in code or read
 * from the job's configuration (the keys of {@link
 * org.flinktriton.client.TritonClientConfigOptions}):
 *
 * <pre>{@code
 * DataStream<AddSubResult> results =
 *         TritonInference.builder(AddSubRequest.class, AddSubResult.class)
 *                 .client(TritonClientOptions.fromConfig(env.getConfiguration()))
 *                 .maxBatchSize(64)
 *                 .build()
 *                 .apply(requests);
 * }</pre>
 *
 * <p>A class with both {@code @TritonInput}s and {@code @TritonOutput}s enriches itself: {@code
 * builder(Review.class, Review.class)} emits the sent records with their outputs filled in (new
 * instances for Java records). The client sets the outputs on copies of the sent objects, made on
 * the task thread with the input type's Flink serializer, so the records the operator holds and
 * checkpoints are never written by another thread (at the cost of one copy per record).
 *
 * <p>What runs: the batch operator of {@link AsyncBatchDataStream} (batches flushed on size or
 * delay, at most {@code capacity} in flight, checkpointed and replayed after a restore, timestamps
 * and watermarks kept) around a {@link TritonInferenceFunction}, which opens one {@link
 * TritonModelClient} per parallel instance. Delivery towards the server is at-least-once: after a
 * failure, batches whose results were not emitted before the last checkpoint are sent again. A job
 * whose classes do not match the model fails as it starts, with every mismatch listed.
 *
 * <p>Failures: a request whose failure is retryable (server unreachable or overloaded, 429, 503,
 * timeouts) is retried by the {@link RetryPolicy} within the batch's {@code timeout}, while the
 * operator's {@code capacity} back-pressures the job; records are never given up on because the
 * server was down for a moment. A request the server rejects with an answer a record may have
 * caused (400, 422, 500) is halved until the rejected records stand alone, and the other records
 * get their results. What then becomes of a record that failed for good (rejected, or retries spent
 * when its batch's timeout passed) is the failure policy: by default the task fails, naming the
 * record's position in its batch and the server's error, so that Flink's restart strategy applies;
 * {@link Builder#deadLetters()} sends it to the side output {@link #deadLetterTag()} as a {@link
 * FailedInference}; {@link Builder#fallback} emits a fallback output in its place.
 *
 * <pre>{@code
 * TritonInference<Review, Score> inference = TritonInference.builder(Review.class, Score.class)
 *         .endpoint("http://triton:8000")
 *         .deadLetters()
 *         .build();
 * SingleOutputStreamOperator<Score> scores = inference.apply(reviews);
 * scores.getSideOutput(inference.deadLetterTag()).sinkTo(deadLetterSink);
 * }</pre>
 *
 * <p>The output type is {@link TypeInformation#of(Class)} of the output (or result) class.
 *
 * <p>Instances are immutable and may be applied to several streams.
 *
 * @param <IN> the annotated class whose {@code @TritonInput}s are sent
 * @param <OUT> the annotated class that the model's {@code @TritonOutput}s are decoded into
 */
public final class TritonInference<IN, OUT> {

    private final Class<IN> inputType;
    private final Class<OUT> outputType;
    private final TritonClientOptions client;
    private final AsyncBatchOptions options;
    private final boolean ordered;
    private final FailurePolicy<IN> failurePolicy;

    private TritonInference(
            Class<IN> inputType,
            Class<OUT> outputType,
            TritonClientOptions client,
            AsyncBatchOptions options,
            boolean ordered,
            FailurePolicy<IN> failurePolicy) {
        this.inputType = inputType;
        this.outputType = outputType;
        this.client = client;
        this.options = options;
        this.ordered = ordered;
        this.failurePolicy = failurePolicy;
    }

    /**
     * Starts configuring inference from {@code inputType} records to {@code outputType} results.
     * Both classes need codecs generated by the flink-triton annotation processor; they may be the
     * same class when it declares inputs and outputs.
     */
    public static <IN, OUT> Builder<IN, OUT> builder(Class<IN> inputType, Class<OUT> outputType) {
        return new Builder<>(
                Objects.requireNonNull(inputType, "inputType"),
                Objects.requireNonNull(outputType, "outputType"));
    }

    /**
     * Adds the inference operator after {@code input}; its results are the model's outputs, one per
     * input. Name the returned operator's {@code uid} to keep savepoints compatible.
     */
    public SingleOutputStreamOperator<OUT> apply(DataStream<IN> input) {
        return add(
                input,
                TritonInferenceFunction.of(client, inputType, outputType, options.maxBatchSize())
                        .failurePolicy(failurePolicy),
                TypeInformation.of(outputType));
    }

    /**
     * Adds the inference operator after {@code input}; each result is {@code combiner(input,
     * output)}, with {@code TypeInformation.of(resultType)}.
     */
    public <R> SingleOutputStreamOperator<R> apply(
            DataStream<IN> input,
            Combiner<? super IN, ? super OUT, ? extends R> combiner,
            Class<R> resultType) {
        Objects.requireNonNull(resultType, "resultType");
        return apply(input, combiner, TypeInformation.of(resultType));
    }

    /**
     * Adds the inference operator after {@code input}; each result is {@code combiner(input,
     * output)}, of the given type (for generic result classes).
     */
    public <R> SingleOutputStreamOperator<R> apply(
            DataStream<IN> input,
            Combiner<? super IN, ? super OUT, ? extends R> combiner,
            TypeInformation<R> resultType) {
        Objects.requireNonNull(resultType, "resultType");
        return add(input, this.<R>combining(combiner).failurePolicy(failurePolicy), resultType);
    }

    private <R> SingleOutputStreamOperator<R> add(
            DataStream<IN> input,
            TritonInferenceFunction<IN, R> function,
            TypeInformation<R> type) {
        Objects.requireNonNull(input, "input");
        if (!failurePolicy.deadLettersOn()) {
            SingleOutputStreamOperator<R> out =
                    ordered
                            ? AsyncBatchDataStream.orderedWaitBatch(input, function, options, type)
                            : AsyncBatchDataStream.unorderedWaitBatch(
                                    input, function, options, type);
            return out.name(name());
        }
        // The operator emits results and dead letters as one stream of Eithers, in order, on the
        // task thread; a chained ProcessFunction splits them into the main and the side output.
        @SuppressWarnings({"unchecked", "rawtypes"})
        TritonInferenceFunction<IN, Either<R, FailedInference<IN>>> lettered =
                (TritonInferenceFunction) function;
        TypeInformation<Either<R, FailedInference<IN>>> union =
                new EitherTypeInfo<>(type, deadLetterType());
        SingleOutputStreamOperator<Either<R, FailedInference<IN>>> inferred =
                ordered
                        ? AsyncBatchDataStream.orderedWaitBatch(input, lettered, options, union)
                        : AsyncBatchDataStream.unorderedWaitBatch(input, lettered, options, union);
        return inferred.name(name())
                .process(new DeadLetterSplitter<R, IN>(deadLetterTag()), type)
                .name(name() + " results");
    }

    /**
     * The side output of the records that failed for good, when {@link Builder#deadLetters()} is
     * on: {@code inference.apply(stream).getSideOutput(inference.deadLetterTag())}. Each is a
     * {@link FailedInference} with the record, in the order the records failed; records that got
     * results are never there, and each failed record is there exactly once.
     */
    public OutputTag<FailedInference<IN>> deadLetterTag() {
        return new OutputTag<>("flink-triton-dead-letters " + name(), deadLetterType());
    }

    /** Whether failed records go to {@link #deadLetterTag()}. */
    public boolean deadLetters() {
        return failurePolicy.deadLettersOn();
    }

    /** A POJO type whose {@code input} has the input class's own type: no Kryo. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private TypeInformation<FailedInference<IN>> deadLetterType() {
        Map<String, TypeInformation<?>> fields = new LinkedHashMap<>();
        fields.put("input", TypeInformation.of(inputType));
        fields.put("model", Types.STRING);
        fields.put("statusCode", Types.INT);
        fields.put("errorType", Types.STRING);
        fields.put("message", Types.STRING);
        fields.put("attempts", Types.INT);
        fields.put("failedAtMillis", Types.LONG);
        return (TypeInformation) Types.POJO(FailedInference.class, fields);
    }

    /** Routes results to the main output and dead letters to the side output. */
    private static final class DeadLetterSplitter<R, IN>
            extends ProcessFunction<Either<R, FailedInference<IN>>, R> {
        private static final long serialVersionUID = 1L;

        private final OutputTag<FailedInference<IN>> tag;

        DeadLetterSplitter(OutputTag<FailedInference<IN>> tag) {
            this.tag = tag;
        }

        @Override
        public void processElement(
                Either<R, FailedInference<IN>> value, Context context, Collector<R> out) {
            if (value.isLeft()) {
                out.collect(value.left());
            } else {
                context.output(tag, value.right());
            }
        }
    }

    /**
     * The function whose results are the model's outputs, for use with {@link
     * AsyncBatchDataStream}.
     */
    public TritonInferenceFunction<IN, OUT> function() {
        return TritonInferenceFunction.of(client, inputType, outputType, options.maxBatchSize())
                .failurePolicy(standalonePolicy());
    }

    /**
     * The function whose results are {@code combiner(input, output)}. A fallback applies; dead
     * letters need {@link #apply}, which adds their side output, so this function fails the task
     * instead.
     */
    public <R> TritonInferenceFunction<IN, R> function(
            Combiner<? super IN, ? super OUT, ? extends R> combiner) {
        return this.<R>combining(combiner).failurePolicy(standalonePolicy());
    }

    private <R> TritonInferenceFunction<IN, R> combining(
            Combiner<? super IN, ? super OUT, ? extends R> combiner) {
        return TritonInferenceFunction.<IN, OUT, R>combining(
                client, inputType, outputType, combiner, options.maxBatchSize());
    }

    /** A function placed by hand has no dead-letter output to emit to. */
    private FailurePolicy<IN> standalonePolicy() {
        return failurePolicy.deadLettersOn() ? FailurePolicy.fail() : failurePolicy;
    }

    /** The operator's name, such as {@code TritonInference(add_sub)}. */
    public String name() {
        return "TritonInference("
                + client.model()
                + client.modelVersion().map(version -> ", version " + version).orElse("")
                + ")";
    }

    /** The class whose {@code @TritonInput}s are sent. */
    public Class<IN> inputType() {
        return inputType;
    }

    /** The class the model's outputs are decoded into. */
    public Class<OUT> outputType() {
        return outputType;
    }

    /** The server's base URL as it was given. */
    public String endpoint() {
        return client.endpoint();
    }

    /** The model's name, given or taken from {@code @TritonModel}. */
    public String model() {
        return client.model();
    }

    /** The model version, when one was given or {@code @TritonModel} names one. */
    public Optional<String> modelVersion() {
        return client.modelVersion();
    }

    /** The names of the extra HTTP headers; their values are not exposed. */
    public List<String> headerNames() {
        return client.headerNames();
    }

    /**
     * Every client setting: endpoint, model, headers, timeouts and the rest, as the job's client
     * uses them: an enabled retry policy has its attempts unbounded and its budget capped at the
     * batch {@code timeout}, so that the failure policy applies only once the timeout is spent.
     */
    public TritonClientOptions clientOptions() {
        return client;
    }

    /** How the operator batches: maxBatchSize, maxBatchDelay, timeout, capacity. */
    public AsyncBatchOptions batchOptions() {
        return options;
    }

    /** Whether results are emitted in input order. */
    public boolean ordered() {
        return ordered;
    }

    /** The most records per HTTP request, when {@link Builder#maxBatchSize} set one. */
    public Optional<Integer> requestBatchSize() {
        OptionalInt size = client.maxBatchSize();
        return size.isPresent() ? Optional.of(size.getAsInt()) : Optional.empty();
    }

    /** Describes the setup; header values are never shown. */
    @Override
    public String toString() {
        return "TritonInference{"
                + inputType.getSimpleName()
                + " -> "
                + outputType.getSimpleName()
                + ", "
                + client
                + ", "
                + options
                + (ordered ? ", ordered" : ", unordered")
                + '}';
    }

    /**
     * Combines an input with the model's output for it into the record to emit. Serializable, as it
     * travels in the job graph: a lambda qualifies as long as what it captures is serializable.
     *
     * @param <IN> the input class
     * @param <OUT> the model's output class
     * @param <R> the result
     */
    @FunctionalInterface
    public interface Combiner<IN, OUT, R> extends Serializable {
        /**
         * Returns the record to emit for {@code input}, which the model answered with {@code
         * output}; not null. An exception fails the task.
         */
        R combine(IN input, OUT output) throws Exception;
    }

    /**
     * Configures a {@link TritonInference}. An endpoint is required, and a model: {@link #model} or
     * {@code @TritonModel(name = ...)} on the input class.
     *
     * <p>The client settings form a {@link TritonClientOptions}: {@link #client} takes them at
     * once, and the setters of the same names (endpoint, model, headers, timeouts and the rest)
     * change one each. The batch settings belong to the operator.
     *
     * <table>
     *   <caption>Defaults</caption>
     *   <tr><td>modelVersion</td><td>{@code @TritonModel}'s version when the model comes from
     *       there; otherwise none (the server's version policy decides)</td></tr>
     *   <tr><td>maxBatchSize</td><td>32 records per batch; requests never exceed the model's
     *       {@code max_batch_size} (see {@link #maxBatchSize})</td></tr>
     *   <tr><td>maxBatchDelay</td><td>10 ms</td></tr>
     *   <tr><td>timeout</td><td>30 s per batch</td></tr>
     *   <tr><td>capacity</td><td>4 batches in flight per parallel instance</td></tr>
     *   <tr><td>ordered</td><td>true</td></tr>
     *   <tr><td>connectTimeout, requestTimeout, closeTimeout</td><td>10 s, 30 s, 10 s</td></tr>
     *   <tr><td>maxConcurrentRequests</td><td>16 per parallel instance</td></tr>
     *   <tr><td>binaryData</td><td>true</td></tr>
     *   <tr><td>compressRequests</td><td>false</td></tr>
     *   <tr><td>maxResponseBytes</td><td>64 MiB per response</td></tr>
     *   <tr><td>priority, serverTimeout</td><td>not sent (the model's defaults)</td></tr>
     * </table>
     *
     * @param <IN> the input class
     * @param <OUT> the output class
     */
    public static final class Builder<IN, OUT> {
        private final Class<IN> inputType;
        private final Class<OUT> outputType;
        private TritonClientOptions.Builder client = TritonClientOptions.builder();
        private boolean hasEndpoint;
        private boolean hasModel;
        private Integer maxBatchSize;
        private AsyncBatchOptions.Builder batch = AsyncBatchOptions.builder();
        private boolean ordered = true;
        private FailurePolicy<IN> failurePolicy = FailurePolicy.fail();

        private Builder(Class<IN> inputType, Class<OUT> outputType) {
            this.inputType = inputType;
            this.outputType = outputType;
        }

        /**
         * Takes every client setting from {@code options} (endpoint, model, headers, timeouts and
         * the rest), replacing those given before; the setters below called afterwards change
         * single settings. The options' {@code maxBatchSize} caps each request, unless {@link
         * #maxBatchSize} sets both limits.
         */
        public Builder<IN, OUT> client(TritonClientOptions options) {
            this.client = Objects.requireNonNull(options, "options").toBuilder();
            this.hasEndpoint = true;
            this.hasModel = true;
            return this;
        }

        /**
         * The server's base URL, such as {@code http://triton:8000}; {@code host:port} alone means
         * {@code http://host:port}. Credentials go in {@link #header} or {@link #bearerToken}, not
         * in the URL.
         *
         * @throws IllegalArgumentException when it is not an http(s) URL or carries credentials
         */
        public Builder<IN, OUT> endpoint(String endpoint) {
            client.endpoint(endpoint);
            hasEndpoint = true;
            return this;
        }

        /** The model's name; wins over {@code @TritonModel} on the input class. */
        public Builder<IN, OUT> model(String model) {
            client.model(model);
            hasModel = true;
            return this;
        }

        /** The model version; null for none, so that the server's version policy picks it. */
        public Builder<IN, OUT> modelVersion(String modelVersion) {
            client.modelVersion(modelVersion);
            return this;
        }

        /**
         * Adds an HTTP header to every request, such as an API key. Its value travels in the job
         * graph (as any connector's credentials do) but appears in no message, log or {@code
         * toString}.
         *
         * @throws IllegalArgumentException for a header the client sets itself, or characters HTTP
         *     does not allow
         */
        public Builder<IN, OUT> header(String name, String value) {
            client.header(name, value);
            return this;
        }

        /** Sends {@code Authorization: Bearer <token>}, replacing any Authorization header. */
        public Builder<IN, OUT> bearerToken(String token) {
            client.bearerToken(token);
            return this;
        }

        /**
         * For an {@code https} endpoint whose certificate comes from a private CA or is
         * self-signed: trusts the certificates in {@code trustStore} instead of the JVM's default
         * trust. The certificates (public, unlike keys; entries' private keys are not taken) are
         * copied into the job graph, so the store need not exist on the task managers. Without
         * this, the JVM's default trust applies, which also honours {@code
         * -Djavax.net.ssl.trustStore} in the task managers' {@code env.java.opts}.
         *
         * @throws IllegalArgumentException when the store holds no certificate or cannot be read
         */
        public Builder<IN, OUT> trustStore(KeyStore trustStore) {
            client.trustStore(trustStore);
            return this;
        }

        /** How long opening a connection may take; zero for no limit. Default 10 s. */
        public Builder<IN, OUT> connectTimeout(Duration timeout) {
            client.connectTimeout(timeout);
            return this;
        }

        /**
         * How long one HTTP request may take; zero for no limit. Default 30 s. The operator's
         * {@link #timeout} bounds the whole batch, which may be several requests.
         */
        public Builder<IN, OUT> requestTimeout(Duration timeout) {
            client.requestTimeout(timeout);
            return this;
        }

        /** How long closing the client waits for calls in flight. Default 10 s. */
        public Builder<IN, OUT> closeTimeout(Duration timeout) {
            client.closeTimeout(timeout);
            return this;
        }

        /**
         * The most HTTP requests one parallel instance runs at once; more wait their turn. Default
         * 16. A batch is one request, or several when it exceeds the model's {@code
         * max_batch_size}.
         */
        public Builder<IN, OUT> maxConcurrentRequests(int max) {
            client.maxConcurrentRequests(max);
            return this;
        }

        /** Whether tensors travel in Triton's binary extension (the default) or as JSON. */
        public Builder<IN, OUT> binaryData(boolean binaryData) {
            client.binaryData(binaryData);
            return this;
        }

        /** Whether request bodies are gzip-compressed. Default false. */
        public Builder<IN, OUT> compressRequests(boolean compress) {
            client.compressRequests(compress);
            return this;
        }

        /**
         * The largest response body a request may get, default 64 MiB. A larger one fails its batch
         * with a {@link org.flinktriton.TritonException} that names the model and the limit, before
         * it is buffered. Raise it for models whose outputs per request are larger (a request holds
         * up to {@link #maxBatchSize} records).
         */
        public Builder<IN, OUT> maxResponseBytes(long max) {
            client.maxResponseBytes(max);
            return this;
        }

        /**
         * Triton's request {@code priority} for every request of this operator: 1 is the highest,
         * up to the model's {@code priority_levels}; 0 is the model's default. Not sent unless set.
         */
        public Builder<IN, OUT> priority(int priority) {
            client.priority(priority);
            return this;
        }

        /**
         * Triton's request {@code timeout}: how long the server may queue a request before it gives
         * up on it and answers with an error, which fails the batch. Distinct from {@link
         * #requestTimeout}, the client's own deadline. Not sent unless set.
         */
        public Builder<IN, OUT> serverTimeout(Duration timeout) {
            client.serverTimeout(timeout);
            return this;
        }

        /**
         * The most records in one batch and in one request; set it to the model's {@code
         * max_batch_size}.
         *
         * <p>Unset, batches hold up to {@link AsyncBatchOptions#MAX_BATCH_SIZE}'s default of 32 and
         * each request up to the model's {@code max_batch_size}, which the client reads from the
         * server when it opens: a larger batch goes out as several requests (one record per request
         * for a model with {@code max_batch_size} 0), a smaller one as one request. The limit is
         * not fetched while the job graph is built, because the machine that builds it often cannot
         * reach the server, and a graph must not change with a server's state; the log says at
         * start which limit applies and whether a larger maxBatchSize would fill requests better.
         */
        public Builder<IN, OUT> maxBatchSize(int maxBatchSize) {
            if (maxBatchSize < 1) {
                throw new IllegalArgumentException(
                        "maxBatchSize must be at least 1, not " + maxBatchSize);
            }
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        /** How long the oldest record of a batch that is not full may wait. Default 10 ms. */
        public Builder<IN, OUT> maxBatchDelay(Duration delay) {
            batch.maxBatchDelay(delay);
            return this;
        }

        /**
         * How long a batch may take, its requests included, before it fails with a {@link
         * org.flinktriton.TritonTimeoutException} (and its requests are cancelled). Default 30 s.
         */
        public Builder<IN, OUT> timeout(Duration timeout) {
            batch.timeout(timeout);
            return this;
        }

        /**
         * The most batches one parallel instance has in flight; beyond it the operator
         * back-pressures. Default 4.
         */
        public Builder<IN, OUT> capacity(int capacity) {
            batch.capacity(capacity);
            return this;
        }

        /**
         * Takes all four batch settings from {@code options}, such as {@link
         * AsyncBatchOptions#fromConfig}'s; its maxBatchSize counts as set explicitly.
         */
        public Builder<IN, OUT> batchOptions(AsyncBatchOptions options) {
            Objects.requireNonNull(options, "options");
            this.batch = options.toBuilder();
            this.maxBatchSize = options.maxBatchSize();
            return this;
        }

        /**
         * Whether results leave in input order (the default) or as soon as their batch completes,
         * which keeps a slow batch from holding back later ones. Watermarks are never overtaken
         * either way.
         */
        public Builder<IN, OUT> ordered(boolean ordered) {
            this.ordered = ordered;
            return this;
        }

        /**
         * How retryable failures of each request are retried; {@link RetryPolicy#defaults()} unless
         * set. Its budget is lowered to {@link #timeout}, so no retry outlives its batch.
         */
        public Builder<IN, OUT> retry(RetryPolicy retry) {
            client.retry(retry);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#circuitBreaker}; off by default. */
        public Builder<IN, OUT> circuitBreaker(CircuitBreakerPolicy circuitBreaker) {
            client.circuitBreaker(circuitBreaker);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#adaptiveConcurrency}; on by default. */
        public Builder<IN, OUT> adaptiveConcurrency(boolean adaptive) {
            client.adaptiveConcurrency(adaptive);
            return this;
        }

        /**
         * Sends each record that failed for good (rejected by the server, or its retries spent when
         * its batch timed out) to the side output {@link TritonInference#deadLetterTag()} instead
         * of failing the task. Replaces a {@link #fallback}.
         */
        public Builder<IN, OUT> deadLetters() {
            this.failurePolicy = FailurePolicy.deadLetters();
            return this;
        }

        /**
         * Emits {@code fallback(input, failure)} for each record that failed for good, in its place
         * in the output, instead of failing the task. Replaces {@link #deadLetters()}.
         */
        public Builder<IN, OUT> fallback(FallbackFunction<IN, OUT> fallback) {
            this.failurePolicy = FailurePolicy.fallback(fallback);
            return this;
        }

        /**
         * Checks the settings and the classes' generated codecs, and builds the inference step.
         * Nothing contacts the server: the model is checked when the job starts.
         *
         * @throws IllegalStateException naming what is missing: the endpoint, or the model when it
         *     is neither given nor on the input class's {@code @TritonModel}
         * @throws IllegalArgumentException when a batch setting is out of range
         * @throws org.flinktriton.TritonException when a class has no generated codec for its role
         */
        public TritonInference<IN, OUT> build() {
            TritonInputCodec<IN> input = TritonCodecs.forInput(inputType);
            TritonCodecs.forOutput(outputType);

            List<String> missing = new ArrayList<>();
            if (!hasEndpoint) {
                missing.add("an endpoint (call endpoint(\"http://triton:8000\"))");
            }
            if (!hasModel && input.modelName().filter(name -> !name.isBlank()).isEmpty()) {
                missing.add(
                        "a model (call model(\"name\"), or annotate "
                                + inputType.getName()
                                + " with @TritonModel(name = ...))");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException(
                        "TritonInference for "
                                + inputType.getSimpleName()
                                + " -> "
                                + outputType.getSimpleName()
                                + " needs "
                                + String.join(" and ", missing));
            }
            if (maxBatchSize != null) {
                batch.maxBatchSize(maxBatchSize);
                client.maxBatchSize(maxBatchSize);
            }
            AsyncBatchOptions batchOptions = batch.build();
            TritonClientOptions clientOptions = client.modelFrom(input).build();
            RetryPolicy retry = clientOptions.retry();
            if (retry.enabled()) {
                // An outage is not a bad record: in a job, retries go on until the batch's
                // timeout, and only then does the failure policy apply.
                retry = retry.toBuilder().maxAttempts(Integer.MAX_VALUE).build();
            }
            clientOptions =
                    clientOptions.toBuilder()
                            .retry(retry.withBudgetAtMost(batchOptions.timeout()))
                            .build();
            return new TritonInference<>(
                    inputType, outputType, clientOptions, batchOptions, ordered, failurePolicy);
        }
    }
}
