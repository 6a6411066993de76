package org.flinktriton;

/**
 * The root of every failure flink-triton reports: a server that cannot be reached, a server error,
 * a broken response, a timeout, classes that do not match the model, or a record whose values do
 * not fit its tensor spec. Unchecked, so that it travels through {@code CompletableFuture}s and
 * Flink's failure handling unchanged.
 *
 * <p>Messages name the tensor and what was expected versus found. A failure of a call to a model
 * also names the model: where the call completes, the client replaces the failure with a copy that
 * names it ({@link #inModel}), so the message reads {@code Model 'm' version v: …} and {@link
 * #model()} returns it. An instance never changes after it is built, so one failure may be handed
 * to many threads and callers.
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
    private static final long serialVersionUID = 3L;

    private final boolean retryable;

    /** Null when the failure is not tied to a call. */
    private final String model;

    private final String modelVersion;

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
        this.model = null;
        this.modelVersion = null;
    }

    /**
     * A copy of {@code original} that names {@code model}: the same message, cause, retryability,
     * stack trace and suppressed exceptions. Subclasses call it from the copy constructor their
     * {@link #withModel} uses.
     *
     * @param modelVersion the model version, or null for the server's default version
     */
    protected TritonException(TritonException original, String model, String modelVersion) {
        super(original.detail(), original.getCause());
        this.retryable = original.retryable;
        this.model = model;
        this.modelVersion = modelVersion;
        setStackTrace(original.getStackTrace());
        for (Throwable suppressed : original.getSuppressed()) {
            addSuppressed(suppressed);
        }
    }

    /** Whether the same request may pass on a second try; see the class comment for the rule. */
    public boolean retryable() {
        return retryable;
    }

    /**
     * This failure as one of {@code model}: a copy of the same class that names it (see {@link
     * #withModel}), or this exception itself when it names a model already or {@code model} is
     * null. The client calls it where a call completes. This exception is left as it is, so the
     * same instance may be named for several models by several threads at once.
     *
     * @param version the model version, or null for the server's default version
     */
    public final TritonException inModel(String model, String version) {
        if (this.model != null || model == null) {
            return this;
        }
        return withModel(model, version);
    }

    /**
     * A copy of this exception, of the same class, that names {@code model}; {@link #inModel} calls
     * it for a failure that names no model yet. Every subclass in this package overrides it with a
     * copy constructor (see {@link #TritonException(TritonException, String, String)}), so that the
     * copy keeps its type and fields. A subclass elsewhere that does not override it keeps its type
     * rather than the model: it is returned as it is.
     *
     * @param version the model version, or null for the server's default version
     */
    protected TritonException withModel(String model, String version) {
        return getClass() == TritonException.class
                ? new TritonException(this, model, version)
                : this;
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
