package org.flinktriton.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

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
 * <p>The {@linkplain Faults faults} are counted too, each as it happens and before the client can
 * see it: {@link #injectedFailures(int)}, {@link #resets()}, {@link #latencySpikes()}, {@link
 * #poisonAnswers()}, {@link #outages()}.
 *
 * <pre>{@code
 * server.faults().seed(42).failRate(0.2, 503, "reloading");
 * // ... 200 infer requests ...
 * assertThat(server.stats().injectedFailures(503)).isEqualTo(33);     // exact for seed 42
 * assertThat(server.stats().responses(503)).isEqualTo(33);
 * }</pre>
 *
 * <p>An infer request counts in {@link #inferRequests} as soon as it arrives, whatever its fate;
 * its batch size and records count only once its model has run. The in-flight window spans from
 * arrival, injected latency included, until the answer starts to go out, which is also when its
 * status counts; so a client that has its answer finds its status counted and the request no longer
 * in flight, and {@link #peakInFlight()} never exceeds the concurrency a client really used.
 *
 * <p>Requests over the {@linkplain TritonTestServer.Builder#grpc() gRPC face} count in the same
 * counters, each answer under the HTTP status it stands for (200 for a response, 503 for {@code
 * UNAVAILABLE}, …), so that a test asserts the same counts over either protocol.
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
    private final SortedMap<Integer, Long> injectedFailures = new TreeMap<>();
    private long resets;
    private long latencySpikes;
    private long poisonAnswers;
    private long poisonRecords;
    private long outages;
    private long cutByOutage;
    private long cancelled;
    private int inFlight;
    private int peakInFlight;
    private Map<String, String> lastInferHeaders = Map.of();

    ServerStats() {}

    /** Infer requests received since the last reset, for all models (unknown ones included). */
    public long inferRequests() {
        synchronized (lock) {
            return inferRequests;
        }
    }

    /**
     * The headers of the last infer request that arrived, by lower-case name, a repeated header's
     * values joined with {@code ", "}; empty before the first infer request and after {@link
     * #reset()}. Over gRPC they are the call's metadata, where a client's custom headers and bearer
     * token travel (with gRPC's own, such as {@code grpc-encoding}). For checking that a client
     * sends what it should:
     *
     * <pre>{@code
     * assertThat(server.stats().lastInferHeaders())
     *         .containsEntry("x-tenant", "blue")
     *         .containsEntry("authorization", "Bearer t0k3n");
     * }</pre>
     *
     * <p>Their values may be secrets: a test should assert on them, not print them.
     */
    public Map<String, String> lastInferHeaders() {
        synchronized (lock) {
            return lastInferHeaders;
        }
    }

    /** Infer requests received for {@code model} (the name in the URL, or gRPC's model_name). */
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

    /**
     * Infer requests answered with {@code status} by an injected failure ({@link Faults#failRate},
     * {@link Faults#failNext}, {@link Faults#failEvery}); they count in {@link #responses(int)} as
     * well. Poison answers are not injected failures: see {@link #poisonAnswers()}.
     */
    public long injectedFailures(int status) {
        synchronized (lock) {
            return injectedFailures.getOrDefault(status, 0L);
        }
    }

    /** Infer requests answered by an injected failure, by status, lowest first. */
    public SortedMap<Integer, Long> injectedFailures() {
        synchronized (lock) {
            return Collections.unmodifiableSortedMap(new TreeMap<>(injectedFailures));
        }
    }

    /**
     * Infer requests whose connection was closed without an answer by {@link Faults#resetRate}; not
     * counted in {@link #droppedOrTruncated()}.
     */
    public long resets() {
        synchronized (lock) {
            return resets;
        }
    }

    /** Infer requests delayed by a {@linkplain Faults#latencySpikes latency spike}. */
    public long latencySpikes() {
        synchronized (lock) {
            return latencySpikes;
        }
    }

    /**
     * Infer requests answered 400 because their batch held a {@linkplain Faults#poison poison
     * record}; they count in {@link #responses(int) responses(400)} as well.
     */
    public long poisonAnswers() {
        synchronized (lock) {
            return poisonAnswers;
        }
    }

    /** Poison records in the batches counted by {@link #poisonAnswers()}, summed. */
    public long poisonRecords() {
        synchronized (lock) {
            return poisonRecords;
        }
    }

    /**
     * {@linkplain TritonTestServer#outage Outages} begun. The connections refused during an outage
     * never reach the server, so they are not counted anywhere.
     */
    public long outages() {
        synchronized (lock) {
            return outages;
        }
    }

    /**
     * Infer requests cut off without an answer because an outage began while they were in flight
     * (received and not yet answering; a response already going out is cut too, but not counted).
     */
    public long cutByOutage() {
        synchronized (lock) {
            return cutByOutage;
        }
    }

    /**
     * Infer requests given up before their answer, over gRPC: the client cancelled the call or its
     * deadline passed while the server was handling it (its handler is interrupted and nothing is
     * sent). They count in no {@link #responses(int)} status.
     */
    public long cancelled() {
        synchronized (lock) {
            return cancelled;
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
     * Waits until no infer request is in flight, for example so that a request a client gave up on
     * is answered (and counted) before the next test resets the counters.
     *
     * @return whether that happened before the timeout
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (inFlight > 0) {
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
            injectedFailures.clear();
            resets = 0;
            streamResponses.reset();
            streamResets.reset();
            latencySpikes = 0;
            poisonAnswers = 0;
            poisonRecords = 0;
            outages = 0;
            cutByOutage = 0;
            cancelled = 0;
            lastInferHeaders = Map.of();
            peakInFlight = inFlight;
            lock.notifyAll();
        }
    }

    // ---- used by the server -------------------------------------------------------------------

    /** Keeps the headers of the infer request that just arrived, for {@link #lastInferHeaders}. */
    void inferHeaders(Map<String, String> headers) {
        Map<String, String> copy = Collections.unmodifiableMap(new TreeMap<>(headers));
        synchronized (lock) {
            lastInferHeaders = copy;
        }
    }

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

    /** Counted after the request left flight without an answer. */
    void inferCancelled() {
        synchronized (lock) {
            cancelled++;
            lock.notifyAll();
        }
    }

    void injectedFailure(int status) {
        synchronized (lock) {
            injectedFailures.merge(status, 1L, Long::sum);
        }
    }

    private final LongAdder streamResponses = new LongAdder();
    private final LongAdder streamResets = new LongAdder();

    /**
     * Responses that decoupled models sent over {@code ModelStreamInfer}, final empty ones and
     * error responses not counted.
     */
    public long streamResponses() {
        return streamResponses.sum();
    }

    /** {@code ModelStreamInfer} streams reset by {@link Faults#resetStreamAfter}. */
    public long streamResets() {
        return streamResets.sum();
    }

    void streamResponse() {
        streamResponses.increment();
    }

    void streamReset() {
        streamResets.increment();
    }

    /** Counted before the connection closes, which is what the client sees of a reset. */
    void inferReset() {
        synchronized (lock) {
            resets++;
            lock.notifyAll();
        }
    }

    void latencySpike() {
        synchronized (lock) {
            latencySpikes++;
        }
    }

    void poisoned(int records) {
        synchronized (lock) {
            poisonAnswers++;
            poisonRecords += records;
        }
    }

    /** An outage begins: the requests in flight now are about to be cut. */
    void outageStarted() {
        synchronized (lock) {
            outages++;
            cutByOutage += inFlight;
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
                    + ", injectedFailures="
                    + injectedFailures
                    + ", resets="
                    + resets
                    + ", latencySpikes="
                    + latencySpikes
                    + ", poisonAnswers="
                    + poisonAnswers
                    + ", outages="
                    + outages
                    + ", cancelled="
                    + cancelled
                    + ", inFlight="
                    + inFlight
                    + ", peakInFlight="
                    + peakInFlight
                    + '}';
        }
    }
}
