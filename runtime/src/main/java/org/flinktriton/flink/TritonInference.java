package org.flinktriton.flink;

import java.io.Serializable;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *                 .uid("add-sub-inference")            // keep savepoints compatible
 *                 .build()
 *                 .apply(requests);
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
 *                 .uid("sentiment-inference")
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
 *                 .clientOptions(TritonClientOptions.fromConfig(env.getConfiguration()))
 *                 .batchOptions(AsyncBatchOptions.fromConfig(env.getConfiguration()))
 *                 .uid("add-sub-inference")
 *                 .build()
 *                 .apply(requests);
 * }</pre>
 *
 * <p>Every client setter of the {@link Builder} is {@link TritonClientOptions.Builder}'s, handed
 * on, and every batch setter {@link AsyncBatchOptions.Builder}'s: their defaults and rules are
 * documented there, once.
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
 * <p>Savepoints: the batch operator keeps buffered and in-flight records in its state, which a
 * restore finds by the operator's uid. {@link Builder#uid} gives it one (and every other operator
 * this class adds a uid derived from it), so that a job can change around it and still restore its
 * records; without it Flink derives the uid from the graph's shape, which any change upstream
 * alters.
 *
 * <p>Failures: a request whose failure is retryable (server unreachable or overloaded, 429, 503,
 * timeouts) is retried while the operator's {@code capacity} back-pressures the job; records are
 * never given up on because the server was down for a moment. The rule, in one sentence: {@value
 * #RETRY_RULE} A request the server rejects with an answer a record may have caused (400, 422, 500)
 * is halved until the rejected records stand alone, and the other records get their results. What
 * then becomes of a record that failed for good (rejected, or retries spent when its batch's
 * timeout passed) is the failure policy: by default the task fails, naming the record's position in
 * its batch and the server's error, so that Flink's restart strategy applies; {@link
 * Builder#deadLetters()} sends it to the side output {@link #deadLetterTag()} as a {@link
 * FailedInference}; {@link Builder#fallback} emits a fallback output in its place.
 *
 * <pre>{@code
 * TritonInference<Review, Score> inference = TritonInference.builder(Review.class, Score.class)
 *         .endpoint("http://triton:8000")
 *         .deadLetters()
 *         .uid("review-scores")
 *         .build();
 * SingleOutputStreamOperator<Score> scores = inference.apply(reviews);
 * scores.getSideOutput(inference.deadLetterTag()).sinkTo(deadLetterSink);
 * }</pre>
 *
 * <p>The output type is {@link TypeInformation#of(Class)} of the output (or result) class.
 *
 * <p>Instances are immutable and may be applied to several streams, unless they carry a uid: a uid
 * names one operator of one job.
 *
 * @param <IN> the annotated class whose {@code @TritonInput}s are sent
 * @param <OUT> the annotated class that the model's {@code @TritonOutput}s are decoded into
 */
public final class TritonInference<IN, OUT> {

    /**
     * What {@link Builder#uid} appends for the operator that splits results from dead letters: with
     * {@code uid("scores")} and {@link Builder#deadLetters()}, the batch operator's uid is {@code
     * scores} and the splitter's {@code scores-dead-letter-splitter}.
     */
    public static final String DEAD_LETTER_SPLITTER_UID_SUFFIX = "-dead-letter-splitter";

    /** How a job retries, in one sentence; {@link Builder#build()} logs it when it applies. */
    public static final String RETRY_RULE =
            "In a job, a request whose failure is retryable is retried until its batch's timeout"
                    + " (batchTimeout) passes, whatever the retry policy's maxAttempts and budget"
                    + " say, so that an outage never fails good records; RetryPolicy.none()"
                    + " (max-retries 0) turns retries off.";

    private static final Logger LOG = LoggerFactory.getLogger(TritonInference.class);

    private final Class<IN> inputType;
    private final Class<OUT> outputType;
    private final TritonClientOptions client;
    private final AsyncBatchOptions options;
    private final boolean ordered;
    private final FailurePolicy<IN> failurePolicy;
    private final boolean emitResponsesAsTheyArrive;

    /** Null: Flink generates the operators' uids. */
    private final String uid;

    private TritonInference(
            Class<IN> inputType,
            Class<OUT> outputType,
            TritonClientOptions client,
            AsyncBatchOptions options,
            boolean ordered,
            FailurePolicy<IN> failurePolicy,
            boolean emitResponsesAsTheyArrive,
            String uid) {
        this.inputType = inputType;
        this.outputType = outputType;
        this.client = client;
        this.options = options;
        this.ordered = ordered;
        this.failurePolicy = failurePolicy;
        this.emitResponsesAsTheyArrive = emitResponsesAsTheyArrive;
        this.uid = uid;
    }

    /**
     * Starts configuring inference from {@code inputType} records to {@code outputType} results.
     * Both classes need codecs generated by the flink-triton annotation processor; they may be the
     * same class when it declares inputs and outputs.
     *
     * @throws org.flinktriton.TritonException when {@code inputType} has no generated input codec
     */
    public static <IN, OUT> Builder<IN, OUT> builder(Class<IN> inputType, Class<OUT> outputType) {
        return new Builder<>(
                Objects.requireNonNull(inputType, "inputType"),
                Objects.requireNonNull(outputType, "outputType"));
    }

    /**
     * Adds the inference operator after {@code input}; its results are the model's outputs, one per
     * input. With {@link Builder#uid} set, every operator added has its uid.
     */
    public SingleOutputStreamOperator<OUT> apply(DataStream<IN> input) {
        return add(
                input,
                configured(
                        TritonInferenceFunction.of(
                                client, inputType, outputType, options.maxBatchSize())),
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
        return add(input, configured(this.<R>combining(combiner)), resultType);
    }

    /**
     * Adds the inference operator after {@code input}; each result is {@code combiner(input,
     * response, index)}, with {@code TypeInformation.of(resultType)}: for a decoupled model, whose
     * inputs have 0..n responses each, the index is the response's position among its input's, from
     * 0. Keep it in the result to tell responses apart, for example to drop the repeats that {@link
     * Builder#emitResponsesAsTheyArrive()} may emit.
     *
     * <pre>{@code
     * DataStream<Piece> pieces = inference.apply(
     *         prompts, (prompt, token, index) -> new Piece(prompt.id, index, token.text),
     *         Piece.class);
     * }</pre>
     */
    public <R> SingleOutputStreamOperator<R> apply(
            DataStream<IN> input,
            ResponseCombiner<? super IN, ? super OUT, ? extends R> combiner,
            Class<R> resultType) {
        Objects.requireNonNull(resultType, "resultType");
        return apply(input, combiner, TypeInformation.of(resultType));
    }

    /**
     * Adds the inference operator after {@code input}; each result is {@code combiner(input,
     * response, index)}, of the given type (for generic result classes).
     */
    public <R> SingleOutputStreamOperator<R> apply(
            DataStream<IN> input,
            ResponseCombiner<? super IN, ? super OUT, ? extends R> combiner,
            TypeInformation<R> resultType) {
        Objects.requireNonNull(resultType, "resultType");
        return add(input, configured(this.<R>combiningResponses(combiner)), resultType);
    }

    /** The function with this step's failure policy and delivery. */
    private <R> TritonInferenceFunction<IN, R> configured(TritonInferenceFunction<IN, R> function) {
        return function.failurePolicy(failurePolicy)
                .emitResponsesAsTheyArrive(emitResponsesAsTheyArrive);
    }

    private <R> SingleOutputStreamOperator<R> add(
            DataStream<IN> input,
            TritonInferenceFunction<IN, R> function,
            TypeInformation<R> type) {
        Objects.requireNonNull(input, "input");
        if (!failurePolicy.deadLettersOn()) {
            return batchOperator(
                    ordered
                            ? AsyncBatchDataStream.orderedWaitBatch(input, function, options, type)
                            : AsyncBatchDataStream.unorderedWaitBatch(
                                    input, function, options, type));
        }
        // The operator emits results and dead letters as one stream of Eithers, in order, on the
        // task thread; a chained ProcessFunction splits them into the main and the side output.
        @SuppressWarnings({"unchecked", "rawtypes"})
        TritonInferenceFunction<IN, Either<R, FailedInference<IN>>> lettered =
                (TritonInferenceFunction) function;
        TypeInformation<Either<R, FailedInference<IN>>> union =
                new EitherTypeInfo<>(type, deadLetterType());
        SingleOutputStreamOperator<Either<R, FailedInference<IN>>> inferred =
                batchOperator(
                        ordered
                                ? AsyncBatchDataStream.orderedWaitBatch(
                                        input, lettered, options, union)
                                : AsyncBatchDataStream.unorderedWaitBatch(
                                        input, lettered, options, union));
        SingleOutputStreamOperator<R> split =
                inferred.process(new DeadLetterSplitter<R, IN>(deadLetterTag()), type)
                        .name(name() + " results");
        return uid == null ? split : split.uid(uid + DEAD_LETTER_SPLITTER_UID_SUFFIX);
    }

    /** Names the stateful batch operator, and gives it the uid. */
    private <T> SingleOutputStreamOperator<T> batchOperator(SingleOutputStreamOperator<T> added) {
        added.name(name());
        return uid == null ? added : added.uid(uid);
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
     * AsyncBatchDataStream}. A fallback applies.
     *
     * @throws IllegalStateException with {@link Builder#deadLetters()}: only {@link #apply} adds
     *     the side output they go to
     */
    public TritonInferenceFunction<IN, OUT> function() {
        refuseDeadLetters("function()");
        return configured(
                TritonInferenceFunction.of(client, inputType, outputType, options.maxBatchSize()));
    }

    /**
     * The function whose results are {@code combiner(input, output)}. A fallback applies.
     *
     * @throws IllegalStateException with {@link Builder#deadLetters()}: only {@link #apply} adds
     *     the side output they go to
     */
    public <R> TritonInferenceFunction<IN, R> function(
            Combiner<? super IN, ? super OUT, ? extends R> combiner) {
        refuseDeadLetters("function(combiner)");
        return configured(this.<R>combining(combiner));
    }

    /**
     * The function whose results are {@code combiner(input, response, index)}. A fallback applies.
     *
     * @throws IllegalStateException with {@link Builder#deadLetters()}: only {@link #apply} adds
     *     the side output they go to
     */
    public <R> TritonInferenceFunction<IN, R> function(
            ResponseCombiner<? super IN, ? super OUT, ? extends R> combiner) {
        refuseDeadLetters("function(combiner)");
        return configured(this.<R>combiningResponses(combiner));
    }

    private <R> TritonInferenceFunction<IN, R> combining(
            Combiner<? super IN, ? super OUT, ? extends R> combiner) {
        return TritonInferenceFunction.<IN, OUT, R>combining(
                client, inputType, outputType, combiner, options.maxBatchSize());
    }

    private <R> TritonInferenceFunction<IN, R> combiningResponses(
            ResponseCombiner<? super IN, ? super OUT, ? extends R> combiner) {
        return TritonInferenceFunction.<IN, OUT, R>combiningResponses(
                client, inputType, outputType, combiner, options.maxBatchSize());
    }

    /** A function placed by hand has no side output for dead letters to go to. */
    private void refuseDeadLetters(String method) {
        if (failurePolicy.deadLettersOn()) {
            throw new IllegalStateException(
                    name()
                            + " is built with deadLetters(), which "
                            + method
                            + " cannot serve: a function placed by hand has no side output for"
                            + " them. Use apply(stream) or apply(stream, combiner, type), which"
                            + " add the dead-letter output; or build without deadLetters() (with"
                            + " fallback(...) if failed records must not fail the task).");
        }
    }

    /** The operator's name, such as {@code TritonInference(add_sub)}. */
    public String name() {
        return nameOf(client);
    }

    private static String nameOf(TritonClientOptions client) {
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
     * uses them: an enabled retry policy retries until the batch timeout ({@value #RETRY_RULE}).
     */
    public TritonClientOptions clientOptions() {
        return client;
    }

    /** How the operator batches: maxBatchSize, maxBatchDelay, batchTimeout, capacity. */
    public AsyncBatchOptions batchOptions() {
        return options;
    }

    /** Whether results are emitted in input order. */
    public boolean ordered() {
        return ordered;
    }

    /**
     * Whether a decoupled model's responses are emitted as they arrive ({@link
     * Builder#emitResponsesAsTheyArrive()}), at least once, rather than after each input's final
     * response, exactly once.
     */
    public boolean emitsResponsesAsTheyArrive() {
        return emitResponsesAsTheyArrive;
    }

    /** The uid of the batch operator, when {@link Builder#uid} set one. */
    public Optional<String> uid() {
        return Optional.ofNullable(uid);
    }

    /**
     * The most records per HTTP request, when one was set.
     *
     * @deprecated use {@code clientOptions().maxRecordsPerRequest()}
     */
    @Deprecated
    public Optional<Integer> requestBatchSize() {
        OptionalInt size = client.maxRecordsPerRequest();
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
                + (emitResponsesAsTheyArrive ? ", responses as they arrive" : "")
                + (uid == null ? "" : ", uid " + uid)
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
     * Combines an input with one of the model's responses to it, and the response's index, into the
     * record to emit: for a decoupled model, which answers an input with 0..n responses, the index
     * is the response's position among its input's, from 0, in the order the server sent them; for
     * a model that is not decoupled it is 0. A {@link Builder#fallback} output has the index that
     * the input's next response would have had (0 unless responses were emitted before the input
     * failed, which only {@link Builder#emitResponsesAsTheyArrive()} does).
     *
     * <p>With {@link Builder#emitResponsesAsTheyArrive()} a response may be emitted more than once,
     * each time with the same index, so {@code (input, index)} identifies it: keep both in the
     * result when downstream must drop repeats. Serializable, as it travels in the job graph.
     *
     * @param <IN> the input class
     * @param <OUT> the model's output class, one response
     * @param <R> the result
     */
    @FunctionalInterface
    public interface ResponseCombiner<IN, OUT, R> extends Serializable {
        /**
         * Returns the record to emit for {@code response}, the response at {@code index} among
         * those to {@code input}; not null. An exception fails the task.
         */
        R combine(IN input, OUT response, int index) throws Exception;
    }

    /**
     * Configures a {@link TritonInference}. An endpoint is required, and a model: {@link #model} or
     * {@code @TritonModel(name = ...)} on the input class.
     *
     * <p>The client settings form a {@link TritonClientOptions}: {@link #clientOptions} takes them
     * at once, and each setter of the same name as one of {@link TritonClientOptions.Builder}'s
     * hands its value on to it; that is where each is documented, with its default. The batch
     * settings ({@link #maxBatchSize}, {@link #maxBatchDelay}, {@link #batchTimeout}, {@link
     * #capacity}) are {@link AsyncBatchOptions.Builder}'s, handed on the same way. What is the
     * job's own ({@link #uid}, {@link #ordered}, {@link #deadLetters()}, {@link #fallback}, {@link
     * #emitResponsesAsTheyArrive()}) is documented here.
     *
     * <p>Where two settings meet, {@link #build()} says so: it logs once when the {@link
     * TritonInference#RETRY_RULE retry rule} sets aside a retry setting that was made explicitly,
     * warns once when the request timeout leaves no room for a retry within the batch timeout, and
     * fails, naming both, when two settings contradict each other.
     *
     * @param <IN> the input class
     * @param <OUT> the output class
     */
    public static final class Builder<IN, OUT> {
        private final Class<IN> inputType;
        private final Class<OUT> outputType;
        private TritonClientOptions.Builder options;
        private AsyncBatchOptions.Builder batch = AsyncBatchOptions.builder();
        private boolean ordered = true;
        private String uid;
        private boolean deadLetters;
        private FallbackFunction<IN, OUT> fallback;
        private boolean emitResponsesAsTheyArrive;

        private Builder(Class<IN> inputType, Class<OUT> outputType) {
            this.inputType = inputType;
            this.outputType = outputType;
            this.options = TritonClientOptions.builder(subject()).modelFrom(inputType);
        }

        /** How messages name this builder: {@code TritonInference for Review -> Score}. */
        private String subject() {
            return "TritonInference for "
                    + inputType.getSimpleName()
                    + " -> "
                    + outputType.getSimpleName();
        }

        /**
         * Takes every client setting from {@code options} (endpoint, model, headers, timeouts and
         * the rest), replacing those given before; the client setters called afterwards change
         * single settings. Its model wins over {@code @TritonModel} on the input class.
         */
        public Builder<IN, OUT> clientOptions(TritonClientOptions options) {
            this.options = Objects.requireNonNull(options, "options").toBuilder(subject());
            return this;
        }

        /**
         * Takes every client setting from {@code options}.
         *
         * @deprecated named like {@code TritonModelClient.Builder}'s now: use {@link
         *     #clientOptions}
         */
        @Deprecated
        public Builder<IN, OUT> client(TritonClientOptions options) {
            return clientOptions(options);
        }

        /** See {@link TritonClientOptions.Builder#endpoint}. */
        public Builder<IN, OUT> endpoint(String endpoint) {
            options.endpoint(endpoint);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#model}. */
        public Builder<IN, OUT> model(String model) {
            options.model(model);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#modelVersion}. */
        public Builder<IN, OUT> modelVersion(String modelVersion) {
            options.modelVersion(modelVersion);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#modelFrom(Class)}. */
        public Builder<IN, OUT> modelFrom(Class<?> inputType) {
            options.modelFrom(inputType);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#modelFrom(TritonInputCodec)}. */
        public Builder<IN, OUT> modelFrom(TritonInputCodec<?> input) {
            options.modelFrom(input);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#header}. */
        public Builder<IN, OUT> header(String name, String value) {
            options.header(name, value);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#bearerToken}. */
        public Builder<IN, OUT> bearerToken(String token) {
            options.bearerToken(token);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#trustStore}. */
        public Builder<IN, OUT> trustStore(KeyStore trustStore) {
            options.trustStore(trustStore);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#trustStorePem}. */
        public Builder<IN, OUT> trustStorePem(Path pemFile) {
            options.trustStorePem(pemFile);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#clientCertificate}. */
        public Builder<IN, OUT> clientCertificate(Path certificateChainPem, Path privateKeyPem) {
            options.clientCertificate(certificateChainPem, privateKeyPem);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#trustedCertificates}. */
        public Builder<IN, OUT> trustedCertificates(
                Collection<? extends Certificate> certificates) {
            options.trustedCertificates(certificates);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#connectTimeout}. */
        public Builder<IN, OUT> connectTimeout(Duration timeout) {
            options.connectTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#requestTimeout}. */
        public Builder<IN, OUT> requestTimeout(Duration timeout) {
            options.requestTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#closeTimeout}. */
        public Builder<IN, OUT> closeTimeout(Duration timeout) {
            options.closeTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxConcurrentRequests}. */
        public Builder<IN, OUT> maxConcurrentRequests(int max) {
            options.maxConcurrentRequests(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#binaryData}. */
        public Builder<IN, OUT> binaryData(boolean binaryData) {
            options.binaryData(binaryData);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxRecordsPerRequest}. */
        public Builder<IN, OUT> maxRecordsPerRequest(int max) {
            options.maxRecordsPerRequest(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxBisectionRequests}. */
        public Builder<IN, OUT> maxBisectionRequests(int max) {
            options.maxBisectionRequests(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#keepAliveInterval}. */
        public Builder<IN, OUT> keepAliveInterval(Duration interval) {
            options.keepAliveInterval(interval);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#compressRequests}. */
        public Builder<IN, OUT> compressRequests(boolean compress) {
            options.compressRequests(compress);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#acceptCompressedResponses}. */
        public Builder<IN, OUT> acceptCompressedResponses(boolean accept) {
            options.acceptCompressedResponses(accept);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxResponseBytes}. */
        public Builder<IN, OUT> maxResponseBytes(long max) {
            options.maxResponseBytes(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxRequestBytes}. */
        public Builder<IN, OUT> maxRequestBytes(long max) {
            options.maxRequestBytes(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#priority}. */
        public Builder<IN, OUT> priority(int priority) {
            options.priority(priority);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#serverTimeout}. */
        public Builder<IN, OUT> serverTimeout(Duration timeout) {
            options.serverTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#parameter}. */
        public Builder<IN, OUT> parameter(String name, Object value) {
            options.parameter(name, value);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#retry}. */
        public Builder<IN, OUT> retry(RetryPolicy retry) {
            options.retry(retry);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#circuitBreaker}. */
        public Builder<IN, OUT> circuitBreaker(CircuitBreakerPolicy circuitBreaker) {
            options.circuitBreaker(circuitBreaker);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#adaptiveConcurrency}. */
        public Builder<IN, OUT> adaptiveConcurrency(boolean adaptive) {
            options.adaptiveConcurrency(adaptive);
            return this;
        }

        /** See {@link AsyncBatchOptions.Builder#maxBatchSize}. */
        public Builder<IN, OUT> maxBatchSize(int maxBatchSize) {
            batch.maxBatchSize(maxBatchSize);
            return this;
        }

        /** See {@link AsyncBatchOptions.Builder#maxBatchDelay}. */
        public Builder<IN, OUT> maxBatchDelay(Duration delay) {
            batch.maxBatchDelay(delay);
            return this;
        }

        /** See {@link AsyncBatchOptions.Builder#batchTimeout}. */
        public Builder<IN, OUT> batchTimeout(Duration timeout) {
            batch.batchTimeout(timeout);
            return this;
        }

        /** See {@link AsyncBatchOptions.Builder#capacity}. */
        public Builder<IN, OUT> capacity(int capacity) {
            batch.capacity(capacity);
            return this;
        }

        /**
         * How long a batch may take.
         *
         * @deprecated renamed, since a request has a timeout of its own ({@link #requestTimeout}):
         *     use {@link #batchTimeout}
         */
        @Deprecated
        public Builder<IN, OUT> timeout(Duration timeout) {
            return batchTimeout(timeout);
        }

        /**
         * Takes all four batch settings from {@code options}, such as {@link
         * AsyncBatchOptions#fromConfig}'s, replacing those given before; the batch setters called
         * afterwards change single settings. The client's settings, {@link #maxRecordsPerRequest}
         * among them, stay as they are.
         */
        public Builder<IN, OUT> batchOptions(AsyncBatchOptions options) {
            this.batch = Objects.requireNonNull(options, "options").toBuilder();
            return this;
        }

        /**
         * The uid of the batch operator, which holds the buffered and in-flight records in its
         * state; the other operators {@link TritonInference#apply} adds get it with a suffix (the
         * dead-letter splitter: {@link TritonInference#DEAD_LETTER_SPLITTER_UID_SUFFIX}). Set it,
         * as for every stateful operator, so that a savepoint restores into a changed job. Without
         * it Flink derives the uids from the graph's shape. Do not also set a uid on what {@code
         * apply} returns: with dead letters, that is the splitter.
         */
        public Builder<IN, OUT> uid(String uid) {
            Objects.requireNonNull(uid, "uid");
            if (uid.isBlank()) {
                throw new IllegalArgumentException("uid must not be blank");
            }
            this.uid = uid;
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
         * Sends each record that failed for good (rejected by the server, or its retries spent when
         * its batch timed out) to the side output {@link TritonInference#deadLetterTag()} instead
         * of failing the task. Only {@link TritonInference#apply} adds that output: {@link
         * TritonInference#function()} refuses dead letters. Not together with {@link #fallback}.
         */
        public Builder<IN, OUT> deadLetters() {
            this.deadLetters = true;
            return this;
        }

        /**
         * Emits {@code fallback(input, failure)} for each record that failed for good, in its place
         * in the output, instead of failing the task. Not together with {@link #deadLetters()}.
         */
        public Builder<IN, OUT> fallback(FallbackFunction<IN, OUT> fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /**
         * For a decoupled model (which answers each input with 0..n responses, over a {@code
         * grpc://} endpoint): emits each response as soon as it arrives, for latency (tokens of a
         * text being generated), instead of all of an input's responses once its final one has
         * arrived. No effect on a model that is not decoupled.
         *
         * <p>Responses are then emitted <b>at least once</b>: an input stays in the operator's
         * checkpointed state until its final response has arrived and its responses are out, so
         * after a restore the inputs still open are sent again and their responses emitted again
         * from index 0; and when the gRPC stream breaks, the client sends the inputs it left open
         * again, whose responses are emitted again from index 0 too. A repeat has the same index as
         * the first: combine with a {@link ResponseCombiner} to keep the index in the result, and
         * drop repeats downstream by {@code (input, index)}. A model that samples (an LLM at a
         * temperature above 0) may answer a repeated input differently, so a repeat may differ from
         * the first: a consumer that needs one coherent answer starts an input over when its index
         * goes back to 0. By default each response is emitted exactly once.
         *
         * <p>Order: each input's responses leave in the order the server sent them; with {@link
         * #ordered ordered(true)} (the default) an input's responses wait until every input before
         * it has its final response out, and with {@code ordered(false)} they leave at once,
         * interleaved with other inputs'. A watermark never overtakes a response emitted before it,
         * {@code capacity} bounds the batches in flight, the end of input waits for every final
         * response, and a failover cancels the calls in flight, as in the default mode. An input
         * that fails after some of its responses were emitted becomes a dead letter, a fallback
         * output or a task failure, by the failure policy, after those responses. Each response
         * carries the timestamp of its input.
         */
        public Builder<IN, OUT> emitResponsesAsTheyArrive() {
            this.emitResponsesAsTheyArrive = true;
            return this;
        }

        /**
         * Checks the settings and the classes' generated codecs, and builds the inference step.
         * Nothing contacts the server: the model is checked when the job starts.
         *
         * <p>An enabled retry policy is set to retry until the batch timeout ({@value
         * TritonInference#RETRY_RULE}); when that sets aside a {@code maxAttempts} or {@code
         * budget} that was given explicitly, a warning says so, once. Another warns when the
         * request timeout leaves no room for a retry within the batch timeout: keep the batch
         * timeout above three request timeouts plus the backoffs, so that a request that hangs is
         * retried at least twice.
         *
         * @throws IllegalStateException naming what is missing (the endpoint, or the model when it
         *     is neither given nor on the input class's {@code @TritonModel}), or both settings
         *     that contradict each other ({@link #deadLetters()} and {@link #fallback}, for
         *     example)
         * @throws IllegalArgumentException when a batch setting is out of range
         * @throws org.flinktriton.TritonException when a class has no generated codec for its role
         */
        public TritonInference<IN, OUT> build() {
            TritonCodecs.forOutput(outputType);
            if (deadLetters && fallback != null) {
                throw new IllegalStateException(
                        subject()
                                + ": deadLetters() and fallback(...) are both set, but a record"
                                + " that failed for good either goes to the dead letters or is"
                                + " replaced by the fallback; keep one");
            }
            AsyncBatchOptions batchOptions = batch.build();
            TritonClientOptions clientOptions = options.build();
            String name = nameOf(clientOptions);
            Duration batchTimeout = batchOptions.batchTimeout();
            clientOptions =
                    clientOptions.toBuilder(subject())
                            .retry(retryInJob(name, clientOptions.retry(), batchTimeout))
                            .build();
            warnWithoutRoomForRetry(name, clientOptions, batchTimeout);
            FailurePolicy<IN> failurePolicy =
                    deadLetters
                            ? FailurePolicy.deadLetters()
                            : fallback != null
                                    ? FailurePolicy.fallback(fallback)
                                    : FailurePolicy.fail();
            return new TritonInference<>(
                    inputType,
                    outputType,
                    clientOptions,
                    batchOptions,
                    ordered,
                    failurePolicy,
                    emitResponsesAsTheyArrive,
                    uid);
        }

        /**
         * The policy with {@link TritonInference#RETRY_RULE} applied, logging what it sets aside.
         */
        private static RetryPolicy retryInJob(
                String name, RetryPolicy retry, Duration batchTimeout) {
            if (!retry.enabled()) {
                return retry;
            }
            List<String> setAside = new ArrayList<>();
            if (retry.explicitSettings().contains("maxAttempts")
                    && retry.maxAttempts() != Integer.MAX_VALUE) {
                setAside.add(
                        "maxAttempts "
                                + retry.maxAttempts()
                                + " (flink-triton.client.max-retries "
                                + (retry.maxAttempts() - 1)
                                + ")");
            }
            if (retry.explicitSettings().contains("budget")
                    && !retry.budget().equals(batchTimeout)) {
                setAside.add(
                        "budget " + text(retry.budget()) + " (flink-triton.client.retry-budget)");
            }
            if (!setAside.isEmpty()) {
                LOG.warn(
                        "{}: the retry policy's {} {} set aside, and the batch timeout ({}) bounds"
                                + " the retries instead. {}",
                        name,
                        String.join(" and ", setAside),
                        setAside.size() == 1 ? "is" : "are",
                        text(batchTimeout),
                        RETRY_RULE);
            }
            return retry.toBuilder().maxAttempts(Integer.MAX_VALUE).budget(batchTimeout).build();
        }

        /**
         * Warns when a request that hangs could not be retried before its batch times out: a
         * request timeout of zero, or two of them and the first backoff longer than the batch
         * timeout.
         */
        private static void warnWithoutRoomForRetry(
                String name, TritonClientOptions client, Duration batchTimeout) {
            RetryPolicy retry = client.retry();
            if (!retry.enabled()) {
                return;
            }
            Duration request = client.requestTimeout();
            Duration backoffs =
                    retry.initialBackoff()
                            .plus(
                                    Duration.ofNanos(
                                            (long)
                                                    Math.min(
                                                            retry.maxBackoff().toNanos(),
                                                            retry.initialBackoff().toNanos()
                                                                    * retry.multiplier())));
            Duration advice = batchTimeout.minus(backoffs).dividedBy(3);
            if (request.isZero()) {
                LOG.warn(
                        "{}: requestTimeout 0 (no limit; flink-triton.client.request-timeout)"
                                + " leaves no room for a retry: a request that hangs holds its"
                                + " batch until batchTimeout ({}) fails it. Keep batchTimeout above"
                                + " three request timeouts plus the backoffs (requestTimeout {}"
                                + " here), so that a hung request is retried at least twice.",
                        name,
                        text(batchTimeout),
                        text(advice));
            } else if (request.multipliedBy(2).plus(retry.initialBackoff()).compareTo(batchTimeout)
                    > 0) {
                LOG.warn(
                        "{}: requestTimeout {} (flink-triton.client.request-timeout) leaves no room"
                                + " for a retry within batchTimeout {}"
                                + " (flink-triton.async-batch.batch-timeout): a request that hangs"
                                + " spends its batch's time before it can be sent again. Keep"
                                + " batchTimeout above three request timeouts plus the backoffs"
                                + " (requestTimeout {} here), so that a hung request is retried at"
                                + " least twice.",
                        name,
                        text(request),
                        text(batchTimeout),
                        text(advice));
            }
        }

        /** {@code 300 ms}, {@code 30 s}. */
        private static String text(Duration duration) {
            long millis = duration.toMillis();
            return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
        }
    }
}
