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

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonConnectionException(
            TritonConnectionException original, String model, String modelVersion) {
        super(original, model, modelVersion);
    }

    @Override
    protected TritonConnectionException withModel(String model, String version) {
        return getClass() == TritonConnectionException.class
                ? new TritonConnectionException(this, model, version)
                : this;
    }
}
