package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.client.spi.TransportCall;
import org.flinktriton.client.spi.TransportCallback;

/**
 * How a client survives an unwell server: each request, over whichever transport, goes through the
 * {@link ConcurrencyLimit}, the circuit breaker (when on) and, on a retryable failure, the retry
 * policy.
 *
 * <p>resilience4j does the bookkeeping it is good at, asynchronously: {@link Retry}'s {@code
 * AsyncContext} counts attempts, decides from {@link TritonException#retryable()} whether a failure
 * is worth another try and computes the exponential, jittered backoff; its {@link CircuitBreaker}
 * is the state machine, asked for a permission before each request and told each outcome. Written
 * here is what it cannot do: waiting without a thread (a retry is scheduled on the transport's
 * shared timer), {@code Retry-After} taken from our exception, and the budget, which is a deadline
 * of the whole call rather than a count.
 */
final class Resilience {
    /** The outcome of one request after its retries, and how many attempts it took. */
    interface Completion<R> {
        void done(R result, TritonException error, int attempts);
    }

    /** Makes one attempt's exchange, not yet started; called again for each retry. */
    interface Exchange<R> {
        TransportCall prepare(TransportCallback<R> done);
    }

    /**
     * Sends {@code exchange} for {@code owner} (null: for nobody), which cancels it when it
     * completes first; {@code done} gets the outcome unless nothing was sent (false).
     */
    static <R> boolean send(Operation<?> owner, Exchange<R> exchange, TransportCallback<R> done) {
        TransportCall[] self = new TransportCall[1];
        TransportCall call =
                exchange.prepare(
                        (result, error) -> {
                            if (owner != null) {
                                owner.detach(self[0]);
                            }
                            done.done(result, error);
                        });
        self[0] = call;
        return Operation.send(owner, call);
    }

    private final ClientSettings settings;
    private final RetryPolicy policy;
    private final Retry retry;

    /** Null when the policy is off. */
    private final CircuitBreaker breaker;

    private final ConcurrencyLimit limit;

    /** Shared with the other clients of the stack: {@link #shutdown} cancels only this one's. */
    private final ScheduledExecutorService timer;

    /** Retries waiting on the timer. */
    private final Set<Wait> waiting = ConcurrentHashMap.newKeySet();

    private volatile boolean shutDown;

    private final LongAdder retries = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder bisectionRequests = new LongAdder();
    private final LongAdder rejectedByBreaker = new LongAdder();
    private final AtomicBoolean bisectionBudgetLogged = new AtomicBoolean();

    Resilience(ClientSettings settings, ScheduledExecutorService timer) {
        this.settings = settings;
        this.policy = settings.options.retry();
        this.retry = Retry.of("flink-triton " + settings.model, retryConfig(policy));
        CircuitBreakerPolicy breakerPolicy = settings.options.circuitBreaker();
        this.breaker =
                breakerPolicy.enabled()
                        ? CircuitBreaker.of("flink-triton " + settings.model, config(breakerPolicy))
                        : null;
        this.limit =
                new ConcurrencyLimit(
                        settings.maxConcurrentRequests, settings.options.adaptiveConcurrency());
        this.timer = timer;
    }

    private static RetryConfig retryConfig(RetryPolicy policy) {
        IntervalFunction backoff =
                policy.jitter() == 0.0
                        ? IntervalFunction.ofExponentialBackoff(
                                policy.initialBackoff(), policy.multiplier(), policy.maxBackoff())
                        : IntervalFunction.ofExponentialRandomBackoff(
                                policy.initialBackoff(),
                                policy.multiplier(),
                                policy.jitter(),
                                policy.maxBackoff());
        long maxMillis = policy.maxBackoff().toMillis();
        IntervalBiFunction<Object> interval =
                (attempt, outcome) -> {
                    if (outcome.isLeft()) {
                        Duration after = retryAfter(outcome.getLeft());
                        if (after != null) {
                            return after.toMillis();
                        }
                    }
                    // Jitter may draw above the maximum: the maximum is a promise.
                    return Math.max(0L, Math.min(maxMillis, backoff.apply(attempt)));
                };
        return RetryConfig.custom()
                .maxAttempts(policy.maxAttempts())
                .intervalBiFunction(interval)
                .retryOnException(Resilience::retryable)
                .failAfterMaxAttempts(false)
                .build();
    }

