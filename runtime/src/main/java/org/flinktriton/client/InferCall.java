package org.flinktriton.client;

import java.io.IOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.wire.EncodedBody;

/**
 * One {@code infer} or {@code inferEach} call on the wire: splits its records into requests (by
 * shape, then by the per-request limit) and sends each through {@link Resilience} (concurrency
 * limit, circuit breaker, retries of that request alone).
 *
 * <p>{@code infer} completes the operation with the outputs in input order, or with the first
 * failure, which cancels the requests still running. {@code inferEach} gives every record an {@link
 * InferenceOutcome} instead, and isolates the records a server rejects: a request that fails with
 * an answer one of its records may have caused (400, 422, 500) is split in halves, and each half
 * sent again, until the failing records stand alone. A batch of {@code n} with one such record
 * costs {@code 2·log2(n)} extra requests; a record that cannot even be encoded is isolated the same
 * way, locally, without requests.
 */
final class InferCall<I, O> {
    private final ClientSettings settings;
    private final HttpTransport transport;
    private final Resilience resilience;
    private final Operation<?> op;
    private final InferPlan<I, O> plan;
    private final List<I> records;
    private final boolean each;
    private final long deadline;
    private final HttpUrl url;
    private final Object[] results;
    private final TritonException[] failures;
    private final int[] attempts;

    /** Records without an outcome yet; the call completes when it reaches 0. */
    private final AtomicInteger remaining;

    private InferCall(
            ClientSettings settings,
            HttpTransport transport,
            Resilience resilience,
            Operation<?> op,
            InferPlan<I, O> plan,
            List<I> records,
            boolean each,
            HttpUrl url) {
        this.settings = settings;
        this.transport = transport;
        this.resilience = resilience;
        this.op = op;
        this.plan = plan;
        this.records = records;
        this.each = each;
        this.deadline = resilience.deadline();
        this.url = url;
        this.results = new Object[records.size()];
        this.failures = each ? new TritonException[records.size()] : null;
        this.attempts = new int[records.size()];
        this.remaining = new AtomicInteger(records.size());
    }

    /**
     * Sends {@code records} to {@code url} and completes {@code op} with their outputs; a record
     * that cannot be encoded is thrown, after the requests before it have been sent.
     */
    static <I, O> void start(
            ClientSettings settings,
            HttpTransport transport,
            Resilience resilience,
            Operation<List<O>> op,
            InferPlan<I, O> plan,
            List<I> records,
            HttpUrl url) {
        start(settings, transport, resilience, op, plan, records, false, url);
    }

    /**
     * Sends {@code records} to {@code url} and completes {@code op} with one outcome per record, in
     * input order. Only a failure that concerns every record (classes that do not match the model)
     * completes it exceptionally.
     */
    static <I, O> void startEach(
            ClientSettings settings,
            HttpTransport transport,
            Resilience resilience,
            Operation<List<InferenceOutcome<O>>> op,
            InferPlan<I, O> plan,
            List<I> records,
            HttpUrl url) {
        start(settings, transport, resilience, op, plan, records, true, url);
    }

    private static <I, O> void start(
            ClientSettings settings,
            HttpTransport transport,
            Resilience resilience,
            Operation<?> op,
            InferPlan<I, O> plan,
            List<I> records,
            boolean each,
            HttpUrl url) {
        if (!op.isActive()) {
            return;
        }
        TritonSchemaException schema = plan.schemaFailure();
        if (schema != null) {
            op.completeExceptionally(schema);
            return;
        }
        new InferCall<>(settings, transport, resilience, op, plan, records, each, url).send();
    }

    /** Index groups of the records, one per request, each in input order. */
    private List<int[]> split() {
        List<int[]> chunks = new ArrayList<>();
        for (int[] group : plan.encoder.groupByShape(records)) {
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

    private void send() {
        for (int[] chunk : split()) {
            if (!op.isActive()) {
                return;
            }
            send(chunk);
        }
    }

    private void send(int[] chunk) {
        List<I> part = new IndexedList<>(records, chunk);
        String what =
                ModelEndpoints.describe("POST", url)
                        + " ("
                        + part.size()
                        + (part.size() == 1 ? " record)" : " records)");
        Request request;
        try {
            EncodedBody body = plan.encoder.encode(part, requestId(), settings.parameters);
            request = transport.post(url, body);
        } catch (IOException e) {
            throw new TritonException("compressing the request failed: " + e, e);
        } catch (TritonRecordException e) {
            if (!each) {
                throw e;
            }
            // Which record is it? Halve locally: encoding costs no request.
            failed(chunk, e);
            return;
        }
        resilience.exchange(
                op,
                deadline,
                request,
                what,
                response -> read(response, part, what),
                (outputs, error, tries) -> {
                    for (int index : chunk) {
                        attempts[index] += tries;
                    }
                    if (error != null) {
                        failed(chunk, error);
                    } else {
                        gather(chunk, outputs);
                    }
                });
    }

    /** A request of {@code chunk} failed, its retries spent. */
    private void failed(int[] chunk, TritonException error) {
        if (!each || FatalErrors.find(error) != null) {
            // A fatal error is no record's outcome: it fails the call as itself (see Operation).
            op.completeExceptionally(error);
            return;
        }
        if (chunk.length > 1 && mayBeARecord(error)) {
            int half = chunk.length / 2;
            int[] first = Arrays.copyOfRange(chunk, 0, half);
            int[] second = Arrays.copyOfRange(chunk, half, chunk.length);
            if (!(error instanceof TritonRecordException)) {
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
            return;
        }
        TritonException failure = Operation.failure("inferEach", error, settings);
        for (int index : chunk) {
            failures[index] = failure;
        }
        finish(chunk.length);
    }

    /**
     * Whether one of the request's records may have caused {@code error}, so that smaller requests
     * can find it: a record that cannot be encoded, an invalid argument (400), an unprocessable
     * entity (422), or the model failing (500). Not: an unwell server, an unknown model, a broken
     * protocol; those would fail every half alike.
     */
    private static boolean mayBeARecord(TritonException error) {
        if (error instanceof TritonRecordException) {
            return true;
        }
        if (error instanceof TritonServerException) {
            int status = ((TritonServerException) error).statusCode();
            return status == 400 || status == 422 || status == 500;
        }
        return false;
    }

    private String requestId() {
        return settings.requestIds == null ? null : settings.requestIds.get();
    }

    /** Puts one request's outputs at their records' places. */
    private void gather(int[] chunk, List<O> outputs) {
        for (int k = 0; k < chunk.length; k++) {
            results[chunk[k]] = outputs.get(k);
        }
        finish(chunk.length);
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
    private List<O> read(Response response, List<I> part, String what) throws IOException {
        transport.requireSuccess(response, what);
        byte[] body = transport.readBody(response, settings.maxResponseBytes, what);
        int headerLength = headerLength(response.header(EncodedBody.HEADER_LENGTH), what);
        List<O> outputs =
                plan.enrich
                        ? plan.decoder.enrich(body, headerLength, (List<O>) part)
                        : plan.decoder.decode(body, headerLength, part.size());
        if (outputs.size() != part.size()) {
            throw new TritonProtocolException(
                    what + " gave " + outputs.size() + " results for " + part.size() + " records");
        }
        return outputs;
    }

    private static int headerLength(String value, String what) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            int length = Integer.parseInt(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TritonProtocolException(
                "the response to "
                        + what
                        + " has an invalid "
                        + EncodedBody.HEADER_LENGTH
                        + " '"
                        + (value.length() > 40 ? value.substring(0, 40) + "..." : value)
                        + "'");
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
