package org.flinktriton.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.client.spi.TransportStream;
import org.flinktriton.client.spi.TransportStreamListener;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.Tensor;

/**
 * The client's one long-lived inference stream for a decoupled model, shared by its {@code
 * inferStream} calls: records wait in a queue, go out one request each while the stream is ready
 * and the client's concurrency limit gives them a permit, and their responses are matched by
 * request id. The client asks gRPC for {@value #INBOUND_WINDOW} responses when a stream opens and
 * for one more each time one has been handled, so at most that many wait in the client and a slow
 * listener holds the server back through gRPC's flow control instead of filling the client's
 * memory.
 *
 * <p>A stream that breaks (or ends with records open) is opened again after the retry policy's
 * backoff, and its open records are sent again, first and in their order, until a record has been
 * sent {@code maxAttempts} times or its call's retry budget is spent; when {@code maxAttempts}
 * streams in a row break without a response, the records waiting fail too. A failure that is not
 * retryable (the server has no {@code ModelStreamInfer}, the model is unknown) fails the records
 * waiting too. Each record must have its final response within {@code requestTimeout} of its first
 * sending. The circuit breaker (when on) is asked before a stream is opened and told whether it
 * answered or broke; while it is open, the records waiting fail fast.
 *
 * <p><b>Adaptive concurrency.</b> A record on the stream holds a permit of the client's {@link
 * ConcurrencyLimit}, the one its unary requests use, from its sending to its final response (or its
 * failure, or the break of its stream, after which it waits for a new permit to be sent again).
 * With {@code adaptiveConcurrency} off the limit is {@code maxConcurrentRequests}, as before; with
 * it on, the limit halves when the server says it is overloaded, the same signals as for unary
 * requests: a stream that breaks with {@code UNAVAILABLE} (503) or 429, a record without its final
 * response within {@code requestTimeout} (a record's error response, which carries no status, is
 * not one); and it grows by one after a window of records that reached their final response. A
 * record's time to its final response is not a load signal of its own: it grows with the number of
 * responses the model chooses to send, which says nothing of the server's load.
 */
final class StreamSession {
    private static final String FINAL_PARAMETER = "triton_enable_empty_final_response";

    /**
     * Responses asked for ahead of the listener. With one at a time, the thread that reads the
     * stream and the one that calls the listener hand every response back and forth (two context
     * switches per response); a small window lets a run of responses through on one wake-up.
     */
    static final int INBOUND_WINDOW = 16;

    private final ClientSettings settings;
    private final TritonTransport transport;
    private final Resilience resilience;
    private final long timeoutNanos;
    private final String idPrefix =
            "fts-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";

    private final Object lock = new Object();
    private final ArrayDeque<Entry<?, ?>> queue = new ArrayDeque<>(); // guarded by lock
    private final Map<String, Entry<?, ?>> sent = new LinkedHashMap<>(); // guarded by lock
    private Handle current; // guarded by lock; null while no stream is open
    private boolean reopenWaiting; // guarded by lock
    private int breaks; // guarded by lock: breaks since the last response
    private boolean closed; // guarded by lock
    private long nextId; // guarded by lock
    private int held; // guarded by lock: responses held for AFTER_FINAL delivery
    private int maxHeld; // guarded by lock
    private long streamsOpened; // guarded by lock

    /** A permit granted by the limit while the loop waited, for the next record sent. */
    private ConcurrencyLimit.Permit spare; // guarded by lock

    /** Whether the limit will call back with a permit ({@link #permitGranted}). */
    private boolean permitAwaited; // guarded by lock

    /** Serializes sending: a stream takes its requests from one thread at a time. */
    private final Object sendLock = new Object();

    StreamSession(ClientSettings settings, TritonTransport transport, Resilience resilience) {
        this.settings = settings;
        this.transport = transport;
        this.resilience = resilience;
        this.timeoutNanos = settings.requestTimeout.toNanos();
    }

    /** One {@code inferStream} call. */
    static final class Call<I, O> {
        final Operation<Void> op;
        final InferPlan<I, O> plan;
        final StreamDelivery delivery;
        final ResponseListener<O> listener;
        final long budgetDeadline;
        final AtomicInteger open;