    private static CircuitBreakerConfig config(CircuitBreakerPolicy policy) {
        return CircuitBreakerConfig.custom()
                .failureRateThreshold((float) (policy.failureThreshold() * 100))
                .slidingWindow(
                        policy.windowSize(),
                        Math.min(policy.minimumCalls(), policy.windowSize()),
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .waitDurationInOpenState(policy.openDuration())
                .permittedNumberOfCallsInHalfOpenState(policy.halfOpenProbes())
                // Only a server that is unwell counts against it. An answer a record may have
                // caused (400, 422, 500) counts neither way, unless bisection finds it the
                // server's (countServerFailure).
                .ignoreException(Resilience::mayBeARecord)
                .recordException(e -> retryable(e) || e instanceof ServerFailure)
                .writableStackTraceEnabled(false)
                .build();
    }

    private static boolean retryable(Throwable e) {
        return e instanceof TritonException && ((TritonException) e).retryable();
    }

    /**
     * Whether one of a request's records may have caused {@code e}: an invalid argument (400), an
     * unprocessable entity (422), or the model failing (500). Not: an unwell server, an unknown
     * model, a broken protocol; those would fail any records alike.
     */
    static boolean mayBeARecord(Throwable e) {
        if (e instanceof TritonServerException) {
            int status = ((TritonServerException) e).statusCode();
            return status == 400 || status == 422 || status == 500;
        }
        return false;
    }

    /** A rejection found to be the server's: the breaker records it as a failure. */
    private static final class ServerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ServerFailure(TritonException rejection) {
            super(rejection.getMessage(), rejection, false, false);
        }
    }

    /** The {@code Retry-After} of a 429 or 503 answer, or null. */
    private static Duration retryAfter(Throwable e) {
        if (e instanceof TritonServerException) {
            TritonServerException server = (TritonServerException) e;
            if (server.statusCode() == 429 || server.statusCode() == 503) {
                return server.retryAfter().orElse(null);
            }
        }
        return null;
    }

    private static boolean overload(TritonException e) {
        if (e instanceof TritonTimeoutException) {
            return true;
        }
        return e instanceof TritonServerException && throttling((TritonServerException) e);
    }

    private static boolean throttling(TritonServerException e) {
        return e.statusCode() == 429 || e.statusCode() == 503;
    }

    /**
     * The deadline, in {@link System#nanoTime()}, of a call that starts now: the budget from now,
     * or {@link Long#MAX_VALUE} without one.
     */
    long deadline() {
        Duration budget = policy.budget();
        return budget.isZero()
                ? Long.MAX_VALUE
                : System.nanoTime() + Math.min(budget.toNanos(), Long.MAX_VALUE / 4);
    }

    /**
     * Sends {@code request} for {@code op}, retrying it by the policy until {@code deadline};
     * {@code done} gets the last outcome. Not called back when {@code op} completes first.
     */
    <R> void exchange(
            Operation<?> op, long deadline, Exchange<R> exchange, String what, Completion<R> done) {
        new Attempts<>(op, deadline, exchange, what, done).next();
    }

    /**
     * Sends {@code request}, which fetches what every call needs (the model's metadata or
     * configuration), retrying it by the policy until {@code deadline}, as {@link #exchange} does
     * an inference request; {@code done} gets the last outcome. Outside the concurrency limit and
     * the circuit breaker, which are about inference. Each wait is logged, with the failure that
     * caused it: a task that starts while its model is still loading waits for it, visibly.
     */
    <R> void fetch(long deadline, Exchange<R> exchange, String what, Completion<R> done) {
        new Attempts<>(null, deadline, exchange, what, done).next();
    }

