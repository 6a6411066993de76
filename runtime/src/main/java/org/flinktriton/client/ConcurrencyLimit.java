package org.flinktriton.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * How many of a client's requests may be in flight at once (unary requests over any transport, and
 * the records of its {@code ModelStreamInfer} stream until their final response), adapted to the
 * server by additive increase, multiplicative decrease (AIMD): an answer that says "too much" (429,
 * 503, a timeout) halves the limit, down to 1; after as many successes as the current limit (one
 * window) it grows by one, up to {@code maxConcurrentRequests}. Requests beyond the limit wait
 * here, in order, and start as others finish; no thread waits.
 *
 * <p>Hand-written because resilience4j has no adaptive limit (its bulkhead is fixed, and blocks or
 * rejects instead of queueing asynchronously). Only one decrease is made per window: the requests
 * that were already in flight when the limit dropped report the same overload, and halving again
 * for each of them would collapse the limit to 1 after one burst.
 */
final class ConcurrencyLimit {
    /** What a finished request tells the limit. */
    enum Signal {
        /** An answer: the server kept up. */
        SUCCESS,
        /** 429, 503 or a timeout: the server is overloaded. */
        OVERLOAD,
        /** Neither: a cancelled request, a record the server rejected, a broken connection. */
        NEUTRAL
    }

    /** One request's permission to be in flight; released exactly once. */
    static final class Permit {
        private final int generation;
        private boolean released;

        private Permit(int generation) {
            this.generation = generation;
        }
    }

    private final int max;
    private final boolean adaptive;
    private final ArrayDeque<Consumer<Permit>> waiting = new ArrayDeque<>();
    private int limit; // guarded by this
    private int inFlight; // guarded by this
    private int successes; // guarded by this

    /** Raised at each decrease: permits of older generations do not decrease again. */
    private int generation; // guarded by this

    ConcurrencyLimit(int max, boolean adaptive) {
        this.max = max;
        this.adaptive = adaptive;
        this.limit = max;
    }

    /** Runs {@code start} with a permit now if the limit allows, else when one is released. */
    void acquire(Consumer<Permit> start) {
        Permit permit;
        synchronized (this) {
            if (inFlight >= limit || !waiting.isEmpty()) {
                waiting.add(start);
                return;
            }
            inFlight++;
            permit = new Permit(generation);
        }
        start.accept(permit);
    }

    /**
     * A permit now if the limit allows and nobody waits for one, else null (nothing is queued): for
     * a caller that sends from a loop of its own, such as a stream's records, and asks {@link
     * #acquire} to be called back once when this answers null.
     */
    Permit tryAcquire() {
        synchronized (this) {
            if (inFlight >= limit || !waiting.isEmpty()) {
                return null;
            }
            inFlight++;
            return new Permit(generation);
        }
    }

    /** Returns a permit with what its request told; starts the requests the limit now allows. */
    void release(Permit permit, Signal signal) {
        List<Runnable> starts = new ArrayList<>();
        synchronized (this) {
            if (permit.released) {
                return;
            }
            permit.released = true;
            inFlight--;
            if (adaptive) {
                adapt(permit, signal);
            }
            while (inFlight < limit && !waiting.isEmpty()) {
                Consumer<Permit> next = waiting.poll();
                Permit granted = new Permit(generation);
                inFlight++;
                starts.add(() -> next.accept(granted));
            }
        }
        starts.forEach(Runnable::run);
    }

    private void adapt(Permit permit, Signal signal) {
        if (signal == Signal.OVERLOAD) {
            if (permit.generation == generation) {
                limit = Math.max(1, limit / 2);
                generation++;
                successes = 0;
            }
        } else if (signal == Signal.SUCCESS && limit < max) {
            if (++successes >= limit) {
                limit++;
                successes = 0;
            }
        }
    }

    /** The current limit. */
    synchronized int limit() {
        return limit;
    }

    /** Requests holding a permit. */
    synchronized int inFlight() {
        return inFlight;
    }

    /** Requests waiting for a permit. */
    synchronized int waiting() {
        return waiting.size();
    }
}
