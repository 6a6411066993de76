package org.flinktriton.client;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.concurrent.atomic.AtomicInteger;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.client.spi.TransportCallback;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.Tensor;

/**
 * One {@code infer} or {@code inferEach} call on the wire: splits its records into requests (by
 * shape, then by the per-request limits of records and of input bytes; a record over the byte limit
 * alone fails without being sent) and sends each through {@link Resilience} (concurrency limit,
 * circuit breaker, retries of that request alone).
 *
 * <p>{@code infer} completes the operation with the outputs in input order, or with the first
 * failure, which cancels the requests still running. {@code inferEach} gives every record an {@link
 * InferenceOutcome} instead, and isolates the records a server rejects: a request that fails with
 * an answer one of its records may have caused (400, 422, 500) is split in halves, and each half
 * sent again, until the failing records stand alone. A batch of {@code n} with one such record
 * costs {@code 2·log2(n)} extra requests; a record that cannot even be encoded is isolated the same
 * way, locally, without requests.
 *
 * <p>So that a broken server (a model that fails whatever it gets) is not asked many times over,
 * bisection is bounded twice:
 *
 * <ul>
 *   <li>The call sends at most {@code maxBisectionRequests} extra requests; past that, a rejected
 *       request's records fail with the rejection.
 *   <li>The halves of a request are decided together (a rejected half waits for its sibling). When
 *       both are rejected with the same status while no request of the call has passed, only the
 *       larger half is bisected further, as a probe; the other waits. As soon as any request
 *       passes, the server works and the waiting halves are bisected too. When the probe ends with
 *       no request passed, the status is the server's failure, not a record's: the waiting halves
 *       and every request rejected with it fail with their rejection, unsplit, and each such
 *       request counts toward the circuit breaker (which otherwise counts a 400, 422 or 500 neither
 *       way). A broken server thus costs {@code 2·log2(n)} extra requests for a request of {@code
 *       n}, as one rejected record does, not {@code 2n - 2}; rejected records in both halves still
 *       stand alone in the end, since the probe finds a passing request among the good records.
 * </ul>
 */
final class InferCall<I, O> {
    private final ClientSettings settings;
    private final TritonTransport transport;
    private final Resilience resilience;
    private final Operation<?> op;
    private final InferPlan<I, O> plan;
    private final List<I> records;
    private final boolean each;
    private final long deadline;
    private final Object[] results;
    private final TritonException[] failures;
    private final int[] attempts;

    /** Records without an outcome yet; the call completes when it reaches 0. */
    private final AtomicInteger remaining;

    private InferCall(
            ClientSettings settings,
            TritonTransport transport,
            Resilience resilience,
            Operation<?> op,
            InferPlan<I, O> plan,
            List<I> records,
            boolean each) {
        this.settings = settings;
        this.transport = transport;
        this.resilience = resilience;
        this.op = op;
        this.plan = plan;
        this.records = records;
        this.each = each;
        this.deadline = resilience.deadline();
        this.results = new Object[records.size()];
        this.failures = each ? new TritonException[records.size()] : null;
        this.attempts = new int[records.size()];
        this.remaining = new AtomicInteger(records.size());
        this.budget = settings.options.maxBisectionRequests();
    }

    /**
     * Sends {@code records} to {@code url} and completes {@code op} with their outputs; a record
     * that cannot be encoded is thrown, after the requests before it have been sent.
     */
    static <I, O> void start(
            ClientSettings settings,
            TritonTransport transport,
            Resilience resilience,
            Operation<List<O>> op,
            InferPlan<I, O> plan,
            List<I> records) {
        start(settings, transport, resilience, op, plan, records, false);
    }

    /**
     * Sends {@code records} to {@code url} and completes {@code op} with one outcome per record, in
     * input order. Only a failure that concerns every record (classes that do not match the model)
     * completes it exceptionally.
     */
    static <I, O> void startEach(
            ClientSettings settings,
            TritonTransport transport,
            Resilience resilience,
            Operation<List<InferenceOutcome<O>>> op,
            InferPlan<I, O> plan,
            List<I> records) {
        start(settings, transport, resilience, op, plan, records, true);
    }

