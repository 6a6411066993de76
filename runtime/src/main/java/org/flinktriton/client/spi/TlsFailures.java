package org.flinktriton.client.spi;

import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;

/**
 * A failed TLS handshake, worded and classified alike by every transport, so that moving a job from
 * {@code https://} to {@code grpcs://} changes neither its messages nor its retries.
 */
public final class TlsFailures {
    private TlsFailures() {}

    /**
     * The failure of a handshake with {@code endpointText}: a rejected server certificate says how
     * to trust it and is not retried (it will not change); a handshake the peer cut off is a
     * retryable {@link TritonConnectionException} (it may pass next time); anything else is a
     * {@link TritonException} that is not retried.
     *
     * @param reason the innermost cause's message
     */
    public static TritonException of(
            String endpointText,
            String reason,
            boolean certificateRejected,
            boolean connectionCut,
            Throwable cause) {
        String message =
                "TLS with "
                        + endpointText
                        + (certificateRejected
                                ? " failed, the server's certificate was rejected ("
                                        + reason
                                        + "); to trust a private CA or a self-signed"
                                        + " certificate, configure the client's trustStore"
                                        + " or sslContext"
                                : " failed (" + reason + ")");
        return !certificateRejected && connectionCut
                ? new TritonConnectionException(message, cause)
                : new TritonException(message, cause);
    }
}