        Call(
                Operation<Void> op,
                InferPlan<I, O> plan,
                StreamDelivery delivery,
                ResponseListener<O> listener,
                long budgetDeadline,
                int records) {
            this.op = op;
            this.plan = plan;
            this.delivery = delivery;
            this.listener = listener;
            this.budgetDeadline = budgetDeadline;
            this.open = new AtomicInteger(records);
        }

        /** Runs a listener callback; one that throws fails the call. */
        synchronized void deliver(Runnable callback) {
            if (!op.isActive()) {
                return;
            }
            try {
                callback.run();
            } catch (RuntimeException | Error e) {
                op.completeExceptionally(
                        new TritonException("the ResponseListener of inferStream failed: " + e, e));
                FatalErrors.rethrowIfFatal(e);
            }
        }

        void recordDone() {
            if (open.decrementAndGet() == 0) {
                op.complete(null);
            }
        }
    }

    /** One record of a call, from queued to ended. Fields guarded by the session's lock. */
    private static final class Entry<I, O> {
        final Call<I, O> call;
        final int index;
        final I record;
        String id;
        int attempts;
        boolean ended;
        List<O> responses = new ArrayList<>();
        int count;
        Future<?> deadline;

        /** Its place in the client's concurrency limit while it is on the stream. */
        ConcurrencyLimit.Permit permit;

        Entry(Call<I, O> call, int index, I record) {
            this.call = call;
            this.index = index;
            this.record = record;
        }
    }

    // ---- submitting ----------------------------------------------------------------------------

    <I, O> void submit(Call<I, O> call, List<I> records) {
        synchronized (lock) {
            if (closed) {
                call.op.completeExceptionally(
                        new TritonException("client closed; no new calls are accepted"));
                return;
            }
            for (int i = 0; i < records.size(); i++) {
                queue.add(new Entry<>(call, i, records.get(i)));
            }
        }
        pump();
    }

    /**
     * Opens the stream when records wait and none is open, then sends records while the stream is
     * ready and fewer than the limit are in flight.
     */
    private void pump() {
        List<Runnable> after = new ArrayList<>();
        boolean awaitPermit = false;
        synchronized (sendLock) {
            while (true) {
                Entry<?, ?> entry;
                Handle handle;
                synchronized (lock) {
                    if (closed || reopenWaiting) {
                        break;
                    }
                    dropInactive();
                    if (queue.isEmpty()) {
                        // Nothing to send: a permit kept for it goes back to the limit.
                        giveBackSpare(after);
                        break;
                    }
                    if (current == null) {
                        current = new Handle();
                        handle = current;
                        entry = null;
                    } else {
                        handle = current;
                        if (handle.stream == null || !handle.stream.isReady()) {
                            break;
                        }
                        ConcurrencyLimit.Permit permit = spare;
                        spare = null;
                        if (permit == null) {
                            permit = resilience.tryStreamPermit();
                        }
                        if (permit == null) {
                            // As many records in flight as the limit allows: the limit calls back
                            // when one of them (or a unary request) gives its permit back.
                            if (!permitAwaited) {
                                permitAwaited = true;
                                awaitPermit = true;
                            }
                            break;
                        }
                        entry = queue.poll();
                        entry.permit = permit;
                        entry.id = idPrefix + nextId++;
                        entry.attempts++;
                        entry.responses = new ArrayList<>();
                        entry.count = 0;
                        sent.put(entry.id, entry);
                    }
                }
                if (entry == null) {
                    if (!open(handle, after)) {
                        break;
                    }
                    continue;
                }
                send(handle, entry, after);
            }
        }
        after.forEach(Runnable::run);
        if (awaitPermit) {
            resilience.awaitStreamPermit(this::permitGranted);
        }
    }

    /** The limit has a permit for the next record, as {@link #pump} asked. */
    private void permitGranted(ConcurrencyLimit.Permit permit) {
        synchronized (lock) {
            permitAwaited = false;
            if (!closed) {
                spare = permit;
                permit = null;
            }
        }
        if (permit != null) {
            resilience.returnStreamPermit(permit);
            return;
        }
        pump();
    }