    private static <I, O> void start(
            ClientSettings settings,
            TritonTransport transport,
            Resilience resilience,
            Operation<?> op,
            InferPlan<I, O> plan,
            List<I> records,
            boolean each) {
        if (!op.isActive()) {
            return;
        }
        TritonSchemaException schema = plan.schemaFailure();
        if (schema != null) {
            op.completeExceptionally(schema);
            return;
        }
        new InferCall<>(settings, transport, resilience, op, plan, records, each).send();
    }

    /**
     * Index groups of the records, one per request, each in input order. For {@code inferEach}, a
     * record that does not fit its tensor spec goes alone and is noted in {@link #unsendable}, to
     * fail before it is sent; for {@code infer}, it fails the call.
     */
    private List<int[]> split() {
        List<int[]> chunks = new ArrayList<>();
        long maxBytes = settings.maxRequestBytes;
        List<int[]> groups =
                each
                        ? plan.encoder.groupByShape(
                                records,
                                (failure, index) -> {
                                    unsendable(index, failure);
                                    chunks.add(new int[] {index});
                                })
                        : plan.encoder.groupByShape(records);
        for (int[] group : groups) {
            if (maxBytes > 0) {
                splitByBytes(group, maxBytes, chunks);
                continue;
            }
            for (int from = 0; from < group.length; from += plan.recordsPerRequest) {
                int to = (int) Math.min(group.length, (long) from + plan.recordsPerRequest);
                chunks.add(
                        from == 0 && to == group.length
                                ? group
                                : Arrays.copyOfRange(group, from, to));
            }
        }
        return chunks;
    }

    /**
     * Splits a group of records of one shape into requests of at most {@code recordsPerRequest}
     * records and {@code maxBytes} input bytes. A record larger than {@code maxBytes} goes alone
     * and is noted in {@link #unsendable}, to fail before it is sent.
     */
    private void splitByBytes(int[] group, long maxBytes, List<int[]> chunks) {
        boolean sameSize = plan.encoder.inputBytesFollowShape();
        long size = -1;
        int from = 0;
        long bytes = 0;
        for (int k = 0; k < group.length; k++) {
            if (!sameSize || size < 0) {
                size = plan.encoder.inputBytes(records.get(group[k]));
            }
            if (size > maxBytes) {
                if (k > from) {
                    chunks.add(Arrays.copyOfRange(group, from, k));
                }
                chunks.add(new int[] {group[k]});
                unsendable(group[k], tooLarge(group[k], size));
                from = k + 1;
                bytes = 0;
                continue;
            }
            if (k > from && (k - from == plan.recordsPerRequest || bytes + size > maxBytes)) {
                chunks.add(Arrays.copyOfRange(group, from, k));
                from = k;
                bytes = 0;
            }
            bytes += size;
        }
        if (from < group.length) {
            chunks.add(from == 0 ? group : Arrays.copyOfRange(group, from, group.length));
        }
    }

    /**
     * The records that fail before they are sent, by index, with why: too large for any request, or
     * (for {@code inferEach}) not fitting their tensor spec; null when there are none. Written by
     * {@link #split} before the first request is sent.
     */
    private Map<Integer, TritonRecordException> unsendable;

    private void unsendable(int index, TritonRecordException failure) {
        if (unsendable == null) {
            unsendable = new HashMap<>();
        }
        unsendable.put(index, failure);
    }

    /** The failure of a record of {@code size} input bytes, over {@code maxRequestBytes}. */
    private TritonRecordException tooLarge(int index, long size) {
        long max = settings.maxRequestBytes;
        boolean defaulted = settings.options.maxRequestBytes().isEmpty();
        return new TritonRecordException(
                "Record "
                        + index
                        + " ("
                        + records.get(index).getClass().getSimpleName()
                        + ") has "
                        + size
                        + " bytes of input tensors, over maxRequestBytes "
                        + max
                        + (defaulted ? " (the default for gRPC)" : "")
                        + ": no request can carry it, so it was not sent; raise maxRequestBytes"
                        + " (flink-triton.client.max-request-bytes) up to the server's message"
                        + " size limit (Triton: 2 GiB; gRPC servers: 4 MiB by default)");
    }

    private void send() {
        for (int[] chunk : split()) {
            if (!op.isActive()) {
                return;
            }
            send(new Part(chunk, null));
        }
    }

