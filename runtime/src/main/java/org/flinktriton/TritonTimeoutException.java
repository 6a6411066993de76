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

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonTimeoutException(
            TritonTimeoutException original, String model, String modelVersion) {
        super(original, model, modelVersion);
    }

    @Override
    protected TritonTimeoutException withModel(String model, String version) {
        return getClass() == TritonTimeoutException.class
                ? new TritonTimeoutException(this, model, version)
                : this;
    }
}
