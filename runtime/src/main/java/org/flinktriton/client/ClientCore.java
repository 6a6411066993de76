package org.flinktriton.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.flinktriton.TritonException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * What {@link TritonModelClient} does: begins each call as a tracked {@link Operation} (whose
 * failures name the model), hands it to {@link ModelEndpoints} or an {@link InferCall}, and closes
 * gracefully: no new calls, a wait for those in flight, then cancellation.
 */
final class ClientCore {
    private final ClientSettings settings;
    private final TritonTransport transport;
    private final ModelEndpoints endpoints;
    private final Resilience resilience;
    private final Map<List<Object>, InferPlan<?, ?>> plans = new ConcurrentHashMap<>();
    private final Map<Class<?>, TritonInputCodec<?>> inputCodecs = new ConcurrentHashMap<>();

    /** The stream of inferStream calls, made on first use. */
    private volatile StreamSession session;

    /** The plan used last: most clients use one pair of codecs, found here without a lookup. */
    private volatile InferPlan<?, ?> lastPlan;

    private final Object lock = new Object();
    private final Set<Operation<?>> inFlight = new HashSet<>(); // guarded by lock
    private boolean closing; // guarded by lock
    private final CountDownLatch closed = new CountDownLatch(1);

    ClientCore(ClientSettings settings) {
        this.settings = settings;
        this.transport = Transports.open(settings);
        this.resilience = new Resilience(settings, transport.timer());
        this.endpoints = new ModelEndpoints(settings, transport, resilience);
    }

    ClientSettings settings() {
        return settings;
    }

    // ---- operations --------------------------------------------------------------------------

