package org.flinktriton.client.spi;

import org.flinktriton.TritonException;

/**
 * Receives the outcome of one exchange, once: a result and a null error, or a null result and the
 * error. May be called on any thread, and before {@link TransportCall#start} returns.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface TransportCallback<R> {
    void done(R result, TritonException error);
}
