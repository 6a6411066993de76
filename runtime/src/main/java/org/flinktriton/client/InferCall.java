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
import org.flinktriton.TritonSchemaException;
import org.flinktriton.wire.EncodedBody;

/**
 * One {@code infer} call on the wire: splits its records into requests (by shape, then by the
 * per-request limit), sends them all (the dispatcher runs at most {@code maxConcurrentRequests} at
 * once and queues the rest) and completes the operation with the outputs in input order, or with
 * the first failure, which cancels the requests still running.
 */
final class InferCall<I, O> {
    private final ClientSettings settings;
    private final HttpTransport transport;
    private final Operation<List<O>> op;
    private final InferPlan<I, O> plan;
    private final List<I> records;
    private final Object[] results;
    private final AtomicInteger remaining = new AtomicInteger();

    private InferCall(
            ClientSettings settings,
            HttpTransport transport,
            Operation<List<O>> op,
            InferPlan<I, O> plan,
            List<I> records) {
        this.settings = settings;
        this.transport = transport;
        this.op = op;
        this.plan = plan;
        this.records = records;
        this.results = new Object[records.size()];
    }

    /**
     * Sends {@code records} to {@code url} and completes {@code op} with their outputs; a record
     * that cannot be encoded is thrown, after the requests before it have been sent.
     */
    static <I, O> void start(
            ClientSettings settings,
            HttpTransport transport,
            Operation<List<O>> op,
            InferPlan<I, O> plan,
            List<I> records,
            HttpUrl url) {
        if (!op.isActive()) {
            return;
        }
        TritonSchemaException schema = plan.schemaFailure();
        if (schema != null) {
            op.completeExceptionally(schema);
            return;
        }
        new InferCall<>(settings, transport, op, plan, records).send(url);
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

    private void send(HttpUrl url) {
        List<int[]> chunks = split();
        remaining.set(chunks.size());
        for (int[] chunk : chunks) {
            if (!op.isActive()) {
                return;
            }
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
            }
            transport.send(
                    op,
                    request,
                    what,
                    response -> read(response, part, what),
                    (outputs, error) -> {
                        if (error != null) {
                            op.completeExceptionally(error);
                        } else {
                            gather(chunk, outputs);
                        }
                    });
        }
    }

    private String requestId() {
        return settings.requestIds == null ? null : settings.requestIds.get();
    }

    /** Puts one request's outputs at their records' places; the last one completes the call. */
    private void gather(int[] chunk, List<O> outputs) {
        for (int k = 0; k < chunk.length; k++) {
            results[chunk[k]] = outputs.get(k);
        }
        if (remaining.decrementAndGet() == 0) {
            @SuppressWarnings("unchecked")
            List<O> all = (List<O>) Collections.unmodifiableList(Arrays.asList(results));
            op.complete(all);
        }
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