    private void send(Part part) {
        int[] chunk = part.indexes;
        List<I> batch = new IndexedList<>(records, chunk);
        String what =
                transport.describe(TritonTransport.Exchange.MODEL_INFER)
                        + " ("
                        + batch.size()
                        + (batch.size() == 1 ? " record)" : " records)");
        EncodedBody body;
        try {
            TritonRecordException unfit =
                    unsendable == null || chunk.length != 1 ? null : unsendable.get(chunk[0]);
            if (unfit != null) {
                throw unfit;
            }
            body = plan.encoder.encode(batch, requestId(), settings.parameters);
        } catch (TritonRecordException e) {
            if (!each) {
                throw e;
            }
            unencodable(part, e);
            return;
        }
        resilience.<List<O>>exchange(
                op,
                deadline,
                done -> transport.infer(body, what, decoding(batch, what, done)),
                what,
                (outputs, error, tries) -> {
                    for (int index : chunk) {
                        attempts[index] += tries;
                    }
                    if (error != null) {
                        failed(part, error);
                    } else {
                        succeeded(part, outputs);
                    }
                });
    }

    /**
     * A callback that decodes the outputs of {@code batch}'s response and passes them on. A codec
     * that fails fails the request; a {@linkplain FatalErrors fatal error} travels as the failure's
     * cause (the operation completes with it as itself) and is then thrown on, to this thread's
     * uncaught exception handler.
     */
    private TransportCallback<List<Tensor>> decoding(
            List<I> batch, String what, TransportCallback<List<O>> done) {
        return (tensors, error) -> {
            List<O> outputs = null;
            TritonException failure = error;
            Error fatal = null;
            if (failure == null) {
                try {
                    outputs = read(tensors, batch, what);
                } catch (TritonException e) {
                    failure = e;
                } catch (RuntimeException | Error e) {
                    if (FatalErrors.isFatal(e)) {
                        fatal = (Error) e;
                    }
                    failure =
                            new TritonException(
                                    "handling the response to " + what + " failed: " + e, e);
                }
            }
            done.done(outputs, failure);
            if (fatal != null) {
                throw fatal;
            }
        };
    }

    // ---- inferEach: isolating rejected records -------------------------------------------------

    /**
     * The records of one request: one of the call's first requests, or a half of a request that was
     * rejected. Its fields other than the records are guarded by the call ({@code this}).
     */
    private static final class Part {
        final int[] indexes;

        /** The rejected request this is a half of; null for one of the call's first requests. */
        final Part parent;

        /** The other half; null for one of the call's first requests. */
        Part sibling;

        boolean answered;

        /** Its rejection, held back until the sibling has answered too. */
        TritonServerException held;

        /** The second half waiting for this first half's bisection (the probe), or null. */
        Part suspect;

        /** The suspect's rejection. */
        TritonServerException suspectRejection;

        /** Records of this part without an outcome yet. */
        int open;

        Part(int[] indexes, Part parent) {
            this.indexes = indexes;
            this.parent = parent;
            this.open = indexes.length;
        }
    }

    /** Extra requests this call may still send to isolate rejected records. Guarded by this. */
    private int budget;

    /** Whether a request ran out of budget and failed rejected without being split. */
    private boolean budgetSpent; // guarded by this

    /** Whether a request of this call has passed: the server works. Guarded by this. */
    private boolean passed;

    /** The status found to be the server's failure rather than a record's; 0 until then. */
    private int serverStatus; // guarded by this

    /** Each request rejected so far. Guarded by this. */
    private final List<Rejected> rejections = new ArrayList<>();

    /** Probes with a suspect waiting: when any request passes, the suspects are split. */
    private final List<Part> probes = new ArrayList<>(); // guarded by this

    /** A request rejected with {@code status}; whether the breaker has been told of it. */
    private static final class Rejected {
        final int status;
        boolean counted;

        Rejected(int status) {
            this.status = status;
        }
    }

    /**
     * A record of {@code part} cannot be encoded: halve locally, since encoding costs no request,
     * until it stands alone. The halves that encode are sent as they are.
     */
    private void unencodable(Part part, TritonRecordException e) {
        List<Runnable> next = new ArrayList<>(1);
        synchronized (this) {
            // Answered, as far as a rejected sibling waiting for it is concerned.
            part.answered = true;
            pairAnswered(part, null, next);
        }
        if (part.indexes.length == 1) {
            fail(part, e);
        } else {
            split(part, false);
        }
        next.forEach(Runnable::run);
    }

