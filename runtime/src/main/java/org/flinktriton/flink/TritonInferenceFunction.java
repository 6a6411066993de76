package org.flinktriton.flink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.types.Either;
import org.flinktriton.TritonException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.client.InferenceOutcome;
import org.flinktriton.client.ResponseListener;
import org.flinktriton.client.StreamDelivery;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.client.TritonModelInfo;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AsyncBatchFunction} behind {@link TritonInference}: each batch the operator forms is
 * one {@link TritonModelClient#infer} call on a Triton (or KServe v2) model, and its outputs, one
 * per input and in input order, are the batch's results.
 *
 * <p>Get one from {@link TritonInference#function()} (or {@link
 * TritonInference#function(TritonInference.Combiner)}) when you want to place it with {@link
 * AsyncBatchDataStream} yourself; {@link TritonInference#apply} does that for you:
 *
 * <pre>{@code
 * TritonInference<AddSubRequest, AddSubResult> inference =
 *         TritonInference.builder(AddSubRequest.class, AddSubResult.class)
 *                 .endpoint("http://triton:8000")
 *                 .model("add_sub")
 *                 .build();
 * DataStream<AddSubResult> results =
 *         AsyncBatchDataStream.unorderedWaitBatch(
 *                 requests,
 *                 inference.function(),
 *                 AsyncBatchOptions.fromConfig(env.getConfiguration()),
 *                 TypeInformation.of(AddSubResult.class));
 * }</pre>
 *
 * <p>Life cycle, per parallel instance:
 *
 * <ul>
 *   <li>The instance carries only serializable settings: classes, the {@link TritonClientOptions}
 *       and the optional combiner. Header values travel in the job graph, as any connector's
 *       credentials do, and are never logged.
 *   <li>{@code open} builds the {@link TritonModelClient} and compares the classes' generated
 *       codecs with the model's metadata. When they do not match, the job fails at once with the
 *       {@link TritonSchemaException}, which lists every mismatch; it is wrapped in Flink's {@link
 *       SuppressRestartsException}, because no restart can fix a class that does not fit the model.
 *       A server that cannot be reached fails the task like any other error, so the restart
 *       strategy retries it.
 *   <li>{@code asyncInvokeBatch} starts one {@code infer} call (the client splits it into several
 *       requests when the batch is larger than the model's {@code max_batch_size}) and completes
 *       the batch with its outputs, or exceptionally with the {@link TritonException}, which fails
 *       the task so that Flink's restart strategy applies; the operator then replays the batch from
 *       its checkpointed state. For an enrichment (one class with inputs and outputs, not a Java
 *       record) it sends copies of the inputs, made on the task thread with the input type's Flink
 *       serializer: the client sets the outputs on the copies from its HTTP threads, the copies are
 *       the results, and the inputs the operator holds and checkpoints are never written by another
 *       thread.
 *   <li>{@code timeoutBatch} fails the batch with a {@link TritonTimeoutException} that names the
 *       model and cancels the batch's HTTP calls.
 *   <li>{@code close} closes the client gracefully: calls in flight may finish within the close
 *       timeout, then everything left is cancelled and every thread and connection released. When
 *       the task fails, is cancelled or stops with a savepoint, the operator first has the calls
 *       still in flight cancelled: their batches are in the checkpoint and their results would be
 *       discarded, so the failover does not wait for them.
 * </ul>
 *
 * <p>With a combiner, each output is combined with the input it belongs to, in input order, on the
 * task thread (so the combiner needs no synchronisation); for an enrichment the combiner gets the
 * input as it came and its enriched copy.
 *
 * <p>For a decoupled model (its config says {@code model_transaction_policy { decoupled: true }},
 * which requires a {@code grpc://} endpoint) a batch goes out with {@link
 * TritonModelClient#inferStream} instead, and completes with every response of every input, in
 * input order and response order, once each input has its final response: an input's responses are
 * emitted together, never split by a checkpoint, so each is emitted exactly once after a restore. A
 * combiner gets the input and each of its responses; a {@link TritonInference.ResponseCombiner}
 * also the response's index among its input's responses.
 *
 * <p>With {@link TritonInference.Builder#emitResponsesAsTheyArrive()} each response of a decoupled
 * model is handed to the operator as it arrives ({@link StreamDelivery#IMMEDIATE}) and emitted as
 * soon as the operator's order allows, on the task thread; an input leaves the operator's
 * checkpointed state once its final response is in and its responses are out. Responses are then
 * emitted at least once: after a restore, and after the client sent an input again on a stream that
 * broke, an input's responses come again from index 0.
 *
 * @param <IN> the annotated class whose {@code @TritonInput}s are sent
 * @param <OUT> the results: the annotated output class, or what the combiner makes
 */
public final class TritonInferenceFunction<IN, OUT> extends RichAsyncBatchFunction<IN, OUT>
        implements DiscardingFunction {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(TritonInferenceFunction.class);

    private final TritonClientOptions options;
    private final Class<IN> inputType;
    private final Class<?> modelOutputType;

    /**
     * Null when the model's outputs are the results themselves; a plain {@link
     * TritonInference.Combiner} is held as one that leaves the index aside.
     */
    private final TritonInference.ResponseCombiner<? super IN, ?, ? extends OUT> combiner;

    /** The operator's maxBatchSize, only to explain in the log how batches become requests. */
    private final int operatorBatchSize;

    private transient TritonModelClient client;
    private transient TritonInputCodec<IN> inputCodec;

    /**
     * Whether the model is decoupled: batches go out on the client's stream ({@code inferStream}).
     */
    private transient boolean decoupled;

    private transient TritonOutputCodec<?> outputCodec;

    /**
     * Copies the inputs of an enrichment (inputs and outputs in one class) on the task thread, or
     * null: the client sets the outputs on the objects it is given, from an HTTP thread, and the
     * operator must keep the inputs it checkpoints to itself.
     */
    private transient TypeSerializer<IN> enrichmentCopier;

    /** Calls in flight by the operator's future, so that a timeout can cancel its HTTP calls. */
    private transient Map<ResultFuture<?>, CompletableFuture<?>> calls;

    /** What a record that failed for good becomes; set by {@link TritonInference}. */
    private FailurePolicy<IN> failurePolicy = FailurePolicy.fail();

    /**
     * Whether a decoupled model's responses leave as they arrive; set by {@link TritonInference}.
     */
    private boolean emitResponsesAsTheyArrive;

    /** The early batches of a decoupled model in flight, by the operator's future. */
    private transient Map<ResultFuture<?>, EarlyBatch> earlyBatches;

    private transient InferenceMetrics metrics;

    private TritonInferenceFunction(
            TritonClientOptions options,
            Class<IN> inputType,
            Class<?> modelOutputType,
            TritonInference.ResponseCombiner<? super IN, ?, ? extends OUT> combiner,
            int operatorBatchSize) {
        this.options = Objects.requireNonNull(options, "options");
        this.inputType = Objects.requireNonNull(inputType, "inputType");
        this.modelOutputType = Objects.requireNonNull(modelOutputType, "modelOutputType");
        this.combiner = combiner;
        this.operatorBatchSize = operatorBatchSize;
    }

    /** A function whose results are the model's outputs. */
    static <IN, OUT> TritonInferenceFunction<IN, OUT> of(
            TritonClientOptions options,
            Class<IN> inputType,
            Class<OUT> outputType,
            int operatorBatchSize) {
        return new TritonInferenceFunction<>(
                options, inputType, outputType, null, operatorBatchSize);
    }

    /** A function whose results are {@code combiner(input, output)}. */
    static <IN, M, OUT> TritonInferenceFunction<IN, OUT> combining(
            TritonClientOptions options,
            Class<IN> inputType,
            Class<M> outputType,
            TritonInference.Combiner<? super IN, ? super M, ? extends OUT> combiner,
            int operatorBatchSize) {
        Objects.requireNonNull(combiner, "combiner");
        TritonInference.ResponseCombiner<IN, M, OUT> byInput =
                (input, output, index) -> combiner.combine(input, output);
        return combiningResponses(options, inputType, outputType, byInput, operatorBatchSize);
    }

    /** A function whose results are {@code combiner(input, response, index)}. */
    static <IN, M, OUT> TritonInferenceFunction<IN, OUT> combiningResponses(
            TritonClientOptions options,
            Class<IN> inputType,
            Class<M> outputType,
            TritonInference.ResponseCombiner<? super IN, ? super M, ? extends OUT> combiner,
            int operatorBatchSize) {
        return new TritonInferenceFunction<>(
                options,
                inputType,
                outputType,
                Objects.requireNonNull(combiner, "combiner"),
                operatorBatchSize);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        inputCodec = TritonCodecs.forInput(inputType);
        outputCodec = TritonCodecs.forOutput(modelOutputType);
        enrichmentCopier = enrichesInPlace() ? inputSerializer() : null;
        calls = new ConcurrentHashMap<>();
        earlyBatches = new ConcurrentHashMap<>();
        TritonModelClient opened = TritonModelClient.builder().clientOptions(options).build();
        try {
            opened.validate(inputCodec, outputCodec);
            TritonModelInfo info = opened.modelInfo().join();
            decoupled = info.decoupled();
            explainBatching(info);
            if (emitResponsesAsTheyArrive && !decoupled && subtaskIndex() == 0) {
                LOG.warn(
                        "Model {} is not decoupled: emitResponsesAsTheyArrive() has no effect, each"
                                + " input has one output, emitted exactly once after a restore.",
                        modelText());
            }
        } catch (TritonSchemaException e) {
            opened.close();
            throw new SuppressRestartsException(e);
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        client = opened;
        metrics = registerMetrics(opened);
    }

    private InferenceMetrics registerMetrics(TritonModelClient opened) {
        try {
            return InferenceMetrics.register(getRuntimeContext().getMetricGroup(), opened);
        } catch (IllegalStateException e) {
            // Opened outside an operator, as in a unit test.
            return InferenceMetrics.unregistered();
        }
    }

    /** Sets what a record that failed for good becomes; for {@link TritonInference}. */
    TritonInferenceFunction<IN, OUT> failurePolicy(FailurePolicy<IN> policy) {
        this.failurePolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Sets whether a decoupled model's responses leave as they arrive; for {@link TritonInference}.
     */
    TritonInferenceFunction<IN, OUT> emitResponsesAsTheyArrive(boolean asTheyArrive) {
        this.emitResponsesAsTheyArrive = asTheyArrive;
        return this;
    }

    /**
     * Whether the client would write the outputs into the sent objects themselves: a class with
     * inputs and outputs that is not a Java record (records are rebuilt, never written).
     */
    private boolean enrichesInPlace() {
        return outputCodec.canEnrich()
                && outputCodec.type().equals(inputType)
                && !inputType.isRecord();
    }

    /** The input type's Flink serializer, configured as the job's serializers are. */
    private TypeSerializer<IN> inputSerializer() {
        TypeInformation<IN> type = TypeInformation.of(inputType);
        try {
            return getRuntimeContext().createSerializer(type);
        } catch (IllegalStateException e) {
            // Opened outside an operator, as in a unit test: Flink's default serializer settings.
            return type.createSerializer(new ExecutionConfig().getSerializerConfig());
        }
    }

    /** Says once per job how the operator's batches turn into requests for this model. */
    private void explainBatching(TritonModelInfo info) {
        if (subtaskIndex() != 0 || !LOG.isInfoEnabled()) {
            return;
        }
        int modelLimit = info.maxBatchSize();
        String model = modelText();
        if (modelLimit == 0) {
            LOG.info(
                    "Model {} has max_batch_size 0: each record of a batch (up to {}) goes out as"
                            + " a request of its own.",
                    model,
                    operatorBatchSize);
        } else if (modelLimit > 0 && operatorBatchSize > modelLimit) {
            LOG.info(
                    "Model {} takes at most {} records per request: a batch of up to {} records"
                            + " goes out as up to {} requests.",
                    model,
                    modelLimit,
                    operatorBatchSize,
                    (operatorBatchSize + modelLimit - 1) / modelLimit);
        } else if (modelLimit > operatorBatchSize && options.maxRecordsPerRequest().isEmpty()) {
            LOG.info(
                    "Model {} takes up to {} records per request, but batches hold at most {}; set"
                            + " TritonInference.Builder.maxBatchSize({}) to send fuller requests.",
                    model,
                    modelLimit,
                    operatorBatchSize,
                    modelLimit);
        } else {
            LOG.info(
                    "Model {} (max_batch_size {}): batches of up to {} records, one request each.",
                    model,
                    modelLimit,
                    operatorBatchSize);
        }
    }

    private int subtaskIndex() {
        try {
            return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        } catch (IllegalStateException e) {
            // Opened outside an operator, as in a unit test: there is only one instance.
            return 0;
        }
    }

    @Override
    public void asyncInvokeBatch(List<IN> inputs, ResultFuture<OUT> resultFuture) {
        TritonModelClient current = client;
        if (current == null) {
            throw new IllegalStateException(
                    "TritonInferenceFunction for model "
                            + modelText()
                            + " was used before open() or after close()");
        }
        if (decoupled) {
            // Only the operator's future takes responses before the batch completes; another
            // (a test's) gets them all at the end.
            if (emitResponsesAsTheyArrive && BatchResultFuture.takesEarlyResults(resultFuture)) {
                streamBatchEarly(current, inputs, resultFuture, outputCodec);
            } else {
                streamBatch(current, inputs, resultFuture, outputCodec);
            }
            return;
        }
        // Each record gets its own outcome: rejected records are isolated, not the whole batch.
        CompletableFuture<? extends List<? extends InferenceOutcome<?>>> call =
                inferEach(current, enrichmentCopier == null ? inputs : copies(inputs), outputCodec);
        calls.put(resultFuture, call);
        // Attached after the put: a call that has already completed runs this at once, and the
        // entry must not outlive it.
        call.whenComplete(
                (outcomes, error) -> {
                    if (calls.remove(resultFuture) == null) {
                        // timeoutBatch has answered this batch already and cancelled the call.
                        return;
                    }
                    if (error != null) {
                        resultFuture.completeExceptionally(unwrap(error));
                    } else {
                        // On the task thread: the combiner, the fallback and the failure policy
                        // are user code or emit, and the client's threads should be free for HTTP.
                        BatchResultFuture.completeOnTaskThread(
                                resultFuture,
                                () ->
                                        asResults(
                                                failurePolicy.results(
                                                        inputs,
                                                        outcomes,
                                                        this::finish,
                                                        options.model(),
                                                        metrics)));
                    }
                });
    }

    /**
     * A batch for a decoupled model: its records go out on the client's stream, and the batch
     * completes once every record has its final response (or failed), with all the responses, in
     * input order and within an input in response order. So a checkpoint holds the batch's inputs
     * until then and never a part of an input's responses: after a restore each response is emitted
     * exactly once. A failed record goes the way of the failure policy, as in a unary batch.
     */
    private <M> void streamBatch(
            TritonModelClient current,
            List<IN> inputs,
            ResultFuture<OUT> resultFuture,
            TritonOutputCodec<M> codec) {
        int n = inputs.size();
        List<List<M>> responses = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            responses.add(new ArrayList<>());
        }
        TritonException[] failures = new TritonException[n];
        ResponseListener<M> listener =
                new ResponseListener<>() {
                    @Override
                    public void onResponse(int record, int index, M response) {
                        responses.get(record).add(response);
                    }

                    @Override
                    public void onEnd(int record, int count) {}

                    @Override
                    public void onFailure(int record, TritonException error) {
                        failures[record] = error;
                    }
                };
        CompletableFuture<Void> call =
                current.inferStream(
                        inputs, inputCodec, codec, StreamDelivery.AFTER_FINAL, listener);
        calls.put(resultFuture, call);
        call.whenComplete(
                (nothing, error) -> {
                    if (calls.remove(resultFuture) == null) {
                        return;
                    }
                    if (error != null) {
                        resultFuture.completeExceptionally(unwrap(error));
                        return;
                    }
                    List<InferenceOutcome<?>> outcomes = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        outcomes.add(
                                failures[i] != null
                                        ? InferenceOutcome.failed(failures[i], 1)
                                        : InferenceOutcome.success(
                                                new Responses(responses.get(i)), 1));
                    }
                    BatchResultFuture.completeOnTaskThread(
                            resultFuture,
                            () ->
                                    asResults(
                                            flatten(
                                                    failurePolicy.results(
                                                            inputs,
                                                            outcomes,
                                                            this::finishEach,
                                                            options.model(),
                                                            metrics))));
                });
    }

    /**
     * A batch for a decoupled model whose responses leave as they arrive: each response is handed
     * to the operator at once ({@link BatchCompletion#emitEarly}), each input's end or failure
     * completes that input ({@link BatchCompletion#completeInput}), and the batch completes with
     * nothing more once every input has. The operator runs the combiner and the failure policy on
     * the task thread and keeps each input in its checkpointed state until its final response is in
     * and its responses are out, so after a restore an input's responses come again: at least once,
     * each with the same index.
     */
    private <M> void streamBatchEarly(
            TritonModelClient current,
            List<IN> inputs,
            ResultFuture<OUT> resultFuture,
            TritonOutputCodec<M> codec) {
        BatchCompletion<OUT> completion = asCompletion(resultFuture);
        EarlyBatch batch = new EarlyBatch(inputs);
        ResponseListener<M> listener =
                new ResponseListener<>() {
                    @Override
                    public void onResponse(int record, int index, M response) {
                        completion.emitEarly(
                                record, () -> asResults(batch.response(record, index, response)));
                    }

                    @Override
                    public void onEnd(int record, int count) {
                        completion.completeInput(record, () -> asResults(batch.ended(record)));
                    }

                    @Override
                    public void onFailure(int record, TritonException error) {
                        completion.completeInput(
                                record, () -> asResults(batch.failed(record, error, 1)));
                    }
                };
        earlyBatches.put(resultFuture, batch);
        CompletableFuture<Void> call =
                current.inferStream(inputs, inputCodec, codec, StreamDelivery.IMMEDIATE, listener);
        calls.put(resultFuture, call);
        // The client completes the call after its last listener call, so the completion reaches
        // the operator after every early result.
        call.whenComplete(
                (nothing, error) -> {
                    if (calls.remove(resultFuture) == null) {
                        return;
                    }
                    earlyBatches.remove(resultFuture);
                    if (error != null) {
                        resultFuture.completeExceptionally(unwrap(error));
                    } else {
                        resultFuture.complete(List.of());
                    }
                });
    }

    @SuppressWarnings("unchecked") // the operator's future completes batches of this OUT
    private BatchCompletion<OUT> asCompletion(ResultFuture<OUT> future) {
        return (BatchCompletion<OUT>) future;
    }

    /**
     * What the task thread knows of an early batch: each input's next response index and whether it
     * has ended. Touched only by what the operator runs on the task thread, in the order the client
     * called the listener.
     */
    private final class EarlyBatch {
        final List<IN> inputs;
        final int[] next;
        final boolean[] ended;

        EarlyBatch(List<IN> inputs) {
            this.inputs = inputs;
            this.next = new int[inputs.size()];
            this.ended = new boolean[inputs.size()];
        }

        List<Object> response(int record, int index, Object response) {
            next[record] = Math.max(next[record], index + 1);
            Object result = finish(inputs.get(record), response, index);
            return List.of(failurePolicy.deadLettersOn() ? Either.Left(result) : result);
        }

        List<Object> ended(int record) {
            ended[record] = true;
            return List.of();
        }

        /** The failure policy's result for {@code record}; its index follows its responses'. */
        List<Object> failed(int record, TritonException error, int attempts) {
            ended[record] = true;
            int index = next[record];
            return List.of(
                    failurePolicy.failed(
                            inputs.get(record),
                            record,
                            inputs.size(),
                            error,
                            attempts,
                            (input, output) -> finish(input, output, index),
                            options.model(),
                            metrics,
                            System.currentTimeMillis()));
        }

        /** The failure policy's results for the inputs that have not ended, in input order. */
        List<Object> failRemaining(TritonException error) {
            List<Object> results = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                if (!ended[i]) {
                    results.addAll(failed(i, error, 0));
                }
            }
            return results;
        }
    }

    /** The responses of one input of a decoupled model, as one outcome. */
    private static final class Responses {
        final List<?> each;

        Responses(List<?> each) {
            this.each = each;
        }
    }

    /** {@link #finish} of each response of an input, or of a fallback's one output. */
    private Object finishEach(IN input, Object output) {
        if (!(output instanceof Responses)) {
            return finish(input, output);
        }
        List<?> each = ((Responses) output).each;
        List<Object> finished = new ArrayList<>(each.size());
        for (int i = 0; i < each.size(); i++) {
            finished.add(finish(input, each.get(i), i));
        }
        return new Responses(finished);
    }

    /** The results of a decoupled batch, each input's responses in their place. */
    private static List<Object> flatten(List<Object> results) {
        List<Object> flat = new ArrayList<>(results.size());
        for (Object result : results) {
            if (result instanceof Responses) {
                flat.addAll(((Responses) result).each);
            } else if (result instanceof Either
                    && ((Either<?, ?>) result).isLeft()
                    && ((Either<?, ?>) result).left() instanceof Responses) {
                for (Object response : ((Responses) ((Either<?, ?>) result).left()).each) {
                    flat.add(Either.Left(response));
                }
            } else {
                flat.add(result);
            }
        }
        return flat;
    }

    /** Copies made on the task thread, which the client's threads may write as they like. */
    private List<IN> copies(List<IN> inputs) {
        List<IN> copies = new ArrayList<>(inputs.size());
        for (IN input : inputs) {
            copies.add(enrichmentCopier.copy(input));
        }
        return copies;
    }

    private <M> CompletableFuture<List<InferenceOutcome<M>>> inferEach(
            TritonModelClient current, List<IN> inputs, TritonOutputCodec<M> codec) {
        return current.inferEach(inputs, inputCodec, codec);
    }

    /** A model (or fallback) output as the result to emit: combined with its input, or as is. */
    private Object finish(IN input, Object output) {
        return finish(input, output, 0);
    }

    /**
     * {@link #finish(Object, Object)} of the output at {@code index} among its input's (0 for a
     * model that is not decoupled, and for a fallback that replaces all of an input's responses).
     */
    @SuppressWarnings("unchecked")
    private Object finish(IN input, Object output, int index) {
        try {
            return combiner == null
                    ? output
                    : ((TritonInference.ResponseCombiner<IN, Object, OUT>) combiner)
                            .combine(input, output, index);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new TritonException("the combiner failed: " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    private Collection<OUT> asResults(List<?> outputs) {
        // Without a combiner OUT is the model output class itself.
        return (Collection<OUT>) outputs;
    }

    /**
     * Fails the batch with a {@link TritonTimeoutException} naming the model, then cancels its HTTP
     * calls: their late answers would be ignored anyway, and they hold connections.
     */
    @Override
    public void timeoutBatch(List<IN> inputs, ResultFuture<OUT> resultFuture) {
        String limit =
                resultFuture instanceof BatchTimeouts.TimedResultFuture
                        ? "the operator timeout of "
                                + millis(((BatchTimeouts.TimedResultFuture) resultFuture).timeout())
                        : "the operator timeout";
        int size = inputs.size();
        TritonException timeout =
                new TritonTimeoutException(
                                "inference of a batch of "
                                        + size
                                        + (size == 1 ? " record" : " records")
                                        + " at "
                                        + endpointText()
                                        + " did not complete within "
                                        + limit
                                        + "; its requests were cancelled. Raise TritonInference's"
                                        + " batchTimeout(...), or lower maxBatchSize or capacity if the"
                                        + " server is overloaded.")
                        .inModel(options.model(), options.modelVersion().orElse(null));
        EarlyBatch early = earlyBatches == null ? null : earlyBatches.remove(resultFuture);
        if (failurePolicy.failsTheTask()) {
            resultFuture.completeExceptionally(timeout);
        } else if (early != null) {
            // Runs on the task thread after the inputs that ended before it: only the others fail.
            BatchResultFuture.completeOnTaskThread(
                    resultFuture, () -> asResults(early.failRemaining(timeout)));
        } else {
            BatchResultFuture.completeOnTaskThread(
                    resultFuture,
                    () ->
                            asResults(
                                    failurePolicy.allFailed(
                                            inputs,
                                            timeout,
                                            this::finish,
                                            options.model(),
                                            metrics)));
        }
        CompletableFuture<?> call = calls == null ? null : calls.remove(resultFuture);
        if (call != null) {
            call.cancel(true);
        }
    }

    @Override
    public void discardCallsInFlight() {
        if (calls == null) {
            return;
        }
        // Out of the map first: a cancelled call then leaves its batch unanswered, as it should be
        // when the operator is closing.
        List<CompletableFuture<?>> discarded = new ArrayList<>(calls.values());
        calls.clear();
        earlyBatches.clear();
        for (CompletableFuture<?> call : discarded) {
            call.cancel(true);
        }
    }

    @Override
    public void close() throws Exception {
        TritonModelClient current = client;
        client = null;
        if (current != null) {
            current.close();
        }
        if (calls != null) {
            calls.clear();
        }
        if (earlyBatches != null) {
            earlyBatches.clear();
        }
        super.close();
    }

    /** The endpoint as messages show it: without its query, which may hold a key. */
    private String endpointText() {
        TritonModelClient current = client;
        return current != null ? current.endpoint() : "the server";
    }

    /** For example {@code 'add_sub'} or {@code 'add_sub' version 2}. */
    private String modelText() {
        return "'"
                + options.model()
                + "'"
                + options.modelVersion().map(version -> " version " + version).orElse("");
    }

    private static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%d ms", duration.toMillis());
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The class whose {@code @TritonInput}s are sent. */
    public Class<IN> inputType() {
        return inputType;
    }

    /** The class the model's outputs are decoded into (before any combiner). */
    public Class<?> modelOutputType() {
        return modelOutputType;
    }

    /** The model's name. */
    public String model() {
        return options.model();
    }

    @Override
    public String toString() {
        return "TritonInferenceFunction{"
                + inputType.getSimpleName()
                + " -> "
                + modelOutputType.getSimpleName()
                + (combiner == null ? "" : " (combined)")
                + (emitResponsesAsTheyArrive ? ", responses as they arrive" : "")
                + ", "
                + options
                + '}';
    }
}
