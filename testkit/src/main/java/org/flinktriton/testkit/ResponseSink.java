package org.flinktriton.testkit;

import java.util.List;
import org.flinktriton.wire.Tensor;

/**
 * Where a {@link DecoupledHandler} emits the responses of one request. Not thread-safe: one
 * request, one thread.
 */
public interface ResponseSink {
    /**
     * Sends one response with {@code outputs}, each with its full shape, as a unary answer would
     * carry them. Blocks while the client's flow control holds the stream back (a slow client slows
     * the handler down, as on a real server) and for {@link Faults#streamResponseDelay}.
     *
     * @throws InterruptedException when the stream is gone (the client cancelled it, the server
     *     closes, or {@link Faults#resetStreamAfter} reset it): stop, nothing more can be sent
     * @throws IllegalStateException when the outputs do not match the model's declaration
     */
    void send(List<Tensor> outputs) throws InterruptedException;

    /** How many responses this request has sent so far. */
    int sent();
}
