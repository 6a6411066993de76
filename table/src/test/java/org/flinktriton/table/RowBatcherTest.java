package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RowBatcherTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final LinkedBlockingQueue<List<Integer>> sent = new LinkedBlockingQueue<>();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void aFullBatchGoesOutAtOnceOnTheAddingThread() {
        RowBatcher<Integer> batcher = new RowBatcher<>(3, Duration.ofHours(1), sent::add, timer);
        for (int i = 0; i < 7; i++) {
            batcher.add(i);
        }

        assertThat(sent).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5));
        assertThat(batcher.pending()).isEqualTo(1);
    }

    @Test
    void aPartialBatchGoesOutAfterTheDelaySinceItsOldestItem() throws Exception {
        RowBatcher<Integer> batcher =
                new RowBatcher<>(100, Duration.ofMillis(50), sent::add, timer);
        long start = System.nanoTime();
        batcher.add(1);
        batcher.add(2);

        List<Integer> batch = sent.poll(5, TimeUnit.SECONDS);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(batch).containsExactly(1, 2);
        assertThat(waitedMillis).isGreaterThanOrEqualTo(45);
        batcher.add(3);
        assertThat(sent.poll(5, TimeUnit.SECONDS)).containsExactly(3);
    }

    @Test
    void closingHandsBackWhatWasNotSentAndRefusesMore() {
        RowBatcher<Integer> batcher = new RowBatcher<>(10, Duration.ofHours(1), sent::add, timer);
        batcher.add(1);
        batcher.add(2);

        assertThat(batcher.closeAndDrain()).containsExactly(1, 2);
        assertThat(sent).isEmpty();
        assertThatThrownBy(() -> batcher.add(3)).isInstanceOf(IllegalStateException.class);
    }
}
