package org.flinktriton.client.spi;

/**
 * One exchange with the server, made by a {@link TritonTransport} but not yet sent. The client
 * {@link #start}s it at most once; it may {@link #cancel} it at any time, also before or instead of
 * starting it. A cancelled exchange reports a failure to its callback if it was started and has not
 * reported yet, and releases what it holds at once (a gRPC call is cancelled on the wire).
 */
public interface TransportCall {
    /**
     * Sends the exchange.
     *
     * @param onCallingThread true when the caller lends its thread: a transport that blocks while
     *     an exchange runs may run it right here (the client's blocking calls do this for their
     *     first request); false when the exchange must run elsewhere and this method return soon
     */
    void start(boolean onCallingThread);

    /** Cancels the exchange; does nothing once it has reported. */
    void cancel();
}
