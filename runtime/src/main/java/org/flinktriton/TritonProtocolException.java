package org.flinktriton;

/**
 * A response that breaks the KServe v2 protocol or Triton's binary extension: a header that is not
 * JSON, a tensor whose byte count does not match its shape and datatype, a missing output, a length
 * past the end of the body. The message names the model and the output involved.
 */
public class TritonProtocolException extends TritonException {
    private static final long serialVersionUID = 1L;

    public TritonProtocolException(String message) {
        super(message);
    }

    public TritonProtocolException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonProtocolException(
            TritonProtocolException original, String model, String modelVersion) {
        super(original, model, modelVersion);
    }

    @Override
    protected TritonProtocolException withModel(String model, String version) {
        return getClass() == TritonProtocolException.class
                ? new TritonProtocolException(this, model, version)
                : this;
    }
}
