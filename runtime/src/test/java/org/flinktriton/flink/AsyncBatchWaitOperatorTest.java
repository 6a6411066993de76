package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.FlinkException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives {@link AsyncBatchWaitOperator} through Flink's operator test harness. The test thread is
 * the task's mailbox thread; completions from other threads reach it as mails, which {@link
 * #runMails} (or the operator's own yield) executes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // the harness's close() declares InterruptedException
class AsyncBatchWaitOperatorTest {

    private static final Duration LONG = Duration.ofHours(1);

    /** The maximum parallelism of the harnesses whose state is repartitioned. */
    private static final int MAX_PARALLELISM = 128;

    @Test
    void closingWithBatchesInFlightHasTheFunctionDiscardThem() throws Exception {
        DiscardCountingFunction function = new DiscardCountingFunction();
        var harness = harness(function, options(2, LONG, 10), true);
        harness.open();
        harness.processElement(1, 1);
        harness.processElement(2, 2);
        assertThat(function.batchInputs()).hasSize(1);

        harness.close(); // as on a failover: the batch is unanswered

        assertThat(function.discards).isEqualTo(1);
    }

    @Test
    void closingAfterTheEndOfInputDiscardsNothing() throws Exception {
        DiscardCountingFunction function = new DiscardCountingFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            harness.processElement(3, 3);
            harness.endInputAsync(function);
        }

