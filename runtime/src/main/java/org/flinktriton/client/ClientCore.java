package org.flinktriton.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.flinktriton.TritonException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * What {@link TritonModelClient} does: begins each call as a tracked {@link Operation}, hands it to
 * {@link ModelEndpoints} or an {@link InferCall}, and closes gracefully: no new calls, a wait for
 * those in flight, then cancellation.
 */
final class ClientCore {
    private final ClientSettings settings;
    private final HttpResources resources;
    private final HttpTransport transport;
    private final ModelEndpoints endpoints;
    private final Map<List<Object>, InferPlan<?, ?>> plans = new ConcurrentHashMap<>();
    private final Map<Class<?>, TritonInputCodec<?>> inputCodecs = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    private final Set<Operation<?>> inFlight = new HashSet<>(); // guarded by lock
    private boolean closing; // guarded by lock
    private final CountDownLatch closed = new CountDownLatch(1);

    ClientCore(ClientSettings settings) {
        this.settings = settings;
        this.resources = new HttpResources(settings);
        this.transport = new HttpTransport(settings, resources);
        this.endpoints = new ModelEndpoints(settings, transport);
    }

    ClientSettings settings() {
        return settings;
    }

    // ---- operations --------------------------------------------------------------------------

    /** A new operation, tracked until done; already failed when the client is closing. */
    private <T> Operation<T> begin() {
        Operation<T> op = new Operation<>(this::finished);
        synchronized (lock) {
            if (!closing) {
                inFlight.add(op);
                return op;
            }
        }
        op.completeExceptionally(closedException());
        return op;
    }

    private void finished(Operation<?> op) {
        synchronized (lock) {
            if (inFlight.remove(op) && inFlight.isEmpty()) {
                lock.notifyAll();
            }
        }
    }

    private TritonException closedException() {
        return new TritonException(
                settings.modelText + ": client closed; no new calls are accepted");
    }

    private void ensureOpen() {
        synchronized (lock) {
            if (closing) {
                throw closedException();
            }
        }
    }

    // ---- endpoints ---------------------------------------------------------------------------

    CompletableFuture<Boolean> serverLive() {
        Operation<Boolean> op = begin();
        if (!op.isDone()) {
            endpoints.serverLive(op);
        }
        return op;
    }

    CompletableFuture<Boolean> serverReady() {
        Operation<Boolean> op = begin();
        if (!op.isDone()) {
            endpoints.serverReady(op);
        }
        return op;
    }

    CompletableFuture<Boolean> modelReady() {
        Operation<Boolean> op = begin();
        if (!op.isDone()) {
            endpoints.modelReady(op);
        }
        return op;
    }

    CompletableFuture<TritonModelInfo> modelInfo() {
        Operation<TritonModelInfo> op = begin();
        if (!op.isDone()) {
            endpoints
                    .info()
                    .whenComplete(
                            (info, error) -> {
                                if (error != null) {
                                    op.completeExceptionally(error);
                                } else {
                                    op.complete(info);
                                }
                            });
        }
        return op;
    }

    void validate(TritonInputCodec<?> input, TritonOutputCodec<?> output) {
        ensureOpen();
        TritonModelInfo info = await(endpoints.info());
        TritonSchemaException failure = plan(info, input, output).schemaFailure(settings.model);
        if (failure != null) {
            throw failure;
        }
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw asTriton(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TritonException(
                    settings.modelText + ": interrupted while fetching the model metadata", e);
        }
    }

    // ---- inference ---------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    <I, O> CompletableFuture<List<O>> infer(List<? extends I> records, Class<O> outputType) {
        TritonInputCodec<I> input;
        TritonOutputCodec<O> output;
        try {
            ensureOpen();
            if (records == null) {
                throw new TritonException(settings.modelText + ": infer() got a null record list");
            }
            if (records.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            Object first = records.get(0);
            if (first == null) {
                throw new TritonException(
                        settings.modelText + ": record 0 of " + records.size() + " is null");
            }
            input = (TritonInputCodec<I>) inputCodec(first.getClass());
            if (outputType == null) {
                throw new TritonException(settings.modelText + ": infer() got a null output type");
            }
            output = TritonCodecs.forOutput(outputType);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(asTriton(e));
        }
        return infer(records, input, output);
    }

