package org.flinktriton;

import java.time.Duration;
import java.util.Optional;

/**
 * The server answered with an HTTP status of 400 or above. {@link #statusCode()} is that status and
 * {@link #error()} the server's {@code "error"} text (or, when the body was not the protocol's
 * error object, the body itself, shortened).
 *
 * <p>Triton maps its own error codes to statuses: INVALID_ARG is 400, NOT_FOUND 404, UNAVAILABLE
 * 503, INTERNAL 500 and UNSUPPORTED 501.
 *
 * <p>{@linkplain #retryable() Retryable} for the statuses that say "not now" rather than "not
 * this": 408 (request timeout), 429 (too many requests), 502, 503 and 504 (a gateway or the server
 * is unavailable for the moment).
 */
public class TritonServerException extends TritonException {
    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final String error;

    /** Null when the server sent no usable {@code Retry-After}. */
    private final Duration retryAfter;

    public TritonServerException(String message, int statusCode, String error) {
        this(message, statusCode, error, null);
    }

    /**
     * @param retryAfter how long the server asked the client to wait ({@code Retry-After}), or null
     *     when it did not say
     */
    public TritonServerException(
            String message, int statusCode, String error, Duration retryAfter) {
        super(message, null, isRetryable(statusCode));
        this.statusCode = statusCode;
        this.error = error;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status the server answered with. */
    public int statusCode() {
        return statusCode;
    }

    /** The server's error text; never null, empty when the server sent none. */
    public String error() {
        return error;
    }

    /**
     * How long the server asked the client to wait before trying again (its {@code Retry-After}
     * header, in seconds or as an HTTP date); empty when it did not say. The client's retries
     * honour it on 429 and 503.
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Whether a request answered with {@code statusCode} may pass on a second try. */
    public static boolean isRetryable(int statusCode) {
        return statusCode == 408
                || statusCode == 429
                || statusCode == 502
                || statusCode == 503
                || statusCode == 504;
    }

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonServerException(
            TritonServerException original, String model, String modelVersion) {
        super(original, model, modelVersion);
        this.statusCode = original.statusCode;
        this.error = original.error;
        this.retryAfter = original.retryAfter;
    }

    @Override
    protected TritonServerException withModel(String model, String version) {
        return getClass() == TritonServerException.class
                ? new TritonServerException(this, model, version)
                : this;
    }
}