    /** Under the lock: the kept permit, if any, goes back to the limit, from {@code after}. */
    private void giveBackSpare(List<Runnable> after) {
        ConcurrencyLimit.Permit permit = spare;
        if (permit != null) {
            spare = null;
            after.add(() -> resilience.returnStreamPermit(permit));
        }
    }

    /**
     * Under the lock: {@code entry} leaves the stream (its final response when {@code error} is
     * null, else a failure or a broken stream); its permit goes back to the limit, from {@code
     * after}, telling it whether the server kept up.
     */
    private void releasePermit(Entry<?, ?> entry, TritonException error, List<Runnable> after) {
        ConcurrencyLimit.Permit permit = entry.permit;
        if (permit != null) {
            entry.permit = null;
            after.add(() -> resilience.releaseStreamPermit(permit, error));
        }
    }

    /**
     * Under the lock: forgets the records at the head of the queue whose calls are over (failed,
     * cancelled), so the next one polled is to be sent. Looking at the head only keeps this O(1)
     * per record sent; the others are dropped when they reach it.
     */
    private void dropInactive() {
        Entry<?, ?> head;
        while ((head = queue.peek()) != null && (head.ended || !head.call.op.isActive())) {
            queue.poll();
        }
    }

    private boolean open(Handle handle, List<Runnable> after) {
        TritonException refused = resilience.streamPermission();
        if (refused != null) {
            // The breaker is open: the records waiting fail fast, as unary requests do.
            synchronized (lock) {
                if (current == handle) {
                    current = null;
                }
                failAllQueued(refused, after);
            }
            return false;
        }
        handle.opened = System.nanoTime();
        TransportStream stream;
        try {
            stream = transport.openStream(handle);
        } catch (TritonException e) {
            resilience.streamOutcome(0, null); // not the server's failure: give the permit back
            synchronized (lock) {
                if (current == handle) {
                    current = null;
                }
                // The transport has no streams at all: that is the calls' failure, not a record's.
                Entry<?, ?> entry;
                while ((entry = queue.poll()) != null) {
                    end(entry);
                    Operation<Void> op = entry.call.op;
                    after.add(() -> op.completeExceptionally(e));
                }
            }
            return false;
        }
        synchronized (lock) {
            handle.stream = stream;
            streamsOpened++;
        }
        stream.request(INBOUND_WINDOW);
        return true;
    }

    private <I, O> void send(Handle handle, Entry<I, O> entry, List<Runnable> after) {
        EncodedBody body;
        try {
            Map<String, Object> parameters = new LinkedHashMap<>(settings.parameters);
            parameters.put(FINAL_PARAMETER, Boolean.TRUE);
            body = entry.call.plan.encoder.encode(List.of(entry.record), entry.id, parameters);
        } catch (TritonRecordException e) {
            synchronized (lock) {
                sent.remove(entry.id);
                fail(entry, e, after);
            }
            return;
        }
        synchronized (lock) {
            if (entry.deadline == null && timeoutNanos > 0 && !entry.ended) {
                entry.deadline = timeout(entry);
            }
        }
        try {
            handle.stream.send(body);
        } catch (RuntimeException e) {
            synchronized (lock) {
                sent.remove(entry.id);
                fail(
                        entry,
                        e instanceof TritonException
                                ? (TritonException) e
                                : new TritonException("sending a request failed: " + e, e),
                        after);
            }
        }
    }