    /** A new operation, tracked until done; already failed when the client is closing. */
    private <T> Operation<T> begin(String call) {
        Operation<T> op = new Operation<>(call, settings, this::finished);
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

    private static TritonException closedException() {
        return new TritonException("client closed; no new calls are accepted");
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
        Operation<Boolean> op = begin("serverLive");
        if (!op.isDone()) {
            endpoints.serverLive(op);
        }
        return op;
    }

    CompletableFuture<Boolean> serverReady() {
        Operation<Boolean> op = begin("serverReady");
        if (!op.isDone()) {
            endpoints.serverReady(op);
        }
        return op;
    }

    CompletableFuture<Boolean> modelReady() {
        Operation<Boolean> op = begin("modelReady");
        if (!op.isDone()) {
            endpoints.modelReady(op);
        }
        return op;
    }

    CompletableFuture<TritonModelInfo> modelInfo() {
        Operation<TritonModelInfo> op = begin("modelInfo");
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

    void validate(Class<?> inputType, Class<?> outputType) {
        TritonInputCodec<?> input;
        TritonOutputCodec<?> output;
        try {
            input = TritonCodecs.forInput(inputType);
            output = TritonCodecs.forOutput(outputType);
        } catch (RuntimeException e) {
            throw Operation.failure("validate", e, settings);
        }
        validate(input, output);
    }

    void validate(TritonInputCodec<?> input, TritonOutputCodec<?> output) {
        try {
            ensureOpen();
            TritonModelInfo info = endpoints.info().get();
            TritonSchemaException failure = plan(info, input, output).schemaFailure();
            if (failure != null) {
                throw failure;
            }
        } catch (ExecutionException | RuntimeException e) {
            throw Operation.failure("validate", e, settings);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Operation.failure(
                    "validate",
                    new TritonException("interrupted while fetching the model metadata", e),
                    settings);
        }
    }

    // ---- inference ---------------------------------------------------------------------------

    <I, O> CompletableFuture<List<O>> infer(List<? extends I> records, Class<O> outputType) {
        return byType("infer", records, outputType, this::infer);
    }

    <I, O> CompletableFuture<List<InferenceOutcome<O>>> inferEach(
            List<? extends I> records, Class<O> outputType) {
        return byType("inferEach", records, outputType, this::inferEach);
    }

    <I, O> CompletableFuture<List<O>> infer(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return send("infer", records, input, output, false);
    }

    <I, O> List<O> inferBlocking(List<? extends I> records, Class<O> outputType) {
        refuseIfInterrupted("inferBlocking");
        return await(
                "inferBlocking",
                byType(
                        "inferBlocking",
                        records,
                        outputType,
                        (all, input, output) -> send("inferBlocking", all, input, output, true)));
    }

    <I, O> List<O> inferBlocking(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        refuseIfInterrupted("inferBlocking");
        return await("inferBlocking", send("inferBlocking", records, input, output, true));
    }

    <I, O> CompletableFuture<List<InferenceOutcome<O>>> inferEach(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return withCodecs(
                "inferEach",
                records,
                input,
                output,
                false,
                (op, plan, batch) ->
                        InferCall.startEach(settings, transport, resilience, op, plan, batch));
    }

    /** An {@code infer} call; with {@code blocking}, its caller keeps the first request to run. */
    private <I, O> CompletableFuture<List<O>> send(
            String call,
            List<? extends I> records,
            TritonInputCodec<I> input,
            TritonOutputCodec<O> output,
            boolean blocking) {
        return withCodecs(
                call,
                records,
                input,
                output,
                blocking,
                (op, plan, batch) ->
                        InferCall.start(settings, transport, resilience, op, plan, batch));
    }

    private void refuseIfInterrupted(String call) {
        if (Thread.currentThread().isInterrupted()) {
            throw Operation.failure(
                    call,
                    new TritonException(
                            "the calling thread is interrupted; nothing was sent, and the thread"
                                    + " stays interrupted"),
                    settings);
        }
    }

    /**
     * Runs the request the caller of a blocking call kept, on the calling thread, then waits for
     * the call's outcome.
     */
    private <T> T await(String call, CompletableFuture<T> future) {
        if (future instanceof Operation) {
            Runnable kept = ((Operation<T>) future).takeKeptExchange();
            if (kept != null) {
                kept.run();
            }
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw Operation.failure(call, e.getCause(), settings);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw Operation.failure(
                    call,
                    new TritonException(
                            "the calling thread was interrupted while waiting; the call was"
                                    + " cancelled",
                            e),
                    settings);
        }
    }

    /** Runs {@code withCodecs} with the codecs of the records' class and of {@code outputType}. */
    @SuppressWarnings("unchecked")
    private <I, O, R> CompletableFuture<List<R>> byType(
            String call,
            List<? extends I> records,
            Class<O> outputType,
            CodecCall<I, O, R> withCodecs) {
        TritonInputCodec<I> input;
        TritonOutputCodec<O> output;
        try {
            ensureOpen();
            if (records == null) {
                throw new TritonException(call + "() got a null record list");
            }
            if (records.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            Object first = records.get(0);
            if (first == null) {
                throw new TritonException("record 0 of " + records.size() + " is null");
            }
            input = (TritonInputCodec<I>) inputCodec(first.getClass());
            if (outputType == null) {
                throw new TritonException(call + "() got a null output type");
            }
            output = TritonCodecs.forOutput(outputType);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(Operation.failure(call, e, settings));
        }
        return withCodecs.call(records, input, output);
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

    /**
     * A tracked operation that checks the records, fetches the model's metadata once and has {@code
     * starter} send them. With {@code blocking}, the operation keeps the first request the starter
     * sends for the caller to run (see {@link #await}); it is sent at once when the metadata is
     * known, on the calling thread, else when it arrives, by a client thread.
     */
    private <I, O, R> CompletableFuture<List<R>> withCodecs(
            String call,
            List<? extends I> records,
            TritonInputCodec<I> input,
            TritonOutputCodec<O> output,
            boolean blocking,
            Starter<I, O, R> starter) {
        Operation<List<R>> op = begin(call);
        if (op.isDone()) {
            return op;
        }
        if (blocking) {
            op.keepFirstExchange();
        }
        try {
            if (input == null || output == null) {
                throw new TritonException(call + "() got a null codec");
            }
            List<I> batch = checked(call, records, input.type());
            if (batch.isEmpty()) {
                op.complete(List.of());
                return op;
            }
            endpoints
                    .info()
                    .whenComplete(
                            (info, error) -> {
                                if (error != null) {
                                    op.completeExceptionally(error);
                                    return;
                                }
                                if (info.decoupled()) {
                                    op.completeExceptionally(decoupledModel(call));
                                    return;
                                }
                                try {
                                    starter.start(op, plan(info, input, output), batch);
                                } catch (RuntimeException | Error e) {
                                    // An Error too (one from encoding, say): thrown from here it
                                    // would only fail a stage nobody waits for, and op would hang.
                                    op.completeExceptionally(e);
                                }
                            });
        } catch (RuntimeException | Error e) {
            op.completeExceptionally(e);
            FatalErrors.rethrowIfFatal(e);
        }
        return op;
    }

    private TritonException decoupledModel(String call) {
        return new TritonException(
                "a decoupled model (its config says model_transaction_policy { decoupled:"
                        + " true }) answers over a stream only, zero or more responses per"
                        + " record, and refuses "
                        + call
                        + "(); use inferStream(records, outputType, listener) with a grpc://"
                        + " endpoint");
    }

    private static TritonException notDecoupledModel() {
        return new TritonException(
                "a model that is not decoupled (its config has no model_transaction_policy {"
                        + " decoupled: true }) answers each request once; use infer(records,"
                        + " outputType) or inferEach, not inferStream()");
    }

    // ---- streaming (decoupled models) ----------------------------------------------------------

    <I, O> CompletableFuture<Void> inferStream(
            List<? extends I> records,
            Class<O> outputType,
            StreamDelivery delivery,
            ResponseListener<O> listener) {
        CompletableFuture<List<Object>> typed =
                byType(
                        "inferStream",
                        records,
                        outputType,
                        (all, input, output) -> {
                            CompletableFuture<List<Object>> done = new CompletableFuture<>();
                            inferStream(all, input, output, delivery, listener)
                                    .whenComplete(
                                            (nothing, error) -> {
                                                if (error != null) {
                                                    done.completeExceptionally(error);
                                                } else {
                                                    done.complete(List.of());
                                                }
                                            });
                            return done;
                        });
        return typed.thenApply(nothing -> null);
    }

    <I, O> CompletableFuture<Void> inferStream(
            List<? extends I> records,
            TritonInputCodec<I> input,
            TritonOutputCodec<O> output,
            StreamDelivery delivery,
            ResponseListener<O> listener) {
        Operation<Void> op = begin("inferStream");
        if (op.isDone()) {
            return op;
        }
        try {
            if (input == null || output == null) {
                throw new TritonException("inferStream() got a null codec");
            }
            if (delivery == null || listener == null) {
                throw new TritonException("inferStream() got a null delivery or listener");
            }
            List<I> batch = checked("inferStream", records, input.type());
            if (batch.isEmpty()) {
                op.complete(null);
                return op;
            }
            long budget = resilience.deadline();
            endpoints
                    .info()
                    .whenComplete(
                            (info, error) -> {
                                if (error != null) {
                                    op.completeExceptionally(error);
                                    return;
                                }
                                if (!info.decoupled()) {
                                    op.completeExceptionally(notDecoupledModel());
                                    return;
                                }
                                try {
                                    InferPlan<I, O> plan = plan(info, input, output);
                                    TritonSchemaException schema = plan.schemaFailure();
                                    if (schema != null) {
                                        op.completeExceptionally(schema);
                                        return;
                                    }
                                    session()
                                            .submit(
                                                    new StreamSession.Call<>(
                                                            op,
                                                            plan,
                                                            delivery,
                                                            listener,
                                                            budget,
                                                            batch.size()),
                                                    batch);
                                } catch (RuntimeException | Error e) {
                                    op.completeExceptionally(e);
                                }
                            });
        } catch (RuntimeException | Error e) {
            op.completeExceptionally(e);
            FatalErrors.rethrowIfFatal(e);
        }
        return op;
    }

    private StreamSession session() {
        StreamSession s = session;
        if (s == null) {
            synchronized (lock) {
                if (session == null) {
                    session = new StreamSession(settings, transport, resilience);
                }
                s = session;
            }
        }
        return s;
    }

    /** The stream session, or null before the first inferStream; for tests. */
    StreamSession streamSession() {
        return session;
    }

    /** {@link #infer} or {@link #inferEach} with explicit codecs. */
    private interface CodecCall<I, O, R> {
        CompletableFuture<List<R>> call(
                List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output);
    }

    /** Sends checked records under a plan and completes the operation. */
    private interface Starter<I, O, R> {
        void start(Operation<List<R>> op, InferPlan<I, O> plan, List<I> records);
    }

    /** A copy of {@code records}, each checked to be a non-null instance of {@code type}. */
    private static <I> List<I> checked(String call, List<? extends I> records, Class<I> type) {
        if (records == null) {
            throw new TritonException(call + "() got a null record list");
        }
        int n = records.size();
        List<I> copy = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            I record = records.get(i);
            if (record == null) {
                throw new TritonException("record " + i + " of " + n + " is null");
            }
            if (!type.isInstance(record)) {
                throw new TritonException(
                        "record "
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
        InferPlan<?, ?> last = lastPlan;
        if (last != null && last.input == input && last.output == output) {
            return (InferPlan<I, O>) last;
        }
        InferPlan<I, O> plan =
                (InferPlan<I, O>)
                        plans.computeIfAbsent(
                                List.of(input, output),
                                key -> InferPlan.create(settings, info, input, output));
        lastPlan = plan;
        return plan;
    }

    // ---- close -------------------------------------------------------------------------------

    void close() {
        boolean first;
        synchronized (lock) {
            first = !closing;
            closing = true;
        }
        if (!first) {
            if (!transport.onOwnThread()) {
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
                                "client closed; the call was cancelled after closeTimeout "
                                        + ClientSettings.format(settings.closeTimeout)));
            }
            resilience.shutdown();
            StreamSession s = session;
            if (s != null) {
                s.close();
            }
            transport.cancelAll();
            transport.close(5_000);
        } finally {
            closed.countDown();
        }
    }

    Resilience resilience() {
        return resilience;
    }

    int activeCalls() {
        return transport.stats().getOrDefault("activeCalls", 0);
    }

    int connectionCount() {
        return transport.stats().getOrDefault("connections", 0);
    }

    int transportUsers() {
        return transport.stats().getOrDefault("sharedUsers", 0);
    }
}
