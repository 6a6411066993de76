package org.flinktriton.flink;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamElement;
import org.apache.flink.streaming.runtime.streamrecord.StreamElementSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.FlinkException;
import org.apache.flink.util.WrappingRuntimeException;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * Batches records for an {@link AsyncBatchFunction}, keeps at most {@code capacity} batches in
 * flight and emits their results on the task thread.
 *
 * <p>Everything here runs on the task's mailbox thread except {@link Batch}'s completion methods,
 * which only flip an atomic flag and hand the results over as a mail. Hence no locks: the queue,
 * the buffer and the counters are confined to the mailbox thread.
 *
 * <p>Records live in exactly one place at any time: the open {@link #buffer}, or a {@link Batch} in
 * {@link #queue} until its results are emitted. A snapshot writes both, in arrival order, so a
 * restore replays every record whose results had not been emitted before the checkpoint barrier.
 * See {@link #STATE_NAME} for why the watermark is restored apart from them.
 *
 * <p>Watermarks (and watermark statuses) first flush the open buffer, so a batch never spans one,
 * then wait in {@link #queue} behind the batches that came before them. In ordered mode the queue
 * is emitted strictly head first; in unordered mode any completed batch ahead of the first queued
 * watermark may go out, which is the guarantee of Flink's own {@code AsyncWaitOperator}.
 *
 * <p>A function may also hand over results of single inputs before their batch completes ({@link
 * BatchCompletion#emitEarly}, {@link BatchCompletion#completeInput}), such as the responses of a
 * decoupled model as they arrive. They follow the same rules, per input: in ordered mode an input's
 * early results leave once every input before it has all its results out (held until then), in
 * unordered mode at once unless a watermark waits ahead of their batch (held until it leaves); each
 * input's results in the order they were handed over, with its timestamp. An input whose results
 * are all out leaves the snapshot; the others of its batch stay in it, so a restore sends them
 * again and repeats what they had emitted: early results are at least once.
 */
final class AsyncBatchWaitOperator<IN, OUT>
        extends FlinkLine.UdfStreamOperator<OUT, AsyncBatchFunction<IN, OUT>>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    /**
     * Operator list state: each subtask writes its pending records in arrival order, then exactly
     * one watermark, the highest it has received ({@code Long.MIN_VALUE} when none).
     *
     * <p>A rescale splits and concatenates these lists, so one old subtask's watermark may land
     * ahead of another's lower records; replayed in stored order they would come out late and the
     * next watermark would go back. Hence a restore replays every record first and then queues only
     * the lowest restored watermark: no record restored here is made late by it. Each subtask
     * writes its watermark even when none is pending, and {@code Long.MIN_VALUE} before the first,
     * so that the lowest restored one is no higher than that of any subtask merged here, including
     * one that was further behind. The format needs no migration: it is unpublished.
     */
    static final String STATE_NAME = "_flink_triton_async_batch_pending_elements_";

    /** Records received from the input; those replayed after a restore were counted before. */
    static final String METRIC_RECORDS = "asyncBatchRecords";

    static final String METRIC_BATCHES = "asyncBatchBatches";
    static final String METRIC_FAILURES = "asyncBatchFailures";
    static final String METRIC_TIMEOUTS = "asyncBatchTimeouts";
    static final String METRIC_IN_FLIGHT = "asyncBatchInFlightBatches";
    static final String METRIC_BATCH_SIZE = "asyncBatchSize";
    static final String METRIC_LATENCY = "asyncBatchLatencyMs";

    private static final int HISTOGRAM_WINDOW = 1024;

    private final int maxBatchSize;
    private final long maxBatchDelayMillis;
    private final Duration timeout;
    private final int capacity;
    private final boolean ordered;

    private final transient MailboxExecutor mailboxExecutor;
    private final transient TypeSerializer<IN> inputSerializer;
    private final transient StreamElementSerializer<IN> elementSerializer;

    /** Records of the batch being filled, not yet handed to the function. */
    private transient ArrayList<StreamRecord<IN>> buffer;

    /** Bumped whenever the buffer is flushed, so that a delay timer of an older buffer is inert. */
    private transient long bufferGeneration;

    private transient ScheduledFuture<?> delayTimer;

    /** Batches not yet emitted and the watermarks behind them, in arrival order. */
    private transient ArrayDeque<Entry> queue;

    /** Batches handed to the function whose results have not been emitted; at most capacity. */
    private transient volatile int inFlight;

    /**
     * The highest watermark received, or restored; upstream watermarks start over after a restore,
     * and one at or below it would make output watermarks go back.
     */
    private transient long inputWatermark;

    private transient ListState<StreamElement> pendingState;
    private transient List<StreamRecord<IN>> recovered;
    private transient long recoveredWatermark;
    private transient boolean objectReuse;
    private transient TimestampedCollector<OUT> collector;

    private transient Counter recordsCounter;
    private transient Counter batchesCounter;
    private transient Counter failuresCounter;
    private transient Counter timeoutsCounter;
    private transient Histogram batchSizeHistogram;
    private transient Histogram latencyHistogram;

    AsyncBatchWaitOperator(
            StreamOperatorParameters<OUT> parameters,
            AsyncBatchFunction<IN, OUT> function,
            AsyncBatchOptions options,
            boolean ordered) {
        super(parameters, function);
        this.maxBatchSize = options.maxBatchSize();
        this.maxBatchDelayMillis = options.maxBatchDelay().toMillis();
        this.timeout = options.batchTimeout();
        this.capacity = options.capacity();
        this.ordered = ordered;
        this.mailboxExecutor = parameters.getMailboxExecutor();
        this.inputSerializer =
                parameters.getStreamConfig().getTypeSerializerIn(0, getUserCodeClassloader());
        this.elementSerializer = new StreamElementSerializer<>(inputSerializer);
        this.buffer = new ArrayList<>();
        this.queue = new ArrayDeque<>();
        this.inputWatermark = Long.MIN_VALUE;
        // On Flink 2.x the parameters constructor runs setup() before the function field is
        // assigned, so the rich function would never see its runtime context; Flink's
        // AsyncWaitOperator has the same gap and closes it by calling setup() a second time.
        FunctionUtils.setFunctionRuntimeContext(function, getRuntimeContext());
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        pendingState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>(STATE_NAME, elementSerializer));
        if (context.isRestored()) {
            recovered = new ArrayList<>();
            long lowest = Long.MAX_VALUE;
            for (StreamElement element : pendingState.get()) {
                if (element.isRecord()) {
                    recovered.add(element.<IN>asRecord());
                } else if (element.isWatermark()) {
                    lowest = Math.min(lowest, element.asWatermark().getTimestamp());
                }
            }
            recoveredWatermark = lowest == Long.MAX_VALUE ? Long.MIN_VALUE : lowest;
            inputWatermark = recoveredWatermark;
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        objectReuse = getExecutionConfig().isObjectReuseEnabled();
        collector = new TimestampedCollector<>(output);
        registerMetrics(getMetricGroup());

        if (recovered != null) {
            List<StreamRecord<IN>> replay = recovered;
            recovered = null;
            for (StreamRecord<IN> record : replay) {
                add(record);
            }
            if (recoveredWatermark != Long.MIN_VALUE) {
                enqueueWatermark(new Watermark(recoveredWatermark));
            }
        }
    }

    private void registerMetrics(MetricGroup group) {
        recordsCounter = group.counter(METRIC_RECORDS);
        batchesCounter = group.counter(METRIC_BATCHES);
        failuresCounter = group.counter(METRIC_FAILURES);
        timeoutsCounter = group.counter(METRIC_TIMEOUTS);
        group.gauge(METRIC_IN_FLIGHT, (Gauge<Integer>) () -> inFlight);
        batchSizeHistogram =
                group.histogram(
                        METRIC_BATCH_SIZE, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        latencyHistogram =
                group.histogram(
                        METRIC_LATENCY, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        recordsCounter.inc();
        add(element);
    }

    private void add(StreamRecord<IN> element) throws Exception {
        // With object reuse the caller may overwrite the value once we return, yet it stays in
        // our buffer for up to maxBatchDelay.
        StreamRecord<IN> record =
                objectReuse ? element.copy(inputSerializer.copy(element.getValue())) : element;
        if (buffer.isEmpty()) {
            startDelayTimer();
        }
        buffer.add(record);
        if (buffer.size() >= maxBatchSize) {
            flushBuffer();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() <= inputWatermark) {
            return;
        }
        inputWatermark = mark.getTimestamp();
        enqueueWatermark(mark);
    }

    private void enqueueWatermark(Watermark mark) throws Exception {
        flushBuffer();
        if (queue.isEmpty()) {
            super.processWatermark(mark);
            return;
        }
        // With no batch in between, the newer watermark subsumes the queued one.
        Entry last = queue.peekLast();
        if (last instanceof Marker && ((Marker) last).element.isWatermark()) {
            queue.pollLast();
        }
        queue.addLast(new Marker(mark));
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        // An IDLE status overtaking queued output would make downstream drop our watermarks.
        flushBuffer();
        if (queue.isEmpty()) {
            super.processWatermarkStatus(status);
        } else {
            queue.addLast(new Marker(status));
        }
    }

    @Override
    public void endInput() throws Exception {
        flushBuffer();
        while (!queue.isEmpty()) {
            yieldToMailbox();
        }
    }

    @Override
    public void close() throws Exception {
        // After endInput the queue is empty: unanswered batches mean a failover, a cancel or a
        // stop with savepoint, and their results would be discarded.
        if (!queue.isEmpty() && userFunction instanceof DiscardingFunction) {
            ((DiscardingFunction) userFunction).discardCallsInFlight();
        }
        super.close();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<StreamElement> pending = new ArrayList<>();
        for (Entry entry : queue) {
            if (entry instanceof Batch) {
                Batch batch = (Batch) entry;
                for (int i = 0; i < batch.records.size(); i++) {
                    if (!batch.inputDone(i)) {
                        pending.add(batch.records.get(i));
                    }
                }
            }
        }
        pending.addAll(buffer);
        pending.add(new Watermark(inputWatermark));
        pendingState.update(pending);
    }

    // ---------------------------------------------------------------------------------------
    // Batching

    private void startDelayTimer() {
        long generation = bufferGeneration;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        delayTimer =
                getProcessingTimeService()
                        .registerTimer(
                                now + maxBatchDelayMillis, time -> onDelayElapsed(generation));
    }

    private void onDelayElapsed(long generation) throws Exception {
        if (generation == bufferGeneration) {
            delayTimer = null;
            flushBuffer();
        }
    }

    /**
     * Sends the open buffer as a batch, first waiting (by running other mails) while {@code
     * capacity} batches are in flight: that wait is the operator's back-pressure.
     */
    private void flushBuffer() throws Exception {
        if (buffer.isEmpty()) {
            return;
        }
        bufferGeneration++;
        if (delayTimer != null) {
            delayTimer.cancel(false);
            delayTimer = null;
        }
        Batch batch = new Batch(buffer);
        buffer = new ArrayList<>();
        // Queued before waiting, so that a snapshot taken meanwhile still sees its records.
        queue.addLast(batch);
        while (inFlight >= capacity) {
            yieldToMailbox();
        }
        send(batch);
    }

    private void send(Batch batch) throws Exception {
        inFlight++;
        batchesCounter.inc();
        batchSizeHistogram.update(batch.records.size());
        long now = getProcessingTimeService().getCurrentProcessingTime();
        batch.timeoutTimer =
                getProcessingTimeService()
                        .registerTimer(now + timeout.toMillis(), time -> onTimeout(batch));
        batch.startNanos = System.nanoTime();
        try {
            userFunction.asyncInvokeBatch(batch.inputs, batch.future);
        } catch (Exception e) {
            failuresCounter.inc();
            throw new FlinkException(describe(batch) + " failed: asyncInvokeBatch threw " + e, e);
        }
    }

    private void onTimeout(Batch batch) throws Exception {
        if (batch.completed.get()) {
            return;
        }
        timeoutsCounter.inc();
        try {
            userFunction.timeoutBatch(batch.inputs, batch.future);
        } catch (Exception e) {
            failuresCounter.inc();
            throw new FlinkException(describe(batch) + " timed out and timeoutBatch threw " + e, e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Completion, always on the mailbox thread

    private void onCompleted(Batch batch, Collection<OUT> results, long completedNanos)
            throws Exception {
        if (batch.timeoutTimer != null) {
            batch.timeoutTimer.cancel(false);
        }
        latencyHistogram.update(
                TimeUnit.NANOSECONDS.toMillis(Math.max(0L, completedNanos - batch.startNanos)));
        batch.results = results;
        emitReady();
    }

    private void onFailed(Batch batch, Throwable error) throws Exception {
        failuresCounter.inc();
        throw new FlinkException(describe(batch) + " failed: " + error, error);
    }

    /**
     * Early results of one input, from {@link BatchCompletion#emitEarly} or {@link
     * BatchCompletion#completeInput}: held in the batch, then emitted as far as the order and the
     * watermarks allow.
     */
    private void onEarly(
            Batch batch, int input, Callable<? extends Collection<OUT>> supplier, boolean last)
            throws Exception {
        if (batch.results != null) {
            // Completed meanwhile (a timeout, say): the completion has the last word.
            return;
        }
        int size = batch.records.size();
        if (input < 0 || input >= size) {
            onFailed(
                    batch,
                    new IllegalArgumentException(
                            "early results for input "
                                    + input
                                    + ", which the batch does not have"));
        }
        if (batch.inputEnded != null && batch.inputEnded[input]) {
            onFailed(
                    batch,
                    new IllegalStateException(
                            "early results for input "
                                    + input
                                    + " after completeInput said it had all its results"));
        }
        Collection<OUT> results;
        try {
            results = supplier.call();
        } catch (Exception e) {
            onFailed(batch, e);
            return;
        }
        if (results == null) {
            onFailed(batch, batch.nullResults());
        }
        for (OUT result : results) {
            if (result == null) {
                onFailed(
                        batch,
                        new IllegalArgumentException(
                                "early results for input "
                                        + input
                                        + " hold null; hand over non-null results only"));
            }
        }
        batch.hold(input, results, last);
        if (mayEmitEarly(batch)) {
            release(batch, false);
        }
    }

    /** Whether early results of {@code batch} may leave now: nothing must go out before them. */
    private boolean mayEmitEarly(Batch batch) {
        if (ordered) {
            return queue.peekFirst() == batch;
        }
        for (Entry entry : queue) {
            if (entry == batch) {
                return true;
            }
            if (entry instanceof Marker) {
                return false;
            }
        }
        return false;
    }

    /**
     * Emits the early results {@code batch} holds: in ordered mode input by input, up to the first
     * that has not all its results (unless {@code whole}, when the batch completed); in unordered
     * mode all of them.
     */
    private void release(Batch batch, boolean whole) throws Exception {
        if (batch.held == null) {
            return;
        }
        int size = batch.records.size();
        if (ordered && !whole) {
            while (batch.cursor < size) {
                emitHeld(batch, batch.cursor);
                if (!batch.inputEnded[batch.cursor]) {
                    return;
                }
                batch.cursor++;
            }
            return;
        }
        if (batch.heldCount == 0) {
            return;
        }
        for (int i = 0; i < size; i++) {
            emitHeld(batch, i);
        }
    }

    private void emitHeld(Batch batch, int input) {
        ArrayDeque<OUT> pending = batch.held.get(input);
        if (pending == null || pending.isEmpty()) {
            return;
        }
        StreamRecord<IN> source = batch.records.get(input);
        if (source.hasTimestamp()) {
            collector.setAbsoluteTimestamp(source.getTimestamp());
        } else {
            collector.eraseTimestamp();
        }
        OUT result;
        while ((result = pending.pollFirst()) != null) {
            batch.heldCount--;
            collector.collect(result);
        }
    }

    private void emitReady() throws Exception {
        if (ordered) {
            while (!queue.isEmpty()) {
                Entry head = queue.peekFirst();
                if (head instanceof Batch && ((Batch) head).results == null) {
                    release((Batch) head, false);
                    return;
                }
                queue.pollFirst();
                emit(head);
            }
            return;
        }
        while (true) {
            // Completed batches ahead of the first watermark may leave in any order.
            Iterator<Entry> entries = queue.iterator();
            while (entries.hasNext()) {
                Entry entry = entries.next();
                if (entry instanceof Marker) {
                    break;
                }
                Batch batch = (Batch) entry;
                if (batch.results != null) {
                    entries.remove();
                    emit(entry);
                } else {
                    release(batch, false);
                }
            }
            if (!(queue.peekFirst() instanceof Marker)) {
                return;
            }
            emit(queue.pollFirst());
        }
    }

    private void emit(Entry entry) throws Exception {
        if (entry instanceof Marker) {
            StreamElement element = ((Marker) entry).element;
            if (element.isWatermark()) {
                super.processWatermark(element.asWatermark());
            } else {
                super.processWatermarkStatus(element.asWatermarkStatus());
            }
            return;
        }
        Batch batch = (Batch) entry;
        inFlight--;
        release(batch, true);
        Collection<OUT> results = batch.results;
        List<StreamRecord<IN>> records = batch.records;
        boolean aligned = results.size() == records.size();
        int position = 0;
        for (OUT result : results) {
            if (result == null) {
                failuresCounter.inc();
                throw new FlinkException(
                        describe(batch)
                                + " completed with a null result at position "
                                + position
                                + "; complete with non-null results only, or leave a result out");
            }
            StreamRecord<IN> source = aligned ? records.get(position) : null;
            if (source != null ? source.hasTimestamp() : batch.hasTimestamp) {
                collector.setAbsoluteTimestamp(
                        source != null ? source.getTimestamp() : batch.latestTimestamp);
            } else {
                collector.eraseTimestamp();
            }
            collector.collect(result);
            position++;
        }
    }

    /**
     * Runs other mails (results, timers) until one is available. The yield wraps a checked
     * exception of a mail, such as a failed batch, in a {@link WrappingRuntimeException}; the task
     * should fail with the exception itself.
     */
    private void yieldToMailbox() throws Exception {
        try {
            mailboxExecutor.yield();
        } catch (WrappingRuntimeException e) {
            Throwable cause = e.unwrap();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw e;
        }
    }

    private String describe(Batch batch) {
        int size = batch.records.size();
        return "Async batch of "
                + size
                + (size == 1 ? " record" : " records")
                + " in operator '"
                + getOperatorName()
                + "'";
    }

    /**
     * Hands work from a completing thread to the mailbox thread. A closed mailbox means the task is
     * going away; the batch's records are then in the last checkpoint, to be replayed.
     */
    private void handOff(ThrowingRunnable<? extends Exception> action, String description) {
        try {
            mailboxExecutor.execute(action, description);
        } catch (RejectedExecutionException e) {
            LOG.debug("Dropped the completion of an async batch: the task is shutting down.", e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Queue entries

    // Inner (not static) classes, so that a cast from Entry to Batch keeps IN and OUT.
    private abstract class Entry {}

    /** A watermark or watermark status waiting behind earlier batches. */
    private final class Marker extends Entry {
        final StreamElement element;

        Marker(StreamElement element) {
            this.element = element;
        }
    }

    /**
     * One batch and its completion, which the function triggers through {@link #future} from any
     * thread, at most once.
     */
    private final class Batch extends Entry implements BatchCompletion<OUT> {
        final List<StreamRecord<IN>> records;
        final List<IN> inputs;
        final boolean hasTimestamp;
        final long latestTimestamp;
        final AtomicBoolean completed = new AtomicBoolean();

        /** What the function sees; see {@link BatchResultFuture} for why it is not the batch. */
        final ResultFuture<OUT> future = BatchResultFuture.of(this);

        long startNanos;
        ScheduledFuture<?> timeoutTimer;

        /** Set on the mailbox thread once the results arrived; null while pending. */
        Collection<OUT> results;

        // Early results, on the mailbox thread; all null until the function hands over the first.

        /** Per input, early results not emitted yet. */
        List<ArrayDeque<OUT>> held;

        /** Per input, whether it has all its early results ({@link #completeInput}). */
        boolean[] inputEnded;

        /** How many results {@link #held} holds. */
        int heldCount;

        /** In ordered mode, the first input whose early results are not all out. */
        int cursor;

        Batch(List<StreamRecord<IN>> records) {
            this.records = records;
            List<IN> values = new ArrayList<>(records.size());
            boolean anyTimestamp = false;
            long latest = Long.MIN_VALUE;
            for (StreamRecord<IN> record : records) {
                values.add(record.getValue());
                if (record.hasTimestamp()) {
                    anyTimestamp = true;
                    latest = Math.max(latest, record.getTimestamp());
                }
            }
            this.inputs = Collections.unmodifiableList(values);
            this.hasTimestamp = anyTimestamp;
            this.latestTimestamp = latest;
        }

        @Override
        public void complete(Collection<OUT> results) {
            if (!completed.compareAndSet(false, true)) {
                return;
            }
            long now = System.nanoTime();
            if (results == null) {
                handOff(
                        () -> onFailed(this, nullResults()),
                        "AsyncBatchWaitOperator#complete(null)");
                return;
            }
            handOff(() -> onCompleted(this, results, now), "AsyncBatchWaitOperator#onCompleted");
        }

        @Override
        public void completeOnTaskThread(Callable<? extends Collection<OUT>> supplier) {
            if (!completed.compareAndSet(false, true)) {
                return;
            }
            long now = System.nanoTime();
            handOff(
                    () -> {
                        Collection<OUT> results;
                        try {
                            results = supplier.call();
                        } catch (Exception e) {
                            onFailed(this, e);
                            return;
                        }
                        if (results == null) {
                            onFailed(this, nullResults());
                        } else {
                            onCompleted(this, results, now);
                        }
                    },
                    "AsyncBatchWaitOperator#onCompletedOnTaskThread");
        }

        @Override
        public void completeExceptionally(Throwable error) {
            if (!completed.compareAndSet(false, true)) {
                return;
            }
            Throwable cause =
                    error != null
                            ? error
                            : new IllegalArgumentException(
                                    "completeExceptionally was called with null");
            handOff(() -> onFailed(this, cause), "AsyncBatchWaitOperator#onFailed");
        }

        @Override
        public void emitEarly(int input, Callable<? extends Collection<OUT>> results) {
            early(input, results, false);
        }

        @Override
        public void completeInput(int input, Callable<? extends Collection<OUT>> results) {
            early(input, results, true);
        }

        private void early(int input, Callable<? extends Collection<OUT>> results, boolean last) {
            if (completed.get()) {
                return;
            }
            handOff(
                    () -> onEarly(this, input, results, last),
                    last
                            ? "AsyncBatchWaitOperator#onInputCompleted"
                            : "AsyncBatchWaitOperator#onEarlyResults");
        }

        /** On the mailbox thread: keeps early results of {@code input} until they may leave. */
        void hold(int input, Collection<OUT> results, boolean last) {
            if (held == null) {
                int size = records.size();
                held = new ArrayList<>(Collections.nCopies(size, null));
                inputEnded = new boolean[size];
            }
            if (!results.isEmpty()) {
                ArrayDeque<OUT> pending = held.get(input);
                if (pending == null) {
                    pending = new ArrayDeque<>();
                    held.set(input, pending);
                }
                pending.addAll(results);
                heldCount += results.size();
            }
            if (last) {
                inputEnded[input] = true;
            }
        }

        /** Whether input {@code input} has all its results out, so a restore need not send it. */
        boolean inputDone(int input) {
            if (inputEnded == null || !inputEnded[input]) {
                return false;
            }
            ArrayDeque<OUT> pending = held.get(input);
            return pending == null || pending.isEmpty();
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public String toString() {
            return describe(this);
        }

        IllegalArgumentException nullResults() {
            return new IllegalArgumentException(
                    "the function completed the batch with null; complete it with an empty"
                            + " collection to emit nothing");
        }
    }
}
