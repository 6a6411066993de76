package org.flinktriton.table;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.types.logical.RowType;
import org.flinktriton.TritonException;
import org.flinktriton.client.InferenceOutcome;
import org.flinktriton.client.ResponseListener;
import org.flinktriton.client.StreamDelivery;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.client.TritonModelInfo;
import org.flinktriton.table.TritonModelOptions.ErrorHandling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime of {@code ML_PREDICT} for a {@code 'provider' = 'flink-triton'} model. ML_PREDICT
 * calls {@link #eval} once per row; the rows are collected into batches (up to {@code
 * max-batch-size} rows, or fewer once the oldest has waited {@code max-batch-delay}), each batch
 * goes to the server as one inference call (several requests when it exceeds the model's {@code
 * max_batch_size}), and each row's future completes with that row's own outputs.
 *
 * <p>ML_PREDICT lets at most {@code max-concurrent-operations} rows of one parallel instance be in
 * flight; a batch never waits for more rows than that, since no more could arrive.
 *
 * <p>With {@code 'error-handling' = 'ignore'} each row of a batch gets its own outcome ({@link
 * TritonModelClient#inferEach}): a row the server rejects is isolated by splitting its request, as
 * in the DataStream API, so it alone gets NULL outputs and its error columns, and the other rows of
 * its batch get their outputs.
 *
 * <p>For a decoupled model (its config says {@code model_transaction_policy { decoupled: true }},
 * read at {@link #open}) each row of a batch goes out as one request on the client's gRPC stream
 * ({@link TritonModelClient#inferStream}, delivery {@link StreamDelivery#AFTER_FINAL}), and the
 * row's future completes, once its final response is in, with one output row per response, in the
 * server's order: none for a row with no response. The {@code response-index-column}, when set,
 * receives each output row's index among its row's responses. A decoupled model needs a {@code
 * grpc://} endpoint; over HTTP the function fails at {@code open}.
 *
 * <p>In {@link #open}, the function fetches the model's metadata and checks every {@code INPUT} and
 * {@code OUTPUT} column against it, failing with a {@link TritonModelSchemaException} that lists
 * every mismatch. It is wrapped in Flink's {@link SuppressRestartsException}: no restart can make
 * the columns fit the model, so the job fails once instead of going through its restart strategy.
 *
 * <p>Public only because the planner's generated code refers to it; {@link
 * TritonModelProviderFactory} creates it.
 */
public final class TritonPredictFunction extends AsyncPredictFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TritonPredictFunction.class);

    private final String modelId;
    private final ModelSettings settings;
    private final RowType inputType;
    private final RowType outputType;
    private final ErrorColumns errorColumns;
    private final ResponseIndexColumn responseIndex;
    private final DefaultValue defaultValue;
    private final int rowsInFlight;

    private transient TritonModelClient client;
    private transient RowDataInputCodec inputCodec;
    private transient RowDataOutputCodec outputCodec;
    private transient int[][] checkScratch;
    private transient ScheduledExecutorService timer;
    private transient RowBatcher<Pending> batcher;
    private transient AtomicLong failedRows;
    private transient boolean decoupled;

    TritonPredictFunction(
            String modelId,
            ModelSettings settings,
            RowType inputType,
            RowType outputType,
            ErrorColumns errorColumns,
            ResponseIndexColumn responseIndex,
            DefaultValue defaultValue,
            int rowsInFlight) {
        this.modelId = modelId;
        this.settings = settings;
        this.inputType = inputType;
        this.outputType = outputType;
        this.errorColumns = errorColumns;
        this.responseIndex = responseIndex;
        this.defaultValue = defaultValue;
        this.rowsInFlight = rowsInFlight;
    }

    /**
     * The most rows in one batch: {@code max-batch-size} capped by the rows Flink lets fly, or,
     * unset, half of those rows, capped by the model's {@code max_batch_size}.
     */
    int batchSize(TritonModelInfo info) {
        return settings.batchSize(rowsInFlight, info.maxBatchSize());
    }

    /** The OUTPUT columns that are not tensors: the error columns and the response index. */
    static Set<String> notTensors(ErrorColumns errorColumns, ResponseIndexColumn responseIndex) {
        if (!responseIndex.isSet()) {
            return errorColumns.names();
        }
        Set<String> names = new HashSet<>(errorColumns.names());
        names.add(responseIndex.name());
        return names;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        failedRows = new AtomicLong();
        client = settings.newClient();
        TritonModelInfo info = fetchModelInfo();
        SchemaBinding binding;
        try {
            binding =
                    SchemaBinding.bind(
                            settings.model(),
                            info,
                            inputType,
                            outputType,
                            settings.inputTensorNames,
                            settings.outputTensorNames,
                            notTensors(errorColumns, responseIndex));
            checkStreaming(info);
        } catch (TritonModelSchemaException e) {
            // No restart can make the columns fit the model: fail the job once, at once.
            client.close();
            client = null;
            throw new SuppressRestartsException(e);
        } catch (ValidationException e) {
            // Nor the endpoint's protocol or the options fit the model's kind.
            client.close();
            client = null;
            throw new SuppressRestartsException(e);
        }
        decoupled = info.decoupled();
        // Every row is checked in eval before it is batched: the wire layer need not check again.
        inputCodec = RowDataInputCodec.forCheckedRows(binding.inputs);
        outputCodec = new RowDataOutputCodec(binding.outputs, outputType.getFieldCount());
        checkScratch = inputCodec.newScratch();
        int batchSize = batchSize(info);
        int recommended = 2 * ModelSettings.autoBatchSize(Integer.MAX_VALUE, info.maxBatchSize());
        if (settings.maxBatchSize > 0 && rowsInFlight < settings.maxBatchSize) {
            LOG.warn(
                    "ML_PREDICT on model {} lets only {} rows per parallel instance be in flight"
                            + " ('max-concurrent-operations'), so batches hold at most {} rows,"
                            + " below 'max-batch-size' = {}. Raise it to at least {} (two batches in"
                            + " flight): SET 'table.exec.async-ml-predict.max-concurrent-operations'"
                            + " = '{}'; or per query ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(...),"
                            + " MAP['max-concurrent-operations', '{}']).",
                    modelId,
                    rowsInFlight,
                    batchSize,
                    settings.maxBatchSize,
                    2 * settings.maxBatchSize,
                    2 * settings.maxBatchSize,
                    2 * settings.maxBatchSize);
        } else if (settings.maxBatchSize == 0 && rowsInFlight < recommended) {
            LOG.warn(
                    "ML_PREDICT on model {} lets only {} rows per parallel instance be in flight"
                            + " ('max-concurrent-operations'), so batches hold {} rows and each"
                            + " instance answers at most {} rows per server round trip. For"
                            + " throughput allow {}: SET"
                            + " 'table.exec.async-ml-predict.max-concurrent-operations' = '{}'; or"
                            + " per query ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(...),"
                            + " MAP['max-concurrent-operations', '{}']).",
                    modelId,
                    rowsInFlight,
                    batchSize,
                    rowsInFlight,
                    recommended,
                    recommended,
                    recommended);
        }
        LOG.info(
                "ML_PREDICT on model {}: {} (server max_batch_size {}); batches of up to {} rows,"
                        + " up to {} rows in flight.",
                modelId,
                settings,
                info.maxBatchSize(),
                batchSize,
                rowsInFlight);
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        runnable -> {
                            Thread thread =
                                    new Thread(
                                            runnable, "flink-triton-batches-" + settings.model());
                            thread.setDaemon(true);
                            return thread;
                        });
        batcher = new RowBatcher<>(batchSize, settings.maxBatchDelay, this::send, timer);
    }

    /**
     * A decoupled model answers over gRPC's {@code ModelStreamInfer} only; the response index means
     * something only for a decoupled model.
     */
    private void checkStreaming(TritonModelInfo info) {
        if (info.decoupled()) {
            String endpoint = settings.clientOptions.endpoint();
            if (!endpoint.regionMatches(true, 0, "grpc", 0, 4)) {
                throw new ValidationException(
                        "Model "
                                + modelId
                                + " ('"
                                + settings.model()
                                + "') is decoupled (its config says model_transaction_policy {"
                                + " decoupled: true }): it answers over gRPC's ModelStreamInfer"
                                + " only, which '"
                                + endpoint
                                + "' does not speak. Set 'endpoint' to the server's grpc://"
                                + " (or grpcs://) address, e.g. 'grpc://triton:8001', with"
                                + " flink-triton-grpc on the class path.");
            }
        } else if (responseIndex.isSet()) {
            throw new ValidationException(
                    "'response-index-column' = '"
                            + responseIndex.name()
                            + "' is for a decoupled model, but model "
                            + modelId
                            + " ('"
                            + settings.model()
                            + "') is not decoupled: it answers each row once. Remove the option"
                            + " and its OUTPUT column.");
        }
    }

    private TritonModelInfo fetchModelInfo() throws Exception {
        Duration timeout = settings.clientOptions.requestTimeout();
        Duration connectTimeout = settings.clientOptions.connectTimeout();
        Duration wait = timeout.plus(connectTimeout);
        if (timeout.isZero() || connectTimeout.isZero()) {
            wait = Duration.ofMinutes(2);
        }
        try {
            return client.modelInfo().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TritonException(
                    "Cannot read the metadata of model "
                            + modelId
                            + " ("
                            + settings
                            + "): "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new TritonException(
                    "The metadata of model "
                            + modelId
                            + " did not arrive within "
                            + wait.toMillis()
                            + " ms ("
                            + settings
                            + ")",
                    e);
        }
    }

    /**
     * What ML_PREDICT calls per row. Flink's own {@code eval} calls {@link #asyncPredict} and
     * copies the outcome of the future it returns into ML_PREDICT's; this one completes
     * ML_PREDICT's future directly (a future and a completion stage less per row), wrapping a
     * failure as Flink's does.
     */
    @Override
    public void eval(CompletableFuture<Collection<RowData>> future, Object... args) {
        predict(GenericRowData.of(args), future, true);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData row) {
        CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
        predict(row, result, false);
        return result;
    }

    private void predict(
            RowData row, CompletableFuture<Collection<RowData>> result, boolean wrapFailure) {
        Pending pending = new Pending(row, result, wrapFailure);
        try {
            // ML_PREDICT calls eval on the task's thread only: one scratch serves all.
            inputCodec.check(row, checkScratch);
        } catch (TritonException e) {
            fail(pending, e);
            return;
        }
        batcher.add(pending);
    }

    private void send(List<Pending> batch) {
        List<RowData> rows = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            rows.add(pending.row);
        }
        if (decoupled) {
            sendStream(batch, rows);
            return;
        }
        if (settings.errorHandling == ErrorHandling.IGNORE) {
            sendEach(batch, rows);
            return;
        }
        CompletableFuture<List<RowData>> call;
        try {
            call = client.infer(rows, inputCodec, outputCodec);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete(
                (outputs, error) -> {
                    if (error != null) {
                        failAll(batch, error);
                        return;
                    }
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).complete(outputs.get(i));
                    }
                });
    }

    /**
     * Under {@code 'error-handling' = 'ignore'}: each row gets its own outcome, and the client
     * isolates the rows the server rejects (a request refused with 400, 422 or 500 is split in
     * halves until the rejected rows stand alone), so one poison row fails alone, as in the
     * DataStream API, instead of taking its batch down with it.
     */
    private void sendEach(List<Pending> batch, List<RowData> rows) {
        CompletableFuture<List<InferenceOutcome<RowData>>> call;
        try {
            call = client.inferEach(rows, inputCodec, outputCodec);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete(
                (outcomes, error) -> {
                    if (error != null) {
                        failAll(batch, error);
                        return;
                    }
                    for (int i = 0; i < batch.size(); i++) {
                        InferenceOutcome<RowData> outcome = outcomes.get(i);
                        Pending pending = batch.get(i);
                        if (outcome.succeeded()) {
                            pending.complete(outcome.output());
                        } else {
                            fail(pending, outcome.failure());
                        }
                    }
                });
    }

    /**
     * For a decoupled model: each row is one request on the client's stream; its future completes
     * with its responses, one output row each, once its final response is in, or fails alone.
     */
    private void sendStream(List<Pending> batch, List<RowData> rows) {
        StreamRows listener = new StreamRows(batch);
        CompletableFuture<Void> call;
        try {
            call =
                    client.inferStream(
                            rows, inputCodec, outputCodec, StreamDelivery.AFTER_FINAL, listener);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete(
                (nothing, error) -> {
                    if (error != null) {
                        listener.failOpen(unwrap(error));
                    }
                });
    }

    /** Collects the responses of one batch's rows and completes each row at its end. */
    private final class StreamRows implements ResponseListener<RowData> {
        private final List<Pending> batch;
        private final List<List<RowData>> responses;
        private final boolean[] ended;

        StreamRows(List<Pending> batch) {
            this.batch = batch;
            this.responses = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                responses.add(new ArrayList<>());
            }
            this.ended = new boolean[batch.size()];
        }

        @Override
        public synchronized void onResponse(int record, int index, RowData response) {
            GenericRowData row = (GenericRowData) response;
            responseIndex.fill(row, index);
            responses.get(record).add(row);
        }

        @Override
        public synchronized void onEnd(int record, int count) {
            if (ended[record]) {
                return;
            }
            ended[record] = true;
            List<RowData> rows = responses.get(record);
            responses.set(record, null);
            batch.get(record).completeAll(rows);
        }

        @Override
        public synchronized void onFailure(int record, TritonException error) {
            if (ended[record]) {
                return;
            }
            ended[record] = true;
            responses.set(record, null);
            fail(batch.get(record), error);
        }

        /** The call failed as a whole: the rows without an end fail with it. */
        synchronized void failOpen(Throwable error) {
            for (int i = 0; i < ended.length; i++) {
                if (!ended[i]) {
                    ended[i] = true;
                    responses.set(i, null);
                    fail(batch.get(i), error);
                }
            }
        }
    }

    private void failAll(List<Pending> batch, Throwable error) {
        Throwable cause = unwrap(error);
        for (Pending pending : batch) {
            fail(pending, cause);
        }
    }

    private void fail(Pending pending, Throwable error) {
        if (settings.errorHandling == ErrorHandling.IGNORE) {
            long failed = failedRows.incrementAndGet();
            if (failed == 1 || failed % 1000 == 0) {
                LOG.warn(
                        "ML_PREDICT on model {}: {} row(s) failed so far and got {}; latest"
                                + " failure: {}",
                        modelId,
                        failed,
                        defaultValue.isSet()
                                ? "the 'default-value'"
                                : "NULL outputs ('error-handling' = 'ignore')",
                        error.getMessage());
            }
            GenericRowData failedRow = outputCodec.nulls();
            defaultValue.fill(failedRow);
            errorColumns.fill(failedRow, error);
            pending.complete(failedRow);
        } else {
            pending.fail(error);
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() throws Exception {
        try {
            if (batcher != null) {
                for (Pending pending : batcher.closeAndDrain()) {
                    pending.fail(
                            new TritonException(
                                    "ML_PREDICT on model "
                                            + modelId
                                            + " closed before the row was sent"));
                }
            }
            if (timer != null) {
                timer.shutdownNow();
            }
        } finally {
            if (client != null) {
                client.close();
            }
            super.close();
        }
    }

    /** One row waiting for its outputs. */
    private static final class Pending {
        final RowData row;
        private final CompletableFuture<Collection<RowData>> result;
        private final boolean wrapFailure;

        Pending(RowData row, CompletableFuture<Collection<RowData>> result, boolean wrapFailure) {
            this.row = row;
            this.result = result;
            this.wrapFailure = wrapFailure;
        }

        void complete(RowData output) {
            result.complete(Collections.singletonList(output));
        }

        /** Completes the row with several output rows (or none), for a decoupled model. */
        void completeAll(List<RowData> outputs) {
            result.complete(outputs);
        }

        /** Fails the row; through {@link #eval} as Flink's own {@code eval} would. */
        void fail(Throwable error) {
            result.completeExceptionally(
                    wrapFailure
                            ? new TableException(
                                    String.format(
                                            "Failed to execute asynchronously prediction with"
                                                    + " input row %s.",
                                            row),
                                    error)
                            : error);
        }
    }
}
