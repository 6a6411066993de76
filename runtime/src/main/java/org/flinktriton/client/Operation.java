package org.flinktriton.client;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.flinktriton.TritonException;
import org.flinktriton.client.spi.TransportCall;

/**
 * The future a client call returns. It owns the HTTP calls made on its behalf: when it completes in
 * any way (a result, a failure, {@link #cancel}) the calls still running are cancelled, so that a
 * caller's {@code cancel} reaches the socket and one failed sub-request stops its siblings.
 *
 * <p>It is also where a call's failure gets the model's context: every failure it completes with
 * goes through {@link #failure}, once, and the parts below never name the model. A {@linkplain
 * FatalErrors fatal error} anywhere in a failure's causes completes it as itself, unwrapped.
 */
final class Operation<T> extends CompletableFuture<T> {
    private final String call;
    private final ClientSettings settings;
    private final Consumer<Operation<?>> onDone;

    /** Calls still running; null once this operation is done. Guarded by {@code this}. */
    private Set<TransportCall> calls = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * The first exchange dispatched while the caller of a blocking call takes it (see {@link
     * #keepFirstExchange}); null otherwise. Guarded by {@code this}.
     */
    private Runnable kept;

    /** Whether the next exchange dispatched is kept for the caller. Guarded by {@code this}. */
    private boolean keeping;

    /**
     * @param call what the caller called, such as {@code infer}, for a failure that is not a {@link
     *     TritonException}
     */
    Operation(String call, ClientSettings settings, Consumer<Operation<?>> onDone) {
        this.call = call;
        this.settings = settings;
        this.onDone = onDone;
    }

    /**
     * {@code t} as the {@link TritonException} a caller of {@code call} sees: unwrapped from {@link
     * CompletionException} and {@link ExecutionException}, wrapped when it is of another kind, and
     * naming the client's model.
     *
     * @throws Error the {@linkplain FatalErrors fatal error} in {@code t}'s chain of causes, which
     *     is never wrapped
     */
    static TritonException failure(String call, Throwable t, ClientSettings settings) {
        FatalErrors.rethrowIfFatal(t);
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        TritonException e =
                t instanceof TritonException
                        ? (TritonException) t
                        : new TritonException(call + " failed: " + t, t);
        return e.inModel(settings.model, settings.modelVersion);
    }

    /**
     * Records a call made for this operation; returns false, having cancelled the call, when the
     * operation is done already and the call must not be enqueued.
     */
    boolean attach(TransportCall call) {
        synchronized (this) {
            if (calls != null) {
                calls.add(call);
                return true;
            }
        }
        call.cancel();
        return false;
    }

    /** Forgets a call that has finished. */
    synchronized void detach(TransportCall call) {
        if (calls != null) {
            calls.remove(call);
        }
    }

    /**
     * Keeps the first exchange {@link #dispatch dispatched} from now on for the caller, who takes
     * it with {@link #takeKeptExchange} and runs it on its own thread; for the client's blocking
     * calls only.
     */
    synchronized void keepFirstExchange() {
        keeping = true;
    }

    /**
     * Ends {@link #keepFirstExchange}: returns the exchange kept, or null when none was dispatched
     * in time (those dispatched from now on go to the client's threads). The caller must run what
     * it gets.
     */
    synchronized Runnable takeKeptExchange() {
        keeping = false;
        Runnable exchange = kept;
        kept = null;
        return exchange;
    }

    /**
     * Starts {@code exchange}, unless the caller keeps it ({@link #keepFirstExchange}) to start on
     * its own thread.
     */
    void dispatch(TransportCall exchange) {
        synchronized (this) {
            if (keeping) {
                keeping = false;
                kept = () -> exchange.start(true);
                return;
            }
        }
        exchange.start(false);
    }

    /**
     * Sends {@code exchange} for {@code owner} (or for nobody: null), which cancels it when it
     * completes first; {@code exchange}'s callback must {@link #detach} it. Returns false, having
     * cancelled it, when the owner had completed and nothing was sent.
     */
    static boolean send(Operation<?> owner, TransportCall exchange) {
        if (owner == null) {
            exchange.start(false);
            return true;
        }
        if (!owner.attach(exchange)) {
            return false;
        }
        owner.dispatch(exchange);
        return true;
    }

    /** Whether this operation is still waiting for its result. */
    synchronized boolean isActive() {
        return calls != null;
    }

    // The bookkeeping runs before the outcome is published: a dependent stage that closes the
    // client must not wait for the operation that is completing it. The calls still running are
    // cancelled after it: a cancelled call fails, and that failure must not win over the outcome.
    @Override
    public boolean complete(T value) {
        Set<TransportCall> running = finish();
        boolean completed = super.complete(value);
        cancel(running);
        return completed;
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        Set<TransportCall> running = finish();
        // A fatal error is the caller's as it is (see FatalErrors). A TimeoutException is the
        // caller's own deadline (orTimeout): it stays as the caller expects it.
        Error fatal = FatalErrors.find(failure);
        boolean completed =
                super.completeExceptionally(
                        fatal != null
                                ? fatal
                                : failure instanceof TimeoutException
                                        ? failure
                                        : failure(call, failure, settings));
        cancel(running);
        return completed;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        Set<TransportCall> running = finish();
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        cancel(running);
        return cancelled;
    }

    @Override
    public void obtrudeValue(T value) {
        Set<TransportCall> running = finish();
        super.obtrudeValue(value);
        cancel(running);
    }

    @Override
    public void obtrudeException(Throwable failure) {
        Set<TransportCall> running = finish();
        super.obtrudeException(failure);
        cancel(running);
    }

    /** Marks this operation done, the first time only; returns the calls still running. */
    private Set<TransportCall> finish() {
        Set<TransportCall> running;
        synchronized (this) {
            running = calls;
            calls = null;
        }
        if (running == null) {
            return Set.of();
        }
        onDone.accept(this);
        return running;
    }

    private static void cancel(Set<TransportCall> running) {
        for (TransportCall call : running) {
            call.cancel();
        }
    }
}
