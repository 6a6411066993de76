package org.flinktriton;

/**
 * The server could not be reached, or the connection broke before the whole response arrived:
 * connection refused or reset, an unknown host, a response cut short. The server may answer a
 * second try, so it is always {@linkplain #retryable() retryable}. The message names the endpoint.
 */
public class TritonConnectionException extends TritonException {
    private static final long serialVersionUID = 1L;

    public TritonConnectionException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
