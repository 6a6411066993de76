package org.flinktriton.flink;

import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Adds a batching asynchronous operator to a {@link DataStream}: records are grouped into batches
 * of up to {@link AsyncBatchOptions#maxBatchSize()} and handed to an {@link AsyncBatchFunction},
 * with at most {@link AsyncBatchOptions#capacity()} batches in flight.
 *
 * <pre>{@code
 * DataStream<Long> doubled =
 *         AsyncBatchDataStream.orderedWaitBatch(
 *                 numbers,
 *                 new Doubler(),
 *                 AsyncBatchOptions.builder()
 *                         .maxBatchSize(64)
 *                         .maxBatchDelay(Duration.ofMillis(5))
 *                         .build());
 * }</pre>
 *
 * <p>What the operator guarantees:
 *
 * <ul>
 *   <li><b>Batching.</b> A batch is sent when it holds {@code maxBatchSize} records, or when its
 *       oldest record has waited {@code maxBatchDelay} (processing time), or when a watermark or
 *       the end of input arrives.
 *   <li><b>Back-pressure.</b> Once {@code capacity} batches are sent and not yet emitted, the
 *       operator takes no more input until one completes; it never buffers without bound.
 *   <li><b>Order.</b> {@code orderedWaitBatch} emits results in input order. {@code
 *       unorderedWaitBatch} emits each batch as it completes, but never lets results cross a
 *       watermark. In both modes a watermark is emitted only after the results of every record that
 *       arrived before it.
 *   <li><b>Timestamps.</b> When a batch completes with exactly one result per input, each result
 *       carries its input's timestamp. Otherwise each result carries the latest timestamp in the
 *       batch, or none when no input had one.
 *   <li><b>Checkpoints.</b> Buffered records and records of batches not yet emitted are stored with
 *       their timestamps in operator state. After a restore they are sent again, so no record is
 *       lost, and no result emitted before the checkpoint is emitted again by this operator. The
 *       function may see a batch twice (at-least-once towards the service it calls). After a
 *       restore, at the same or another parallelism, the restored records go out before any
 *       watermark, and then only the lowest watermark of the subtasks whose state was merged: no
 *       restored record is made late, and no watermark goes back.
 *   <li><b>End of input.</b> The open batch is sent and every batch in flight is awaited.
 *   <li><b>Timeouts and failures.</b> A batch that exceeds {@code timeout} goes to {@link
 *       AsyncBatchFunction#timeoutBatch}. A batch that fails (an exception from {@code
 *       asyncInvokeBatch}, {@code completeExceptionally}, or a null result) fails the task with
 *       that cause, so that Flink's restart strategy applies.
 * </ul>
 *
 * <p>The operator reports, in its metric group: the counters {@code asyncBatchRecords} (records
 * taken from the input; those replayed after a restore are not counted again), {@code
 * asyncBatchBatches} (calls of the function, replayed ones included), {@code asyncBatchFailures},
 * {@code asyncBatchTimeouts}; the gauge {@code asyncBatchInFlightBatches}; the histograms {@code
 * asyncBatchSize} and {@code asyncBatchLatencyMs} (from the call of {@code asyncInvokeBatch} to the
 * completion).
 */
public final class AsyncBatchDataStream {

    private static final String ORDERED_NAME = "AsyncBatchWait (ordered)";
    private static final String UNORDERED_NAME = "AsyncBatchWait (unordered)";

    private AsyncBatchDataStream() {}

    /**
     * Batches {@code input} into {@code function} and emits the results in input order. The output
     * type is extracted from the function's class; a lambda needs the overload with an explicit
     * {@link TypeInformation}.
     */
    public static <IN, OUT> SingleOutputStreamOperator<OUT> orderedWaitBatch(
            DataStream<IN> input, AsyncBatchFunction<IN, OUT> function, AsyncBatchOptions options) {
        return add(input, function, options, extractOutputType(input, function), true);
    }

    /** Batches {@code input} into {@code function} and emits the results in input order. */
    public static <IN, OUT> SingleOutputStreamOperator<OUT> orderedWaitBatch(
            DataStream<IN> input,
            AsyncBatchFunction<IN, OUT> function,
            AsyncBatchOptions options,
            TypeInformation<OUT> outputType) {
        return add(input, function, options, outputType, true);
    }

    /**
     * Batches {@code input} into {@code function} and emits each batch's results as soon as the
     * batch completes and every watermark before it has been emitted. The output type is extracted
     * from the function's class; a lambda needs the overload with an explicit {@link
     * TypeInformation}.
     */
    public static <IN, OUT> SingleOutputStreamOperator<OUT> unorderedWaitBatch(
            DataStream<IN> input, AsyncBatchFunction<IN, OUT> function, AsyncBatchOptions options) {
        return add(input, function, options, extractOutputType(input, function), false);
    }

    /**
     * Batches {@code input} into {@code function} and emits each batch's results as soon as the
     * batch completes and every watermark before it has been emitted.
     */
    public static <IN, OUT> SingleOutputStreamOperator<OUT> unorderedWaitBatch(
            DataStream<IN> input,
            AsyncBatchFunction<IN, OUT> function,
            AsyncBatchOptions options,
            TypeInformation<OUT> outputType) {
        return add(input, function, options, outputType, false);
    }

    private static <IN, OUT> TypeInformation<OUT> extractOutputType(
            DataStream<IN> input, AsyncBatchFunction<IN, OUT> function) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(function, "function");
        // OUT is type argument 1 of AsyncBatchFunction; for a lambda it would be argument 0 of
        // parameter 1 (ResultFuture<OUT>), which erasure usually hides, giving a MissingTypeInfo
        // that fails with Flink's "use returns(...)" hint.
        return TypeExtractor.getUnaryOperatorReturnType(
                function,
                AsyncBatchFunction.class,
                0,
                1,
                new int[] {1, 0},
                input.getType(),
                "AsyncBatchFunction",
                true);
    }

    private static <IN, OUT> SingleOutputStreamOperator<OUT> add(
            DataStream<IN> input,
            AsyncBatchFunction<IN, OUT> function,
            AsyncBatchOptions options,
            TypeInformation<OUT> outputType,
            boolean ordered) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(outputType, "outputType");
        // Clean like every DataStream method does, so that anonymous classes do not drag their
        // enclosing instance into the job graph.
        AsyncBatchFunction<IN, OUT> cleaned = input.getExecutionEnvironment().clean(function);
        return input.transform(
                ordered ? ORDERED_NAME : UNORDERED_NAME,
                outputType,
                new AsyncBatchWaitOperatorFactory<>(cleaned, options, ordered));
    }
}