    /** A request of {@code part} succeeded. */
    private void succeeded(Part part, List<O> outputs) {
        int[] chunk = part.indexes;
        for (int k = 0; k < chunk.length; k++) {
            results[chunk[k]] = outputs.get(k);
        }
        if (!each) {
            finish(chunk.length);
            return;
        }
        List<Runnable> next = new ArrayList<>(2);
        synchronized (this) {
            part.answered = true;
            if (!passed) {
                passed = true;
                releaseSuspects(next);
            }
            pairAnswered(part, null, next);
            settled(part, next);
        }
        finish(chunk.length);
        next.forEach(Runnable::run);
    }

    /** A request of {@code part} failed, its retries spent. */
    private void failed(Part part, TritonException error) {
        if (!each || FatalErrors.find(error) != null) {
            // A fatal error is no record's outcome: it fails the call as itself (see Operation).
            op.completeExceptionally(error);
            return;
        }
        List<Runnable> next = new ArrayList<>(2);
        synchronized (this) {
            part.answered = true;
            if (!Resilience.mayBeARecord(error)) {
                next.add(() -> fail(part, error));
                pairAnswered(part, null, next);
            } else {
                TritonServerException rejection = (TritonServerException) error;
                rejections.add(new Rejected(rejection.statusCode()));
                if (serverStatus == rejection.statusCode()) {
                    next.add(() -> fail(part, error));
                    countServerFailures(next, rejection);
                    pairAnswered(part, null, next);
                } else if (part.sibling != null && !part.sibling.answered) {
                    part.held = rejection;
                } else {
                    pairAnswered(part, rejection, next);
                }
            }
        }
        next.forEach(Runnable::run);
    }

    /**
     * Under the lock: {@code part} has answered, rejected with {@code rejection} or otherwise
     * (null; its outcome is taken care of). Decides what follows for it and its sibling, now that
     * both have answered: a rejected half is split in turn, unless both halves were rejected alike
     * while no request of the call has passed. Then the first half is split (the probe) and the
     * second waits as a suspect: it is split as soon as any request passes, and when the probe ends
     * with every record rejected alike, the answer is the server's, not a record's.
     */
    private void pairAnswered(Part part, TritonServerException rejection, List<Runnable> next) {
        Part sibling = part.sibling;
        TritonServerException other = null;
        if (sibling != null && sibling.held != null) {
            other = sibling.held;
            sibling.held = null;
        }
        if (rejection != null
                && other != null
                && !passed
                && rejection.statusCode() == other.statusCode()) {
            // The larger half is the probe: it has more records to tell the server's failure
            // from a record's.
            boolean partProbes = part.indexes.length > sibling.indexes.length;
            Part probe = partProbes ? part : sibling;
            probe.suspect = partProbes ? sibling : part;
            probe.suspectRejection = partProbes ? other : rejection;
            next.add(splitOrFail(probe, partProbes ? rejection : other));
            return;
        }
        if (rejection != null) {
            next.add(splitOrFail(part, rejection));
        }
        if (other != null) {
            next.add(splitOrFail(sibling, other));
        }
    }

    /** Under the lock: a request passed, so every suspect waiting for a probe is split now. */
    private void releaseSuspects(List<Runnable> next) {
        for (Part probe : probes) {
            Part suspect = probe.suspect;
            if (suspect != null) {
                probe.suspect = null;
                next.add(splitOrFail(suspect, probe.suspectRejection));
            }
        }
        probes.clear();
    }

    /**
     * Under the lock: the records of {@code part} have their outcomes. A probe that is done now
     * decides its suspect: split it when a request has passed meanwhile; else its records and the
     * probe's were all rejected alike, so that answer is the server's: the suspect fails with it
     * and every request rejected so counts toward the circuit breaker.
     */
    private void settled(Part part, List<Runnable> next) {
        int count = part.indexes.length;
        for (Part p = part; p != null; p = p.parent) {
            p.open -= count;
            if (p.open > 0 || p.suspect == null) {
                continue;
            }
            Part suspect = p.suspect;
            TritonServerException rejection = p.suspectRejection;
            p.suspect = null;
            if (passed) {
                next.add(splitOrFail(suspect, rejection));
            } else if (budgetSpent) {
                next.add(() -> fail(suspect, rejection));
            } else {
                serverStatus = rejection.statusCode();
                countServerFailures(next, rejection);
                next.add(() -> fail(suspect, rejection));
            }
        }
    }

