package org.flinktriton;

/**
 * A call did not complete within its deadline; the message names the deadline. A later try may be
 * faster, so it is always {@linkplain #retryable() retryable}.
 */
public class TritonTimeoutException extends TritonException {
    private static final long serialVersionUID = 1L;

    public TritonTimeoutException(String message) {
        super(message, null, true);
    }

    public TritonTimeoutException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
