package org.flinktriton;

/**
 * A record that cannot be encoded: a null field, an array whose length does not match the tensor's
 * shape, a value out of the datatype's range. The message names the class, the field and the
 * tensor. Sending the same record again fails the same way, so it is never {@linkplain #retryable()
 * retryable}.
 */
public class TritonRecordException extends TritonException {
    private static final long serialVersionUID = 1L;

    public TritonRecordException(String message) {
        super(message);
    }

    public TritonRecordException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonRecordException(
            TritonRecordException original, String model, String modelVersion) {
        super(original, model, modelVersion);
    }

    @Override
    protected TritonRecordException withModel(String model, String version) {
        return getClass() == TritonRecordException.class
                ? new TritonRecordException(this, model, version)
                : this;
    }
}
