package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;

/** The proxy that the operator's functions complete, on any Flink version. */
class BatchResultFutureTest {

    @Test
    void everyCompletionReachesTheBatch() throws Exception {
        Recording batch = new Recording();
        ResultFuture<Integer> future = BatchResultFuture.of(batch);

        future.complete(List.of(1, 2));
        future.completeExceptionally(new IllegalStateException("boom"));
        BatchResultFuture.completeOnTaskThread(future, () -> List.of(3));
        BatchCompletion<Integer> early = asCompletion(future);
        early.emitEarly(1, () -> List.of(4));
        early.completeInput(2, () -> List.of(5));

        assertThat(batch.events)
                .containsExactly(
                        "complete [1, 2]",
                        "failed boom",
                        "later [3]",
                        "early 1 [4]",
                        "input 2 done [5]");
        assertThat(BatchResultFuture.takesEarlyResults(future)).isTrue();
        assertThat(((BatchTimeouts.TimedResultFuture) future).timeout())
                .isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aFutureIsEqualOnlyToItself() {
        Recording batch = new Recording();
        ResultFuture<Integer> first = BatchResultFuture.of(batch);
        ResultFuture<Integer> second = BatchResultFuture.of(batch);
        Map<ResultFuture<Integer>, String> calls = new HashMap<>();
        calls.put(first, "first");
        calls.put(second, "second");

        Object sameFuture = first;
        assertThat(first.equals(sameFuture)).isTrue();
        assertThat(first.equals(second)).isFalse();
        assertThat(first.hashCode()).isEqualTo(System.identityHashCode(first));
        assertThat(calls).hasSize(2).containsEntry(first, "first");
        assertThat(first.toString()).isEqualTo("ResultFuture of a recording batch");
    }

    @Test
    void anotherFutureGetsTheResultsComputedAtOnce() {
        List<Object> completions = new ArrayList<>();
        ResultFuture<Integer> plain =
                new ResultFuture<>() {
                    @Override
                    public void complete(Collection<Integer> results) {
                        completions.add(results);
                    }

                    @Override
                    public void completeExceptionally(Throwable error) {
                        completions.add(error.getMessage());
                    }
                };

        BatchResultFuture.completeOnTaskThread(plain, () -> List.of(4));
        BatchResultFuture.completeOnTaskThread(
                plain,
                () -> {
                    throw new IllegalArgumentException("no results");
                });

        assertThat(completions).containsExactly(List.of(4), "no results");
        assertThat(BatchResultFuture.takesEarlyResults(plain)).isFalse();
    }

    @SuppressWarnings("unchecked") // the proxy is a BatchCompletion of its own OUT
    private static BatchCompletion<Integer> asCompletion(ResultFuture<Integer> future) {
        return (BatchCompletion<Integer>) future;
    }

    private static final class Recording implements BatchCompletion<Integer> {
        final List<String> events = new ArrayList<>();

        @Override
        public void complete(Collection<Integer> results) {
            events.add("complete " + results);
        }

        @Override
        public void completeOnTaskThread(Callable<? extends Collection<Integer>> results) {
            try {
                events.add("later " + results.call());
            } catch (Exception e) {
                events.add("later failed " + e.getMessage());
            }
        }

        @Override
        public void completeExceptionally(Throwable error) {
            events.add("failed " + error.getMessage());
        }

        @Override
        public void emitEarly(int input, Callable<? extends Collection<Integer>> results) {
            try {
                events.add("early " + input + " " + results.call());
            } catch (Exception e) {
                events.add("early failed " + e.getMessage());
            }
        }

        @Override
        public void completeInput(int input, Callable<? extends Collection<Integer>> results) {
            try {
                events.add("input " + input + " done " + results.call());
            } catch (Exception e) {
                events.add("input failed " + e.getMessage());
            }
        }

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(7);
        }

        @Override
        public String toString() {
            return "a recording batch";
        }
    }
}
