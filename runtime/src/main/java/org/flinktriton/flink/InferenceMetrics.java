package org.flinktriton.flink;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.flinktriton.client.CircuitState;
import org.flinktriton.client.TritonModelClient;

/**
 * The resilience metrics of one {@link TritonInferenceFunction}, next to the operator's {@code
 * asyncBatch*}: {@code tritonRetries}, {@code tritonThrottledResponses} (429 and 503 answers),
 * {@code tritonConcurrencyLimit}, {@code tritonCircuitState} (0 disabled, 1 closed, 2 half-open, 3
 * open), {@code tritonBisectionRequests}, {@code tritonDeadLetters} and {@code tritonFallbacks}.
 */
final class InferenceMetrics {
    static final String RETRIES = "tritonRetries";
    static final String THROTTLED = "tritonThrottledResponses";
    static final String CONCURRENCY_LIMIT = "tritonConcurrencyLimit";
    static final String CIRCUIT_STATE = "tritonCircuitState";
    static final String BISECTION_REQUESTS = "tritonBisectionRequests";
    static final String DEAD_LETTERS = "tritonDeadLetters";
    static final String FALLBACKS = "tritonFallbacks";

    private final Counter deadLetters;
    private final Counter fallbacks;

    private InferenceMetrics(Counter deadLetters, Counter fallbacks) {
        this.deadLetters = deadLetters;
        this.fallbacks = fallbacks;
    }

    /** Metrics that go nowhere: for a function opened outside an operator. */
    static InferenceMetrics unregistered() {
        return new InferenceMetrics(new SimpleCounter(), new SimpleCounter());
    }

    static InferenceMetrics register(MetricGroup group, TritonModelClient client) {
        group.gauge(RETRIES, (Gauge<Long>) client::retries);
        group.gauge(THROTTLED, (Gauge<Long>) client::throttledResponses);
        group.gauge(CONCURRENCY_LIMIT, (Gauge<Integer>) client::concurrencyLimit);
        group.gauge(CIRCUIT_STATE, (Gauge<Integer>) () -> code(client.circuitState()));
        group.gauge(BISECTION_REQUESTS, (Gauge<Long>) client::bisectionRequests);
        return new InferenceMetrics(group.counter(DEAD_LETTERS), group.counter(FALLBACKS));
    }

    private static int code(CircuitState state) {
        switch (state) {
            case CLOSED:
                return 1;
            case HALF_OPEN:
                return 2;
            case OPEN:
                return 3;
            default:
                return 0;
        }
    }

    void deadLetter() {
        deadLetters.inc();
    }

    void fallback() {
        fallbacks.inc();
    }

    long deadLetters() {
        return deadLetters.getCount();
    }

    long fallbacks() {
        return fallbacks.getCount();
    }
}
