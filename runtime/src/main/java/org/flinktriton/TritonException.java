package org.flinktriton;

/**
 * The root of every failure flink-triton reports: a server that cannot be reached, a server error,
 * a broken response, a timeout, classes that do not match the model, or a record whose values do
 * not fit its tensor spec. Unchecked, so that it travels through {@code CompletableFuture}s and
 * Flink's failure handling unchanged.
 *
 * <p>Messages name the tensor and what was expected versus found. A failure of a call to a model
 * also names the model: the client attaches it once, where the call completes, so the message reads
 * {@code Model 'm' version v: …} and {@link #model()} returns it.
 *
 * <p>{@link #retryable()} says whether the same request may pass on a second try: true for a server
 * that could not be reached or dropped the connection ({@link TritonConnectionException}), for HTTP
 * 408, 429, 502, 503 and 504 ({@link TritonServerException}) and for timeouts ({@link
 * TritonTimeoutException}); false for everything else: a record that does not fit ({@link
 * TritonRecordException}), classes that do not match the model ({@link TritonSchemaException}),
 * other HTTP errors, a response that breaks the protocol ({@link TritonProtocolException}) and a
 * client that is closed.
 */
public class TritonException extends RuntimeException {
    private static final long serialVersionUID = 2L;

    private final boolean retryable;
    private String model;
    private String modelVersion;

    /** A failure that a second try would not cure. */
    public TritonException(String message) {
        this(message, null, false);
    }

    /** A failure that a second try would not cure. */
    public TritonException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * A failure with its cause.
     *
     * @param retryable whether the same request may pass on a second try
     */
    public TritonException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the same request may pass on a second try; see the class comment for the rule. */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Names the model this failure belongs to. The client calls it once, where a call completes;
     * later calls leave the first model in place.
     *
     * @param version the model version, or null for the server's default version
     * @return this exception
     */
    public final TritonException inModel(String model, String version) {
        if (this.model == null && model != null) {
            this.model = model;
            this.modelVersion = version;
        }
        return this;
    }

    /** The model whose call failed, or null when the failure is not tied to a call. */
    public final String model() {
        return model;
    }

    /** The version of {@link #model()}, or null when the call used the server's default. */
    public final String modelVersion() {
        return modelVersion;
    }

    /** The message as thrown, without the model's name in front. */
    public final String detail() {
        return super.getMessage();
    }

    /** The message, after {@code Model 'm' version v: } when the failure belongs to a model. */
    @Override
    public String getMessage() {
        String detail = super.getMessage();
        if (model == null) {
            return detail;
        }
        return "Model '"
                + model
                + "'"
                + (modelVersion == null ? "" : " version " + modelVersion)
                + ": "
                + detail;
    }
}