    /** How many times the retry policy sends one request at most (1: no retries). */
    int maxAttempts() {
        return policy.maxAttempts();
    }

    /**
     * The retry policy's wait after the {@code attempt}-th failure in a row (from 1) with {@code
     * error}: its jittered exponential backoff, or the server's {@code Retry-After}.
     */
    long backoffMillis(int attempt, TritonException error) {
        return retry.getRetryConfig().getIntervalBiFunction().apply(attempt, Either.left(error));
    }

    /**
     * Asks the circuit breaker (when on) whether a stream may be opened, as a request asks before
     * it is sent: null when it may, else the failure that says the breaker is open. A permission
     * taken is given back by one {@link #streamOutcome}.
     */
    TritonException streamPermission() {
        if (breaker == null || breaker.tryAcquirePermission()) {
            return null;
        }
        rejectedByBreaker.increment();
        return breakerOpen();
    }

    /**
     * Tells the circuit breaker (when on) how a stream went: it answered ({@code error} null), or
     * it broke with {@code error}, which counts as a failed request's would.
     */
    void streamOutcome(long nanos, TritonException error) {
        if (breaker == null) {
            return;
        }
        if (error == null) {
            breaker.onSuccess(nanos, NANOSECONDS);
        } else {
            breaker.onError(nanos, NANOSECONDS, error);
        }
    }

    /**
     * A permit of the client's {@link ConcurrencyLimit} for one record of its stream, now if the
     * limit allows and no request waits for one, else null: then {@link #awaitStreamPermit} calls
     * back once one is free. The record holds it until its final response or its failure ({@link
     * #releaseStreamPermit}), so unary requests and stream records share one adaptive limit.
     */
    ConcurrencyLimit.Permit tryStreamPermit() {
        return limit.tryAcquire();
    }

    /** Calls {@code granted} with a permit once the limit has one (perhaps at once, here). */
    void awaitStreamPermit(Consumer<ConcurrencyLimit.Permit> granted) {
        limit.acquire(granted);
    }

    /** Gives back a stream permit that was not used, or whose record ended without an answer. */
    void returnStreamPermit(ConcurrencyLimit.Permit permit) {
        limit.release(permit, ConcurrencyLimit.Signal.NEUTRAL);
    }

    /**
     * Gives back a stream record's permit: {@code error} null for its final response (a success),
     * else what ended its time on the stream, an overload (503, 429, its deadline passed) or not.
     */
    void releaseStreamPermit(ConcurrencyLimit.Permit permit, TritonException error) {
        limit.release(
                permit,
                error == null
                        ? ConcurrencyLimit.Signal.SUCCESS
                        : overload(error)
                                ? ConcurrencyLimit.Signal.OVERLOAD
                                : ConcurrencyLimit.Signal.NEUTRAL);
    }

    /**
     * Runs {@code task} on the timer after {@code delayMillis}, unless the client shuts down first;
     * false when it has already.
     */
    boolean later(Runnable task, long delayMillis) {
        retries.increment();
        return schedule(task, delayMillis, () -> {});
    }

    /** Counts a request sent only to isolate a rejected record. */
    void countBisectionRequests(int count) {
        bisectionRequests.add(count);
    }

    /**
     * Tells the circuit breaker (when on) of a request answered with {@code rejection}, which
     * bisection found to be the server's failure rather than a record's (see {@link InferCall}).
     */
    void countServerFailure(TritonException rejection) {
        if (breaker != null) {
            breaker.onError(0, NANOSECONDS, new ServerFailure(rejection));
        }
    }

    /** Says once per client that a call's bisection budget ran out. */
    void bisectionBudgetSpent(int budget) {
        if (bisectionBudgetLogged.compareAndSet(false, true)) {
            ClientLog.warn(
                    Resilience.class,
                    settings.modelText
                            + ": an inferEach call spent its budget of "
                            + budget
                            + " extra requests (maxBisectionRequests) isolating records the server"
                            + " rejected; the records of requests still rejected then fail with"
                            + " the rejection, good ones among them. Raise maxBisectionRequests if"
                            + " batches often hold several such records. (Said once per client.)");
        }
    }

