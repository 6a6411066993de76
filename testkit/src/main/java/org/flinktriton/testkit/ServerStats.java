package org.flinktriton.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Counters of a {@link TritonTestServer}'s inference traffic that a test can assert on: requests
 * per model, the batch sizes the models ran, records, responses by status, and how many infer
 * requests were in flight at once. Thread-safe; {@link #reset()} starts over.
 *
 * <pre>{@code
 * client.infer(records, Result.class).join();               // 100 records, max_batch_size 8
 * assertThat(server.stats().inferRequests("add_sub")).isEqualTo(13);
 * assertThat(server.stats().batchSizes("add_sub")).containsOnly(8, 4);
 * assertThat(server.stats().records()).isEqualTo(100);
 * assertThat(server.stats().peakInFlight()).isLessThanOrEqualTo(4);
 * }</pre>
 *
 * <p>An infer request counts in {@link #inferRequests} as soon as it arrives, whatever its fate;
 * its batch size and records count only once its model has run. The in-flight window spans from
 * arrival, injected latency included, until the answer starts to go out, which is also when its
 * status counts; so a client that has its answer finds its status counted and the request no longer
 * in flight, and {@link #peakInFlight()} never exceeds the concurrency a client really used.
 */
public final class ServerStats {
    /** Enough for any test; the histogram counts beyond it. */
    static final int MAX_BATCH_SIZES_KEPT = 100_000;

    private final Object lock = new Object();
    private long inferRequests;
    private final Map<String, Long> inferRequestsByModel = new HashMap<>();
    private final List<Integer> batchSizes = new ArrayList<>();
    private final Map<String, List<Integer>> batchSizesByModel = new HashMap<>();
    private final SortedMap<Integer, Long> histogram = new TreeMap<>();
    private long records;
    private final Map<String, Long> recordsByModel = new HashMap<>();
    private final SortedMap<Integer, Long> statuses = new TreeMap<>();
    private long dropped;
    private int inFlight;
    private int peakInFlight;

    ServerStats() {}

    /** Infer requests received since the last reset, for all models (unknown ones included). */
    public long inferRequests() {
        synchronized (lock) {
            return inferRequests;
        }
    }

    /** Infer requests received for {@code model} (the name in the URL). */
    public long inferRequests(String model) {
        synchronized (lock) {
            return inferRequestsByModel.getOrDefault(model, 0L);
        }
    }

    /**
     * The batch size of every model execution, in the order they ran (the first 100 000 since the
     * last reset; {@link #batchSizeHistogram()} counts all). A model with {@code max_batch_size} 0
     * runs batches of 1.
     */
    public List<Integer> batchSizes() {
        synchronized (lock) {
            return List.copyOf(batchSizes);
        }
    }

    /** The batch sizes {@code model} ran, in order. */
    public List<Integer> batchSizes(String model) {
        synchronized (lock) {
            return List.copyOf(batchSizesByModel.getOrDefault(model, List.of()));
        }
    }

    /** How many executions ran each batch size, for all models, smallest size first. */
    public SortedMap<Integer, Long> batchSizeHistogram() {
        synchronized (lock) {
            return Collections.unmodifiableSortedMap(new TreeMap<>(histogram));
        }
    }

    /** Records the models ran: the sum of all batch sizes. */
    public long records() {
        synchronized (lock) {
            return records;
        }
    }

    /** Records {@code model} ran. */
    public long records(String model) {
        synchronized (lock) {
            return recordsByModel.getOrDefault(model, 0L);
        }
    }

    /** Infer requests answered with {@code status} (injected failures included). */
    public long responses(int status) {
        synchronized (lock) {
            return statuses.getOrDefault(status, 0L);
        }
    }

    /** Infer requests answered with a status of 400 or above. */
    public long errorResponses() {
        synchronized (lock) {
            long errors = 0;
            for (Map.Entry<Integer, Long> entry : statuses.tailMap(400).entrySet()) {
                errors += entry.getValue();
            }
            return errors;
        }
    }

    /** Infer requests whose connection was dropped or whose response was cut short. */
    public long droppedOrTruncated() {
        synchronized (lock) {
            return dropped;
        }
    }

    /** Infer requests being handled right now. */
    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    /** The most infer requests handled at the same time since the last reset. */
    public int peakInFlight() {
        synchronized (lock) {
            return peakInFlight;
        }
    }

    /**
     * Waits until at least {@code count} infer requests are in flight at once, for example to close
     * a client while its calls are on the server.
     *
     * @return whether that happened before the timeout
     */
    public boolean awaitInFlight(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (inFlight < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                waitNanos(left);
            }
            return true;
        }
    }

    /**
     * Waits until at least {@code count} infer requests have arrived since the last reset.
     *
     * @return whether that happened before the timeout
     */
    public boolean awaitInferRequests(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (inferRequests < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                waitNanos(left);
            }
            return true;
        }
    }

    /**
     * Sets every counter back to zero; requests in flight stay in flight, and the peak restarts
     * from their number.
     */
    public void reset() {
        synchronized (lock) {
            inferRequests = 0;
            inferRequestsByModel.clear();
            batchSizes.clear();
            batchSizesByModel.clear();
            histogram.clear();
            records = 0;
            recordsByModel.clear();
            statuses.clear();
            dropped = 0;
            peakInFlight = inFlight;
            lock.notifyAll();
        }
    }

    // ---- used by the server -------------------------------------------------------------------

    void inferStarted(String model) {
        synchronized (lock) {
            inferRequests++;
            inferRequestsByModel.merge(model, 1L, Long::sum);
            inFlight++;
            peakInFlight = Math.max(peakInFlight, inFlight);
            lock.notifyAll();
        }
    }

    void executed(String model, int batchSize) {
        synchronized (lock) {
            if (batchSizes.size() < MAX_BATCH_SIZES_KEPT) {
                batchSizes.add(batchSize);
            }
            List<Integer> forModel =
                    batchSizesByModel.computeIfAbsent(model, name -> new ArrayList<>());
            if (forModel.size() < MAX_BATCH_SIZES_KEPT) {
                forModel.add(batchSize);
            }
            histogram.merge(batchSize, 1L, Long::sum);
            records += batchSize;
            recordsByModel.merge(model, (long) batchSize, Long::sum);
        }
    }

    /** The request's answer starts to go out with {@code status}, or (-1) it ends without one. */
    void inferAnswering(int status) {
        synchronized (lock) {
            inFlight--;
            if (status > 0) {
                statuses.merge(status, 1L, Long::sum);
            }
            lock.notifyAll();
        }
    }

    /** The answer was dropped or truncated on purpose. */
    void inferCutShort() {
        synchronized (lock) {
            dropped++;
            lock.notifyAll();
        }
    }

    private void waitNanos(long nanos) throws InterruptedException {
        lock.wait(Math.max(1, nanos / 1_000_000), 0);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "ServerStats{inferRequests="
                    + inferRequests
                    + ", records="
                    + records
                    + ", batchSizes="
                    + histogram
                    + ", statuses="
                    + statuses
                    + ", inFlight="
                    + inFlight
                    + ", peakInFlight="
                    + peakInFlight
                    + '}';
        }
    }
}
