package org.flinktriton.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Faults that {@link TritonTestServer} injects into its inference responses, to test how a client
 * or a job copes. Thread-safe; every setting may change while requests are running and applies to
 * {@code POST …/infer} of every model (health, metadata and config stay healthy).
 *
 * <h2>Counted faults</h2>
 *
 * <pre>{@code
 * server.faults().latency(Duration.ofMillis(200));          // every infer request
 * server.faults().failNext(2, 503, "server is busy");        // the next two answer 503
 * server.faults().failEvery(5, 500, "boom");                 // the 5th, 10th, 15th, … answer 500
 * server.faults().dropNext(1);                               // the next one gets no answer at all
 * server.faults().truncateNext(1);                           // the next 200 stops halfway
 * server.faults().malformNext(1);                            // the next 200 is not valid JSON
 * server.faults().clear();
 * }</pre>
 *
 * <h2>Chaos: seeded rates, poison records, outages</h2>
 *
 * <pre>{@code
 * server.faults()
 *         .seed(42)                                                  // same seed, same decisions
 *         .failRate(0.05, 503, "model is reloading")                 // 5 % answer 503
 *         .failRate(0.02, 429, "queue full", Duration.ofMillis(500)) // 2 % 429, Retry-After: 1
 *         .resetRate(0.01)                                           // 1 % lose their connection
 *         .latencySpikes(0.01, Duration.ofMillis(300))               // 1 % take 300 ms longer
 *         .poisonWhere("ID", id -> id % 10_000 == 7);                // 400 for batches holding one
 * server.outage(Duration.ofSeconds(3));                              // connections refused for 3 s
 * ...
 * assertThat(server.stats().injectedFailures(503)).isEqualTo(...);   // what each fault did
 * assertThat(server.stats().poisonAnswers()).isEqualTo(...);
 * }</pre>
 *
 * <p>Every rate is a probability from 0 to 1 and has its own random stream ({@link
 * SplittableRandom}), derived from the {@linkplain #seed(long) seed} (default {@value
 * #DEFAULT_SEED}) and started afresh when the rate is set or the seed changes. An active rate draws
 * exactly once for every infer request, whatever else happens to that request, so the n-th infer
 * request meets the same decisions on every run with the same seed and the same settings, and one
 * rate never shifts another's decisions. Under concurrency "the n-th" is the order in which
 * requests reach the decision (after their body was read and the fixed latency passed); a test that
 * asserts exact counts sends the same number of requests, and then the counts are exact whatever
 * the order.
 *
 * <p>Several {@link #failRate failure rates} may be active at once (each call adds one): when more
 * than one fires for a request, the one added first answers, so with 5 % 503 added before 2 % 429
 * about 0.05 + 0.95 · 0.02 of the requests fail. {@link #poison} predicates add up the same way; a
 * batch is poisoned when any predicate holds for any of its records.
 *
 * <h2>Order per request</h2>
 *
 * <p>The body is read, the {@linkplain #latency added latency} passes, the decisions are drawn, a
 * {@linkplain #latencySpikes latency spike} passes if one was drawn (it delays whatever answer
 * follows), then the first that applies of drop, fail-next, fail-every, reset, the failure rates in
 * the order added decides the answer (a request that is dropped, reset or failed is not executed).
 * Otherwise the request is parsed and validated (a bad request is 400 as usual), then the poison
 * predicates see its records: a batch holding a poison record is answered 400 {@code "… poison
 * record at index 3 of 64 …"} without running the model. A request that runs normally and would
 * answer 200 is then malformed or truncated if one of those is armed. Every infer request counts
 * towards {@link #failEvery}.
 *
 * <h2>What a client sees</h2>
 *
 * <ul>
 *   <li>A failure: the status, {@code Content-Type: application/json}, {@code {"error": error}},
 *       and a {@code Retry-After} header in whole seconds (rounded up) when one was given.
 *   <li>A drop or a {@linkplain #resetRate reset}: the connection closes after the request was read
 *       and before any byte of an answer. The JDK's HTTP server keeps its sockets to itself, so no
 *       TCP RST can be forced: the client sees the connection end (FIN) where the answer should
 *       start. OkHttp reports {@code java.io.IOException: unexpected end of stream on
 *       http://127.0.0.1:PORT/...} (the flink-triton client: a retryable {@code
 *       TritonConnectionException}, "the connection broke"), the JDK's HttpClient {@code
 *       IOException: HTTP/1.1 header parser received no bytes}. Note that OkHttp may send such a
 *       request once more by itself, on a new connection ({@code retryOnConnectionFailure}, on by
 *       default): the server then sees, and draws for, a second request.
 *   <li>A poison batch: 400 with {@code {"error": "Model 'm' cannot run the batch: poison record at
 *       index 3 of 64"}} (and {@code " (2 poison records)"} when there are more).
 *   <li>An {@linkplain TritonTestServer#outage outage}: see there; connection refused.
 *   <li>Over gRPC ({@link TritonTestServer.Builder#grpc()}), the same decisions from the same
 *       streams: a failure is the gRPC status Triton uses for its HTTP status (503 {@code
 *       UNAVAILABLE}, 429 {@code UNAVAILABLE} too, 400 {@code INVALID_ARGUMENT}, 404 {@code
 *       NOT_FOUND}, 500 {@code INTERNAL}) with {@code error} as its description and a {@code
 *       retry-after} trailer; a drop or reset is {@code UNAVAILABLE}; a truncated response carries
 *       half of each output's bytes and a malformed one declares its outputs without their data; a
 *       poison batch is {@code INVALID_ARGUMENT} with the same message.
 * </ul>
 *
 * <p>{@link ServerStats} counts what each fault did: {@link ServerStats#injectedFailures(int)},
 * {@link ServerStats#resets()}, {@link ServerStats#latencySpikes()}, {@link
 * ServerStats#poisonAnswers()}, {@link ServerStats#outages()}.
 */
public final class Faults {
    /** The seed the random streams start from until {@link #seed(long)} sets another. */
    public static final long DEFAULT_SEED = 20_250_101L;

    /** Holds the settings and decides; this class checks them and documents them. */
    private final FaultEngine engine;

    Faults(FaultEngine engine) {
        this.engine = engine;
    }

    /** Adds {@code latency} to every infer request, before it is answered; zero turns it off. */
    public Faults latency(Duration latency) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        engine.latency(latency);
        return this;
    }

    /** The added latency per infer request. */
    public Duration latency() {
        return engine.latency();
    }

    /**
     * Answers the next {@code count} infer requests with {@code status} and {@code {"error":
     * error}}, without running the model.
     */
    public Faults failNext(int count, int status, String error) {
        checkStatus(status);
        engine.failNext(
                nonNegative(count, "count"), status, Objects.requireNonNull(error, "error"));
        return this;
    }

    /**
     * Answers every {@code k}-th infer request from now on (the k-th, 2k-th, …) with {@code status}
     * and {@code {"error": error}}; {@code k <= 0} turns it off.
     */
    public Faults failEvery(int k, int status, String error) {
        checkStatus(status);
        engine.failEvery(Math.max(0, k), status, Objects.requireNonNull(error, "error"));
        return this;
    }

    /**
     * Closes the connection of the next {@code count} infer requests without any answer (the
     * request body is read first), as a crashing server or a proxy would.
     */
    public Faults dropNext(int count) {
        engine.dropNext(nonNegative(count, "count"));
        return this;
    }

    /**
     * Cuts the next {@code count} successful responses short: the status and the full {@code
     * Content-Length} go out, then half the body, then the connection closes.
     */
    public Faults truncateNext(int count) {
        engine.truncateNext(nonNegative(count, "count"));
        return this;
    }

    /**
     * Replaces the next {@code count} successful responses with a 200 whose {@code
     * application/json} body is cut off mid-JSON.
     */
    public Faults malformNext(int count) {
        engine.malformNext(nonNegative(count, "count"));
        return this;
    }

    /**
     * Sets the seed of every random stream and restarts them all, those of the rates already set
     * included: from here on, the same settings and the same number of infer requests give the same
     * decisions. The default is {@value #DEFAULT_SEED}; {@link #clear()} keeps the seed.
     */
    public Faults seed(long seed) {
        engine.seed(seed);
        return this;
    }

    /** The seed of the random streams. */
    public long seed() {
        return engine.seed();
    }

    /**
     * Adds a failure rate: each infer request is answered with {@code status} and {@code {"error":
     * error}}, without running the model, with probability {@code rate}. Each call adds a rule with
     * its own random stream (5 % 503 and 2 % 429 at once are two calls); {@link #clear()} removes
     * them all.
     *
     * @param rate from 0 to 1
     * @param status 400 to 599
     */
    public Faults failRate(double rate, int status, String error) {
        return addFailRate(rate, status, error, null);
    }

    /**
     * Adds a failure rate whose answers carry {@code Retry-After} with {@code retryAfter} in whole
     * seconds, rounded up (500 ms gives {@code Retry-After: 1}), as servers send with 429 and 503.
     *
     * @see #failRate(double, int, String)
     */
    public Faults failRate(double rate, int status, String error, Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
        }
        return addFailRate(rate, status, error, retryAfter);
    }

    private Faults addFailRate(double rate, int status, String error, Duration retryAfter) {
        checkRate(rate);
        checkStatus(status);
        Objects.requireNonNull(error, "error");
        engine.addFailRate(
                rate,
                status,
                error,
                retryAfter == null ? null : Long.toString(ceilSeconds(retryAfter)));
        return this;
    }

    /**
     * Resets the connection of each infer request with probability {@code rate}, after its body was
     * read and before any byte of an answer; 0 turns it off. What a client sees is in the class
     * documentation: the connection ends where the answer should start.
     */
    public Faults resetRate(double rate) {
        checkRate(rate);
        engine.resetRate(rate);
        return this;
    }

    /**
     * Delays each infer request by {@code spike}, on top of the {@link #latency(Duration) fixed
     * latency}, with probability {@code rate}; a rate of 0 turns it off.
     */
    public Faults latencySpikes(double rate, Duration spike) {
        checkRate(rate);
        Objects.requireNonNull(spike, "spike");
        if (spike.isNegative()) {
            throw new IllegalArgumentException("spike must not be negative: " + spike);
        }
        engine.latencySpikes(rate, spike);
        return this;
    }

    /**
     * Adds a poison predicate: an infer request with a record for which it holds is answered 400
     * {@code "Model 'm' cannot run the batch: poison record at index 3 of 64"} (the first poison
     * record's index in the batch and the batch size), without running the model, however often it
     * is sent. The request has passed validation, so the record's inputs are there to read. Each
     * call adds a predicate, for every model (ask {@code record.request().model().name()} to narrow
     * it down); {@link #clear()} removes them all.
     *
     * <pre>{@code
     * faults.poison(record -> record.stringValue("TEXT").startsWith("POISON"));
     * faults.poison(record -> record.request().model().name().equals("scorer")
     *         && record.doubleValue("X") < 0);
     * }</pre>
     */
    public Faults poison(Predicate<ModelRequest.Record> predicate) {
        engine.addPoison(Objects.requireNonNull(predicate, "predicate"));
        return this;
    }

    /**
     * Adds a poison predicate on the first element of a record's {@code input}, which must be of an
     * integer or BOOL type ({@link ModelRequest.Record#longValue}); requests to models without that
     * input are never poisoned by it.
     *
     * <pre>{@code
     * faults.poisonWhere("INPUT0", first -> first == -1);      // every record that starts with -1
     * }</pre>
     */
    public Faults poisonWhere(String input, LongPredicate firstElement) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(firstElement, "firstElement");
        return poison(
                record -> record.hasInput(input) && firstElement.test(record.longValue(input)));
    }

    /**
     * Resets a gRPC {@code ModelStreamInfer} stream once, right after the {@code responses}-th
     * response of a {@linkplain TestModel.Builder#decoupled decoupled} model sent from now on (any
     * stream's): the client sees {@code UNAVAILABLE}, as when a connection breaks, and the requests
     * of that stream without their final response get nothing more (their handlers are stopped).
     * Counted by {@link ServerStats#streamResets()}. Call again to arm it again; 0 disarms it.
     *
     * <pre>{@code
     * server.faults().resetStreamAfter(25);    // mid-response, for records with many responses
     * }</pre>
     */
    public Faults resetStreamAfter(int responses) {
        engine.resetStreamAfter(nonNegative(responses, "responses"));
        return this;
    }

    /**
     * Adds {@code delay} before each response of a {@linkplain TestModel.Builder#decoupled
     * decoupled} model, a slow generation; zero turns it off. Error responses for {@link #poison
     * poison records} and failures drawn by the other faults apply to decoupled requests as to
     * unary ones, as an error response for that request alone.
     */
    public Faults streamResponseDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        engine.streamResponseDelay(delay);
        return this;
    }

    /**
     * Turns every fault off: latency, the counted faults, every rate and poison predicate, the
     * stream faults. The seed stays.
     */
    public void clear() {
        engine.clear();
    }

    private static void checkRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("A rate is a probability from 0 to 1, not " + rate);
        }
    }

    /** Whole seconds, rounded up, as {@code Retry-After} carries them. */
    static long ceilSeconds(Duration duration) {
        return duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
    }

    private static void checkStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException(
                    "An injected failure needs a 4xx or 5xx status, not " + status);
        }
    }

    private static int nonNegative(int count, String what) {
        if (count < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + count);
        }
        return count;
    }

    @Override
    public String toString() {
        return engine.toString();
    }
}
