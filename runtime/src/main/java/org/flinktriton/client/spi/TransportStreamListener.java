package org.flinktriton.client.spi;

import java.util.List;
import org.flinktriton.TritonException;
import org.flinktriton.wire.Tensor;

/**
 * Receives what arrives on a {@link TransportStream}. Calls come one at a time, never concurrently,
 * on the transport's threads; after {@link #onClosed} none follow.
 */
public interface TransportStreamListener {
    /** The stream takes requests again ({@link TransportStream#isReady} turned true). */
    void onReady();

    /**
     * One response to the request with {@code id}.
     *
     * @param outputs its output tensors; empty for a response that only ends the request
     * @param last whether the server marked it the request's final response ({@code
     *     triton_final_response})
     */
    void onResponse(String id, List<Tensor> outputs, boolean last);

    /**
     * The server failed the request with {@code id} (an error response on a stream that goes on).
     *
     * @param id the request's id, or null when the server named none
     */
    void onError(String id, TritonException error);

    /**
     * The stream ended: {@code error} is null when the server completed it, else why it broke
     * (retryable for a connection lost or reset, as for unary exchanges).
     */
    void onClosed(TritonException error);
}
