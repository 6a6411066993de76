package org.flinktriton.client;

/** The state of a client's circuit breaker, as {@link TritonModelClient#circuitState()} tells. */
public enum CircuitState {
    /** There is no breaker ({@link CircuitBreakerPolicy#none()}). */
    DISABLED,
    /** Requests are sent; failures are counted. */
    CLOSED,
    /** Requests fail at once without being sent. */
    OPEN,
    /** A few probe requests are sent to decide whether to close again. */
    HALF_OPEN
}
