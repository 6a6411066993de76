package org.flinktriton.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import okhttp3.Call;
import org.flinktriton.TritonException;

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
    private Set<Call> calls = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Exchanges handed to the client's threads that a caller blocked in {@link #join} may run
     * instead, if it gets to them first. Guarded by {@code this}.
     */
    private final ArrayDeque<Runnable> shared = new ArrayDeque<>();

    /** Exchanges held back by {@link #hold}. Guarded by {@code this}. */
    private final List<Runnable> held = new ArrayList<>(1);

    private boolean holding; // guarded by this

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
    boolean attach(Call call) {
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
    synchronized void detach(Call call) {
        if (calls != null) {
            calls.remove(call);
        }
    }

    /**
     * Holds back the exchanges {@link #dispatch dispatched} from now until {@link #release}: the
     * client's {@code infer} holds them while it prepares the requests, so that a caller who then
     * blocks in {@link #join} reaches them before a client thread does.
     */
    synchronized void hold() {
        holding = true;
    }

    /**
     * Has {@code submit} hand {@code exchange}, a task that runs at most once, to a client thread,
     * now or at {@link #release}; meanwhile a caller in {@link #join} may run it instead.
     */
    void dispatch(Runnable exchange, Executor submit) {
        synchronized (this) {
            if (calls != null) {
                shared.add(exchange);
            }
            if (holding) {
                held.add(exchange);
                return;
            }
        }
        submit.execute(exchange);
    }

    /** Ends {@link #hold}: hands what was held back to {@code submit}. */
    void release(Executor submit) {
        List<Runnable> ready;
        synchronized (this) {
            holding = false;
            if (held.isEmpty()) {
                return;
            }
            ready = new ArrayList<>(held);
            held.clear();
        }
        ready.forEach(submit::execute);
    }

    /**
     * Waits for the outcome like {@link CompletableFuture#join}, first running on the calling
     * thread the exchanges no client thread has started yet. A caller that blocks until the outcome
     * anyway thus needs no other thread to wake it when the answer arrives. {@code join} cannot be
     * interrupted, so running them here changes nothing a caller could observe; the timeouts still
     * hold (a request past its timeout is cancelled, as on any thread), and so does {@link
     * #cancel}, which reaches the socket. {@link #get} does not help: it can be interrupted and has
     * a timeout of its own.
     */
    @Override
    public T join() {
        Runnable next;
        while ((next = nextShared()) != null) {
            next.run();
        }
        return super.join();
    }

    private synchronized Runnable nextShared() {
        return calls == null ? null : shared.poll();
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
        Set<Call> running = finish();
        boolean completed = super.complete(value);
        cancel(running);
        return completed;
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        Set<Call> running = finish();
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
        Set<Call> running = finish();
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        cancel(running);
        return cancelled;
    }

    @Override
    public void obtrudeValue(T value) {
        Set<Call> running = finish();
        super.obtrudeValue(value);
        cancel(running);
    }

    @Override
    public void obtrudeException(Throwable failure) {
        Set<Call> running = finish();
        super.obtrudeException(failure);
        cancel(running);
    }

    /** Marks this operation done, the first time only; returns the calls still running. */
    private Set<Call> finish() {
        Set<Call> running;
        synchronized (this) {
            running = calls;
            calls = null;
            shared.clear();
        }
        if (running == null) {
            return Set.of();
        }
        onDone.accept(this);
        return running;
    }

    private static void cancel(Set<Call> running) {
        for (Call call : running) {
            call.cancel();
        }
    }
}