    /** One request and its retries. */
    private final class Attempts<R> {
        /** Null for a {@link #fetch}, which is guarded by neither the limit nor the breaker. */
        private final Operation<?> op;

        private final long deadline;
        private final Exchange<R> exchange;
        private final String what;
        private final Completion<R> done;
        private final Retry.AsyncContext<Object> context = retry.asyncContext();
        private int attempts;

        /** The failure of the latest attempt, or null. */
        private TritonException lastError;

        Attempts(
                Operation<?> op,
                long deadline,
                Exchange<R> exchange,
                String what,
                Completion<R> done) {
            this.op = op;
            this.deadline = deadline;
            this.exchange = exchange;
            this.what = what;
            this.done = done;
        }

        private boolean active() {
            return op == null ? !shutDown : op.isActive();
        }

        /**
         * The client closed before the next attempt: a fetch fails, so that whoever waits for the
         * model's information is released; an operation has been completed by the close already.
         */
        private void closed() {
            if (op == null) {
                done.done(
                        null,
                        new TritonException(
                                "client closed; " + what + " was not sent again", lastError),
                        attempts);
            }
        }

        void next() {
            if (!active()) {
                closed();
                return;
            }
            if (op == null) {
                start(null);
            } else {
                limit.acquire(this::start);
            }
        }

        private void start(ConcurrencyLimit.Permit permit) {
            if (!active()) {
                release(permit, ConcurrencyLimit.Signal.NEUTRAL);
                return;
            }
            boolean guarded = op != null && breaker != null;
            if (guarded && !breaker.tryAcquirePermission()) {
                release(permit, ConcurrencyLimit.Signal.NEUTRAL);
                rejectedByBreaker.increment();
                done.done(null, breakerOpen(), attempts);
                return;
            }
            attempts++;
            long started = System.nanoTime();
            boolean sent;
            try {
                sent =
                        send(
                                op,
                                exchange,
                                (result, error) -> finished(permit, started, result, error));
            } catch (RuntimeException e) {
                // The exchange could not even be made (say, a request not encodable for the
                // transport): the attempt fails with it, as one the server answered would.
                FatalErrors.rethrowIfFatal(e);
                finished(
                        permit,
                        started,
                        null,
                        e instanceof TritonException
                                ? (TritonException) e
                                : new TritonException(what + " failed: " + e, e));
                return;
            }
            if (!sent) {
                if (guarded) {
                    breaker.releasePermission();
                }
                release(permit, ConcurrencyLimit.Signal.NEUTRAL);
            }
        }

        private void release(ConcurrencyLimit.Permit permit, ConcurrencyLimit.Signal signal) {
            if (permit != null) {
                limit.release(permit, signal);
            }
        }

        private void finished(
                ConcurrencyLimit.Permit permit, long started, R result, TritonException error) {
            long nanos = System.nanoTime() - started;
            boolean over = error != null && !active();
            if (op != null && breaker != null) {
                if (over) {
                    breaker.releasePermission();
                } else if (error == null) {
                    breaker.onSuccess(nanos, NANOSECONDS);
                } else {
                    breaker.onError(nanos, NANOSECONDS, error);
                }
            }
            release(
                    permit,
                    error == null
                            ? ConcurrencyLimit.Signal.SUCCESS
                            : !over && overload(error)
                                    ? ConcurrencyLimit.Signal.OVERLOAD
                                    : ConcurrencyLimit.Signal.NEUTRAL);
            if (error == null) {
                context.onComplete();
                done.done(result, null, attempts);
                return;
            }
            if (error instanceof TritonServerException
                    && throttling((TritonServerException) error)) {
                throttled.increment();
            }
            lastError = error;
            if (over) {
                if (op == null) {
                    closed();
                } else {
                    done.done(null, error, attempts);
                }
                return;
            }
            long delay = context.onError(error);
            long now = System.nanoTime();
            if (delay < 0 || now + MILLISECONDS.toNanos(delay) - deadline > 0) {
                done.done(null, error, attempts);
                return;
            }
            retries.increment();
            if (op == null) {
                logWait(error, delay, now);
            }
            if (!schedule(this::next, delay, this::closed)) {
                done.done(null, error, attempts);
            }
        }