    /** Under the lock: tells the breaker of each rejection with the server's status, once. */
    private void countServerFailures(List<Runnable> next, TritonServerException rejection) {
        for (Rejected rejected : rejections) {
            if (rejected.status == serverStatus && !rejected.counted) {
                rejected.counted = true;
                next.add(() -> resilience.countServerFailure(rejection));
            }
        }
    }

    /**
     * Under the lock: halves for a rejected {@code part}, if it has records to split and budget.
     */
    private Runnable splitOrFail(Part part, TritonServerException rejection) {
        if (part.indexes.length > 1 && budget >= 2 && serverStatus != rejection.statusCode()) {
            budget -= 2;
            if (part.suspect != null) {
                probes.add(part);
            }
            return () -> split(part, true);
        }
        if (part.indexes.length > 1 && budget < 2) {
            budgetSpent = true;
            resilience.bisectionBudgetSpent(settings.options.maxBisectionRequests());
        }
        return () -> fail(part, rejection);
    }

    /** Sends the halves of {@code part}; {@code extra} when they are requests sent again. */
    private void split(Part part, boolean extra) {
        int[] chunk = part.indexes;
        int half = chunk.length / 2;
        Part first = new Part(Arrays.copyOfRange(chunk, 0, half), part);
        Part second = new Part(Arrays.copyOfRange(chunk, half, chunk.length), part);
        first.sibling = second;
        second.sibling = first;
        if (extra) {
            resilience.countBisectionRequests(2);
        }
        try {
            send(first);
            send(second);
        } catch (RuntimeException | Error e) {
            // On an HTTP thread: nobody else would see it.
            op.completeExceptionally(e);
            FatalErrors.rethrowIfFatal(e);
        }
    }

    /** The records of {@code part} fail with {@code error}. */
    private void fail(Part part, TritonException error) {
        TritonException failure = Operation.failure("inferEach", error, settings);
        for (int index : part.indexes) {
            failures[index] = failure;
        }
        List<Runnable> next = new ArrayList<>(1);
        synchronized (this) {
            settled(part, next);
        }
        finish(part.indexes.length);
        next.forEach(Runnable::run);
    }

    private String requestId() {
        return settings.requestIds == null ? null : settings.requestIds.get();
    }

    /** Counts {@code count} records done; the last one completes the call. */
    @SuppressWarnings("unchecked")
    private void finish(int count) {
        if (remaining.addAndGet(-count) != 0) {
            return;
        }
        if (!each) {
            List<O> all = (List<O>) Collections.unmodifiableList(Arrays.asList(results));
            ((Operation<List<O>>) op).complete(all);
            return;
        }
        List<InferenceOutcome<O>> outcomes = new ArrayList<>(results.length);
        for (int i = 0; i < results.length; i++) {
            outcomes.add(
                    failures[i] != null
                            ? InferenceOutcome.failed(failures[i], attempts[i])
                            : InferenceOutcome.success((O) results[i], attempts[i]));
        }
        ((Operation<List<InferenceOutcome<O>>>) op)
                .complete(Collections.unmodifiableList(outcomes));
    }

    @SuppressWarnings("unchecked")
    private List<O> read(List<Tensor> tensors, List<I> part, String what) {
        List<O> outputs =
                plan.enrich
                        ? plan.decoder.enrich(tensors, (List<O>) part)
                        : plan.decoder.decode(tensors, part.size());
        if (outputs.size() != part.size()) {
            throw new TritonProtocolException(
                    what + " gave " + outputs.size() + " results for " + part.size() + " records");
        }
        return outputs;
    }

    /** A view of some of a list's elements, by index. */
    private static final class IndexedList<T> extends AbstractList<T> implements RandomAccess {
        private final List<T> list;
        private final int[] indexes;

        IndexedList(List<T> list, int[] indexes) {
            this.list = list;
            this.indexes = indexes;
        }

        @Override
        public T get(int i) {
            return list.get(indexes[i]);
        }

        @Override
        public int size() {
            return indexes.length;
        }
    }
}