    /** The input codec of {@code type} or, for a subclass of an annotated class, of that class. */
    private TritonInputCodec<?> inputCodec(Class<?> type) {
        TritonInputCodec<?> codec = inputCodecs.get(type);
        if (codec != null) {
            return codec;
        }
        TritonException failure = null;
        for (Class<?> k = type; k != null && k != Object.class; k = k.getSuperclass()) {
            try {
                codec = TritonCodecs.forInput(k);
                inputCodecs.put(type, codec);
                return codec;
            } catch (TritonException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        throw failure != null
                ? failure
                : new TritonException("No generated codec for " + type.getName());
    }

    <I, O> CompletableFuture<List<O>> infer(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        Operation<List<O>> op = begin();
        if (op.isDone()) {
            return op;
        }
        try {
            if (input == null || output == null) {
                throw new TritonException(settings.modelText + ": infer() got a null codec");
            }
            List<I> batch = checked(records, input.type());
            if (batch.isEmpty()) {
                op.complete(List.of());
                return op;
            }
            endpoints
                    .info()
                    .whenComplete(
                            (info, error) -> {
                                if (error != null) {
                                    op.completeExceptionally(asTriton(error));
                                    return;
                                }
                                try {
                                    InferCall.start(
                                            settings,
                                            transport,
                                            op,
                                            plan(info, input, output),
                                            batch,
                                            endpoints.modelUrl("infer"));
                                } catch (RuntimeException e) {
                                    op.completeExceptionally(asTriton(e));
                                }
                            });
        } catch (RuntimeException e) {
            op.completeExceptionally(asTriton(e));
        }
        return op;
    }

    /** A copy of {@code records}, each checked to be a non-null instance of {@code type}. */
    private <I> List<I> checked(List<? extends I> records, Class<I> type) {
        if (records == null) {
            throw new TritonException(settings.modelText + ": infer() got a null record list");
        }
        int n = records.size();
        List<I> copy = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            I record = records.get(i);
            if (record == null) {
                throw new TritonException(
                        settings.modelText + ": record " + i + " of " + n + " is null");
            }
            if (!type.isInstance(record)) {
                throw new TritonException(
                        settings.modelText
                                + ": record "
                                + i
                                + " is a "
                                + record.getClass().getName()
                                + ", not a "
                                + type.getName()
                                + " like the input codec's");
            }
            copy.add(record);
        }
        return copy;
    }

    @SuppressWarnings("unchecked")
    private <I, O> InferPlan<I, O> plan(
            TritonModelInfo info, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return (InferPlan<I, O>)
                plans.computeIfAbsent(
                        List.of(input, output),
                        key -> InferPlan.create(settings, info, input, output));
    }

    private TritonException asTriton(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TritonException) {
            TritonException e = (TritonException) t;
            String message = String.valueOf(e.getMessage());
            if (message.contains("'" + settings.model + "'")) {
                return e;
            }
            // A codec's message names the class, field and tensor; add the model.
            return new TritonException(settings.modelText + ": " + message, e);
        }
        return new TritonException(settings.modelText + ": " + t, t);
    }

    // ---- close -------------------------------------------------------------------------------

    void close() {
        boolean first;
        synchronized (lock) {
            first = !closing;
            closing = true;
        }
        if (!first) {
            if (!resources.onOwnThread()) {
                try {
                    closed.await(settings.closeTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return;
        }
        try {
            long deadline = System.nanoTime() + settings.closeTimeout.toNanos();
            List<Operation<?>> left;
            synchronized (lock) {
                try {
                    while (!inFlight.isEmpty()) {
                        long wait = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        if (wait <= 0) {
                            break;
                        }
                        lock.wait(wait);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                left = new ArrayList<>(inFlight);
            }
            for (Operation<?> op : left) {
                op.completeExceptionally(
                        new TritonException(
                                settings.modelText
                                        + ": client closed; the call was cancelled after"
                                        + " closeTimeout "
                                        + ClientSettings.format(settings.closeTimeout)));
            }
            resources.cancelAll();
            resources.shutdown(5_000);
        } finally {
            closed.countDown();
        }
    }

    int activeCalls() {
        return resources.runningCalls();
    }

    int connectionCount() {
        return resources.connectionCount();
    }
}