        private void logWait(TritonException error, long delayMillis, long now) {
            ClientLog.warn(
                    Resilience.class,
                    settings.modelText
                            + " at "
                            + settings.endpointText
                            + " is not available yet, waiting for it: "
                            + error.getMessage()
                            + ". Attempt "
                            + (attempts + 1)
                            + " in "
                            + delayMillis
                            + " ms"
                            + (deadline == Long.MAX_VALUE
                                    ? ""
                                    : ", retrying for "
                                            + Math.max(0, NANOSECONDS.toSeconds(deadline - now))
                                            + " s more")
                            + " (the retry policy and budget of the client's requests).");
        }
    }

    private TritonException breakerOpen() {
        CircuitBreakerPolicy breakerPolicy = settings.options.circuitBreaker();
        float rate = breaker.getMetrics().getFailureRate();
        return new TritonException(
                "circuit breaker open: "
                        + (rate >= 0 ? Math.round(rate) + " % of the latest requests" : "requests")
                        + " to "
                        + settings.endpointText
                        + " failed as if the server were unwell, so requests fail fast, unsent,"
                        + " for "
                        + ClientSettings.format(breakerPolicy.openDuration())
                        + " before "
                        + breakerPolicy.halfOpenProbes()
                        + " probe(s) test the server again",
                null,
                true);
    }

    // ---- state -------------------------------------------------------------------------------

    int concurrencyLimit() {
        return limit.limit();
    }

    CircuitState circuitState() {
        if (breaker == null) {
            return CircuitState.DISABLED;
        }
        switch (breaker.getState()) {
            case OPEN:
            case FORCED_OPEN:
                return CircuitState.OPEN;
            case HALF_OPEN:
                return CircuitState.HALF_OPEN;
            case DISABLED:
                return CircuitState.DISABLED;
            default:
                return CircuitState.CLOSED;
        }
    }

    long retries() {
        return retries.sum();
    }

    long throttledResponses() {
        return throttled.sum();
    }

    long bisectionRequests() {
        return bisectionRequests.sum();
    }

    long rejectedByBreaker() {
        return rejectedByBreaker.sum();
    }

    /** A retry waiting on the timer; runs at most once, and not after {@link #shutdown}. */
    private final class Wait implements Runnable {
        private final Runnable task;

        /** Run instead of {@link #task} when {@link #shutdown} drops the wait. */
        private final Runnable dropped;

        private volatile Future<?> scheduled;

        Wait(Runnable task, Runnable dropped) {
            this.task = task;
            this.dropped = dropped;
        }

        @Override
        public void run() {
            if (waiting.remove(this)) {
                task.run();
            }
        }

        void cancel() {
            Future<?> future = scheduled;
            if (future != null) {
                future.cancel(false);
            }
        }
    }

    /**
     * Runs {@code task} on the timer after {@code delayMillis}, or {@code dropped} when {@link
     * #shutdown} comes first; false when this client is shut down or the timer is.
     */
    private boolean schedule(Runnable task, long delayMillis, Runnable dropped) {
        Wait wait = new Wait(task, dropped);
        waiting.add(wait);
        if (shutDown) {
            waiting.remove(wait);
            return false;
        }
        try {
            wait.scheduled = timer.schedule(wait, delayMillis, MILLISECONDS);
            return true;
        } catch (RejectedExecutionException closed) {
            waiting.remove(wait);
            return false;
        }
    }

    /**
     * Drops this client's retries still waiting (the timer is shared): the calls they belong to are
     * cancelled by the close that calls this, and a fetch of the model's information fails.
     */
    void shutdown() {
        shutDown = true;
        for (Wait wait : waiting) {
            if (waiting.remove(wait)) {
                wait.cancel();
                wait.dropped.run();
            }
        }
    }
}