        assertThat(function.batchInputs()).hasSize(2);
        assertThat(function.discards).isZero();
    }

    // -----------------------------------------------------------------------------------------
    // Batch triggers

    @Test
    void sendsABatchAsSoonAsItHoldsMaxBatchSizeRecords() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(3, LONG, 10), true)) {
            harness.open();
            for (int i = 1; i <= 7; i++) {
                harness.processElement(i, i);
            }

            assertThat(function.batchInputs()).containsExactly(List.of(1, 2, 3), List.of(4, 5, 6));

            harness.endInputAsync(function);
            assertThat(function.batchInputs())
                    .containsExactly(List.of(1, 2, 3), List.of(4, 5, 6), List.of(7));
        }
    }

    @Test
    void sendsAPartialBatchWhenItsOldestRecordHasWaitedMaxBatchDelay() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(10, Duration.ofMillis(50), 10), true)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(1, 1);
            harness.setProcessingTime(20);
            harness.processElement(2, 2);
            harness.setProcessingTime(49);
            assertThat(function.batchInputs()).isEmpty();

            harness.setProcessingTime(50);
            assertThat(function.batchInputs()).containsExactly(List.of(1, 2));

            // The next batch's delay counts from its own first record.
            harness.setProcessingTime(60);
            harness.processElement(3, 3);
            harness.setProcessingTime(109);
            assertThat(function.batchInputs()).hasSize(1);
            harness.setProcessingTime(110);
            assertThat(function.batchInputs()).containsExactly(List.of(1, 2), List.of(3));
        }
    }

    @Test
    void aBatchSentBySizeLeavesNoDelayTimerBehind() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, Duration.ofMillis(50), 10), true)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            harness.processElement(3, 3);
            assertThat(function.batchInputs()).containsExactly(List.of(1, 2));

            // The first buffer's timer (due at 50) must not cut the second buffer short.
            harness.setProcessingTime(30);
            harness.processElement(4, 4);
            assertThat(function.batchInputs()).containsExactly(List.of(1, 2), List.of(3, 4));
            harness.processElement(5, 5);
            harness.setProcessingTime(60);
            assertThat(function.batchInputs()).hasSize(2);
            harness.setProcessingTime(80);
            assertThat(function.batchInputs()).last().isEqualTo(List.of(5));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Output order and timestamps

    @Test
    void orderedModeEmitsInInputOrderWhateverOrderBatchesCompleteIn() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            for (int i = 1; i <= 6; i++) {
                harness.processElement(i, i);
            }
            function.completeTimesTen(2);
            function.completeTimesTen(1);
            runMails(harness);
            assertThat(harness.extractOutputValues()).isEmpty();

            function.completeTimesTen(0);
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly(10, 20, 30, 40, 50, 60);
        }
    }

    @Test
    void unorderedModeEmitsEachBatchAsItCompletes() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), false)) {
            harness.open();
            for (int i = 1; i <= 6; i++) {
                harness.processElement(i, i);
            }
            function.completeTimesTen(2);
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly(50, 60);

            function.completeTimesTen(0);
            runMails(harness);
            function.completeTimesTen(1);
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly(50, 60, 10, 20, 30, 40);
        }
    }

    @Test
    void resultsAlignedWithTheirInputsKeepTheInputTimestamps() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(3, LONG, 10), false)) {
            harness.open();
            harness.processElement(new StreamRecord<>(1, 100L));
            harness.processElement(new StreamRecord<>(2)); // no timestamp
            harness.processElement(new StreamRecord<>(3, 50L));
            function.completeTimesTen(0);
            runMails(harness);

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(AsyncBatchWaitOperatorTest::describe)
                    .containsExactly("10@100", "20@-", "30@50");
        }
    }

    @Test
    void resultsNotAlignedWithTheirInputsCarryTheLatestTimestampOfTheBatch() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(3, LONG, 10), true)) {
            harness.open();
            harness.processElement(new StreamRecord<>(1, 100L));
            harness.processElement(new StreamRecord<>(2));
            harness.processElement(new StreamRecord<>(3, 150L));
            harness.processElement(new StreamRecord<>(4));
            harness.processElement(new StreamRecord<>(5));
            harness.processElement(new StreamRecord<>(6));
            function.complete(0, List.of(6)); // one sum for three inputs
            function.complete(1, List.of(4, 5, 6, 7)); // four results for three inputs
            runMails(harness);

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(AsyncBatchWaitOperatorTest::describe)
                    .containsExactly("6@150", "4@-", "5@-", "6@-", "7@-");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Watermarks

    @Test
    void unorderedModeHoldsAWatermarkUntilEveryEarlierRecordIsEmitted() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), false)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2); // batch 0
            harness.processElement(3, 3); // buffered, sent as batch 1 by the watermark
            harness.processWatermark(3);
            harness.processElement(4, 4);
            harness.processElement(5, 5); // batch 2, after the watermark
            assertThat(function.batchInputs())
                    .containsExactly(List.of(1, 2), List.of(3), List.of(4, 5));

            function.completeTimesTen(2);
            runMails(harness);
            assertThat(harness.getOutput()).isEmpty();

            function.completeTimesTen(1);
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("30@3");

            function.completeTimesTen(0);
            runMails(harness);
            assertThat(describeAll(harness))
                    .containsExactly("30@3", "10@1", "20@2", "WM3", "40@4", "50@5");
        }
    }

    @Test
    void orderedModeKeepsWatermarksInPlace() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processWatermark(1);
            harness.processWatermark(2); // replaces the queued watermark 1
            harness.processElement(3, 3);
            harness.processElement(4, 4);
            harness.processWatermark(4);

            function.completeTimesTen(1);
            runMails(harness);
            assertThat(harness.getOutput()).isEmpty();

            function.completeTimesTen(0);
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("10@1", "WM2", "30@3", "40@4", "WM4");
        }
    }

    @Test
    void anIdleStatusWaitsBehindEarlierRecordsToo() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(4, LONG, 10), false)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            assertThat(harness.getOutput()).isEmpty();

            function.completeTimesTen(0);
            runMails(harness);
            harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
            assertThat(describeAll(harness)).containsExactly("10@1", "IDLE", "ACTIVE");
        }
    }

    @Test
    void aWatermarkWithNothingPendingPassesStraightThrough() throws Exception {
        try (var harness = harness(new DoublingFunction(), options(2, LONG, 10), false)) {
            harness.open();
            harness.processWatermark(7);
            assertThat(describeAll(harness)).containsExactly("WM7");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Back-pressure

    @Test
    void neverHasMoreThanCapacityBatchesInFlight() throws Exception {
        int capacity = 2;
        int records = 8;
        ManualFunction function = new ManualFunction();
        AtomicInteger completed = new AtomicInteger();
        List<Integer> outstandingAtCompletion = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> completerFailure = new AtomicReference<>();

        // Completes batches one by one from another thread, like an HTTP client would, each time
        // after capacity batches are out and the task thread had ample time to (wrongly) send
        // more.
        Thread completer =
                new Thread(
                        () -> {
                            try {
                                for (int i = 0; i < records; i++) {
                                    function.awaitBatches(Math.min(i + capacity, records));
                                    Thread.sleep(30);
                                    outstandingAtCompletion.add(
                                            function.batchInputs().size() - completed.get());
                                    completed.incrementAndGet();
                                    function.completeTimesTen(i);
                                }
                            } catch (Throwable t) {
                                completerFailure.set(t);
                            }
                        },
                        "completer");

        try (var harness = harness(function, options(1, LONG, capacity), true)) {
            harness.open();
            completer.start();
            for (int i = 1; i <= records; i++) {
                harness.processElement(i, i); // blocks (yields) while capacity is reached
            }
            harness.endInput();
            completer.join();

            assertThat(completerFailure.get()).isNull();
            // Never a third batch while two are out; the last batch goes out alone.
            assertThat(outstandingAtCompletion).containsExactly(2, 2, 2, 2, 2, 2, 2, 1);
            assertThat(harness.extractOutputValues())
                    .containsExactly(10, 20, 30, 40, 50, 60, 70, 80);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Timeouts and failures

    @Test
    void aBatchOverItsTimeoutFailsTheTaskByDefault() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10, Duration.ofMillis(100)), true)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            harness.setProcessingTime(99);
            runMails(harness);

            harness.setProcessingTime(100);
            assertThatThrownBy(() -> runMails(harness))
                    .isInstanceOf(FlinkException.class)
                    .hasMessageContaining("Async batch of 2 records")
                    .rootCause()
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("Async batch of 2 records")
                    .hasMessageContaining("100 ms");
        }
    }

    @Test
    void anOverriddenTimeoutBatchMayEmitFallbackResults() throws Exception {
        ManualFunction function =
                new ManualFunction() {
                    @Override
                    public void timeoutBatch(List<Integer> inputs, ResultFuture<Integer> future) {
                        future.complete(Collections.nCopies(inputs.size(), -1));
                    }
                };
        MetricsHarness metrics = new MetricsHarness();
        try (var harness =
                metrics.harness(function, options(2, LONG, 10, Duration.ofMillis(100)), true)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            harness.setProcessingTime(100);
            runMails(harness);
            function.completeTimesTen(0); // too late: the first completion wins
            runMails(harness);

            assertThat(describeAll(harness)).containsExactly("-1@1", "-1@2");
            assertThat(metrics.counter(AsyncBatchWaitOperator.METRIC_TIMEOUTS)).isEqualTo(1);
        }
    }

    @Test
    void aBatchCompletedExceptionallyFailsTheTaskWithItsCause() throws Exception {
        IllegalStateException boom = new IllegalStateException("model exploded");
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            function.batch(0).future.completeExceptionally(boom);

            assertThatThrownBy(harness::endInput)
                    .isInstanceOf(FlinkException.class)
                    .hasMessageContaining("Async batch of 2 records")
                    .hasCause(boom);
        }
    }

    @Test
    void anExceptionFromAsyncInvokeBatchFailsTheTaskWithItsCause() throws Exception {
        IllegalArgumentException boom = new IllegalArgumentException("bad batch");
        AsyncBatchFunction<Integer, Integer> function =
                (inputs, future) -> {
                    throw boom;
                };
        try (var harness = harness(function, options(1, LONG, 10), true)) {
            harness.open();
            assertThatThrownBy(() -> harness.processElement(1, 1))
                    .isInstanceOf(FlinkException.class)
                    .hasMessageContaining("Async batch of 1 record ")
                    .hasCause(boom);
        }
    }

    @Test
    void aNullResultFailsWithAMessageInsteadOfANullPointerException() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            function.complete(0, java.util.Arrays.asList(10, null));

            assertThatThrownBy(() -> runMails(harness))
                    .isInstanceOf(FlinkException.class)
                    .hasMessageContaining("null result at position 1");
        }
    }

    /**
     * Flink 2.1 added {@code ResultFuture.complete(CollectionSupplier)}; this module is compiled
     * against 2.0, which lacks it, so the test calls it as a function compiled against 2.1 or later
     * would, through the interface on the class path.
     */
    @Test
    void aCollectionSupplierIsEvaluatedOnTheTaskThread() throws Exception {
        Class<?> supplierType = collectionSupplierType();
        Assumptions.assumeTrue(
                supplierType != null,
                "ResultFuture.complete(CollectionSupplier) exists since Flink 2.1");
        Method completeWithSupplier = ResultFuture.class.getMethod("complete", supplierType);
        Thread testThread = Thread.currentThread();
        AtomicReference<Thread> evaluatedOn = new AtomicReference<>();
        Object supplier =
                Proxy.newProxyInstance(
                        supplierType.getClassLoader(),
                        new Class<?>[] {supplierType},
                        (proxy, method, args) -> {
                            evaluatedOn.set(Thread.currentThread());
                            return List.of(5, 6);
                        });
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread completer =
                    new Thread(
                            () -> {
                                try {
                                    completeWithSupplier.invoke(function.batch(0).future, supplier);
                                } catch (ReflectiveOperationException e) {
                                    failure.set(e);
                                }
                            });
            completer.start();
            completer.join();
            harness.endInput();

            assertThat(failure.get()).isNull();
            assertThat(evaluatedOn.get()).isSameAs(testThread);
            assertThat(describeAll(harness)).containsExactly("5@1", "6@2");
        }
    }

    private static Class<?> collectionSupplierType() {
        try {
            return Class.forName(
                    "org.apache.flink.streaming.api.functions.async.CollectionSupplier",
                    false,
                    ResultFuture.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    @Test
    void completingABatchTwiceIsIgnored() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            function.completeTimesTen(0);
            function.complete(0, List.of(7, 7));
            function.batch(0).future.completeExceptionally(new IllegalStateException("late"));
            harness.endInput();

            assertThat(harness.extractOutputValues()).containsExactly(10, 20);
        }
    }

    // -----------------------------------------------------------------------------------------
    // End of input

    @Test
    void endOfInputSendsThePartialBatchAndWaitsForEveryBatchInFlight() throws Exception {
        Executor later = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS);
        AsyncBatchFunction<Integer, Integer> function =
                (inputs, future) ->
                        CompletableFuture.runAsync(
                                () ->
                                        future.complete(
                                                inputs.stream()
                                                        .map(x -> x * 2)
                                                        .collect(Collectors.toList())),
                                later);
        try (var harness = harness(function, options(2, LONG, 2), false)) {
            harness.open();
            for (int i = 1; i <= 5; i++) {
                harness.processElement(i, i);
            }
            harness.endInput();
            assertThat(harness.extractOutputValues()).containsExactlyInAnyOrder(2, 4, 6, 8, 10);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Early results (per input, before the batch completes)

    @Test
    void orderedModeEmitsEarlyResultsOnceEveryInputBeforeThemHasAllOfItsOwn() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            for (int i = 1; i <= 4; i++) {
                harness.processElement(i, 100 + i);
            }
            // Batches [1,2] and [3,4].
            function.early(0, 1, 21);
            function.early(1, 0, 31);
            runMails(harness);
            assertThat(harness.getOutput())
                    .as("input 1 of the head batch waits for input 0")
                    .isEmpty();

            function.early(0, 0, 11);
            function.early(0, 0, 12);
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("11@101", "12@101");

            function.ended(0, 0, 13);
            runMails(harness);
            assertThat(describeAll(harness))
                    .containsExactly("11@101", "12@101", "13@101", "21@102");

            function.ended(0, 1);
            function.complete(0, List.of());
            runMails(harness);
            assertThat(describeAll(harness))
                    .containsExactly("11@101", "12@101", "13@101", "21@102", "31@103");

            function.ended(1, 0);
            function.ended(1, 1, 41);
            function.complete(1, List.of());
            runMails(harness);
            assertThat(describeAll(harness))
                    .containsExactly("11@101", "12@101", "13@101", "21@102", "31@103", "41@104");
        }
    }

    @Test
    void unorderedModeEmitsEarlyResultsAtOnceUnlessAWatermarkWaitsAheadOfThem() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), false)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2); // batch 0
            harness.processWatermark(2);
            harness.processElement(3, 3);
            harness.processElement(4, 4); // batch 1, behind the watermark

            function.early(1, 1, 41);
            function.early(0, 1, 21);
            function.early(0, 0, 11);
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("21@2", "11@1");

            function.ended(0, 0);
            function.ended(0, 1, 22);
            function.complete(0, List.of());
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("21@2", "11@1", "22@2", "WM2", "41@4");

            function.early(1, 0, 31);
            runMails(harness);
            assertThat(describeAll(harness))
                    .containsExactly("21@2", "11@1", "22@2", "WM2", "41@4", "31@3");
        }
    }

    @Test
    void aBatchThatCompletesEmitsWhatItsInputsStillHoldBeforeItsOwnResults() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(3, LONG, 10), true)) {
            harness.open();
            for (int i = 1; i <= 3; i++) {
                harness.processElement(i, i);
            }
            function.early(0, 2, 31);
            function.early(0, 1, 21);
            function.complete(0, List.of(99));
            function.early(0, 0, 11); // after the completion: ignored
            runMails(harness);

            assertThat(describeAll(harness)).containsExactly("21@2", "31@3", "99@3");
        }
    }

    @Test
    void aRestoreResendsOnlyTheInputsThatHadNotAllTheirResultsOut() throws Exception {
        AsyncBatchOptions options = options(4, LONG, 4);
        ManualFunction before = new ManualFunction();
        OperatorSubtaskState snapshot;
        try (var harness = harness(before, options, true)) {
            harness.open();
            for (int i = 1; i <= 4; i++) {
                harness.processElement(i, i);
            }
            before.ended(0, 0, 10); // out and done
            before.early(0, 1, 20); // out, not done
            before.ended(0, 3, 40); // done, but held behind inputs 1 and 2
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("10@1", "20@2");
            snapshot = harness.snapshot(1L, 1L);
        }

        ManualFunction after = new ManualFunction();
        try (var harness = harness(after, options, true)) {
            harness.initializeState(snapshot);
            harness.open();
            harness.endInputAsync(after);
            assertThat(after.batchInputs()).containsExactly(List.of(2, 3, 4));
        }
    }

    @Test
    void earlyResultsForAnInputTheBatchDoesNotHaveFailTheTask() throws Exception {
        ManualFunction function = new ManualFunction();
        try (var harness = harness(function, options(2, LONG, 10), true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processElement(2, 2);
            function.early(0, 2, 7);

            assertThatThrownBy(() -> runMails(harness))
                    .isInstanceOf(FlinkException.class)
                    .hasMessageContaining("early results for input 2");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Checkpoints

    @ParameterizedTest(name = "ordered={0}")
    @ValueSource(booleans = {true, false})
    void aRestoreResendsBufferedAndInFlightRecordsAndNothingElse(boolean ordered) throws Exception {
        AsyncBatchOptions options = options(2, LONG, 4);
        ManualFunction before = new ManualFunction();
        OperatorSubtaskState snapshot;
        List<String> emittedBefore;
        try (var harness = harness(before, options, ordered)) {
            harness.open();
            for (int i = 1; i <= 7; i++) {
                harness.processElement(i, 100 + i);
            }
            // Batches [1,2] [3,4] [5,6] are in flight, 7 is buffered. Only [1,2] gets emitted;
            // [5,6] completes too, but in ordered mode it must wait behind [3,4].
            before.completeTimesTen(0);
            if (ordered) {
                before.completeTimesTen(2);
            }
            runMails(harness);
            emittedBefore = describeAll(harness);
            snapshot = harness.snapshot(1L, 1L);
        }
        assertThat(emittedBefore).containsExactly("10@101", "20@102");

        ManualFunction after = new ManualFunction();
        try (var harness = harness(after, options, ordered)) {
            harness.initializeState(snapshot);
            harness.open();
            assertThat(after.batchInputs()).containsExactly(List.of(3, 4), List.of(5, 6));
            harness.processElement(8, 108);
            assertThat(after.batchInputs())
                    .containsExactly(List.of(3, 4), List.of(5, 6), List.of(7, 8));
            harness.endInputAsync(after);

            List<String> emittedAfter = describeAll(harness);
            assertThat(emittedAfter)
                    .containsExactly("30@103", "40@104", "50@105", "60@106", "70@107", "80@108");
        }
    }

    @Test
    void aRestoredWatermarkStaysBehindTheRecordsBeforeIt() throws Exception {
        AsyncBatchOptions options = options(2, LONG, 4);
        OperatorSubtaskState snapshot;
        try (var harness = harness(new ManualFunction(), options, false)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processWatermark(5);
            harness.processElement(6, 6);
            snapshot = harness.snapshot(1L, 1L);
        }
        ManualFunction after = new ManualFunction();
        try (var harness = harness(after, options, false)) {
            harness.initializeState(snapshot);
            harness.open();
            // Restored records are replayed before the restored watermark, so 6 (on time either
            // way) now shares a batch with 1 and leaves ahead of the watermark.
            assertThat(after.batchInputs()).containsExactly(List.of(1, 6));
            assertThat(harness.getOutput()).isEmpty();
            after.completeTimesTen(0);
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("10@1", "60@6", "WM5");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Rescaling: buffered records and watermarks are list state, split and merged across subtasks

    /**
     * Merged, the state of two subtasks holds each one's watermark ahead of records of the other
     * below it (whichever comes first): replayed in stored order, those records would come out
     * late, and the second watermark would go back.
     */
    @ParameterizedTest(name = "ordered={0}")
    @ValueSource(booleans = {true, false})
    void scalingInFromTwoToOneMakesNoRecordLateAndNoWatermarkGoBack(boolean ordered)
            throws Exception {
        Rescale rescale = new Rescale(ordered, 2);
        rescale.oldSubtask(0, 10, 110, wm(120), 130);
        rescale.oldSubtask(1, 40, 50, wm(50), 60, 70, wm(70), 80);

        List<List<String>> emitted = rescale.restore(1);

        // Every restored record first, then the lowest restored watermark.
        assertThat(emitted.get(0)).endsWith("WM70");
    }

    /** Passes on stored-order replay too (each part keeps its order); guards the new replay. */
    @ParameterizedTest(name = "ordered={0}")
    @ValueSource(booleans = {true, false})
    void scalingOutFromOneToTwoMakesNoRecordLateAndNoWatermarkGoBack(boolean ordered)
            throws Exception {
        Rescale rescale = new Rescale(ordered, 1);
        rescale.oldSubtask(1, 10, 20, wm(20), 30, 40, wm(40), 50, 60, wm(60), 70);

        rescale.restore(2);
    }

    /**
     * Four elements pending in each old subtask, split six and six: whatever the order of the
     * merge, the first new subtask holds a whole old subtask, watermark included, and then the
     * lowest record of the next.
     */
    @ParameterizedTest(name = "ordered={0}")
    @ValueSource(booleans = {true, false})
    void scalingInFromThreeToTwoMakesNoRecordLateAndNoWatermarkGoBack(boolean ordered)
            throws Exception {
        Rescale rescale = new Rescale(ordered, 3);
        rescale.oldSubtask(0, 1, 100, wm(110), 120);
        rescale.oldSubtask(0, 2, 101, wm(105), 121);
        rescale.oldSubtask(1, 50, 51, wm(51), 60, 70, wm(140), 150);

        rescale.restore(2);
    }

    /** Upstream watermarks start over after a restore, below the one this subtask restored. */
    @Test
    void afterARestoreNoWatermarkBelowTheRestoredOneIsEmitted() throws Exception {
        AsyncBatchOptions options = options(2, LONG, 4);
        OperatorSubtaskState snapshot;
        try (var harness = harness(new ManualFunction(), options, true)) {
            harness.open();
            harness.processElement(1, 1);
            harness.processWatermark(70);
            snapshot = harness.snapshot(1L, 1L);
        }
        ManualFunction after = new ManualFunction();
        try (var harness = harness(after, options, true)) {
            harness.initializeState(snapshot);
            harness.open();
            after.completeTimesTen(0);
            runMails(harness);
            assertThat(describeAll(harness)).containsExactly("10@1", "WM70");

            harness.processWatermark(65);
            harness.processElement(2, 80);
            harness.processWatermark(66);
            harness.processWatermark(90);
            harness.endInputAsync(after);
            assertThat(describeAll(harness)).containsExactly("10@1", "WM70", "20@80", "WM90");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Metrics

    @Test
    void reportsBatchMetrics() throws Exception {
        MetricsHarness metrics = new MetricsHarness();
        ManualFunction function = new ManualFunction();
        try (var harness = metrics.harness(function, options(2, LONG, 10), true)) {
            harness.open();
            for (int i = 1; i <= 5; i++) {
                harness.processElement(i, i);
            }
            assertThat(metrics.gauge(AsyncBatchWaitOperator.METRIC_IN_FLIGHT)).isEqualTo(2);
            harness.endInputAsync(function);

            assertThat(metrics.counter(AsyncBatchWaitOperator.METRIC_RECORDS)).isEqualTo(5);
            assertThat(metrics.counter(AsyncBatchWaitOperator.METRIC_BATCHES)).isEqualTo(3);
            assertThat(metrics.counter(AsyncBatchWaitOperator.METRIC_FAILURES)).isZero();
            assertThat(metrics.gauge(AsyncBatchWaitOperator.METRIC_IN_FLIGHT)).isZero();
            Histogram sizes = metrics.histogram(AsyncBatchWaitOperator.METRIC_BATCH_SIZE);
            assertThat(sizes.getCount()).isEqualTo(3);
            assertThat(sizes.getStatistics().getMax()).isEqualTo(2);
            assertThat(sizes.getStatistics().getMin()).isEqualTo(1);
            assertThat(metrics.histogram(AsyncBatchWaitOperator.METRIC_LATENCY).getCount())
                    .isEqualTo(3);
        }
    }

    @Test
    void recordsReplayedAfterARestoreAreNotCountedAgain() throws Exception {
        AsyncBatchOptions options = options(2, LONG, 4);
        OperatorSubtaskState snapshot;
        try (var harness = harness(new ManualFunction(), options, true)) {
            harness.open();
            for (int i = 1; i <= 3; i++) {
                harness.processElement(i, i);
            }
            snapshot = harness.snapshot(1L, 1L);
        }
        MetricsHarness metrics = new MetricsHarness();
        ManualFunction after = new ManualFunction();
        try (var harness = metrics.harness(after, options, true)) {
            harness.initializeState(snapshot);
            harness.open();
            harness.processElement(4, 4);
            harness.processElement(5, 5);
            harness.endInputAsync(after);

            assertThat(harness.extractOutputValues()).containsExactly(10, 20, 30, 40, 50);
            assertThat(metrics.counter(AsyncBatchWaitOperator.METRIC_RECORDS)).isEqualTo(2);
            // Batches count calls of the function, replayed ones too: [1,2] [3,4] [5].
            assertThat(metrics.counter(AsyncBatchWaitOperator.METRIC_BATCHES)).isEqualTo(3);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Support

    static AsyncBatchOptions options(int maxBatchSize, Duration delay, int capacity) {
        return options(maxBatchSize, delay, capacity, LONG);
    }

    static AsyncBatchOptions options(
            int maxBatchSize, Duration delay, int capacity, Duration timeout) {
        return AsyncBatchOptions.builder()
                .maxBatchSize(maxBatchSize)
                .maxBatchDelay(delay)
                .capacity(capacity)
                .batchTimeout(timeout)
                .build();
    }

    static Harness harness(
            AsyncBatchFunction<Integer, Integer> function,
            AsyncBatchOptions options,
            boolean ordered)
            throws Exception {
        return new Harness(new AsyncBatchWaitOperatorFactory<>(function, options, ordered), null);
    }

    static Harness harness(
            AsyncBatchFunction<Integer, Integer> function,
            AsyncBatchOptions options,
            boolean ordered,
            int parallelism,
            int subtaskIndex)
            throws Exception {
        MockEnvironment env =
                new MockEnvironmentBuilder()
                        .setTaskName("AsyncBatchWaitOperatorTest")
                        .setMaxParallelism(MAX_PARALLELISM)
                        .setParallelism(parallelism)
                        .setSubtaskIndex(subtaskIndex)
                        .build();
        return new Harness(new AsyncBatchWaitOperatorFactory<>(function, options, ordered), env);
    }

    static Watermark wm(long timestamp) {
        return new Watermark(timestamp);
    }

    /** Runs every mail queued so far, as the task's mailbox loop would between records. */
    static void runMails(AbstractStreamOperatorTestHarness<?> harness) throws Exception {
        Optional<Mail> mail;
        while ((mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)).isPresent()) {
            mail.get().run();
        }
    }

    static String describe(StreamRecord<? extends Integer> record) {
        return record.getValue() + "@" + (record.hasTimestamp() ? record.getTimestamp() : "-");
    }

    @SuppressWarnings("unchecked")
    static List<String> describeAll(AbstractStreamOperatorTestHarness<Integer> harness) {
        List<String> described = new ArrayList<>();
        for (Object element : harness.getOutput()) {
            if (element instanceof Watermark) {
                described.add("WM" + ((Watermark) element).getTimestamp());
            } else if (element instanceof WatermarkStatus) {
                described.add(((WatermarkStatus) element).isIdle() ? "IDLE" : "ACTIVE");
            } else {
                described.add(describe((StreamRecord<Integer>) element));
            }
        }
        return described;
    }

    /**
     * Old subtasks, each fed, partly completed and snapshotted in turn; then their state merged,
     * split for the new parallelism and restored into new subtasks that run to the end of input.
     * Each record is its own value at its own timestamp (so every value must be distinct); the
     * function multiplies by ten. Checks every subtask's output, old and new: no record after a
     * watermark at or above its timestamp, watermarks strictly ascending; and, over all of them,
     * one output per record.
     */
    static final class Rescale {
        private final boolean ordered;
        private final int oldParallelism;
        private final AsyncBatchOptions options = options(2, LONG, 10);
        private final List<OperatorSubtaskState> snapshots = new ArrayList<>();
        private final List<Integer> expected = new ArrayList<>();
        private final List<Integer> emitted = new ArrayList<>();

        Rescale(boolean ordered, int oldParallelism) {
            this.ordered = ordered;
            this.oldParallelism = oldParallelism;
        }

        /**
         * Feeds the next old subtask with records (integers) and watermarks, completes its first
         * {@code completedBatches} batches and snapshots it with the rest pending.
         */
        void oldSubtask(int completedBatches, Object... input) throws Exception {
            int index = snapshots.size();
            ManualFunction function = new ManualFunction();
            try (var harness = harness(function, options, ordered, oldParallelism, index)) {
                harness.open();
                for (Object element : input) {
                    if (element instanceof Watermark) {
                        harness.processWatermark((Watermark) element);
                    } else {
                        int value = (Integer) element;
                        expected.add(10 * value);
                        harness.processElement(value, value);
                    }
                }
                for (int i = 0; i < completedBatches; i++) {
                    function.completeTimesTen(i);
                }
                runMails(harness);
                check("old subtask " + index, harness);
                snapshots.add(harness.snapshot(1L, 1L));
            }
        }

        /** Restores every new subtask, runs it to the end and returns what each emitted. */
        List<List<String>> restore(int newParallelism) throws Exception {
            OperatorSubtaskState merged =
                    AbstractStreamOperatorTestHarness.repackageState(
                            snapshots.toArray(new OperatorSubtaskState[0]));
            List<List<String>> described = new ArrayList<>();
            for (int index = 0; index < newParallelism; index++) {
                OperatorSubtaskState state =
                        AbstractStreamOperatorTestHarness.repartitionOperatorState(
                                merged, MAX_PARALLELISM, oldParallelism, newParallelism, index);
                ManualFunction function = new ManualFunction();
                try (var harness = harness(function, options, ordered, newParallelism, index)) {
                    harness.initializeState(state);
                    harness.open();
                    harness.endInputAsync(function);
                    check("new subtask " + index, harness);
                    described.add(describeAll(harness));
                }
            }
            assertThat(emitted)
                    .as("outputs of every subtask, old and new; new ones emitted %s", described)
                    .containsExactlyInAnyOrderElementsOf(expected);
            return described;
        }

        private void check(String subtask, Harness harness) {
            List<String> described = describeAll(harness);
            long watermark = Long.MIN_VALUE;
            for (Object element : harness.getOutput()) {
                if (element instanceof Watermark) {
                    long timestamp = ((Watermark) element).getTimestamp();
                    assertThat(timestamp)
                            .as("%s: a watermark after WM%d in %s", subtask, watermark, described)
                            .isGreaterThan(watermark);
                    watermark = timestamp;
                } else if (element instanceof StreamRecord) {
                    StreamRecord<?> record = (StreamRecord<?>) element;
                    assertThat(record.getTimestamp())
                            .as(
                                    "%s: %s, late after WM%d in %s",
                                    subtask, record.getValue(), watermark, described)
                            .isGreaterThan(watermark);
                    emitted.add((Integer) record.getValue());
                }
            }
        }
    }

    /** The harness, plus an end of input that completes whatever the function still holds. */
    static final class Harness extends OneInputStreamOperatorTestHarness<Integer, Integer> {
        Harness(AsyncBatchWaitOperatorFactory<Integer, Integer> factory, MockEnvironment env)
                throws Exception {
            super(
                    factory,
                    IntSerializer.INSTANCE,
                    env != null
                            ? env
                            : new MockEnvironmentBuilder()
                                    .setTaskName("AsyncBatchWaitOperatorTest")
                                    .build());
        }

        /**
         * Ends the input while a helper thread completes (times ten) every batch the function
         * receives, including the partial batch that endInput itself sends.
         */
        void endInputAsync(ManualFunction function) throws Exception {
            Thread completer =
                    new Thread(
                            () -> {
                                try {
                                    function.completeAllUntilInterrupted();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "end-of-input-completer");
            completer.start();
            try {
                endInput();
            } finally {
                completer.interrupt();
                completer.join();
            }
        }
    }

    /** A harness whose operator metrics can be read back by name. */
    static final class MetricsHarness {
        private final InterceptingOperatorMetricGroup operatorGroup =
                new InterceptingOperatorMetricGroup();

        Harness harness(
                AsyncBatchFunction<Integer, Integer> function,
                AsyncBatchOptions options,
                boolean ordered)
                throws Exception {
            MockEnvironment env =
                    new MockEnvironmentBuilder()
                            .setTaskName("AsyncBatchWaitOperatorTest")
                            .setMetricGroup(
                                    // Flink up to 2.1 calls the first method, 2.2 and later the
                                    // second: whichever exists on the class path is an override.
                                    new InterceptingTaskMetricGroup() {
                                        @SuppressWarnings("unused")
                                        public InternalOperatorMetricGroup getOrAddOperator(
                                                OperatorID id, String name) {
                                            return operatorGroup;
                                        }

                                        @SuppressWarnings("unused")
                                        public InternalOperatorMetricGroup getOrAddOperator(
                                                OperatorID id,
                                                String name,
                                                Map<String, String> additionalVariables) {
                                            return operatorGroup;
                                        }
                                    })
                            .build();
            return new Harness(
                    new AsyncBatchWaitOperatorFactory<>(function, options, ordered), env);
        }

        long counter(String name) {
            return ((Counter) operatorGroup.get(name)).getCount();
        }

        int gauge(String name) {
            return ((Number) ((Gauge<?>) operatorGroup.get(name)).getValue()).intValue();
        }

        Histogram histogram(String name) {
            return (Histogram) operatorGroup.get(name);
        }
    }

    /** A batch the function received and the future that completes it. */
    static final class Received {
        final List<Integer> inputs;
        final ResultFuture<Integer> future;

        Received(List<Integer> inputs, ResultFuture<Integer> future) {
            this.inputs = inputs;
            this.future = future;
        }
    }

    /** Keeps every batch for the test to complete by hand, from any thread. */
    static class ManualFunction implements AsyncBatchFunction<Integer, Integer> {
        private static final long serialVersionUID = 1L;

        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final LinkedBlockingQueue<Received> unclaimed = new LinkedBlockingQueue<>();

        @Override
        public void asyncInvokeBatch(List<Integer> inputs, ResultFuture<Integer> future) {
            Received batch = new Received(List.copyOf(inputs), future);
            received.add(batch);
            unclaimed.add(batch);
        }

        List<List<Integer>> batchInputs() {
            return received.stream().map(r -> r.inputs).collect(Collectors.toList());
        }

        Received batch(int index) {
            return received.get(index);
        }

        void complete(int index, List<Integer> results) {
            batch(index).future.complete(results);
        }

        void completeTimesTen(int index) {
            Received batch = batch(index);
            batch.future.complete(
                    batch.inputs.stream().map(x -> x * 10).collect(Collectors.toList()));
        }

        /** Hands over early results of input {@code input} of batch {@code index}. */
        @SuppressWarnings("unchecked") // the operator's future is a BatchCompletion of its OUT
        void early(int index, int input, Integer... results) {
            ((BatchCompletion<Integer>) batch(index).future)
                    .emitEarly(input, () -> List.of(results));
        }

        /** Hands over the last early results of input {@code input} of batch {@code index}. */
        @SuppressWarnings("unchecked") // the operator's future is a BatchCompletion of its OUT
        void ended(int index, int input, Integer... results) {
            ((BatchCompletion<Integer>) batch(index).future)
                    .completeInput(input, () -> List.of(results));
        }

        void awaitBatches(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }

        /** Completes every batch, past and future; completing one twice is harmless. */
        void completeAllUntilInterrupted() throws InterruptedException {
            while (true) {
                Received batch = unclaimed.take();
                batch.future.complete(
                        batch.inputs.stream().map(x -> x * 10).collect(Collectors.toList()));
            }
        }
    }

    /** A {@link ManualFunction} that counts how often the operator has it discard its calls. */
    static final class DiscardCountingFunction extends ManualFunction
            implements DiscardingFunction {
        private static final long serialVersionUID = 1L;

        int discards;

        @Override
        public void discardCallsInFlight() {
            discards++;
        }
    }

    /** Completes each batch synchronously with every input doubled. */
    static final class DoublingFunction implements AsyncBatchFunction<Integer, Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public void asyncInvokeBatch(List<Integer> inputs, ResultFuture<Integer> future) {
            future.complete(inputs.stream().map(x -> x * 2).collect(Collectors.toList()));
        }
    }
}
