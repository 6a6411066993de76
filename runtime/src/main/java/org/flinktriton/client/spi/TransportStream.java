package org.flinktriton.client.spi;

import org.flinktriton.wire.EncodedBody;

/**
 * One bidirectional inference stream (gRPC's {@code ModelStreamInfer}), opened by {@link
 * TritonTransport#openStream}: many requests go out on it, each with its own {@code id}, and the
 * server answers each with zero or more responses, in any interleaving, which reach the {@link
 * TransportStreamListener}. Flow control is the client's: it sends while {@link #isReady} holds and
 * waits for {@link TransportStreamListener#onReady} otherwise, and it asks for responses with
 * {@link #request} as it is able to handle them, so that neither side buffers without bound.
 */
public interface TransportStream {
    /**
     * Sends one request on the stream.
     *
     * @param request the encoded request, its {@link EncodedBody#id()} set: responses carry it
     * @throws org.flinktriton.TritonException when the request cannot travel on this transport
     */
    void send(EncodedBody request);

    /** Whether the stream takes a request now without buffering it. */
    boolean isReady();

    /** Lets {@code count} more responses reach the listener. */
    void request(int count);

    /**
     * Ends the stream at once, on the wire: requests without their final response get none; the
     * listener's {@link TransportStreamListener#onClosed} follows with a failure.
     */
    void cancel(String reason);
}