    private Future<?> timeout(Entry<?, ?> entry) {
        try {
            return transport
                    .timer()
                    .schedule(() -> timedOut(entry), timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    private void timedOut(Entry<?, ?> entry) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            if (entry.ended) {
                return;
            }
            if (entry.id != null) {
                sent.remove(entry.id);
            }
            queue.remove(entry);
            fail(
                    entry,
                    new TritonTimeoutException(
                            "record "
                                    + entry.index
                                    + " had no final response within requestTimeout "
                                    + ClientSettings.format(settings.requestTimeout)
                                    + " of being sent on ModelStreamInfer"
                                    + (entry.count > 0 ? " (" + entry.count + " responses)" : "")),
                    after);
        }
        after.forEach(Runnable::run);
        pump();
    }

    // ---- ending records ------------------------------------------------------------------------

    /** Under the lock: {@code entry} fails; the callback runs later, from {@code after}. */
    private <I, O> void fail(Entry<I, O> entry, TritonException error, List<Runnable> after) {
        if (entry.ended) {
            return;
        }
        end(entry);
        releasePermit(entry, error, after);
        TritonException failure = Operation.failure("inferStream", error, settings);
        Call<I, O> call = entry.call;
        after.add(
                () -> {
                    call.deliver(() -> call.listener.onFailure(entry.index, failure));
                    call.recordDone();
                });
    }

    private void end(Entry<?, ?> entry) {
        entry.ended = true;
        if (entry.call.delivery == StreamDelivery.AFTER_FINAL) {
            held -= entry.responses.size();
        }
        if (entry.deadline != null) {
            entry.deadline.cancel(false);
        }
    }

    /** Under the lock: every queued record fails with {@code error}. */
    private void failAllQueued(TritonException error, List<Runnable> after) {
        Entry<?, ?> entry;
        while ((entry = queue.poll()) != null) {
            fail(entry, error, after);
        }
    }

    // ---- the stream's events -------------------------------------------------------------------

    /** One opened stream's listener; events of a stream that is no longer current are ignored. */
    private final class Handle implements TransportStreamListener {
        volatile TransportStream stream;
        volatile long opened;

        /** Whether the breaker has heard of this stream's first response. */
        private boolean answered; // guarded by lock

        /** Under the lock: tells the breaker that the stream answered, once. */
        private void answered() {
            if (!answered) {
                answered = true;
                resilience.streamOutcome(System.nanoTime() - opened, null);
            }
        }

        private boolean isCurrent() {
            return current == this;
        }

        @Override
        public void onReady() {
            pump();
        }

        @Override
        public void onResponse(String id, List<Tensor> outputs, boolean last) {
            List<Runnable> after = new ArrayList<>();
            boolean freed = false;
            synchronized (lock) {
                if (isCurrent()) {
                    breaks = 0;
                    answered();
                    Entry<?, ?> entry = sent.get(id);
                    if (entry != null) {
                        freed = response(entry, outputs, last, after);
                    }
                }
            }
            after.forEach(Runnable::run);
            TransportStream s = stream;
            if (s != null) {
                s.request(1);
            }
            if (freed) {
                pump();
            }
        }

        @Override
        public void onError(String id, TritonException error) {
            List<Runnable> after = new ArrayList<>();
            synchronized (lock) {
                if (!isCurrent()) {
                    return;
                }
                answered();
                Entry<?, ?> entry = id == null ? null : sent.get(id);
                if (entry == null && id == null && sent.size() == 1) {
                    entry = sent.values().iterator().next();
                }
                if (entry != null) {
                    sent.remove(entry.id);
                    fail(entry, error, after);
                }
            }
            after.forEach(Runnable::run);
            TransportStream s = stream;
            if (s != null) {
                s.request(1);
            }
            pump();
        }

        @Override
        public void onClosed(TritonException error) {
            List<Runnable> after = new ArrayList<>();
            long delay = -1;
            synchronized (lock) {
                if (!isCurrent()) {
                    return;
                }
                current = null;
                if (closed) {
                    return;
                }
                if (error != null) {
                    // A stream that broke counts as a failed request (for a first answer's permit,
                    // or on its own later), by the breaker's rules of retryable failures.
                    answered = true;
                    resilience.streamOutcome(System.nanoTime() - opened, error);
                } else if (!answered) {
                    answered = true;
                    resilience.streamOutcome(System.nanoTime() - opened, null);
                }
                TritonException cause = error;
                if (cause == null && sent.isEmpty()) {
                    // The server ended an idle stream: open another when records come.
                    return;
                }
                if (cause == null) {
                    cause =
                            new TritonConnectionException(
                                    "ModelStreamInfer at "
                                            + settings.endpointText
                                            + " ended with "
                                            + sent.size()
                                            + " requests without their final response",
                                    null);
                }
                breaks++;
                List<Entry<?, ?>> open = new ArrayList<>(sent.values());
                sent.clear();
                long now = System.nanoTime();
                for (int i = open.size() - 1; i >= 0; i--) {
                    Entry<?, ?> entry = open.get(i);
                    if (entry.ended) {
                        continue;
                    }
                    if (!cause.retryable()
                            || entry.attempts >= resilience.maxAttempts()
                            || now - entry.call.budgetDeadline > 0) {
                        fail(entry, cause, after);
                    } else {
                        if (entry.call.delivery == StreamDelivery.AFTER_FINAL) {
                            held -= entry.responses.size();
                        }
                        entry.responses = new ArrayList<>();
                        entry.count = 0;
                        // Sent again under a new permit, when the limit has one.
                        releasePermit(entry, cause, after);
                        queue.addFirst(entry);
                    }
                }
                if (!cause.retryable() || breaks >= resilience.maxAttempts()) {
                    // Not worth another stream, or as many streams in a row broke without a
                    // response as the policy has attempts: the records waiting fail too.
                    failAllQueued(cause, after);
                    breaks = 0;
                } else if (!queue.isEmpty()) {
                    delay = resilience.backoffMillis(breaks, cause);
                    reopenWaiting = true;
                }
            }
            after.forEach(Runnable::run);
            if (delay >= 0 && !resilience.later(StreamSession.this::reopen, delay)) {
                closeAll(new TritonException("client closed while its stream was reopening"));
            }
        }
    }

    /**
     * Under the lock: a response of {@code entry}; true when it was the final one (a slot is free).
     */
    private <I, O> boolean response(
            Entry<I, O> entry, List<Tensor> outputs, boolean last, List<Runnable> after) {
        Call<I, O> call = entry.call;
        if (!outputs.isEmpty()) {
            O response;
            try {
                response = call.plan.decoder.decode(outputs, 1).get(0);
            } catch (TritonException e) {
                sent.remove(entry.id);
                fail(entry, e, after);
                return true;
            } catch (RuntimeException e) {
                sent.remove(entry.id);
                fail(entry, new TritonException("decoding a response failed: " + e, e), after);
                return true;
            }
            int index = entry.count++;
            if (call.delivery == StreamDelivery.IMMEDIATE) {
                after.add(
                        () ->
                                call.deliver(
                                        () ->
                                                call.listener.onResponse(
                                                        entry.index, index, response)));
            } else {
                entry.responses.add(response);
                held++;
                maxHeld = Math.max(maxHeld, held);
            }
        }
        if (!last) {
            return false;
        }
        sent.remove(entry.id);
        List<O> responses = entry.responses;
        int count = entry.count;
        boolean buffered = call.delivery == StreamDelivery.AFTER_FINAL;
        end(entry);
        releasePermit(entry, null, after);
        after.add(
                () -> {
                    call.deliver(
                            () -> {
                                if (buffered) {
                                    for (int i = 0; i < responses.size(); i++) {
                                        call.listener.onResponse(entry.index, i, responses.get(i));
                                    }
                                }
                                call.listener.onEnd(entry.index, count);
                            });
                    call.recordDone();
                });
        return true;
    }

    private void reopen() {
        synchronized (lock) {
            reopenWaiting = false;
        }
        pump();
    }

    // ---- state and close -----------------------------------------------------------------------

    /** Responses held now for {@link StreamDelivery#AFTER_FINAL} delivery, and the most ever. */
    int[] heldResponses() {
        synchronized (lock) {
            return new int[] {held, maxHeld};
        }
    }

    /** Streams opened so far. */
    long streamsOpened() {
        synchronized (lock) {
            return streamsOpened;
        }
    }

    /** Fails every record not ended and cancels the stream. */
    void close() {
        closeAll(new TritonException("client closed; the stream's records were cancelled"));
    }

    private void closeAll(TritonException error) {
        List<Runnable> after = new ArrayList<>();
        Handle handle;
        synchronized (lock) {
            closed = true;
            handle = current;
            current = null;
            for (Entry<?, ?> entry : sent.values()) {
                fail(entry, error, after);
            }
            sent.clear();
            failAllQueued(error, after);
            giveBackSpare(after);
        }
        if (handle != null && handle.stream != null) {
            handle.stream.cancel("client closed");
        }
        after.forEach(Runnable::run);
    }
}
