package org.flinktriton;

/** A call did not complete within its deadline; the message names the model and the deadline. */
public class TritonTimeoutException extends TritonException {
    private static final long serialVersionUID = 1L;

    public TritonTimeoutException(String message) {
        super(message);
    }

    public TritonTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
